"""The torch-free query encoder: the provisioned e5 weights run by numpy, held to sentence-transformers' vectors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from rag.config import DEFAULT_MODEL
from rag.errors import ModelError
from rag.models.e5_numpy import NumpyQueryEncoder, query_encoder, read_safetensors
from rag.models.embed import Embedder

ROOT = Path(__file__).resolve().parents[2]


def _dev_questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.startswith("{")]
    return [r["question"] for r in rows if r["split"] == "dev"]  # never the test split


def _varied_texts() -> list[str]:
    body = sorted((ROOT / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")
    words = sorted({w for w in body.split() if w.isalpha()})[:60]
    odd = ["", " ", "x", "😀 🇩🇪 emoji", "ÄÖÜ äöü ß ẞ", "\u200bzero\u200dwidth", "a\tb\nc", "東京 Ελληνικά русский",
           "Wolodymyr Selenskyj", body[:4000]]  # the last one is cut at 512 tokens, as by sentence-transformers
    return _dev_questions() + words + odd


@pytest.mark.slow
def test_questions_get_the_vectors_sentence_transformers_gives_them(passage_embedder):
    """Runs first (see conftest): every question vector rests on it."""
    texts = _varied_texts()
    ours = NumpyQueryEncoder(DEFAULT_MODEL).encode_queries(texts)
    reference = passage_embedder.encode_queries(texts)
    cosines = np.sum(ours * reference, axis=1)
    assert ours.shape == reference.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosines.min() >= 0.9999, [(texts[i][:40], float(cosines[i])) for i in np.argsort(cosines)[:3]]


@pytest.mark.slow
def test_batching_does_not_change_a_vector():
    encoder = NumpyQueryEncoder(DEFAULT_MODEL)
    texts = ["What did Germany offer?", "Waffenstillstand", "Wer soll den Waffenstillstand überwachen?"]
    together = encoder.encode_queries(texts)
    alone = np.vstack([encoder.encode_queries([t]) for t in texts])
    assert np.min(np.sum(together * alone, axis=1)) >= 0.99999
    assert encoder.encode_queries([]).shape == (0, 384)


def test_e5_gets_the_numpy_encoder_and_other_models_sentence_transformers():
    assert isinstance(query_encoder(DEFAULT_MODEL), NumpyQueryEncoder)
    assert isinstance(query_encoder("multilingual-e5-small"), NumpyQueryEncoder)
    other = query_encoder("acme/other-model")
    assert isinstance(other, Embedder) and not other.loaded


def test_safetensors_are_read_as_memory_maps(tmp_path):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    header = json.dumps({"__metadata__": {}, "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + a.tobytes())
    read = read_safetensors(path)
    assert np.array_equal(read["a"], a) and isinstance(read["a"], np.memmap)
    header = json.dumps({"b": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0\0")
    with pytest.raises(ValueError, match="F16"):
        read_safetensors(path)


def test_a_folder_that_is_no_model_is_a_model_error_saying_what_to_do(tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    encoder = NumpyQueryEncoder(str(folder))
    with pytest.raises(ModelError, match="rag ingest"):
        encoder.encode_queries(["Was bot Deutschland an?"])
    assert not encoder.loaded
    with pytest.raises(TypeError, match="single string"):
        encoder.encode_queries("a question, not a list")
