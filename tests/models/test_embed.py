"""Embedder configuration and error wrapping, without loading a real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import DEFAULT_MODEL
from rag.models.embed import Embedder, default_prefixes
from rag.errors import ModelError


def test_e5_models_get_query_and_passage_prefixes() -> None:
    e = Embedder()
    assert e.model_id == DEFAULT_MODEL
    assert (e.query_prefix, e.passage_prefix) == ("query: ", "passage: ")
    assert default_prefixes("intfloat/Multilingual-E5-Base") == ("query: ", "passage: ")
    assert default_prefixes("/models/my-E5-finetune") == ("query: ", "passage: ")


def test_other_models_get_no_prefixes_and_explicit_prefixes_win() -> None:
    e = Embedder("sentence-transformers/all-MiniLM-L6-v2")
    assert (e.query_prefix, e.passage_prefix) == ("", "")
    custom = Embedder(DEFAULT_MODEL, query_prefix="", passage_prefix="doc: ")
    assert (custom.query_prefix, custom.passage_prefix) == ("", "doc: ")
    mini = Embedder("acme/minilm", query_prefix="Represent this question: ")
    assert (mini.query_prefix, mini.passage_prefix) == ("Represent this question: ", "")


def test_construction_loads_nothing(tmp_path: Path) -> None:
    e = Embedder(cache_dir=tmp_path / "cache")
    assert not e.loaded and e.model_path is None
    assert e.cache_dir == tmp_path / "cache"
    assert not (tmp_path / "cache").exists()
    assert "not loaded" in repr(e)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"model": ""}, ValueError),
        ({"model": "   "}, ValueError),
        ({"model": None}, ValueError),
        ({"model": 42}, ValueError),
        ({"query_prefix": 1}, TypeError),
        ({"passage_prefix": b"passage: "}, TypeError),
        ({"cache_dir": 3.5}, TypeError),
    ],
)
def test_invalid_configuration_is_rejected_up_front(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        Embedder(**kwargs)


def test_bad_arguments_fail_before_any_model_load(tmp_path: Path) -> None:
    e = Embedder(str(tmp_path / "does-not-exist"))
    with pytest.raises(TypeError, match="single string"):
        e.encode_queries("a question, not a list")
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        e.encode_passages(["ok", 3])  # type: ignore[list-item]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            e.encode_passages(["ok"], batch_size=bad)  # type: ignore[arg-type]
    assert not e.loaded


def test_nonexistent_model_path_is_a_model_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "nowhere"
    e = Embedder(str(missing))
    with pytest.raises(ModelError, match="nowhere") as info:
        e.encode_queries(["Was bot Deutschland an?"])
    assert str(missing) in str(info.value)
    assert not e.loaded


def test_folder_that_is_no_model_is_a_model_error_saying_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing to see", encoding="utf-8")
    e = Embedder(str(folder))
    with pytest.raises(ModelError) as info:
        e.load()
    message = str(info.value)
    assert str(folder) in message and "rag ingest" in message and "RAG_MODEL_CACHE" in message
    assert not e.loaded
