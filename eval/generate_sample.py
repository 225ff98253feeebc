"""Generated vs quoted answers on a gold split, one question at a time, saved as it goes (resumable).

    python eval/generate_sample.py --gold eval/gold.jsonl --split test --out /tmp/gen.jsonl [--index DIR --seeds DIR]

``rag eval --mode both`` reports only when every question is done; on a busy 2-core machine a
generated answer can take a minute or two, so this script asks the questions in an interleaved
order (English/German, answerable/unanswerable alternate; a stable hash orders each group), writes
each question's two results (extract, generate) to ``--out`` as soon as they exist, skips those already
there, and prints the summary of whatever is done: any prefix is a balanced sample of the split.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.assistant import Assistant  # noqa: E402
from rag.evaluate.gold import default_gold_path, load_gold  # noqa: E402
from rag.evaluate.runner import ItemResult, evaluate_item, summarize  # noqa: E402
from rag.models.llm_server import open_llm  # noqa: E402

COLUMNS = ("n", "recall@5", "key_fact_accuracy", "abstention_recall", "false_abstention_rate", "generated_share",
           "language_match", "unsupported_rate", "latency_p50_ms")


def interleaved(items: list) -> list:
    """Round-robin over (language, answerable) groups, each ordered by a stable hash of the id."""
    groups: dict[tuple, list] = {}
    for item in sorted(items, key=lambda i: hashlib.sha256(i.id.encode()).hexdigest()):
        groups.setdefault((item.language, item.answerable), []).append(item)
    rounds = itertools.zip_longest(*groups.values())
    return [item for group in rounds for item in group if item is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=default_gold_path())
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--seeds", type=Path, default=None)
    parser.add_argument("--summary", action="store_true", help="only print the summary of --out")
    args = parser.parse_args()
    done = {}
    if args.out.exists():
        for line in args.out.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            done[(row["id"], row["mode"])] = ItemResult(**{k: (tuple(v) if isinstance(v, list) else v)
                                                          for k, v in row["result"].items()})
    if not args.summary:
        chat, server = open_llm("local")
        try:
            assistant = Assistant.load(args.index, seeds=args.seeds, llm=chat)
            items = interleaved([i for i in load_gold(args.gold) if i.split == args.split])
            with args.out.open("a", encoding="utf-8") as out:
                for n, item in enumerate(items, start=1):
                    for mode in ("extract", "generate"):
                        if (item.id, mode) in done:
                            continue
                        result = evaluate_item(assistant, item, mode=mode)
                        done[(item.id, mode)] = result
                        out.write(json.dumps({"id": item.id, "mode": mode, "result": dataclasses.asdict(result)},
                                             ensure_ascii=False) + "\n")
                        out.flush()
                    print(f"{n}/{len(items)} {item.id}: {done[(item.id, 'generate')].answer[:100]!r}", flush=True)
        finally:
            if server is not None:
                server.stop()
    ids = [key[0] for key in done if key[1] == "generate" and (key[0], "extract") in done]
    print(f"{len(ids)} questions with both answers")
    print("mode     " + " ".join(f"{c:>20}" for c in COLUMNS))
    for mode in ("extract", "generate"):
        row = summarize([done[(i, mode)] for i in ids])
        cells = [row.get(c) for c in COLUMNS]
        print(f"{mode:8} " + " ".join(f"{c:>20.3f}" if isinstance(c, float) else f"{c!s:>20}" for c in cells))


if __name__ == "__main__":
    main()
