"""The PostgreSQL + pgvector store: one database that many app replicas serve from while ingests write to it.

A replica loads one generation of the records (articles, chunks, sentences, vocabulary) and the
vectors the answer stage reads (sentences, terms, chunks for near-duplicate checks) in one
repeatable-read transaction. Vector search runs in SQL: exact (sequential scan) on small tables,
under filters and beyond ``hnsw.ef_search``'s limit, otherwise on the HNSW index. Date and outlet
filters are SQL predicates. Lexical ranking is the project's BM25, fitted by the ingest and stored in
the database (``lexical="bm25"``, the default), or PostgreSQL's full text search (``lexical="fts"``).
Rows written after the generation a replica loaded are skipped until it reloads (``newer``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.errors import IndexMissingError, StaleIndexError
from rag.store.base import TABLE_ROWS, Scored, admitted_rows, ranked
from rag.store.bm25 import LexicalIndex
from rag.store.manifest import manifest_mismatch
from rag.store.pgschema import make_pool, redact
from rag.store.pgwrite import LARGE_ROWS, VECTOR_COLUMNS
from rag.types import Article, Chunk, Filters, Sentence

EXACT_BELOW = 20_000  # rows: below this a sequential scan is fast and exact
EF_SEARCH_MAX = 1000  # pgvector's ceiling for hnsw.ef_search; deeper searches are exact
EF_SEARCH_MIN = 400  # recall@10 0.979 at 100k vectors in bench/scale.py (ef_search 40: 0.678)
# bench/scale.py at 1M vectors (m 16): recall@10 0.684 at ef_search 400, 0.791 at 800 (p95 10 vs 17 ms)
EF_SEARCH_LARGE = 800


def ef_search(rows: int, k: int) -> int:
    """``hnsw.ef_search`` for a top-``k`` search of a table of ``rows`` rows: deeper for larger tables."""
    return min(EF_SEARCH_MAX, max(EF_SEARCH_LARGE if rows >= LARGE_ROWS else EF_SEARCH_MIN, 2 * k))


class PostgresStore:
    """One loaded generation of a PostgreSQL store; searches go to the database through a pool."""

    def __init__(self, pool: Any, url: str, *, lexical: str = "bm25", exact_below: int = EXACT_BELOW) -> None:
        if lexical not in ("bm25", "fts"):
            raise ValueError(f"lexical must be 'bm25' or 'fts', got {lexical!r}")
        self.pool, self.url, self.lexical_mode, self.exact_below = pool, url, lexical, exact_below
        with pool.connection() as conn:
            conn.autocommit = False
            try:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                self._load(conn)
            finally:
                conn.rollback()
                conn.autocommit = True

    @classmethod
    def open(cls, url: str, *, lexical: str = "bm25", pool: Any = None, **kwargs: Any) -> PostgresStore:
        """Connect (migrating the schema if needed) and load the current generation."""
        return cls(pool if pool is not None else make_pool(url), url, lexical=lexical, **kwargs)

    def _load(self, conn: Any) -> None:
        state = conn.execute("SELECT generation, manifest, lexical_rows, dims FROM rag_state WHERE id = 1").fetchone()
        if state is None:
            raise IndexMissingError(f"The database {redact(self.url)} holds no index yet: run "
                                    "`rag ingest --store URL` to build it.")
        self.generation, manifest, lexical_rows, self.dims = state
        self.manifest = manifest
        self.articles = {
            r[0]: Article(id=r[0], title=r[1], body=r[2], date=r[3], source=r[4], authors=tuple(r[5] or ()),
                          url=r[6], language=r[7], meta=r[8] or {})
            for r in conn.execute("SELECT id, title, body, date, source, authors, url, language, meta FROM articles")}
        rows = conn.execute("SELECT row_id, id, article_id, idx, text, start_char, end_char, e5 FROM chunks "
                            "ORDER BY row_id", binary=True).fetchall()
        self.chunks = [Chunk(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]
        self._row_ids = {"chunks": np.array([r[0] for r in rows], dtype=np.int64)}
        self._matrices = {"chunks": _stack([r[7] for r in rows], self.dims.get("chunks"))}
        rows = conn.execute("SELECT row_id, article_id, idx, text, start_char, end_char, e5 FROM sentences "
                            "ORDER BY row_id", binary=True).fetchall()
        self.sentences = [Sentence(r[1], r[2], r[3], r[4], r[5]) for r in rows]
        self._row_ids["sentences"] = np.array([r[0] for r in rows], dtype=np.int64)
        self._matrices["sentences"] = _stack([r[6] for r in rows], self.dims.get("sentences"))
        rows = conn.execute("SELECT term, e5 FROM terms ORDER BY pos", binary=True).fetchall()
        self.terms = [r[0] for r in rows]
        self._matrices["terms"] = _stack([r[1] for r in rows], self.dims.get("terms"))
        self.vocabulary = [r[0] for r in conn.execute("SELECT term FROM vocabulary ORDER BY pos")]
        self._row_ids["use"] = self._row_ids["chunks"]
        self._article_of = {"chunks": np.array([c.article_id for c in self.chunks], dtype=object),
                            "sentences": np.array([s.article_id for s in self.sentences], dtype=object)}
        self._lexical = self._load_bm25(conn, lexical_rows) if self.lexical_mode == "bm25" else None

    def _load_bm25(self, conn: Any, lexical_rows: list[str]) -> LexicalIndex:
        position = {c.id: i for i, c in enumerate(self.chunks)}
        files = conn.execute("SELECT name, data FROM bm25_files").fetchall()
        if files and len(lexical_rows) == len(self.chunks) and all(c in position for c in lexical_rows):
            with tempfile.TemporaryDirectory(prefix="rag-bm25-") as tmp:
                for name, data in files:
                    (Path(tmp) / name).write_bytes(data)
                index = LexicalIndex.load(Path(tmp), len(lexical_rows))
            self._lexical_pos = np.array([position[c] for c in lexical_rows], dtype=np.int64)
        else:  # rows and BM25 out of step (written by hand?): fit anew over what is there
            index = LexicalIndex.fit([c.text for c in self.chunks])
            self._lexical_pos = np.arange(len(self.chunks), dtype=np.int64)
        self._lexical_of = np.argsort(self._lexical_pos)  # position -> BM25 row
        return index

    # -- the Store protocol ------------------------------------------------------------------------------

    def tables(self) -> frozenset[str]:
        """The vector tables this store holds."""
        return frozenset(t for t in TABLE_ROWS if t in self.dims)

    def vectors(self, table: str, rows: Sequence[int] | None = None) -> np.ndarray:
        """Stored vectors of a table (all, or the given rows in that order); USE vectors are read from the database."""
        if table == "use":
            return self._fetch_use(rows)
        matrix = self._matrices[table]
        return matrix if rows is None else matrix[np.asarray(rows, dtype=np.int64)]

    def rows_of(self, table: str, filters: Filters) -> np.ndarray:
        """The rows of a chunk or sentence table whose article passes the filters."""
        return admitted_rows(self._article_of[TABLE_ROWS[table]], self.articles, filters)

    def search(self, vector: np.ndarray, k: int, *, table: str = "chunks", filters: Filters | None = None,
               among: Sequence[int] | None = None) -> list[Scored]:
        """The ``k`` rows with the highest inner product, best first (ties by row), within the filters."""
        if k <= 0 or table not in self.dims:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).ravel()
        if table == "terms":  # the vocabulary table is small and held in memory
            rows = np.arange(len(self.terms)) if among is None else np.asarray(among, dtype=np.int64)
            return ranked(self._matrices["terms"][rows] @ query, rows, k) if len(rows) else []
        ids = self._row_ids[table]
        relation, column = VECTOR_COLUMNS[table]
        where, params = self._where(filters, among, ids)
        exact = bool(where) or k > EF_SEARCH_MAX or len(ids) < self.exact_below
        with self.pool.connection() as conn:
            if exact:
                found = conn.execute(
                    f"SELECT row_id, ({column} <#> %s) AS d FROM {relation} WHERE {' AND '.join(where or ['true'])} "
                    f"ORDER BY d, row_id LIMIT %s", (query, *params, k)).fetchall()
            else:
                with conn.transaction():
                    ef = ef_search(len(ids), k)
                    conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef),))
                    dim = self.dims[table]
                    found = conn.execute(
                        f"SELECT row_id, ({column}::vector({dim}) <#> %s::vector({dim})) AS d FROM {relation} "
                        f"ORDER BY {column}::vector({dim}) <#> %s::vector({dim}) LIMIT %s", (query, query, k)).fetchall()
        return self._positions(ids, [(r, -float(d)) for r, d in found])[:k]

    def lexical(self, query: str, k: int, *, filters: Filters | None = None) -> list[Scored]:
        """The ``k`` chunks with the highest positive lexical score, best first (ties by row), within the filters."""
        if self.lexical_mode == "fts":
            return self._full_text(query, k, filters)
        rows = None
        if filters is not None and filters.active:
            rows = np.sort(self._lexical_of[self.rows_of("chunks", filters)])
        found = self._lexical.search(query, len(self.chunks), rows=rows)  # type: ignore[union-attr]
        pairs = [(int(self._lexical_pos[row]), score) for row, score in found]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:k]

    # -- generations ---------------------------------------------------------------------------------------

    def stamp(self) -> int:
        """The database's current generation (a cheap change marker for the index watcher)."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT generation FROM rag_state WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def newer(self, settings: Settings) -> PostgresStore | None:
        """The database's current generation if it is another one; raises if it cannot serve ``settings``."""
        if self.stamp() == self.generation:
            return None
        store = PostgresStore(self.pool, self.url, lexical=self.lexical_mode, exact_below=self.exact_below)
        reason = manifest_mismatch(store.manifest, settings)
        if reason:
            raise StaleIndexError(f"Stale index in {redact(self.url)} ({reason}); run `rag ingest --store URL`.")
        return store

    def close(self) -> None:
        """Close the connection pool (shared by the generations loaded from it)."""
        self.pool.close()

    # -- helpers -------------------------------------------------------------------------------------------

    def _where(self, filters: Filters | None, among: Sequence[int] | None, ids: np.ndarray) -> tuple[list[str], list]:
        where: list[str] = []
        params: list[Any] = []
        if among is not None:
            where.append("row_id = ANY(%s)")
            params.append(ids[np.asarray(among, dtype=np.int64)].tolist())
        if filters is not None and filters.since is not None:
            where.append("day >= %s")
            params.append(filters.since)
        if filters is not None and filters.until is not None:
            where.append("day <= %s")
            params.append(filters.until)
        if filters is not None and filters.sources is not None:
            where.append("source_key = ANY(%s)")
            params.append(sorted({s.casefold() for s in filters.sources}))
        return where, params

    def _positions(self, ids: np.ndarray, found: list[tuple[int, float]]) -> list[Scored]:
        """Database rows as positions of this generation (rows written since are skipped), best first, ties by row."""
        if not found:
            return []
        row_ids = np.array([r for r, _ in found], dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, row_ids), max(len(ids) - 1, 0))
        known = (ids[at] == row_ids) if len(ids) else np.zeros(len(row_ids), bool)
        pairs = [(int(at[i]), score) for i, (_, score) in enumerate(found) if known[i]]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    def _fetch_use(self, rows: Sequence[int] | None) -> np.ndarray:
        ids = self._row_ids["chunks"]
        wanted = ids if rows is None else ids[np.asarray(rows, dtype=np.int64)]
        with self.pool.connection() as conn:
            got = dict(conn.execute("SELECT row_id, use FROM chunks WHERE row_id = ANY(%s)", (wanted.tolist(),),
                                    binary=True))
        return _stack([got[int(r)] for r in wanted], self.dims.get("use"))

    def _full_text(self, query: str, k: int, filters: Filters | None) -> list[Scored]:
        ids = self._row_ids["chunks"]
        where, params = self._where(filters, None, ids)
        # any of the query's stems (websearch "or"), ranked by cover density normalised by length
        sql = ("WITH q AS (SELECT websearch_to_tsquery('simple', coalesce(array_to_string("
               "tsvector_to_array(to_tsvector('german', %s)), ' or '), '')) AS q) "
               "SELECT row_id, ts_rank_cd(tsv, q.q, 1) AS r FROM chunks, q WHERE tsv @@ q.q "
               f"{''.join(' AND ' + w for w in where)} ORDER BY r DESC, row_id LIMIT %s")
        with self.pool.connection() as conn:
            found = conn.execute(sql, (query, *params, k)).fetchall()
        return self._positions(ids, [(r, float(s)) for r, s in found if s > 0])


def stored_manifest(url: str) -> dict[str, Any]:
    """The manifest of the store at ``url`` without loading it (``IndexMissingError`` if it holds no index)."""
    import psycopg

    from rag.store.pgschema import StoreUrlError, schema_version

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute("SELECT manifest FROM rag_state WHERE id = 1").fetchone() if schema_version(conn) else None
    except psycopg.Error as exc:
        raise StoreUrlError(f"Cannot read the database {redact(url)}: {str(exc).strip()[:200]}") from None
    if row is None:
        raise IndexMissingError(f"The database {redact(url)} holds no index yet: run `rag ingest --store URL`.")
    return row[0]


def _stack(vectors: list[Any], dim: int | None) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dim or 0), dtype=np.float32)
    return np.ascontiguousarray(np.stack([v.to_numpy() if hasattr(v, "to_numpy") else v for v in vectors]),
                                dtype=np.float32)
