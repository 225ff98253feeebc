"""Index builds: manifest contents, incremental updates, stale detection, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import FakeUse
from rag.config import FORMAT_VERSION, Settings
from rag.errors import CorruptIndexError, IndexMissingError, StaleIndexError
from rag.ingest.build import build_index
from rag.ingest.freshness import check_fresh
from rag.store.manifest import MANIFEST, read_manifest
from rag.store.snapshot import FaissStore

SETTINGS = Settings(model="fake", chunk_size=500, chunk_overlap=100)


def build(seeds: Path, index: Path, embedder, **kw):
    kw.setdefault("second_encoder", FakeUse())
    return build_index(seeds, index, settings=kw.pop("settings", SETTINGS), embedder=embedder, **kw)


def test_manifest_records_what_was_built(seeds_copy, tmp_path, fake_embedder):
    report = build(seeds_copy, tmp_path / "idx", fake_embedder)
    m = read_manifest(tmp_path / "idx")
    assert m["format_version"] == FORMAT_VERSION and m["model"] == {"id": "fake", "dimension": 64}
    assert m["chunking"] == {"chunk_size": 500, "chunk_overlap": 100}
    stored = FaissStore.open(tmp_path / "idx", m)
    assert m["counts"] == {"articles": 5, "chunks": report.chunks, "sentences": report.sentences,
                           "terms": len(stored.terms), "vocabulary": len(stored.vocabulary)}
    assert m["counts"]["vocabulary"] > 500 and set(stored.terms) < set(stored.vocabulary)
    assert report.embedded_terms == m["counts"]["terms"]
    assert not any(t.isupper() for t in stored.terms) and any(t.isupper() for t in stored.vocabulary)
    assert len(m["corpus"]["hash"]) == 64 and len(m["corpus"]["files"]) == 5
    assert m["package_version"] and m["built_at"]
    snap = FaissStore.open(tmp_path / "idx", m)
    assert len(snap.vectors("chunks")) == len(snap.vectors("use")) == report.chunks and len(snap.articles) == 5
    assert snap.tables() == {"chunks", "sentences", "use", "terms"} and m["second_encoder"] == "fake-use"
    assert any(name.startswith("bm25/") for name in m["files"])  # BM25 is stored, not refitted at load
    for c in snap.chunks:
        assert snap.articles[c.article_id].body[c.start:c.end] == c.text


def test_incremental_update_embeds_only_what_changed(seeds_copy, tmp_path, fake_embedder):
    idx = tmp_path / "idx"
    first = build(seeds_copy, idx, fake_embedder)
    assert first.full_rebuild and first.embedded_texts == first.chunks + first.sentences

    unchanged = build(seeds_copy, idx, fake_embedder)
    assert unchanged.embedded_texts == 0 and len(unchanged.reused) == 5

    (seeds_copy / "005_new.txt").write_text("Neuer Bericht\n\nSpanien schickt Soldaten. Italien auch.", encoding="utf-8")
    changed = seeds_copy / "002_f336709dc68a55e2.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nEin neuer Schlusssatz.", encoding="utf-8")
    (seeds_copy / "004_3a99068f7abffe5f.txt").unlink()
    update = build(seeds_copy, idx, fake_embedder)
    assert not update.full_rebuild
    assert update.added == ["005_new"] and update.changed == ["002_f336709dc68a55e2"]
    assert update.removed == ["004_3a99068f7abffe5f"] and len(update.reused) == 3
    snap = FaissStore.open(idx, read_manifest(idx))
    assert set(snap.articles) == {"000_b85ac6d17a26759f", "001_839590ddcec05f87", "002_f336709dc68a55e2",
                                  "003_28df7c288b2227f0", "005_new"}
    assert "Ein neuer Schlusssatz." in snap.articles["002_f336709dc68a55e2"].body
    # vectors stay aligned with their records after reuse
    for row, chunk in enumerate(snap.chunks):
        expected = fake_embedder.encode_passages([chunk.text])[0]
        assert (snap.vectors("chunks", [row])[0] == expected).all()
        assert np.array_equal(snap.vectors("use", [row])[0], FakeUse().encode([chunk.text])[0])
    for row, sentence in enumerate(snap.sentences):
        assert (snap.vectors("sentences", [row])[0] == fake_embedder.encode_passages([sentence.text])[0]).all()


def test_changed_settings_force_full_rebuild(seeds_copy, tmp_path, fake_embedder):
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    other = Settings(model="fake", chunk_size=300, chunk_overlap=50)
    with pytest.raises(StaleIndexError, match="chunking"):
        check_fresh(read_manifest(idx), other, seeds_copy)
    report = build(seeds_copy, idx, fake_embedder, settings=other)
    assert report.full_rebuild and not report.reused
    with pytest.raises(StaleIndexError, match="model"):
        check_fresh(read_manifest(idx), Settings(model="another-model", chunk_size=300, chunk_overlap=50), seeds_copy)


def test_stale_corpus_is_detected(seeds_copy, tmp_path, fake_embedder):
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    check_fresh(read_manifest(idx), SETTINGS, seeds_copy)
    (seeds_copy / "extra.md").write_text("Titel\n\nText.", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="added extra.md"):
        check_fresh(read_manifest(idx), SETTINGS, seeds_copy)
    (seeds_copy / "extra.md").unlink()
    p = seeds_copy / "000_b85ac6d17a26759f.txt"
    p.write_bytes(p.read_bytes() + b" ")
    with pytest.raises(StaleIndexError, match="changed 000_b85ac6d17a26759f.txt"):
        check_fresh(read_manifest(idx), SETTINGS, seeds_copy)


def test_missing_and_corrupt_index_are_clear_errors(seeds_copy, tmp_path, fake_embedder):
    with pytest.raises(IndexMissingError, match="rag ingest"):
        read_manifest(tmp_path / "nothing")
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    m = read_manifest(idx)
    vectors = idx / m["snapshot"] / "chunks.faiss"
    data = vectors.read_bytes()
    vectors.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptIndexError, match="truncated or damaged"):
        FaissStore.open(idx, m)
    vectors.write_bytes(data[:-4] + b"\x00\x00\x00\x01")
    with pytest.raises(CorruptIndexError, match="rebuild"):
        FaissStore.open(idx, m)
    (idx / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(CorruptIndexError, match="manifest.json"):
        read_manifest(idx)
    report = build(seeds_copy, idx, fake_embedder)  # the rebuild path works from a broken index
    assert report.full_rebuild
    FaissStore.open(idx, read_manifest(idx))


def test_failed_build_leaves_previous_index_serving(seeds_copy, tmp_path, fake_embedder):
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    before = read_manifest(idx)

    class Exploding(type(fake_embedder)):
        def encode_passages(self, texts, **kw):
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-embedding

    (seeds_copy / "005_new.txt").write_text("Titel\n\nNeuer Text.", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build(seeds_copy, idx, Exploding())
    assert read_manifest(idx) == before
    FaissStore.open(idx, before)
    assert build(seeds_copy, idx, fake_embedder).added == ["005_new"]


def test_old_snapshots_are_pruned(seeds_copy, tmp_path, fake_embedder):
    idx = tmp_path / "idx"
    for _ in range(4):
        build(seeds_copy, idx, fake_embedder, rebuild=True)
    snaps = sorted(p.name for p in idx.iterdir() if p.name.startswith("snap-"))
    m = read_manifest(idx)
    assert len(snaps) == 2 and m["snapshot"] in snaps and m["previous_snapshot"] in snaps
    assert not [p for p in idx.iterdir() if p.name.startswith(".tmp-")]
    assert json.loads((idx / MANIFEST).read_text())["snapshot"] == m["snapshot"]


@pytest.mark.parametrize("damage", [
    {"files": []},                                      # was AttributeError, not a clear error
    {"files": {"chunks.faiss": 5}},                     # was TypeError
    {"snapshot": 3},
    {"snapshot": "../elsewhere"},
])
def test_malformed_manifest_is_a_clear_error_and_rebuilds(seeds_copy, tmp_path, fake_embedder, damage):
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    good = read_manifest(idx)
    (idx / MANIFEST).write_text(json.dumps({**good, **damage}), encoding="utf-8")
    with pytest.raises(CorruptIndexError, match="not a valid index manifest.*rag ingest --rebuild"):
        read_manifest(idx)
    assert build(seeds_copy, idx, fake_embedder).full_rebuild
    FaissStore.open(idx, read_manifest(idx))


def test_manifest_must_list_every_snapshot_file(seeds_copy, tmp_path, fake_embedder):
    """A file the manifest has no hash for would be served unverified."""
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    m = read_manifest(idx)
    del m["files"]["chunks.faiss"]
    (idx / MANIFEST).write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(CorruptIndexError, match="does not list chunks.faiss"):
        FaissStore.open(idx, read_manifest(idx))
    assert build(seeds_copy, idx, fake_embedder).full_rebuild


def test_snapshot_is_durable_before_the_manifest_names_it(seeds_copy, tmp_path, fake_embedder, monkeypatch):
    import os

    import rag.store.snapshot as snapshot

    events = []
    fsync, replace = snapshot.fsync, os.replace
    monkeypatch.setattr(snapshot, "fsync", lambda p: (events.append(("fsync", Path(p).name)), fsync(p)))
    monkeypatch.setattr(snapshot.os, "replace", lambda a, b: (events.append(("replace", Path(b).name)), replace(a, b)))
    idx = tmp_path / "idx"
    build(seeds_copy, idx, fake_embedder)
    snap = read_manifest(idx)["snapshot"]
    commit = events.index(("replace", MANIFEST))
    before = events[:commit]
    assert ("fsync", f".tmp-{snap}") in before  # the folder's entries
    assert before.index(("replace", snap)) < max(i for i, e in enumerate(before) if e == ("fsync", "idx"))
