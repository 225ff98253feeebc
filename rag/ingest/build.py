"""Build or update an index from a corpus folder, re-embedding only the articles that changed."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rag import __version__
from rag.config import FORMAT_VERSION, Settings
from rag.errors import CorruptIndexError, IndexMissingError, RagError
from rag.ingest.chunking import article_sentences, chunk_article
from rag.ingest.corpus import corpus_hash, corpus_hashes, load_corpus
from rag.ingest.loaders import default_loaders, versions
from rag.ingest.embedding import encode_sorted, select_terms, stage
from rag.lang.text import terms as find_terms
from rag.models.base import PassageEncoder, TextEncoder
from rag.store.base import IndexContent, Store
from rag.store.bm25 import LexicalIndex
from rag.store.manifest import build_lock, manifest_mismatch, read_manifest, serving_snapshot
from rag.store.snapshot import FaissStore, write_snapshot
from rag.types import Article, Chunk, Sentence

TERM_BATCH = 128  # terms are a few tokens long: large batches (of similar length) keep their cost small


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
    skipped: list[str] = field(default_factory=list)  # files of the corpus folder that are no articles, with why
    store: str = ""  # the PostgreSQL store written (password masked), if not the index folder
    seconds: float = 0.0


@dataclass
class _Part:
    """One article's records and, when reused from the previous snapshot, their vectors."""

    article: Article
    chunks: list[Chunk]
    sentences: list[Sentence]
    vectors: dict[str, np.ndarray] | None = None


def _previous(index_dir: Path, settings: Settings, rebuild: bool, pool: Any = None, url: str = "") -> Store | None:
    if rebuild:
        return None
    try:
        if pool is not None:
            from rag.store.postgres import PostgresStore

            store = PostgresStore.open(url, pool=pool)
            return None if manifest_mismatch(store.manifest, settings) else store
        manifest = read_manifest(index_dir)
        if manifest_mismatch(manifest, settings):
            return None
        return FaissStore.open(index_dir, manifest)
    except (IndexMissingError, CorruptIndexError):
        return None


def _reused(prev: Store, article: Article, file_sha: str) -> _Part | None:
    """The article's records and vectors from the previous snapshot, if its file is unchanged."""
    info = prev.manifest.get("articles", {}).get(article.id)
    if not info or info.get("sha256") != file_sha or article.id not in prev.articles:
        return None
    if prev.articles[article.id].body != article.body:  # same file, another parser: its passages changed
        return None
    chunk_rows = [i for i, c in enumerate(prev.chunks) if c.article_id == article.id]
    sent_rows = [i for i, s in enumerate(prev.sentences) if s.article_id == article.id]
    vectors = {"chunks": prev.vectors("chunks", chunk_rows), "sentences": prev.vectors("sentences", sent_rows)}
    if "use" in prev.tables():
        vectors["use"] = prev.vectors("use", chunk_rows)
    return _Part(article, [prev.chunks[i] for i in chunk_rows], [prev.sentences[i] for i in sent_rows], vectors)


def _term_table(articles: list[Article], prev: Store | None, embedder: PassageEncoder,
                report: BuildReport, progress: bool) -> tuple[list[str], list[str], np.ndarray]:
    """The corpus vocabulary, and the terms of it with vectors (reused where known)."""
    documents = [f"{a.title}\n{a.body}" for a in articles]
    vocabulary = sorted(set().union(*(find_terms(d) for d in documents)))
    terms = select_terms(vocabulary)
    known: dict[str, np.ndarray] = {}
    if prev is not None:
        known = dict(zip(prev.terms, prev.vectors("terms")))
    todo = [t for t in terms if t not in known]
    if todo:
        with stage("Embedding the vocabulary (e5)", len(todo), "term", progress) as bar:
            encode = partial(embedder.encode_queries, batch_size=TERM_BATCH)
            known.update(zip(todo, encode_sorted(encode, todo, bar=bar, step=TERM_BATCH)))
    report.embedded_terms = len(todo)
    if not terms:
        return vocabulary, [], np.zeros((0, embedder.dimension), np.float32)
    return vocabulary, terms, np.stack([known[t] for t in terms]).astype(np.float32)


def _embed_new(parts: list[_Part], embedder: PassageEncoder, second: TextEncoder | None, progress: bool) -> int:
    """Embed the passages and sentences of the parts that have no vectors yet; return how many texts."""
    todo = [p for p in parts if p.vectors is None]
    texts = [t for p in todo for t in [*(c.text for c in p.chunks), *(s.text for s in p.sentences)]]
    chunk_texts = [c.text for p in todo for c in p.chunks]
    with stage("Embedding passages and sentences (e5)", len(texts), "text", progress) as bar:
        fresh = (encode_sorted(embedder.encode_passages, texts, bar=bar) if texts
                 else np.zeros((0, embedder.dimension), np.float32))
    use = None
    if second is not None and chunk_texts:
        with stage(f"Embedding passages ({second.name})", len(chunk_texts), "passage", progress) as bar:
            use = encode_sorted(second.encode, chunk_texts, bar=bar)
    cursor = use_cursor = 0
    for part in todo:
        n_c, n_s = len(part.chunks), len(part.sentences)
        part.vectors = {"chunks": fresh[cursor:cursor + n_c], "sentences": fresh[cursor + n_c:cursor + n_c + n_s]}
        if use is not None:
            part.vectors["use"] = use[use_cursor:use_cursor + n_c]
        cursor += n_c + n_s
        use_cursor += n_c
    return len(texts)


