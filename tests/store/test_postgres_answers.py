"""The real assistant over the PostgreSQL store answers as over the FAISS store: the seeds' real index
(e5 + USE vectors, BM25) copied into the database, dev-split questions asked through both."""

from __future__ import annotations

import pytest

from rag import Assistant
from rag.evaluate.gold import default_gold_path, load_gold
from rag.evaluate.runner import evaluate, summarize
from rag.store.pgschema import make_pool
from rag.store.pgwrite import import_snapshot
from rag.store.postgres import PostgresStore

pytestmark = pytest.mark.slow
DEV = [i for i in load_gold(default_gold_path()) if i.split == "dev"]


@pytest.fixture(scope="module")
def both(assistant, pg_server):
    import psycopg

    admin = pg_server.url.rsplit("/", 1)[0]
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS answers")
        conn.execute("CREATE DATABASE answers")
    url = admin + "/answers"
    pool = make_pool(url)
    import_snapshot(pool, assistant.index_dir)
    store = PostgresStore.open(url, pool=pool)
    over_pg = Assistant(store, assistant.embedder, second_encoder=assistant.second_encoder, settings=assistant.settings)
    yield assistant, over_pg
    pool.close()


def test_dev_questions_get_the_same_answers_and_figures(both):
    faiss, pg = both
    items = DEV[::6]  # every sixth dev question: the figures of the whole splits are in the README
    for item in items[:6]:
        a, b = faiss.ask(item.question), pg.ask(item.question)
        assert (a.abstained, a.text) == (b.abstained, b.text), item.question
        assert [(c.article_id, c.quote) for c in a.citations] == [(c.article_id, c.quote) for c in b.citations]
    ours, theirs = summarize(evaluate(pg, items)), summarize(evaluate(faiss, items))
    for metric in ("recall@5", "mrr", "key_fact_accuracy", "citation_precision", "abstention_recall"):
        assert ours[metric] == pytest.approx(theirs[metric], abs=0.01), metric


def test_filters_run_in_sql_and_match(both):
    faiss, pg = both
    outlet = faiss.outlets[0]
    day = sorted(a.date[:10] for a in faiss.articles if a.date)[-1]
    for kwargs in ({"sources": [outlet]}, {"since": day}, {"until": "2000-01-01"}):
        a, b = faiss.search("Was wurde beschlossen?", k=5, **kwargs), pg.search("Was wurde beschlossen?", k=5, **kwargs)
        assert [h.id for h in a] == [h.id for h in b], kwargs
        assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-6)
