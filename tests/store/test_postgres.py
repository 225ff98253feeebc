"""The PostgreSQL + pgvector store against a real local server: same records and rankings as the FAISS
store, filters in SQL, whole-ingest transactions (a SIGKILLed ingest leaves the previous state), no
duplicates on re-ingest, schema migration, HNSW plans, generations, full text search."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest

from conftest import ROOT, SEEDS, FakeEmbedder, FakeUse
from rag.config import Settings
from rag.errors import IndexMissingError, StaleIndexError
from rag.ingest.build import build_index
from rag.retrieve.filtering import make_filters
from rag.store.pgschema import SCHEMA_VERSION, StoreUrlError, make_pool, migrate, redact, schema_version
from rag.store.postgres import (EF_SEARCH_LARGE, EF_SEARCH_MAX, EF_SEARCH_MIN, LARGE_ROWS, PostgresStore, ef_search,
                                stored_manifest)
from rag.store.snapshot import FaissStore

FAKE = Settings(model="fake")


def build(seeds: Path, url: str | None, index: Path | None = None):
    return build_index(seeds, index or Path("unused"), settings=FAKE, embedder=FakeEmbedder(), second_encoder=FakeUse(),
                       store_url=url)


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "chunks", "sentences", "terms", "vocabulary")}


def generation(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT generation FROM rag_state").fetchone()[0]


@pytest.fixture
def pair(pg_url, seeds_store):
    """The seeds built into a fresh database and the FAISS store built from the same seeds (fake encoders)."""
    build(SEEDS, pg_url)
    store = PostgresStore.open(pg_url)
    yield store, seeds_store
    store.close()


def test_records_and_vectors_equal_the_faiss_store(pair):
    pg, faiss = pair
    assert pg.articles == faiss.articles
    assert [c.id for c in pg.chunks] == [c.id for c in faiss.chunks] and pg.chunks == faiss.chunks
    assert pg.sentences == faiss.sentences and pg.terms == faiss.terms and pg.vocabulary == faiss.vocabulary
    assert pg.tables() == faiss.tables()
    for table in ("chunks", "sentences", "terms"):
        assert np.array_equal(pg.vectors(table), faiss.vectors(table))
    assert np.array_equal(pg.vectors("use", [3, 1]), faiss.vectors("use", [3, 1]))


@pytest.mark.parametrize("question", ["Was sagt Selenskyj zu Sicherheitsgarantien?", "Who won the election?",
                                      "Wirtschaft und Inflation in Deutschland"])
def test_rankings_equal_the_faiss_store_with_and_without_filters(pair, question):
    pg, faiss = pair
    vector = FakeEmbedder().encode_queries([question])[0]
    some = next(a for a in faiss.articles.values() if a.source)
    for filters in (None, make_filters(sources=[some.source.upper()]), make_filters(since=some.date[:10]),
                    make_filters(until="1999-01-01")):
        for table in ("chunks", "sentences", "use", "terms") if filters is None else ("chunks", "sentences", "use"):
            got, want = pg.search(vector, 7, table=table, filters=filters), faiss.search(vector, 7, table=table, filters=filters)
            assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)
            assert {r for r, s in got if s > got[-1][1] + 1e-5} == {r for r, s in want if s > want[-1][1] + 1e-5}
        assert pg.lexical(question, 5, filters=filters) == faiss.lexical(question, 5, filters=filters)
    among = [4, 0, 9, 2]
    assert pg.search(vector, 3, table="terms", among=among) == faiss.search(vector, 3, table="terms", among=among)


def test_reingest_keeps_rows_and_a_changed_article_is_replaced_whole(pg_url, seeds_copy):
    build(seeds_copy, pg_url)
    before, first = counts(pg_url), PostgresStore.open(pg_url)
    report = build(seeds_copy, pg_url)  # nothing changed
    assert report.embedded_texts == 0 and counts(pg_url) == before and generation(pg_url) == first.generation + 1
    path = sorted(seeds_copy.iterdir())[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nEin neuer Absatz über Windkraft in Bayern.\n", encoding="utf-8")
    report = build(seeds_copy, pg_url)
    assert len(report.changed) == 1 and not report.added
    store = PostgresStore.open(pg_url)
    changed = report.changed[0]
    assert sum(c.article_id == changed for c in store.chunks) >= sum(c.article_id == changed for c in first.chunks)
    assert any("Windkraft" in c.text for c in store.chunks if c.article_id == changed)
    with psycopg.connect(pg_url) as conn:  # no duplicate ids; the other articles kept their rows
        assert conn.execute("SELECT count(*) - count(DISTINCT id) FROM chunks").fetchone()[0] == 0
        kept = conn.execute("SELECT min(row_id) FROM chunks WHERE article_id <> %s", (changed,)).fetchone()[0]
    assert kept == int(first._row_ids["chunks"][0]) or first.chunks[0].article_id == changed
    # the old generation skips rows it does not know and reloads on request
    vector = FakeEmbedder().encode_queries(["Windkraft in Bayern"])[0]
    assert all(0 <= r < len(first.chunks) for r, _ in first.search(vector, 50))
    assert first.newer(FAKE) is not None and store.newer(FAKE) is None
    with pytest.raises(StaleIndexError):
        first.newer(Settings(model="another"))
    first.close(), store.close()


def test_removed_article_leaves_no_rows(pg_url, seeds_copy):
    build(seeds_copy, pg_url)
    gone = sorted(seeds_copy.iterdir())[-1]
    gone.unlink()
    report = build(seeds_copy, pg_url)
    assert len(report.removed) == 1
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM sentences WHERE article_id = %s", (report.removed[0],)).fetchone()[0] == 0
    assert counts(pg_url)["articles"] == 4


KILLED_INGEST = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from conftest import FakeEmbedder, FakeUse
    from rag.config import Settings
    from rag.ingest.build import build_index
    import rag.store.pgwrite as pgwrite
    real = pgwrite._replace_bm25
    def slow(conn, content):  # every article's rows are written; the commit is still to come
        real(conn, content)
        print("written", flush=True)
        time.sleep(60)
    pgwrite._replace_bm25 = slow
    build_index(Path({seeds!r}), Path("unused"), settings=Settings(model="fake"), embedder=FakeEmbedder(),
                second_encoder=FakeUse(), store_url={url!r})
""")


