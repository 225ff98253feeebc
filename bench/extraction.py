"""Extraction quality of the HTML loader on the fundus-news pages, against their reference parses.

    .venv/bin/python bench/extraction.py [--corpus ../shared/corpora/fundus-news] [--worst 10] [--json]

Reads every page listed in ``truth.jsonl`` with the same loader ``rag ingest`` uses and prints, for
all pages and for the dev/test split by outlet (``rag.evaluate.extraction.split_of``): title exact
match (whitespace normalized), date on the same day, outlet/site name present, author sets equal
(and mean author F1), body token F1 (median and 10th percentile), then the worst pages by body F1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.errors import CorpusError  # noqa: E402
from rag.evaluate.extraction import page_scores, summary  # noqa: E402
from rag.ingest.corpus import read_articles  # noqa: E402

TARGETS = {"title_exact": 0.95, "date_same_day": 0.95, "outlet_present": 0.95, "body_f1_median": 0.90}


def run(corpus: Path) -> list:
    """Score every page of ``truth.jsonl``."""
    truth = [json.loads(line) for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    scores = []
    for row in truth:
        try:
            articles, _ = read_articles(corpus / row["html"], name=row["html"])
            scores.append(page_scores(articles[0], row))
        except CorpusError as exc:
            scores.append(page_scores(None, row, problem=str(exc)))
    return scores


def main(argv: list[str] | None = None) -> int:
    """Print the figures and the worst pages."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "fundus-news")
    parser.add_argument("--worst", type=int, default=10, help="how many of the worst pages to list")
    parser.add_argument("--json", action="store_true", help="print the figures and per-page scores as JSON")
    args = parser.parse_args(argv)
    if not (args.corpus / "truth.jsonl").is_file():
        print(f"error: no truth.jsonl in {args.corpus}; pass --corpus DIR", file=sys.stderr)
        return 2
    started = time.perf_counter()
    scores = run(args.corpus)
    seconds = time.perf_counter() - started
    parts = {"all": scores, "dev": [s for s in scores if s.split == "dev"], "test": [s for s in scores if s.split == "test"]}
    figures = {name: summary(part) for name, part in parts.items()}
    if args.json:
        print(json.dumps({"figures": figures, "pages": [s.__dict__ for s in scores]}, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(scores)} pages read in {seconds:.1f} s ({len(scores) / seconds:.1f} pages/s)\n")
    keys = ["pages", "title_exact", "date_same_day", "outlet_present", "authors_exact", "authors_f1",
            "body_f1_median", "body_f1_p10"]
    print("| split | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, fig in figures.items():
        cells = [str(fig["pages"])] + [f"{fig[k]:.3f}" for k in keys[1:]]
        print(f"| {name} | " + " | ".join(cells) + " |")
    missed = [f"{k} {figures['all'][k]:.3f} < {v}" for k, v in TARGETS.items() if figures["all"][k] < v]
    print("\ntargets (all pages): " + ("all met" if not missed else "NOT met: " + "; ".join(missed)))
    print(f"\nworst {args.worst} pages by body token F1:")
    for s in sorted(scores, key=lambda s: s.body_f1)[: args.worst]:
        flags = [n for n, ok in (("title", s.title_exact), ("date", s.same_day), ("authors", s.authors_exact)) if not ok]
        print(f"  {s.body_f1:.3f}  {s.id} ({s.split})" + (f"  wrong: {', '.join(flags)}" if flags else "")
              + (f"  {s.problem}" if s.problem else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
