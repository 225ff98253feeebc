"""The index watcher: reloads on a changed manifest only, keeps serving through bad builds, never blocks ``ask``."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.config import Settings
from rag.ingest.build import build_index
from rag.retrieve.hybrid import RetrievalConfig
from rag.store.manifest import MANIFEST, read_manifest
from rag.store.snapshot import FaissStore
from rag.ui.watch import IndexWatcher, manifest_stamp

SETTINGS = Settings(model="fake", chunk_size=500, chunk_overlap=100)
NEW_ARTICLE = (
    "date 2026-01-09 Von: Testagentur\n\nSpanien sagt Minenräumer zu\n\n"
    "Madrid (Testagentur) – Spanien will nach einem Waffenstillstand 40 Minenräumer in die Ukraine schicken.\n"
)


def build(seeds: Path, index: Path, embedder) -> None:
    build_index(seeds, index, settings=SETTINGS, embedder=embedder)


@pytest.fixture
def served(seeds_copy: Path, tmp_path: Path, fake_embedder) -> Assistant:
    """An assistant (fake embedder, no USE) over a fresh index of the copied corpus."""
    index = tmp_path / "index"
    build(seeds_copy, index, fake_embedder)
    snapshot = FaissStore.open(index, read_manifest(index))
    return Assistant(snapshot, fake_embedder, index_dir=index, seeds_dir=seeds_copy, settings=SETTINGS,
                     retrieval=RetrievalConfig(use=0))


def test_stamp_changes_when_the_manifest_is_replaced(served, seeds_copy, fake_embedder, tmp_path):
    before = manifest_stamp(served.index_dir)
    assert before is not None and manifest_stamp(served.index_dir) == before
    (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build(seeds_copy, served.index_dir, fake_embedder)
    assert manifest_stamp(served.index_dir) not in (None, before)
    assert manifest_stamp(tmp_path / "nowhere") is None


def test_check_reloads_only_after_a_new_build(served, seeds_copy, fake_embedder, monkeypatch):
    calls = []
    reload = served.reload
    monkeypatch.setattr(served, "reload", lambda: calls.append(1) or reload())
    watcher = IndexWatcher(served, interval=60)
    assert watcher.check() is False and len(calls) == 1  # the first poll always asks (an ingest may precede it)
    assert watcher.check() is False and len(calls) == 1  # unchanged stamp: not even the manifest is read
    old = served.manifest["snapshot"]
    (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build(seeds_copy, served.index_dir, fake_embedder)
    assert watcher.check() is True and watcher.reloads == 1
    assert served.manifest["snapshot"] != old and "005_new" in {a.id for a in served.articles}
    assert served.search("Minenräumer Spanien", k=1)[0].article_id == "005_new"
    assert watcher.check() is False and len(calls) == 2


def _bad_build(index: Path, kind: str) -> None:
    """Publish a new snapshot the way a build does (copy, then replace the manifest), but a bad one."""
    path = index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    name = "snap-bad"
    if kind != "pruned":
        shutil.copytree(index / manifest["snapshot"], index / name)
    if kind == "damaged":
        (index / name / "chunks.jsonl").write_text("{}\n", encoding="utf-8")
    if kind == "stale":
        manifest["model"] = {"id": "other-model", "dimension": 64}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**manifest, "snapshot": name}), encoding="utf-8")
    tmp.replace(path)


@pytest.mark.parametrize("kind, reason", [
    ("stale", "other-model"),                # StaleIndexError: built with another model
    ("pruned", "missing"),                   # CorruptIndexError: the snapshot vanished before it was loaded
    ("damaged", "truncated or damaged"),     # CorruptIndexError: a file does not match the manifest
    ("garbage", "is unreadable"),            # CorruptIndexError: manifest.json is not JSON
])
def test_a_bad_build_is_logged_once_and_the_old_index_keeps_serving(
    served, seeds_copy, fake_embedder, caplog, kind, reason
):
    watcher = IndexWatcher(served, interval=60)
    watcher.check()
    old = served.manifest["snapshot"]
    expected = served.ask("Was hat Deutschland angeboten?").text
    if kind == "garbage":
        (served.index_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    else:
        _bad_build(served.index_dir, kind)
    with caplog.at_level(logging.WARNING, logger="rag.ui.watch"):
        assert watcher.check() is False
        assert watcher.check() is False  # same bad manifest: no retry, no second warning
    warnings = [r for r in caplog.records if r.name == "rag.ui.watch"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING and watcher.failures == 1
    assert reason in warnings[0].getMessage() and old in warnings[0].getMessage()
    assert served.manifest["snapshot"] == old
    assert served.ask("Was hat Deutschland angeboten?").text == expected
    # the next good build is picked up
    (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build(seeds_copy, served.index_dir, fake_embedder)
    assert watcher.check() is True and "005_new" in {a.id for a in served.articles}


def test_an_unexpected_error_does_not_stop_the_watcher(served, caplog, monkeypatch):
    watcher = IndexWatcher(served, interval=60)
    monkeypatch.setattr(served, "reload", lambda: 1 / 0)
    with caplog.at_level(logging.WARNING, logger="rag.ui.watch"):
        assert watcher.check() is False
    assert watcher.failures == 1 and "ZeroDivisionError" in caplog.text


def test_ask_is_served_from_the_old_index_while_the_new_one_is_derived(served, seeds_copy, fake_embedder, monkeypatch):
    old = served.manifest["snapshot"]
    expected = served.ask("Was hat Deutschland angeboten?")
    deriving, release = threading.Event(), threading.Event()
    derive = served._derive

    def slow_derive(snapshot):
        deriving.set()
        assert release.wait(10)
        return derive(snapshot)

    monkeypatch.setattr(served, "_derive", slow_derive)
    (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build(seeds_copy, served.index_dir, fake_embedder)
    reloading = threading.Thread(target=served.reload)
    reloading.start()
    try:
        assert deriving.wait(10)
        start = time.monotonic()
        during = served.ask("Was hat Deutschland angeboten?")
        assert time.monotonic() - start < 5  # not blocked by the reload
        assert during.text == expected.text and served.manifest["snapshot"] == old
    finally:
        release.set()
        reloading.join(10)
    assert served.manifest["snapshot"] != old


def test_the_thread_polls_and_stops(served, seeds_copy, fake_embedder):
    with pytest.raises(ValueError):
        IndexWatcher(served, interval=0)
    old = served.manifest["snapshot"]
    with IndexWatcher(served, interval=0.05) as watcher:
        assert watcher._thread is not None and watcher._thread.daemon
        (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        build(seeds_copy, served.index_dir, fake_embedder)
        deadline = time.monotonic() + 10
        while served.manifest["snapshot"] == old and time.monotonic() < deadline:
            time.sleep(0.02)
    assert served.manifest["snapshot"] != old and watcher.reloads == 1
    assert not watcher._thread.is_alive()
