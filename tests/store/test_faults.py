"""Faults during ingest: a real ``rag ingest`` is SIGKILLed at many moments; index files are damaged.

After every kill the index is either the old one (it loads, every file verifies, and it answers
exactly as before the build) or, if the kill came after the new ``manifest.json`` was committed,
the new one, complete and fresh for the changed corpus; never a broken mix. No build lock stays
held, and the next build completes and cleans up what the killed builds left behind.

A truncated, damaged or deleted index file is refused on load with an error that names the file
and the rebuild command, and ``Assistant.load`` recovers by rebuilding.

``pytest -s tests/test_faults.py`` prints the figures (kills, old/new outcomes, build duration).
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, FakeEmbedder
from rag import Assistant
from rag.config import Settings
from rag.errors import CorruptIndexError, IndexMissingError, StaleIndexError
from rag.ingest.build import build_index
from rag.models.use import UseEncoder
from rag.retrieve.hybrid import RetrievalConfig
from rag.store.manifest import LOCK, MANIFEST, build_lock, read_manifest
from rag.store.snapshot import SNAPSHOT_FILES, FaissStore

QUESTIONS = [
    "What security guarantees did the allies give Ukraine?",
    "Wer ist der US-Sondergesandte?",
    "Wo traf sich die Koalition der Willigen?",
    "Which countries signed the declaration of intent?",
    "Wie viele Nationen umfasst die Koalition der Willigen?",
]
NEW_ID = "005_portugal"
NEW_ARTICLE = (
    "date 2026-01-09 Von: Testagentur\n\n"
    "Portugal schickt Seenotrettungsboote an die Ukraine\n\n"
    "Lissabon (Testagentur) – Portugal will der Ukraine zwölf Seenotrettungsboote für das Schwarze Meer "
    "liefern. Das kündigte der portugiesische Verteidigungsminister am Freitag in Lissabon an. "
    "Die Boote sollen bis zum Sommer übergeben werden.\n"
)
NEW_QUESTION = "Was will Portugal der Ukraine liefern?"
CHANGED = "002_f336709dc68a55e2.txt"
TIMED_KILLS = 6  # moments spread over a whole build, one per sixth of its duration
WRITE_STAGES = {1: "writing snapshot files", 2: "snapshot complete, manifest not yet replaced",
                3: "manifest committed, pruning/exiting"}


class MemoQueries:
    """The real embedder, with query vectors memoised per batch of texts.

    Every check after a kill asks the same questions; the model's vectors for the same text do
    not depend on the index under test, so computing them once keeps the test within budget.
    """

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self._memo: dict[tuple[str, ...], object] = {}

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)

    def encode_queries(self, texts, *, batch_size: int = 32):
        key = tuple(texts)
        if key not in self._memo:
            self._memo[key] = self._embedder.encode_queries(list(texts), batch_size=batch_size)
        return self._memo[key].copy()


class MemoUse:
    """One shared USE encoder with memoised vectors (every assistant loaded here asks the same questions)."""

    name = UseEncoder.name

    def __init__(self) -> None:
        self._use = UseEncoder()
        self._memo: dict[tuple[str, ...], object] = {}

    def encode(self, texts):
        key = tuple(texts)
        if key not in self._memo:
            self._memo[key] = self._use.encode(list(texts))
        return self._memo[key].copy()


def record(assistant: Assistant) -> dict:
    """Answers and search results of QUESTIONS, with scores rounded (nothing here depends on time)."""
    def rounded(d: dict) -> dict:
        return {**d, "hits": [{**h, "score": round(h["score"], 4)} for h in d["hits"]]}

    return {
        "answers": [rounded(assistant.ask(q).to_dict()) for q in QUESTIONS],
        "search": [[(h.id, round(h.score, 4)) for h in assistant.search(q, k=8)] for q in QUESTIONS],
    }


def lock_is_free(index_dir: Path) -> bool:
    with (index_dir / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


def leftovers(index_dir: Path) -> list[str]:
    """Entries a finished build would not leave: temp folders, staged manifests, orphan snapshots."""
    m = read_manifest(index_dir)
    keep = {m["snapshot"], m.get("previous_snapshot"), MANIFEST, LOCK}
    return sorted(p.name for p in index_dir.iterdir() if p.name not in keep)


def replace_manifest(index_dir: Path, saved: bytes) -> None:
    staged = index_dir / ".restore-manifest"
    staged.write_bytes(saved)
    os.replace(staged, index_dir / MANIFEST)


@dataclass
class Run:
    seconds: float  # from start to exit (or to the kill)
    returncode: int
    killed_at: float | None  # seconds after start, None if the build finished first
    stage_at_kill: int  # 0: before the write phase; see WRITE_STAGES
    stage_times: dict[int, float]  # when each stage of the write phase was first seen


def _manifest_id(index_dir: Path) -> tuple[int, int]:
    st = (index_dir / MANIFEST).stat()
    return st.st_ino, st.st_mtime_ns


def _stage(index_dir: Path, before: set[str], manifest_id: tuple[int, int]) -> int:
    try:
        if _manifest_id(index_dir) != manifest_id:
            return 3
    except FileNotFoundError:  # pragma: no cover - os.replace never leaves it missing
        return 0
    new = {name for name in os.listdir(index_dir) if name not in before}
    if any(name.startswith("snap-") for name in new):
        return 2
    return 1 if any(name.startswith(".tmp-snap-") for name in new) else 0


def ingest(seeds: Path, index_dir: Path, *, kill_after: float | None = None, kill_at_stage: int | None = None) -> Run:
    """Run ``rag ingest`` in a subprocess; SIGKILL it ``kill_after`` s after start or at a write stage.

    The folder is polled every 0.5 ms (to see the write phase's short stages) except while
    waiting for a timed kill.
    """
    before, manifest_id = set(os.listdir(index_dir)), _manifest_id(index_dir)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "rag", "ingest", "--seeds", str(seeds), "--index", str(index_dir)]
    stage_times: dict[int, float] = {}
    killed_at, stage = None, 0
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while proc.poll() is None:
                now = time.perf_counter() - start
                if kill_after is not None and now < kill_after:
                    time.sleep(min(0.005, kill_after - now))
                    continue
                stage = _stage(index_dir, before, manifest_id)
                for s in range(1, stage + 1):
                    stage_times.setdefault(s, now)
                if kill_after is not None or (kill_at_stage is not None and stage >= kill_at_stage):
                    proc.send_signal(signal.SIGKILL)
                    killed_at = now
                    break
                time.sleep(0.0005)
        finally:
            if proc.poll() is None and killed_at is None:  # the test failed meanwhile
                proc.kill()
            proc.wait(timeout=60)
        seconds = time.perf_counter() - start
        if proc.returncode != -signal.SIGKILL:  # finished (perhaps just before the signal)
            err.seek(0)
            assert proc.returncode == 0, err.read().decode(errors="replace")[-2000:]
            killed_at, stage = None, 3
    return Run(seconds if killed_at is None else killed_at, proc.returncode, killed_at, stage, stage_times)


@pytest.mark.slow
def test_sigkilled_builds_leave_the_old_or_the_new_index_never_a_broken_one(assistant, tmp_path, monkeypatch):
    embedder = MemoQueries(assistant.embedder)  # Assistant.load below shares the session's query encoder
    monkeypatch.setattr("rag.assistant.query_encoder", lambda model, progress=False: embedder)
    use = MemoUse()
    monkeypatch.setattr("rag.models.use.UseEncoder", lambda **kw: use)

    def load(corpus: Path) -> Assistant:  # fresh for ``corpus``, every snapshot file verified
        return Assistant.load(idx, seeds=corpus, build=False)

    # 1. a real index of the shipped corpus (the session's, copied), and what it answers
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    for p in seeds.iterdir():
        p.chmod(0o644)
    idx = tmp_path / "idx"
    with build_lock(assistant.index_dir):
        shutil.copytree(assistant.index_dir, idx)
    old = read_manifest(idx)
    old_manifest = (idx / MANIFEST).read_bytes()
    baseline = record(load(seeds))
    assert any(not a["abstained"] for a in baseline["answers"])

    # 2. change one article and add one, so that a build embeds something
    changed = seeds / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nNachtrag: Die Gespräche sollen in Genf "
                       "fortgesetzt werden.\n", encoding="utf-8")
    (seeds / f"{NEW_ID}.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    with pytest.raises(StaleIndexError):
        load(seeds)

    # one uninterrupted build (in a scratch copy) sets the time scale
    scratch = tmp_path / "scratch"
    shutil.copytree(idx, scratch)
    full = ingest(seeds, scratch)
    duration = full.seconds
    shutil.rmtree(scratch)

    rng = random.Random(20260108)
    plan: list[tuple[str, dict]] = []
    for i in range(TIMED_KILLS):
        fraction = (i + rng.random()) / TIMED_KILLS
        plan.append((f"t={fraction * duration:.2f}s ({fraction:.2f} of a build)", {"kill_after": fraction * duration}))
    fractions = {aim: how["kill_after"] / duration for aim, how in plan}
    for stage in sorted(WRITE_STAGES):
        plan.append((f"write phase: {WRITE_STAGES[stage]}", {"kill_at_stage": stage}))

    rows, new_records = [], []
    for aim, how in plan:
        run = ingest(seeds, idx, **how)
        assert lock_is_free(idx), f"{aim}: the build lock is still held after the kill"
        manifest = read_manifest(idx)
        if manifest["snapshot"] == old["snapshot"]:
            outcome = "old"
            with pytest.raises(StaleIndexError):  # by design: the corpus changed, the index did not
                load(seeds)
            assert record(load(SEEDS)) == baseline, aim
        else:
            outcome = "new"
            assert manifest["previous_snapshot"] == old["snapshot"]
            current = load(seeds)  # fresh for the changed corpus, every file verified
            assert NEW_ID in current.manifest["articles"]
            new_records.append(record(current))
            assert (idx / old["snapshot"]).is_dir()  # the old snapshot is kept one more build
        junk = leftovers(idx)
        rows.append((aim, run, outcome, junk))
        if run.killed_at is None and aim in fractions:  # builds vary: once more, scaled to this one
            f = fractions[aim]
            plan.append((f"t={f * run.seconds:.2f}s ({f:.2f} of the last build, retry)", {"kill_after": f * run.seconds}))
        if outcome == "new":  # start the next kill from the old index again
            replace_manifest(idx, old_manifest)
        assert FaissStore.open(idx, read_manifest(idx)).manifest["snapshot"] == old["snapshot"]

    killed = [r for r in rows if r[1].killed_at is not None]
    write_at = full.stage_times.get(1)
    print(f"\n[faults] uninterrupted incremental build (subprocess, start-up included): {duration:.1f} s; "
          f"write phase from {write_at or float('nan'):.2f} s ({(write_at or float('nan')) / duration:.0%})")
    print(f"[faults] {len(killed)} SIGKILLs in {len(rows)} builds: "
          f"{sum(r[2] == 'old' for r in killed)} before the manifest commit (old index served), "
          f"{sum(r[2] == 'new' for r in killed)} after it (new index served); "
          f"{len(rows) - len(killed)} builds finished before their moment (timed ones are retried once)")
    for aim, run, outcome, junk in rows:
        when = f"killed at {run.killed_at:.2f}s" if run.killed_at is not None else f"finished at {run.seconds:.2f}s"
        print(f"[faults]   {aim:<58} {when:<20} stage {run.stage_at_kill} -> {outcome} index; left: {junk or '-'}")
    assert len(killed) >= 6
    assert any(r[2] == "old" for r in killed)

    # 3. a normal build completes amid the left-overs, cleans them up, and serves the new article
    final = ingest(seeds, idx)
    print(f"[faults] next build after the kills: {final.seconds:.1f} s, completed")
    manifest = read_manifest(idx)
    assert manifest["snapshot"] != old["snapshot"] and manifest["previous_snapshot"] == old["snapshot"]
    assert leftovers(idx) == []
    assert not [p for p in idx.iterdir() if p.name.startswith((".tmp-", f".{MANIFEST}."))]
    current = load(seeds)
    for other in new_records:  # what a build killed after its commit left = what a whole build gives
        assert other == record(current)
    answer = current.ask(NEW_QUESTION)
    assert not answer.abstained and NEW_ID in {c.article_id for c in answer.citations}, answer.text
    assert "Seenotrettungsboote" in answer.text


# ---- corruption on load (fast: fake embedder) -------------------------------------------------

FAKE = Settings(model="fake", chunk_size=500, chunk_overlap=100)


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("fake-index")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    build_index(seeds, root / "idx", settings=FAKE, embedder=FakeEmbedder())
    return seeds, root / "idx"


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "flip":
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:])
    elif how == "delete":
        path.unlink()
    else:  # pragma: no cover
        raise ValueError(how)


@pytest.mark.parametrize("how", ["truncate", "empty", "flip", "delete"])
@pytest.mark.parametrize("name", [*SNAPSHOT_FILES, MANIFEST])
def test_damaged_index_file_is_named_on_load_and_load_rebuilds(fake_index, tmp_path, monkeypatch, name, how):
    seeds, pristine = fake_index
    idx = tmp_path / "idx"
    shutil.copytree(pristine, idx)
    snap = read_manifest(idx)["snapshot"]
    path = idx / name if name == MANIFEST else idx / snap / name
    damage(path, how)

    expected = IndexMissingError if (name, how) == (MANIFEST, "delete") else CorruptIndexError
    with pytest.raises(expected) as err:
        FaissStore.open(idx, read_manifest(idx))
    message = str(err.value)
    assert str(idx) in message and "rag ingest" in message
    if expected is CorruptIndexError:
        assert str(path) in message and "rag ingest --rebuild" in message
    with pytest.raises(expected):
        Assistant.load(idx, seeds=seeds, settings=FAKE, build=False)

    # the rebuild path: Assistant.load (build=True) rebuilds from the corpus and answers
    embedder = FakeEmbedder()
    monkeypatch.setattr("rag.assistant.Embedder", lambda model, progress=False: embedder)
    monkeypatch.setattr("rag.assistant.query_encoder", lambda model, progress=False: embedder)
    assistant = Assistant.load(idx, seeds=seeds, settings=FAKE, retrieval=RetrievalConfig(use=0.0))
    assert assistant.manifest["snapshot"] != snap and sum(embedder.calls) > 0
    assert set(assistant.store.articles) == {p.stem for p in seeds.glob("*.txt")}  # every article rebuilt
    assert "004_3a99068f7abffe5f" in {h.article_id for h in assistant.search("Steve Witkoff fruchtbar", k=5)}
    assert assistant.ask("Wer ist Steve Witkoff?").hits  # the fake embedder answers poorly, but it answers
    FaissStore.open(idx, read_manifest(idx))


def test_what_a_killed_first_build_leaves_is_no_index_and_is_cleaned_up(fake_index, tmp_path):
    """Killed before its first commit: a half-written temp folder, a complete but unnamed snapshot
    and a staged manifest, but no ``manifest.json``."""
    seeds, pristine = fake_index
    idx = tmp_path / "idx"
    snap = read_manifest(pristine)["snapshot"]
    shutil.copytree(pristine / snap, idx / snap)
    shutil.copytree(pristine / snap, idx / ".tmp-snap-19700101T000000-deadbeef")
    (idx / ".tmp-snap-19700101T000000-deadbeef" / "terms.faiss").write_bytes(b"half")
    (idx / f".{MANIFEST}.cafebabe").write_bytes((pristine / MANIFEST).read_bytes()[:100])
    (idx / LOCK).touch()
    with pytest.raises(IndexMissingError, match="run `rag ingest`"):
        Assistant.load(idx, seeds=seeds, settings=FAKE, build=False)
    report = build_index(seeds, idx, settings=FAKE, embedder=FakeEmbedder())
    assert report.full_rebuild
    new = read_manifest(idx)
    assert new["previous_snapshot"] is None
    assert sorted(p.name for p in idx.iterdir()) == sorted([LOCK, MANIFEST, new["snapshot"]])
    FaissStore.open(idx, new)