def build_index(
    seeds_dir: Path,
    index_dir: Path,
    *,
    settings: Settings,
    embedder: PassageEncoder,
    second_encoder: TextEncoder | None = None,
    rebuild: bool = False,
    progress: bool = False,
    exclude: Sequence[str] = (),
    store_url: str | None = None,
    embed: Callable[[list[Any], PassageEncoder, TextEncoder | None, bool], int] | None = None,
) -> BuildReport:
    """Build or incrementally update the index in ``index_dir`` (or the PostgreSQL store at ``store_url``)
    from ``seeds_dir``.

    ``second_encoder`` (default: USE) embeds the passages for the second dense ranking; ``exclude``
    holds globs of corpus files that are no articles (recorded in the manifest, so updates keep them out);
    ``embed`` replaces the step that embeds new passages and sentences (``rag ingest --ray``).
    """
    args = (settings, embedder, second_encoder, rebuild, progress, exclude, embed or _embed_new)
    if store_url:
        from rag.store.pgschema import make_pool
        from rag.store.pgwrite import writer_lock

        pool = make_pool(store_url, max_size=2)
        try:
            with writer_lock(pool):
                return _build(seeds_dir, index_dir, *args, (pool, store_url))
        finally:
            pool.close()
    with build_lock(index_dir):
        return _build(seeds_dir, index_dir, *args, None)


def _build(seeds_dir: Path, index_dir: Path, settings: Settings, embedder: PassageEncoder,
           second_encoder: TextEncoder | None, rebuild: bool, progress: bool, exclude: Sequence[str],
           embed: Callable[..., int], target: tuple[Any, str] | None) -> BuildReport:
    """One build, its target locked: a FAISS snapshot folder, or (pool, url) of a PostgreSQL store."""
    if second_encoder is None:
        from rag.models.use import UseEncoder

        second_encoder = UseEncoder()
    started = time.perf_counter()
    report = BuildReport(index_dir=index_dir)
    if target is not None:
        from rag.store.pgschema import redact

        report.store = redact(target[1])
    loaded = load_corpus(seeds_dir, exclude=exclude)
    hashes = corpus_hashes(seeds_dir, exclude=exclude)
    report.warnings, report.errors, report.skipped = loaded.warnings, loaded.errors, loaded.skipped
    prev = _previous(index_dir, settings, rebuild, *(target or ()))
    if prev is not None and "use" not in prev.tables():
        prev = None  # the previous build had no second encoder: embed everything anew
    report.full_rebuild = prev is None
    parts: list[_Part] = []
    for article in loaded.articles:
        reused = _reused(prev, article, hashes[loaded.files[article.id]]) if prev is not None else None
        if reused is not None:
            parts.append(reused)
            report.reused.append(article.id)
            continue
        chunks = chunk_article(article, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        parts.append(_Part(article, chunks, article_sentences(article)))
        known = prev is not None and article.id in prev.articles
        (report.changed if known else report.added).append(article.id)
    if prev is not None:
        report.removed = sorted(set(prev.articles) - {a.id for a in loaded.articles})
    if not parts:
        raise RagError(f"No readable articles in {seeds_dir}; add article files. Problems: {report.errors or report.warnings}")
    report.embedded_texts = embed(parts, embedder, second_encoder, progress)
    articles = [p.article for p in parts]
    chunks = [c for p in parts for c in p.chunks]
    sentences = [s for p in parts for s in p.sentences]
    vectors = {table: np.vstack([p.vectors[table] for p in parts])  # type: ignore[index]
               for table in ("chunks", "sentences", "use")}
    vocabulary, terms, vectors["terms"] = _term_table(articles, prev, embedder, report, progress)
    manifest = {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "model": {"id": settings.model, "dimension": int(embedder.dimension)},
        "second_encoder": second_encoder.name,
        "chunking": settings.chunking(),
        "corpus": {"dir": str(seeds_dir), "hash": corpus_hash(hashes), "files": hashes,
                   "exclude": list(exclude), "parsers": versions(default_loaders()), "skipped": loaded.skipped},
        "articles": {a.id: {"file": loaded.files[a.id], "sha256": hashes[loaded.files[a.id]]} for a in articles},
        "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(sentences), "terms": len(terms),
                   "vocabulary": len(vocabulary)},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "previous_snapshot": serving_snapshot(index_dir) if target is None else prev and prev.manifest.get("snapshot"),
        "problems": report.errors + report.warnings,
    }
    lexical = LexicalIndex.fit([c.text for c in chunks])
    content = IndexContent(manifest, articles, chunks, sentences, terms, vectors, lexical, vocabulary)
    if target is None:
        write_snapshot(index_dir, content)
    else:
        from rag.store.pgwrite import write_content

        write_content(target[0], content, keep=report.reused)
    report.articles, report.chunks, report.sentences = len(articles), len(chunks), len(sentences)
    report.seconds = time.perf_counter() - started
    return report
