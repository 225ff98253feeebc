"""Query-time e5 without torch: the provisioned sentence-transformers folder run by numpy.

The folder's float32 weights are memory-mapped from ``model.safetensors`` (only the rows of the
tokens in a question are read from the 384 MB embedding table) and its ``tokenizer.json`` is
loaded by the ``tokenizers`` library. The forward pass is BERT's (post-LayerNorm, exact GELU, mean
pooling, L2 normalization) on the same weights, so questions get the vectors torch would give them
(``tests/models/test_e5_numpy.py`` holds them to cosine >= 0.9999), without importing torch.
"""

from __future__ import annotations

import contextlib
import json
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any, ContextManager
from pathlib import Path

import numpy as np

from rag.errors import ModelError
from rag.models.embed import E5_QUERY_PREFIX, Embedder, check_batch_size, check_texts
from rag.models.provision import E5_ALIASES, resolve_model

MAX_TOKENS = 512
BATCH_TOKENS = 2048  # padded tokens in one forward pass
_DTYPES = {"F32": np.float32}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as read-only memory-mapped arrays (float32 only)."""
    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, only F32 is supported")
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=-1, keepdims=True)
    return centered / np.sqrt(var + eps) * weight + bias


def _blas_limit() -> Callable[[], ContextManager[Any]]:
    """A context that runs BLAS on one thread: on a busy 2-core machine a second BLAS thread made a
    10 x 384 x 1536 product take 16 ms instead of 1.5 ms, and a 2,000-character question 11 s instead of 3.2 s."""
    try:
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()  # finds the BLAS libraries once, not on every question
        return lambda: controller.limit(limits=1, user_api="blas")
    except Exception:  # no threadpoolctl, or it cannot inspect this BLAS: run as configured
        return contextlib.nullcontext


class NumpyE5:
    """A BERT encoder (as ``transformers.BertModel``) with mean pooling, over a sentence-transformers folder."""

    def __init__(self, folder: str | Path) -> None:
        from scipy.special import erf
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(f"{folder} holds a {config.get('model_type')} model; only BERT (gelu) is supported")
        self._erf = erf
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.w = read_safetensors(folder / "model.safetensors")
        self.dimension = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._threads = _blas_limit()
        self._transposed: dict[str, np.ndarray] = {}

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self._transposed.get(name)
        if weight is None:  # in memory and contiguous: numpy's matmul is slow on a transposed memmap
            weight = self._transposed[name] = np.ascontiguousarray(self.w[name + ".weight"].T)
        return (x.reshape(-1, x.shape[-1]) @ weight + self.w[name + ".bias"]).reshape(*x.shape[:-1], -1)

    def _layer(self, x: np.ndarray, mask: np.ndarray, i: int) -> np.ndarray:
        p = f"encoder.layer.{i}."
        n, length, hidden = x.shape
        head = hidden // self.heads

        def split(t: np.ndarray) -> np.ndarray:  # contiguous per head, so that matmul can use BLAS
            return np.ascontiguousarray(t.reshape(n, length, self.heads, head).transpose(0, 2, 1, 3))

        q, k, v = (split(self._dense(x, p + f"attention.self.{m}")) for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
        x = _layer_norm(x + self._dense(context, p + "attention.output.dense"),
                        self.w[p + "attention.output.LayerNorm.weight"], self.w[p + "attention.output.LayerNorm.bias"], self.eps)
        h = self._dense(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + self._erf(h / np.float32(np.sqrt(2.0))))
        return _layer_norm(x + self._dense(h, p + "output.dense"),
                           self.w[p + "output.LayerNorm.weight"], self.w[p + "output.LayerNorm.bias"], self.eps)

    def encode(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Mean-pooled, L2-normalized embeddings of ``texts`` (prefixes already added), rows in input order.

        Texts are batched by token count: at most ``batch_size`` texts and ``BATCH_TOKENS`` padded
        tokens a batch, so one long text is not padded together with many short ones.
        """
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        with self._threads():
            while order:
                batch = order[:1]
                while (len(batch) < min(batch_size, len(order))
                       and (len(batch) + 1) * len(ids[order[len(batch)]]) <= BATCH_TOKENS):
                    batch = order[:len(batch) + 1]
                out[batch] = self._forward([ids[i] for i in batch])
                order = order[len(batch):]
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(t) for t in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        valid = np.zeros((len(batch), length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, :len(tokens)] = tokens
            valid[row, :len(tokens)] = 1.0
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        mask = ((1.0 - valid) * np.float32(-1e9))[:, None, None, :].astype(np.float32)
        for i in range(self.layers):
            x = self._layer(x, mask, i)
        pooled = (x * valid[:, :, None]).sum(1) / valid.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


class NumpyQueryEncoder:
    """Encodes questions with the ``query: `` prefix; provisions and loads the model folder on first use."""

    def __init__(self, model: str, *, cache_dir: Path | None = None, progress: bool = False) -> None:
        self.model_id = model
        self.cache_dir = cache_dir
        self.progress = progress
        self._engine: NumpyE5 | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"NumpyQueryEncoder({self.model_id!r}, {'loaded' if self._engine else 'not loaded'})"

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded yet."""
        return self._engine is not None

    @property
    def dimension(self) -> int:
        """Length of each vector (loads the model)."""
        return self._get().dimension

    def load(self) -> None:
        """Provision (if needed) and load the model now instead of at the first question."""
        self._get()

    def _get(self) -> NumpyE5:
        with self._lock:
            if self._engine is None:
                path = resolve_model(self.model_id, cache_dir=self.cache_dir, progress=self.progress)
                try:
                    self._engine = NumpyE5(path)
                except Exception as exc:  # a missing, truncated or foreign file; a missing library
                    raise ModelError(f"cannot load {self.model_id!r} from {path} for questions: {exc}; "
                                     "run `rag ingest` to provision it again") from exc
            return self._engine

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed search queries; shape ``(n, dimension)``, rows in input order."""
        check_batch_size(batch_size)
        items = [E5_QUERY_PREFIX + t for t in check_texts(texts, "texts")]
        return self._get().encode(items, batch_size=batch_size)


def query_encoder(model: str, *, progress: bool = False) -> NumpyQueryEncoder | Embedder:
    """The encoder for questions: numpy over the provisioned folder for BERT-based e5, else sentence-transformers."""
    if model in E5_ALIASES:
        return NumpyQueryEncoder(model, progress=progress)
    return Embedder(model, progress=progress)
