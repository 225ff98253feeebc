"""The judge's AUC on XQuAD: each question's gold paragraph against its hardest non-gold paragraph.

    python eval/xquad_prepare.py --corpus DIR --gold GOLD.jsonl      # once: corpus + gold with dev/test
    python eval/xquad_judge_auc.py --gold GOLD.jsonl --index IDX --corpus DIR --split test --out FILE.jsonl

The hardest negative is the best-ranked paragraph of another article by the assistant's retrieval
(``Assistant.search``). Both paragraphs are judged whole; one JSON line per question (resumable),
``--report`` prints the AUC overall and per language, beside the retrieval score's AUC.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.evaluate import metrics  # noqa: E402


def run(args: argparse.Namespace) -> None:
    from rag import Assistant
    from rag.answer.judge import LLMJudge
    from rag.evaluate.gold import load_gold
    from rag.models.chat import OpenAIChat
    from rag.models.llm import gguf_path
    from rag.models.llm_server import LocalLLMServer

    items = [i for i in load_gold(args.gold) if args.split == "all" or i.split == args.split]
    if args.sample:
        items = items[:: max(1, len(items) // args.sample)][: args.sample]
    done = set()
    if args.out.exists():
        done = {json.loads(line)["id"] for line in args.out.read_text(encoding="utf-8").splitlines() if line.strip()}
    assistant = Assistant.load(args.index, seeds=args.corpus, build=False, judge=None)
    bodies = {a.id: a.body for a in assistant.articles}
    with LocalLLMServer(gguf_path(), threads=args.threads) as server, args.out.open("a", encoding="utf-8") as out:
        judge = LLMJudge(OpenAIChat(server.base_url, timeout=600))
        for n, item in enumerate(items, 1):
            if item.id in done:
                continue
            gold = item.evidence[0].article_id
            hits = assistant.search(item.question, k=10)
            negative = next((h for h in hits if h.article_id != gold), None)
            if negative is None:
                continue
            gold_score = next((h.score for h in hits if h.article_id == gold), None)
            pos, neg = judge.judge(item.question, [bodies[gold], bodies[negative.article_id]])
            row = {"id": item.id, "language": item.language, "gold": pos, "negative": neg,
                   "gold_score": gold_score, "negative_score": negative.score}
            out.write(json.dumps(row) + "\n")
            out.flush()
            print(f"{n}/{len(items)} {item.id} gold {pos:.2f} negative {neg:.2f}", file=sys.stderr, flush=True)


def report(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for language in (None, "en", "de"):
        part = [r for r in rows if language is None or r["language"] == language]
        scored = [r for r in part if r["gold_score"] is not None]
        print(f"{language or 'all'}: {len(part)} questions; judge AUC gold vs hardest negative "
              f"{metrics.auc([r['gold'] for r in part], [r['negative'] for r in part]):.3f}; retrieval score AUC "
              f"{metrics.auc([r['gold_score'] for r in scored], [r['negative_score'] for r in scored]):.3f} "
              f"({len(scored)} with the gold paragraph in the top 10)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gold", type=Path, required=True)
    p.add_argument("--index", type=Path)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--split", default="test")
    p.add_argument("--sample", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--report", action="store_true")
    args = p.parse_args()
    report(args.out) if args.report else run(args)


if __name__ == "__main__":
    main()
