"""Build or update the index from the corpus folder, re-embedding only what changed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag import __version__
from rag.chunking import article_sentences, chunk_article
from rag.config import FORMAT_VERSION, Settings
from rag.corpus import corpus_hash, corpus_hashes, load_corpus
from rag.errors import CorruptIndexError, IndexMissingError, RagError, StaleIndexError
from rag.store import Snapshot, all_vectors, build_lock, load_snapshot, read_manifest, write_snapshot
from rag.text import terms as find_terms
from rag.types import Article, Chunk, Sentence


class PassageEncoder(Protocol):
    """What ingest needs from an embedder."""

    model_id: str

    @property
    def dimension(self) -> int: ...

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray: ...

    def encode_queries(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray: ...


@dataclass
class BuildReport:
    """What a build did: counts, what was re-embedded, and any skipped files."""

    index_dir: Path
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded_texts: int = 0
    embedded_terms: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    full_rebuild: bool = False
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def manifest_mismatch(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why an index cannot serve these settings (format, model, chunking), or None."""
    if manifest.get("format_version") != FORMAT_VERSION:
        return f"index format {manifest.get('format_version')} != {FORMAT_VERSION}"
    model = manifest.get("model", {}).get("id")
    if model != settings.model:
        return f"index was built with model {model!r}, settings ask for {settings.model!r}"
    if manifest.get("chunking") != settings.chunking():
        return f"index chunking {manifest.get('chunking')} != settings {settings.chunking()}"
    return None


def corpus_changes(manifest: dict[str, Any], seeds_dir: Path) -> list[str]:
    """Human-readable differences between the indexed corpus and the folder now."""
    before: dict[str, str] = manifest.get("corpus", {}).get("files", {})
    now = corpus_hashes(seeds_dir)
    changes = [f"added {n}" for n in sorted(now.keys() - before.keys())]
    changes += [f"removed {n}" for n in sorted(before.keys() - now.keys())]
    changes += [f"changed {n}" for n in sorted(now.keys() & before.keys()) if now[n] != before[n]]
    return changes


def check_fresh(manifest: dict[str, Any], settings: Settings, seeds_dir: Path | None) -> None:
    """Raise ``StaleIndexError`` if the index does not match the settings or the corpus folder."""
    reason = manifest_mismatch(manifest, settings)
    if reason is None and seeds_dir is not None:
        changes = corpus_changes(manifest, seeds_dir)
        if changes:
            reason = "corpus changed since the index was built: " + ", ".join(changes[:10])
    if reason:
        raise StaleIndexError(f"Stale index ({reason}); run `rag ingest` to update it.")


def _previous(index_dir: Path, settings: Settings, rebuild: bool) -> Snapshot | None:
    if rebuild:
        return None
    try:
        manifest = read_manifest(index_dir)
        if manifest_mismatch(manifest, settings):
            return None
        return load_snapshot(index_dir, manifest)
    except (IndexMissingError, CorruptIndexError):
        return None


def _serving_snapshot(index_dir: Path) -> str | None:
    """The snapshot the current manifest names (kept one more build for readers mid-load)."""
    try:
        return str(read_manifest(index_dir)["snapshot"])
    except (IndexMissingError, CorruptIndexError):
        return None


def _reusable(prev: Snapshot, article: Article, file_sha: str) -> bool:
    info = prev.manifest.get("articles", {}).get(article.id)
    return bool(info) and info.get("sha256") == file_sha and article.id in prev.articles


def _reuse(
    prev: Snapshot, article_id: str, cvec: np.ndarray, svec: np.ndarray
) -> tuple[list[Chunk], list[Sentence], np.ndarray, np.ndarray]:
    chunk_rows = [i for i, c in enumerate(prev.chunks) if c.article_id == article_id]
    sent_rows = [i for i, s in enumerate(prev.sentences) if s.article_id == article_id]
    return (
        [prev.chunks[i] for i in chunk_rows],
        [prev.sentences[i] for i in sent_rows],
        cvec[chunk_rows],
        svec[sent_rows],
    )


TERM_BATCH = 256  # terms are a few tokens long: large batches keep their cost small


