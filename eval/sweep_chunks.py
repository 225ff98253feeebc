"""Compare chunk sizes × retrieval configurations on the DEV split (how the defaults were chosen).

    python eval/sweep_chunks.py [--sizes 300:60 500:100 800:150] [--split dev]

Builds one temporary index per chunk setting (real model), then prints Recall@1/@5, MRR and
key-fact accuracy per language for each retrieval variant of ``rag eval --compare``.
"""

from __future__ import annotations

import argparse
import tempfile

from rag import Assistant, Settings
from rag.evaluate.runner import breakdown, evaluate
from rag.evaluate.gold import default_gold_path, load_gold
from rag.retrieve.hybrid import retriever_variants


def main() -> None:
    """Run the sweep and print one line per (chunking, variant)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["300:60", "500:100", "800:150"], help="SIZE:OVERLAP pairs")
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    args = parser.parse_args()
    items = [i for i in load_gold(default_gold_path()) if i.split == args.split]
    variants = {"default": None, **retriever_variants()}
    for spec in args.sizes:
        size, overlap = (int(x) for x in spec.split(":"))
        assistant = Assistant.load(tempfile.mkdtemp(prefix="rag-sweep-"),
                                   settings=Settings(chunk_size=size, chunk_overlap=overlap))
        for name, config in variants.items():
            configured = assistant if config is None else assistant.configured(retrieval=config)
            table = breakdown(evaluate(configured, items))
            cells = " ".join(
                f"{lang}: R@1 {table[lang]['recall@1']:.2f} R@5 {table[lang]['recall@5']:.2f} "
                f"MRR {table[lang]['mrr']:.2f} KF {table[lang]['key_fact_accuracy']:.2f}"
                for lang in ("en", "de") if lang in table
            )
            print(f"{size:>4}/{overlap:<4} {name:28s} {cells}", flush=True)


if __name__ == "__main__":
    main()
