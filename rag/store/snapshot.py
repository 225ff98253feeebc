"""The FAISS snapshot store: each build is a folder of files, served once ``manifest.json`` names it.

A build writes every file into a fresh ``snap-*`` folder, fsyncs it, and only then replaces
``manifest.json`` (``os.replace`` is atomic), which names the snapshot to serve. A crash at any
moment leaves either the old manifest (old snapshot still intact) or the new one. Loading reads
records, FAISS indexes and the BM25 index as written: nothing is fitted or encoded.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.config import Settings
from rag.errors import CorruptIndexError, StaleIndexError
from rag.store.base import TABLE_ROWS, IndexContent, Scored, admitted_rows
from rag.store.bm25 import LexicalIndex
from rag.store.manifest import FIX, MANIFEST, fsync, manifest_mismatch, read_manifest, sha256
from rag.types import Article, Chunk, Filters, Sentence

RECORDS = ("articles.jsonl", "chunks.jsonl", "sentences.jsonl", "terms.jsonl", "vocabulary.jsonl")
BM25_DIR = "bm25"
SNAPSHOT_FILES = (*RECORDS, *(f"{table}.faiss" for table in ("chunks", "sentences", "terms")))


def flat_index(vectors: np.ndarray) -> faiss.Index:
    """An exact inner-product FAISS index over (normalized) vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


def _matrix(index: faiss.Index) -> np.ndarray:
    """A read-only view of the vectors a flat index holds (no copy; valid while the index lives)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    view = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
    view.flags.writeable = False
    return view


class FaissStore:
    """One loaded snapshot: records in memory, exact FAISS search, BM25 from disk."""

    def __init__(self, index_dir: Path, manifest: dict[str, Any], articles: dict[str, Article], chunks: list[Chunk],
                 sentences: list[Sentence], terms: list[str], indexes: dict[str, faiss.Index],
                 lexical: LexicalIndex, vocabulary: list[str] | None = None) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        self.articles = articles
        self.chunks = chunks
        self.sentences = sentences
        self.terms = terms
        self.vocabulary = terms if vocabulary is None else vocabulary
        self._indexes = indexes
        self._matrices = {name: _matrix(index) for name, index in indexes.items()}
        self._lexical = lexical
        self._article_of = {
            "chunks": np.array([c.article_id for c in chunks], dtype=object),
            "sentences": np.array([s.article_id for s in sentences], dtype=object),
        }

    @classmethod
    def open(cls, index_dir: Path, manifest: dict[str, Any] | None = None, *, verify: bool = True) -> FaissStore:
        """Load the snapshot the manifest names; with ``verify``, check every file's size and hash."""
        manifest = read_manifest(index_dir) if manifest is None else manifest
        snap = index_dir / str(manifest["snapshot"])
        unlisted = [name for name in SNAPSHOT_FILES if name not in manifest["files"]]
        if unlisted:  # a file the manifest has no size and hash for could not be verified
            raise CorruptIndexError(f"{index_dir / MANIFEST} does not list {', '.join(unlisted)}; {FIX}.")
        for name, info in manifest["files"].items():
            path = snap / name
            if not path.is_file():
                raise CorruptIndexError(f"Index file {path} is missing; {FIX}.")
            if path.stat().st_size != info["bytes"] or (verify and sha256(path) != info["sha256"]):
                raise CorruptIndexError(f"Index file {path} is truncated or damaged; {FIX}.")
        try:
            articles = {row["id"]: Article(**row) for row in _read_jsonl(snap / "articles.jsonl")}
            chunks = [Chunk(**row) for row in _read_jsonl(snap / "chunks.jsonl")]
            sentences = [Sentence(**row) for row in _read_jsonl(snap / "sentences.jsonl")]
            terms = [row["term"] for row in _read_jsonl(snap / "terms.jsonl")]
            vocabulary = [row["term"] for row in _read_jsonl(snap / "vocabulary.jsonl")]
            indexes = {table: faiss.read_index(str(snap / f"{table}.faiss"))
                       for table in TABLE_ROWS if f"{table}.faiss" in manifest["files"]}
            lexical = LexicalIndex.load(snap / BM25_DIR, len(chunks))
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise CorruptIndexError(f"Index snapshot {snap} cannot be read ({exc}); {FIX}.") from exc
        records = {"chunks": chunks, "sentences": sentences, "terms": terms}
        if any(index.ntotal != len(records[TABLE_ROWS[table]]) for table, index in indexes.items()):
            raise CorruptIndexError(f"Index snapshot {snap} has vectors and records out of step; {FIX}.")
        return cls(index_dir, manifest, articles, chunks, sentences, terms, indexes, lexical, vocabulary)

    @classmethod
    def from_content(cls, content: IndexContent, index_dir: Path | None = None) -> FaissStore:
        """A store held in memory only, over what a build produced (for tests and one-off corpora)."""
        indexes = {table: flat_index(matrix) for table, matrix in content.vectors.items()}
        return cls(index_dir or Path(), content.manifest, {a.id: a for a in content.articles}, list(content.chunks),
                   list(content.sentences), list(content.terms), indexes, content.lexical,
                   list(content.vocabulary or content.terms))

    def newer(self, settings: Settings) -> FaissStore | None:
        """The snapshot ``manifest.json`` names now, if it is another one; raises if it cannot serve ``settings``."""
        manifest = read_manifest(self.index_dir)
        if manifest.get("snapshot") == self.manifest.get("snapshot"):
            return None
        reason = manifest_mismatch(manifest, settings)
        if reason:
            raise StaleIndexError(f"Stale index ({reason}); run `rag ingest` to update it.")
        return FaissStore.open(self.index_dir, manifest)

    def tables(self) -> frozenset[str]:
        """The vector tables this snapshot holds."""
        return frozenset(self._indexes)

    def vectors(self, table: str, rows: Sequence[int] | None = None) -> np.ndarray:
        """The stored vectors of a table (all, or the given rows in that order)."""
        matrix = self._matrices[table]
        return matrix if rows is None else matrix[np.asarray(rows, dtype=np.int64)]

    def rows_of(self, table: str, filters: Filters) -> np.ndarray:
        """The rows of a chunk or sentence table whose article passes the filters."""
        return admitted_rows(self._article_of[TABLE_ROWS[table]], self.articles, filters)

    def search(self, vector: np.ndarray, k: int, *, table: str = "chunks", filters: Filters | None = None,
               among: Sequence[int] | None = None) -> list[Scored]:
        """The ``k`` rows with the highest inner product, best first (ties by row), within the filters."""
        index = self._indexes[table]
        allowed = None if among is None else np.asarray(among, dtype=np.int64)
        if filters is not None and filters.active:
            passing = self.rows_of(table, filters)
            allowed = passing if allowed is None else np.intersect1d(allowed, passing)
        limit = index.ntotal if allowed is None else len(allowed)
        k = min(k, limit)
        if k <= 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        scores, ids = index.search(query, k, params=params)
        found = [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))

    def lexical(self, query: str, k: int, *, filters: Filters | None = None) -> list[Scored]:
        """The ``k`` chunks with the highest positive BM25 score, best first (ties by row), within the filters."""
        rows = self.rows_of("chunks", filters) if filters is not None and filters.active else None
        return self._lexical.search(query, k, rows=rows)