def _term_table(
    articles: list[Article], prev: Snapshot | None, embedder: PassageEncoder, report: BuildReport
) -> tuple[list[str], np.ndarray]:
    """The corpus vocabulary of names and nouns with their vectors (reused where unchanged)."""
    terms = sorted(set().union(*(find_terms(f"{a.title}\n{a.body}") for a in articles)))
    known: dict[str, np.ndarray] = {}
    if prev is not None:
        known = dict(zip(prev.terms, all_vectors(prev.term_index)))
    todo = [t for t in terms if t not in known]
    if todo:
        known.update(zip(todo, embedder.encode_queries(todo, batch_size=TERM_BATCH)))
    report.embedded_terms = len(todo)
    if not terms:
        return [], np.zeros((0, embedder.dimension), np.float32)
    return terms, np.stack([known[t] for t in terms]).astype(np.float32)


def build_index(
    seeds_dir: Path,
    index_dir: Path,
    *,
    settings: Settings,
    embedder: PassageEncoder,
    rebuild: bool = False,
    progress: bool = False,
) -> BuildReport:
    """Build or incrementally update the index in ``index_dir`` from ``seeds_dir``."""
    started = time.perf_counter()
    report = BuildReport(index_dir=index_dir)
    with build_lock(index_dir):
        loaded = load_corpus(seeds_dir)
        hashes = corpus_hashes(seeds_dir)
        report.warnings, report.errors = loaded.warnings, loaded.errors
        prev = _previous(index_dir, settings, rebuild)
        report.full_rebuild = prev is None
        if prev is not None:
            prev_cvec, prev_svec = all_vectors(prev.chunk_index), all_vectors(prev.sentence_index)
        file_of = {Path(name).stem: name for name in hashes}
        parts: list[tuple[Article, list[Chunk], list[Sentence], np.ndarray | None, np.ndarray | None]] = []
        todo: list[str] = []
        for article in loaded.articles:
            sha = hashes[file_of[article.id]]
            if prev is not None and _reusable(prev, article, sha):
                parts.append((article, *_reuse(prev, article.id, prev_cvec, prev_svec)))
                report.reused.append(article.id)
                continue
            chunks = chunk_article(article, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
            sentences = article_sentences(article)
            parts.append((article, chunks, sentences, None, None))
            todo += [c.text for c in chunks] + [s.text for s in sentences]
            known = prev is not None and article.id in prev.articles
            (report.changed if known else report.added).append(article.id)
        if prev is not None:
            current = {a.id for a in loaded.articles}
            report.removed = sorted(set(prev.articles) - current)
        if not parts:
            raise RagError(f"No readable articles in {seeds_dir}; add .txt/.md files. Problems: {report.errors or report.warnings}")
        fresh = embedder.encode_passages(todo, progress=progress) if todo else np.zeros((0, embedder.dimension), np.float32)
        report.embedded_texts = len(todo)
        articles, chunks, sentences, cvecs, svecs = [], [], [], [], []
        cursor = 0
        for article, a_chunks, a_sents, cvec, svec in parts:
            if cvec is None:
                n_c, n_s = len(a_chunks), len(a_sents)
                cvec = fresh[cursor:cursor + n_c]
                svec = fresh[cursor + n_c:cursor + n_c + n_s]
                cursor += n_c + n_s
            articles.append(article)
            chunks += a_chunks
            sentences += a_sents
            cvecs.append(cvec)
            svecs.append(svec)
        manifest = {
            "format_version": FORMAT_VERSION,
            "package_version": __version__,
            "model": {"id": settings.model, "dimension": int(embedder.dimension)},
            "chunking": settings.chunking(),
            "corpus": {"dir": str(seeds_dir), "hash": corpus_hash(hashes), "files": hashes},
            "articles": {
                a.id: {"file": file_of[a.id], "sha256": hashes[file_of[a.id]]} for a in articles
            },
            "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(sentences)},
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "previous_snapshot": _serving_snapshot(index_dir),
            "problems": report.errors + report.warnings,
        }
        terms, tvecs = _term_table(articles, prev, embedder, report)
        manifest["counts"]["terms"] = len(terms)
        write_snapshot(index_dir, manifest, articles, chunks, sentences, np.vstack(cvecs), np.vstack(svecs), terms, tvecs)
    report.articles, report.chunks, report.sentences = len(articles), len(chunks), len(sentences)
    report.seconds = time.perf_counter() - started
    return report
