"""Writing a build into the PostgreSQL store: one transaction per ingest, so readers see the old or the new state.

Articles that the build reused unchanged keep their rows; every other article's rows are deleted
and inserted anew (changed, removed and new articles), together with the vocabulary, the BM25
index and a new generation number, in a single transaction. A killed ingest therefore leaves the
previous state, and re-ingesting never duplicates rows (article and chunk ids are unique).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rag.store.base import IndexContent
from rag.store.pgschema import WRITE_LOCK

HNSW = {"m": 16, "ef_construction": 64}
# a table that has this many rows when its index is first built gets a denser graph: bench/scale.py at 1M
# vectors, recall@10 at ef_search 800: 0.791 with m 16 / ef_construction 64, 0.913 with 32 / 128 (3.2x the build)
LARGE_ROWS, HNSW_LARGE = 500_000, {"m": 32, "ef_construction": 128}

VECTOR_COLUMNS = {"chunks": ("chunks", "e5"), "sentences": ("sentences", "e5"), "use": ("chunks", "use")}
TS_CONFIG = {"de": "german", "en": "english"}


def hnsw_settings(rows: int) -> dict[str, int]:
    """The HNSW build parameters for a table of ``rows`` rows."""
    return HNSW_LARGE if rows >= LARGE_ROWS else HNSW


@contextlib.contextmanager
def writer_lock(pool: Any) -> Iterator[None]:
    """Hold the store's write lock (a session advisory lock) for a whole build: one ingest at a time."""
    with pool.connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))


def _day(date: str | None) -> str | None:
    return date[:10] if date else None


def _key(source: str | None) -> str | None:
    return source.casefold() if source else None


def write_content(pool: Any, content: IndexContent, *, keep: Collection[str] = ()) -> int:
    """Make the database hold exactly ``content``; rows of the articles in ``keep`` stay as they are.

    Returns the new generation number.
    """
    dims = {table: int(matrix.shape[1]) for table, matrix in content.vectors.items() if matrix.ndim == 2}
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK + 1,))
        state = conn.execute("SELECT generation, dims FROM rag_state WHERE id = 1").fetchone()
        if state is not None and state[1] != dims:  # another model: the HNSW indexes' dimensions change
            for table in VECTOR_COLUMNS:
                conn.execute(f"DROP INDEX IF EXISTS {table}_hnsw")
            # TRUNCATE, not DELETE: an index built in this transaction would still see the deleted
            # rows (and their other dimension); readers wait for the commit instead
            conn.execute("TRUNCATE articles, chunks, sentences")
            keep = ()
        present = {row[0] for row in conn.execute("SELECT id FROM articles")}
        kept = set(keep) & present & {a.id for a in content.articles}
        conn.execute("DELETE FROM articles WHERE NOT (id = ANY(%s))", (sorted(kept),))
        fresh = [a for a in content.articles if a.id not in kept]
        by_id = {a.id: a for a in fresh}
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO articles (id, title, body, date, day, source, source_key, authors, url, language, meta) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(a.id, a.title, a.body, a.date, _day(a.date), a.source, _key(a.source), list(a.authors), a.url,
                  a.language, json.dumps(a.meta, ensure_ascii=False, default=str)) for a in fresh])
        _copy_chunks(conn, content, by_id)
        _copy_sentences(conn, content, by_id)
        english = [a.id for a in fresh if TS_CONFIG.get(a.language or "") == "english"]
        if english:
            conn.execute("UPDATE chunks SET ts_config = 'english' WHERE article_id = ANY(%s)", (english,))
        _replace_terms(conn, content)
        _replace_bm25(conn, content)
        generation = (state[0] if state else 0) + 1
        manifest = {**content.manifest, "snapshot": f"generation-{generation}"}
        conn.execute(
            "INSERT INTO rag_state (id, generation, manifest, lexical_rows, dims) VALUES (1, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET generation = EXCLUDED.generation, manifest = EXCLUDED.manifest, "
            "lexical_rows = EXCLUDED.lexical_rows, dims = EXCLUDED.dims",
            (generation, json.dumps(manifest, ensure_ascii=False, default=str),
             json.dumps([c.id for c in content.chunks]), json.dumps(dims)))
        for table, (relation, column) in VECTOR_COLUMNS.items():
            if table in dims:
                hnsw = hnsw_settings(len(content.vectors[table]))
                conn.execute(f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {relation} USING hnsw "
                             f"(({column}::vector({dims[table]})) vector_ip_ops) "
                             f"WITH (m = {hnsw['m']}, ef_construction = {hnsw['ef_construction']})")
    return generation


def _copy_chunks(conn: Any, content: IndexContent, fresh: dict[str, Any]) -> None:
    use = content.vectors.get("use")
    e5 = content.vectors["chunks"]
    columns = "id, article_id, idx, text, start_char, end_char, day, source_key, e5, use"
    with conn.cursor().copy(f"COPY chunks ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["text", "text", "int4", "text", "int4", "int4", "text", "text", "vector", "vector"])
        for i, chunk in enumerate(content.chunks):
            article = fresh.get(chunk.article_id)
            if article is None:
                continue
            copy.write_row([chunk.id, chunk.article_id, chunk.index, chunk.text, chunk.start, chunk.end,
                            _day(article.date), _key(article.source), _f32(e5[i]),
                            None if use is None else _f32(use[i])])


def _copy_sentences(conn: Any, content: IndexContent, fresh: dict[str, Any]) -> None:
    e5 = content.vectors["sentences"]
    columns = "article_id, idx, text, start_char, end_char, day, source_key, e5"
    with conn.cursor().copy(f"COPY sentences ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int4", "text", "int4", "int4", "text", "text", "vector"])
        for i, sentence in enumerate(content.sentences):
            article = fresh.get(sentence.article_id)
            if article is None:
                continue
            copy.write_row([sentence.article_id, sentence.index, sentence.text, sentence.start, sentence.end,
                            _day(article.date), _key(article.source), _f32(e5[i])])


def _replace_terms(conn: Any, content: IndexContent) -> None:
    conn.execute("DELETE FROM terms")
    conn.execute("DELETE FROM vocabulary")
    vectors = content.vectors.get("terms")
    with conn.cursor().copy("COPY terms (pos, term, e5) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "vector"])
        for i, term in enumerate(content.terms):
            copy.write_row([i, term, _f32(vectors[i])])  # type: ignore[index]
    with conn.cursor().copy("COPY vocabulary (pos, term) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text"])
        for i, term in enumerate(content.vocabulary or content.terms):
            copy.write_row([i, term])


def _replace_bm25(conn: Any, content: IndexContent) -> None:
    """The fitted BM25 index's files, stored as they are written (no refit when a replica loads)."""
    conn.execute("DELETE FROM bm25_files")
    with tempfile.TemporaryDirectory(prefix="rag-bm25-") as tmp:
        folder = Path(tmp) / "bm25"
        content.lexical.save(folder)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bm25_files (name, data) VALUES (%s, %s)",
                            [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()])


def _f32(vector: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vector, dtype=np.float32)


def import_snapshot(pool: Any, index_dir: Path) -> int:
    """Copy the FAISS snapshot in ``index_dir`` into the store as it is (no re-embedding); the new generation."""
    from rag.store.snapshot import FaissStore

    store = FaissStore.open(index_dir)
    content = IndexContent(dict(store.manifest), list(store.articles.values()), list(store.chunks),
                           list(store.sentences), list(store.terms), {t: store.vectors(t) for t in store.tables()},
                           store._lexical, list(store.vocabulary))  # noqa: SLF001 - the fitted BM25, as saved
    return write_content(pool, content)