def test_a_killed_ingest_leaves_the_previous_state(pg_url, seeds_copy):
    build(seeds_copy, pg_url)
    before, gen = counts(pg_url), generation(pg_url)
    for path in sorted(seeds_copy.iterdir())[:2]:
        path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag: Die Sitzung wurde vertagt.\n", encoding="utf-8")
    (seeds_copy / "new.txt").write_text("Neuer Artikel\n\nDie Stadt baut eine Brücke über den Fluss.\n", encoding="utf-8")
    script = KILLED_INGEST.format(tests=str(ROOT / "tests"), seeds=str(seeds_copy), url=pg_url)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "written"
        with psycopg.connect(pg_url) as conn:  # readers meanwhile see the old state
            assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == before["articles"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while counts(pg_url) != before and time.monotonic() < deadline:  # the server rolls back on disconnect
        time.sleep(0.1)
    assert counts(pg_url) == before and generation(pg_url) == gen
    report = build(seeds_copy, pg_url)  # the lock is free again and the next ingest completes
    assert len(report.changed) == 2 and len(report.added) == 1 and counts(pg_url)["articles"] == 6


def test_schema_is_versioned_and_migrated(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate(conn, target=1) == 0 and schema_version(conn) == 1
        has_tsv = "SELECT count(*) FROM information_schema.columns WHERE table_name = 'chunks' AND column_name = 'tsv'"
        assert conn.execute(has_tsv).fetchone()[0] == 0
        assert migrate(conn) == 1 and schema_version(conn) == SCHEMA_VERSION
        assert conn.execute(has_tsv).fetchone()[0] == 1
        assert migrate(conn) == SCHEMA_VERSION  # nothing left to do
        conn.execute("INSERT INTO rag_schema (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
        with pytest.raises(StoreUrlError, match="upgrade"):
            migrate(conn)


def test_large_tables_search_the_hnsw_index(pg_url):
    build(SEEDS, pg_url)
    exact, approximate = PostgresStore.open(pg_url), PostgresStore.open(pg_url, exact_below=0)
    vector = FakeEmbedder().encode_queries(["Sicherheitsgarantien für die Ukraine"])[0]
    want = exact.search(vector, 10, table="sentences")
    got = approximate.search(vector, 10, table="sentences")
    assert len({r for r, _ in got} & {r for r, _ in want}) >= 9  # recall@10 on a tiny graph
    with approximate.pool.connection() as conn, conn.transaction():  # the planner scans a table this small
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT row_id FROM sentences ORDER BY e5::vector(64) <#> %s::vector(64) LIMIT 10", (vector,)))
    assert "sentences_hnsw" in plan
    exact.close(), approximate.close()


def test_full_text_ranking_stems_german(pg_url):
    build(SEEDS, pg_url)
    store = PostgresStore.open(pg_url, lexical="fts")
    hits = store.lexical("Sicherheitsgarantie Präsidenten", 5)
    assert hits and all("Sicherheitsgarantie" in store.chunks[r].text or "Präsident" in store.chunks[r].text
                        for r, _ in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert store.lexical("Xylophonquartett", 5) == [] and store.lexical("", 5) == []
    store.close()


def test_empty_and_unreachable_databases_give_clear_errors(pg_url, pg_server):
    with pytest.raises(IndexMissingError, match="rag ingest --store"):
        PostgresStore.open(pg_url)
    with pytest.raises(IndexMissingError):
        stored_manifest(pg_url)
    wrong = pg_server.url.replace(f":{pg_server.password}@", ":not-the-password@")
    with pytest.raises(StoreUrlError) as caught:
        make_pool(wrong)
    assert "not-the-password" not in str(caught.value) and "rag db start" in str(caught.value)
    assert redact(pg_server.url).count("***") == 1 and pg_server.password not in redact(pg_server.url)


def test_another_model_replaces_everything_including_the_vector_indexes(pg_url):
    class Wider(FakeEmbedder):
        dimension = 96

    build(SEEDS, pg_url)
    build_index(SEEDS, Path("unused"), settings=Settings(model="wider"), embedder=Wider(), second_encoder=FakeUse(),
                store_url=pg_url)
    store = PostgresStore.open(pg_url, exact_below=0)
    assert store.dims["chunks"] == 96 and store.vectors("chunks").shape == (len(store.chunks), 96)
    assert store.search(Wider().encode_queries(["Ukraine"])[0], 3)
    with psycopg.connect(pg_url) as conn:
        assert "vector(96)" in conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'chunks_hnsw'").fetchone()[0]
    store.close()


def test_a_serving_assistant_follows_the_database_generation(pg_url, seeds_copy):
    from rag import Assistant
    from rag.ui.watch import IndexWatcher

    build(seeds_copy, pg_url)
    assistant = Assistant(PostgresStore.open(pg_url), FakeEmbedder(), second_encoder=FakeUse(), settings=FAKE)
    watcher = IndexWatcher(assistant)
    assert watcher.check() is False and watcher.check() is False  # first look, then nothing new
    (seeds_copy / "new.txt").write_text("Neu\n\nDer Stadtrat beschloss den Bau einer Seilbahn.\n", encoding="utf-8")
    build(seeds_copy, pg_url)
    assert watcher.check() is True and "new" in assistant.store.articles
    assert assistant.manifest["snapshot"] == f"generation-{assistant.store.generation}"
    assert assistant.search("Seilbahn Stadtrat", k=1)[0].article_id == "new"
    assistant.store.close()


def test_ef_search_deepens_for_large_tables_and_stays_within_pgvector_s_limit():
    assert ef_search(LARGE_ROWS - 1, 10) == EF_SEARCH_MIN < ef_search(LARGE_ROWS, 10) == EF_SEARCH_LARGE
    assert ef_search(1000, 300) == 600  # twice k when that is deeper
    assert ef_search(2_000_000, 900) == EF_SEARCH_MAX


def test_a_table_large_at_its_first_build_gets_a_denser_hnsw_graph():
    from rag.store.pgwrite import HNSW, HNSW_LARGE, hnsw_settings

    assert hnsw_settings(LARGE_ROWS - 1) == HNSW and hnsw_settings(LARGE_ROWS) == HNSW_LARGE
    assert HNSW_LARGE["m"] > HNSW["m"] and HNSW_LARGE["ef_construction"] > HNSW["ef_construction"]
