"""Lexical ranking of the PostgreSQL store: the project's BM25 (stored in the database) vs PostgreSQL full text.

    RAG_STORE=postgresql://… python bench/store_lexical.py [--split dev] [--gold eval/gold.jsonl]

The store must already hold the corpus the gold file asks about (`rag ingest --seeds … --store …`).
Runs the gold questions of the split through the assistant twice, over the same database: lexical
ranking by BM25 (`lexical="bm25"`, the default) and by `ts_rank_cd` over a German tsvector
(`lexical="fts"`); every other ranking is the same. Prints the figures side by side. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("recall@1", "recall@5", "mrr", "ndcg@10", "key_fact_accuracy", "citation_precision", "abstention_recall",
           "false_abstention_rate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold.jsonl")
    args = parser.parse_args()
    url = os.environ.get("RAG_STORE")
    if not url:
        raise SystemExit("set RAG_STORE to the store's postgresql:// URL")
    from rag import Assistant
    from rag.evaluate.gold import load_gold
    from rag.evaluate.runner import evaluate, summarize
    from rag.models.e5_numpy import query_encoder
    from rag.retrieve.hybrid import retriever_variants
    from rag.store.pgschema import make_pool
    from rag.store.postgres import PostgresStore

    items = [i for i in load_gold(args.gold) if i.split == args.split]
    pool = make_pool(url)
    try:
        encoder = query_encoder("intfloat/multilingual-e5-small")
        rows = {}
        second = None
        for mode in ("bm25", "fts"):
            store = PostgresStore.open(url, pool=pool, lexical=mode)
            assistant = Assistant(store, encoder, second_encoder=second)
            second = assistant.second_encoder
            rows[mode] = summarize(evaluate(assistant, items))
            # the lexical ranking alone (BM25 weight 1, others off): how much each one finds by itself
            alone = assistant.configured(retrieval=retriever_variants()["bm25"])
            rows[f"{mode} alone"] = summarize(evaluate(alone, items))
    finally:
        pool.close()
    print(f"{args.gold.name}, split {args.split}, {len(items)} questions\n")
    print(f"{'':22}" + "".join(f"{m:>12}" for m in rows))
    for metric in METRICS:
        print(f"{metric:22}" + "".join(f"{rows[m][metric]:>12.3f}" for m in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
