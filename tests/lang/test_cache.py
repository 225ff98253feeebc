"""The disk cache of derived language tables: read back, re-derived when damaged, never required."""

from __future__ import annotations

from rag.lang.cache import cached


def test_a_table_is_derived_once_then_read_back(tmp_path):
    calls = []

    def derive() -> frozenset[str]:
        calls.append(1)
        return frozenset({"Feuerpause", "Vorrang"})

    assert cached("nouns", "1.0", derive, folder=tmp_path) == {"Feuerpause", "Vorrang"}
    assert cached("nouns", "1.0", derive, folder=tmp_path) == {"Feuerpause", "Vorrang"}
    assert len(calls) == 1
    cached("nouns", "2.0", derive, folder=tmp_path)  # another version is another file
    assert len(calls) == 2 and len(list(tmp_path.glob("*.marshal"))) == 2


def test_a_damaged_cache_is_derived_again(tmp_path):
    cached("table", "1", lambda: {"a": "b"}, folder=tmp_path)
    (path,) = tmp_path.glob("*.marshal")
    path.write_bytes(b"\xff\x00broken")
    assert cached("table", "1", lambda: {"a": "c"}, folder=tmp_path) == {"a": "c"}
    assert cached("table", "1", lambda: {"a": "never"}, folder=tmp_path) == {"a": "c"}


def test_an_unwritable_cache_still_gives_the_table(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cached("table", "1", lambda: {"x": "y"}, folder=blocker / "sub") == {"x": "y"}
    assert not list(tmp_path.glob("**/.table*"))