def write_snapshot(index_dir: Path, content: IndexContent) -> Path:
    """Write a complete snapshot, then switch ``manifest.json`` to it atomically."""
    name = f"snap-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir(parents=True)
    _write_jsonl(tmp / "articles.jsonl", [a.to_dict() for a in content.articles])
    _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in content.chunks])
    _write_jsonl(tmp / "sentences.jsonl", [vars(s) for s in content.sentences])
    _write_jsonl(tmp / "terms.jsonl", [{"term": t} for t in content.terms])
    _write_jsonl(tmp / "vocabulary.jsonl", [{"term": t} for t in content.vocabulary or content.terms])
    for table, matrix in content.vectors.items():
        faiss.write_index(flat_index(matrix), str(tmp / f"{table}.faiss"))
    content.lexical.save(tmp / BM25_DIR)
    files = {}
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        fsync(path)
        files[path.relative_to(tmp).as_posix()] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    fsync(tmp / BM25_DIR)
    fsync(tmp)  # the folder's entries too: the manifest must never name a snapshot a crash could lose
    final = index_dir / name
    os.replace(tmp, final)
    fsync(index_dir)
    manifest = {**content.manifest, "snapshot": name, "files": files}
    staged = index_dir / f".{MANIFEST}.{uuid.uuid4().hex[:8]}"
    staged.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    fsync(staged)
    os.replace(staged, index_dir / MANIFEST)
    fsync(index_dir)
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


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


