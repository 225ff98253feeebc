"""The PostgreSQL schema of the pgvector store: versioned migrations, the connection pool, and URL hygiene.

Every migration runs in one transaction under an advisory lock, so app replicas and ingests that
start together migrate once. A database whose schema is newer than this code is refused (upgrade
the package) instead of being written with an older layout.
"""

from __future__ import annotations

import re
from typing import Any

from rag.errors import RagError

SCHEMA_VERSION = 2
MIGRATE_LOCK = 0x7261_6701  # advisory lock keys ("rag" + n), one per purpose
WRITE_LOCK = 0x7261_6702

# One entry per version: the statements that take a database from the version before to this one.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE EXTENSION IF NOT EXISTS vector",
        """CREATE TABLE rag_state (
            id int PRIMARY KEY CHECK (id = 1),
            generation bigint NOT NULL,
            manifest jsonb NOT NULL,
            lexical_rows jsonb NOT NULL,   -- chunk ids in the order the BM25 index was fitted
            dims jsonb NOT NULL            -- vector dimension of each table
        )""",
        """CREATE TABLE articles (
            id text PRIMARY KEY, title text NOT NULL, body text NOT NULL, date text, day text,
            source text, source_key text, authors text[] NOT NULL DEFAULT '{}', url text, language text,
            meta jsonb NOT NULL DEFAULT '{}'
        )""",
        """CREATE TABLE chunks (
            row_id bigserial PRIMARY KEY, id text NOT NULL UNIQUE,
            article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            idx int NOT NULL, text text NOT NULL, start_char int NOT NULL, end_char int NOT NULL,
            day text, source_key text, e5 vector NOT NULL, use vector
        )""",
        "CREATE INDEX chunks_article ON chunks (article_id)",
        "CREATE INDEX chunks_day ON chunks (day)",
        "CREATE INDEX chunks_source ON chunks (source_key)",
        """CREATE TABLE sentences (
            row_id bigserial PRIMARY KEY,
            article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            idx int NOT NULL, text text NOT NULL, start_char int NOT NULL, end_char int NOT NULL,
            day text, source_key text, e5 vector NOT NULL, UNIQUE (article_id, idx)
        )""",
        "CREATE INDEX sentences_day ON sentences (day)",
        "CREATE INDEX sentences_source ON sentences (source_key)",
        "CREATE TABLE terms (pos int PRIMARY KEY, term text NOT NULL, e5 vector NOT NULL)",
        "CREATE TABLE vocabulary (pos int PRIMARY KEY, term text NOT NULL)",
        "CREATE TABLE bm25_files (name text PRIMARY KEY, data bytea NOT NULL)",
    ),
    2: (  # full text search: a German/English tsvector per chunk, by the article's language
        "ALTER TABLE chunks ADD COLUMN ts_config regconfig NOT NULL DEFAULT 'german'",
        "ALTER TABLE chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, text)) STORED",
        "CREATE INDEX chunks_tsv ON chunks USING gin (tsv)",
    ),
}


class StoreUrlError(RagError):
    """A store URL that is no PostgreSQL URL, or a database that cannot be reached or used."""


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages and logs)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def schema_version(conn: Any) -> int:
    """The schema version of the connected database (0: never set up)."""
    exists = conn.execute("SELECT to_regclass('rag_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM rag_schema").fetchone()
    return int(row[0] or 0)


def migrate(conn: Any, *, target: int = SCHEMA_VERSION) -> int:
    """Bring the database to schema ``target`` (one transaction per step); return the version it had."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS rag_schema (version int PRIMARY KEY, applied_at timestamptz "
                     "NOT NULL DEFAULT now())")
        found = schema_version(conn)
        if found > SCHEMA_VERSION:
            raise StoreUrlError(f"The database has store schema {found}, newer than this version of rag "
                                f"({SCHEMA_VERSION}); upgrade the nachrichten-rag package.")
        for version in range(found + 1, target + 1):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute("INSERT INTO rag_schema (version) VALUES (%s)", (version,))
    return found


def make_pool(url: str, *, max_size: int = 8) -> Any:
    """A psycopg connection pool whose connections know the ``vector`` type; the schema is migrated first."""
    try:
        import psycopg
        from pgvector.psycopg import register_vector
        from psycopg_pool import ConnectionPool
    except ImportError as exc:
        raise StoreUrlError("The PostgreSQL store needs its extra: pip install 'nachrichten-rag[db]'.") from exc
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            migrate(conn)
    except psycopg.Error as exc:
        raise StoreUrlError(f"Cannot use the database {redact(url)}: {_first_line(exc)}. Start one with "
                            "`rag db start` or check RAG_STORE/--store.") from None

    def configure(conn: Any) -> None:
        register_vector(conn)
        conn.autocommit = True

    pool = ConnectionPool(url, min_size=1, max_size=max_size, configure=configure, open=False,
                          kwargs={"connect_timeout": 10}, name="rag-store")
    pool.open(wait=True, timeout=30)
    return pool


def _first_line(exc: BaseException) -> str:
    return redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
