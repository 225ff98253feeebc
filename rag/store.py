"""Index persistence: snapshot folders plus an atomically replaced ``manifest.json``.

A snapshot holds three vector tables: passages (chunks), sentences (for quoting), and terms (the
corpus's names and nouns, used to tell whether a question asks about something never mentioned).

A build writes every file into a fresh ``snap-*`` folder, fsyncs it, and only then replaces
``manifest.json`` (``os.replace`` is atomic), which names the snapshot to serve. A crash at any
moment leaves either the old manifest (old snapshot still intact) or the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.errors import CorruptIndexError, IndexMissingError
from rag.types import Article, Chunk, Sentence

MANIFEST = "manifest.json"
LOCK = ".build.lock"
FIX = "run `rag ingest --rebuild` to build it anew"
SNAPSHOT_FILES = ("articles.jsonl", "chunks.jsonl", "sentences.jsonl", "chunks.faiss", "sentences.faiss",
                  "terms.jsonl", "terms.faiss")


@dataclass
class Snapshot:
    """The loaded contents of one index snapshot."""

    manifest: dict[str, Any]
    articles: dict[str, Article]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_index: faiss.Index
    sentence_index: faiss.Index
    terms: list[str]
    term_index: faiss.Index


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flat_index(vectors: np.ndarray) -> faiss.Index:
    """An exact inner-product FAISS index over (normalized) vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


def all_vectors(index: faiss.Index) -> np.ndarray:
    """Every vector stored in a flat FAISS index, in insertion order."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock so that two builds never write the same index at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_snapshot(
    index_dir: Path,
    manifest: dict[str, Any],
    articles: list[Article],
    chunks: list[Chunk],
    sentences: list[Sentence],
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    terms: list[str],
    term_vectors: np.ndarray,
) -> Path:
    """Write a complete snapshot, then switch ``manifest.json`` to it atomically."""
    name = f"snap-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir(parents=True)
    _write_jsonl(tmp / "articles.jsonl", [a.to_dict() for a in articles])
    _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in chunks])
    _write_jsonl(tmp / "sentences.jsonl", [vars(s) for s in sentences])
    faiss.write_index(flat_index(chunk_vectors), str(tmp / "chunks.faiss"))
    faiss.write_index(flat_index(sentence_vectors), str(tmp / "sentences.faiss"))
    _write_jsonl(tmp / "terms.jsonl", [{"term": t} for t in terms])
    faiss.write_index(flat_index(term_vectors), str(tmp / "terms.faiss"))
    files = {}
    for path in sorted(tmp.iterdir()):
        _fsync(path)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    _fsync(tmp)  # the folder's entries too: the manifest must never name a snapshot a crash could lose
    final = index_dir / name
    os.replace(tmp, final)
    _fsync(index_dir)
    manifest = {**manifest, "snapshot": name, "files": files}
    staged = index_dir / f".{MANIFEST}.{uuid.uuid4().hex[:8]}"
    staged.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _fsync(staged)
    os.replace(staged, index_dir / MANIFEST)
    _fsync(index_dir)
    _prune(index_dir, keep={name, manifest.get("previous_snapshot")})
    return final


def _prune(index_dir: Path, keep: set[str | None]) -> None:
    """Delete left-over temp folders and snapshots other than the current and previous one."""
    for path in index_dir.iterdir():
        stale_tmp = path.name.startswith(".tmp-snap-") or path.name.startswith(f".{MANIFEST}.")
        old_snap = path.name.startswith("snap-") and path.name not in keep
        if stale_tmp or old_snap:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """Read ``manifest.json``; raise a clear error if it is missing or unreadable."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"No index in {index_dir}: run `rag ingest` to build it.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptIndexError(f"{path} is unreadable ({exc}); {FIX}.") from exc
    if not isinstance(manifest, dict) or not _valid_layout(manifest.get("snapshot"), manifest.get("files")):
        raise CorruptIndexError(f"{path} is not a valid index manifest; {FIX}.")
    return manifest


def _valid_layout(snapshot: object, files: object) -> bool:
    """A plain snapshot folder name, and a size and hash for each file."""
    if not isinstance(snapshot, str) or snapshot in ("", ".", "..") or Path(snapshot).name != snapshot:
        return False
    return isinstance(files, dict) and all(
        isinstance(info, dict) and type(info.get("bytes")) is int and isinstance(info.get("sha256"), str)
        for info in files.values()
    )


def load_snapshot(index_dir: Path, manifest: dict[str, Any], *, verify: bool = True) -> Snapshot:
    """Load the snapshot a manifest names; with ``verify``, check every file's size and hash."""
    snap = index_dir / str(manifest["snapshot"])
    unlisted = [name for name in SNAPSHOT_FILES if name not in manifest["files"]]
    if unlisted:  # a file the manifest has no size and hash for could not be verified
        raise CorruptIndexError(f"{index_dir / MANIFEST} does not list {', '.join(unlisted)}; {FIX}.")
    for name, info in manifest["files"].items():
        path = snap / name
        if not path.is_file():
            raise CorruptIndexError(f"Index file {path} is missing; {FIX}.")
        if path.stat().st_size != info["bytes"] or (verify and _sha256(path) != info["sha256"]):
            raise CorruptIndexError(f"Index file {path} is truncated or damaged; {FIX}.")
    try:
        articles = {row["id"]: Article(**row) for row in _read_jsonl(snap / "articles.jsonl")}
        chunks = [Chunk(**row) for row in _read_jsonl(snap / "chunks.jsonl")]
        sentences = [Sentence(**row) for row in _read_jsonl(snap / "sentences.jsonl")]
        chunk_index = faiss.read_index(str(snap / "chunks.faiss"))
        sentence_index = faiss.read_index(str(snap / "sentences.faiss"))
        terms = [row["term"] for row in _read_jsonl(snap / "terms.jsonl")]
        term_index = faiss.read_index(str(snap / "terms.faiss"))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise CorruptIndexError(f"Index snapshot {snap} cannot be read ({exc}); {FIX}.") from exc
    sizes = [(chunk_index, chunks), (sentence_index, sentences), (term_index, terms)]
    if any(index.ntotal != len(rows) for index, rows in sizes):
        raise CorruptIndexError(f"Index snapshot {snap} has vectors and records out of step; {FIX}.")
    return Snapshot(manifest, articles, chunks, sentences, chunk_index, sentence_index, terms, term_index)
