"""Warm answer latency with the judge, beside the quoted answer without it, in the same run.

    .venv/bin/python bench/judge.py [--index DIR --seeds DIR] [--gold FILE] [--questions 20] [--threads 2]

Asks the same dev questions (answerable and not, both languages) of one assistant twice: quoted
answers with the rules alone, then with the local model judging the best passages (llama.cpp on
loopback). Prints p50/p95 of each, the judge's added time and the ratio, and the load it ran at.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag import Assistant  # noqa: E402
from rag.answer.judge import LLMJudge  # noqa: E402
from rag.evaluate.gold import default_gold_path, load_gold  # noqa: E402
from rag.models.chat import OpenAIChat  # noqa: E402
from rag.models.llm import gguf_path, is_provisioned  # noqa: E402
from rag.models.llm_server import LocalLLMServer  # noqa: E402


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def timed(assistant: Assistant, questions: list[str]) -> list[float]:
    """Seconds per ``ask`` (quoted answers), warm."""
    out = []
    for question in questions:
        start = time.perf_counter()
        assistant.ask(question, mode="extract")
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=20, help="dev questions, a spread sample")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (default 2)")
    parser.add_argument("--gold", type=Path, default=default_gold_path())
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: index/)")
    parser.add_argument("--seeds", type=Path, default=None)
    args = parser.parse_args()
    if not is_provisioned():
        sys.exit("the local language model is not provisioned: run `rag llm provision`")
    items = [i for i in load_gold(args.gold) if i.split == "dev"]
    items = items[:: max(1, len(items) // args.questions)][: args.questions]
    questions = [i.question for i in items]
    with LocalLLMServer(gguf_path(), threads=args.threads) as server:
        plain = Assistant.load(args.index, seeds=args.seeds, judge=None)
        chat = OpenAIChat(server.base_url, timeout=600)
        judging = Assistant.load(args.index, seeds=args.seeds, llm=chat, judge=LLMJudge(chat))
        assert judging.judge is not None and plain.judge is None
        for warm in (plain, judging):
            warm.warm_up()
            warm.ask(questions[0], mode="extract")  # loads the pages of the models, caches the judge's prefix
        load = os.getloadavg()[0]
        base, judged = timed(plain, questions), timed(judging, questions)
    print(f"{len(questions)} dev questions of {args.gold.name}, llama.cpp threads {args.threads}, "
          f"load {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    for label, values in (("quoted answer, rules alone", base), ("quoted answer, judged", judged)):
        print(f"  {label:<28} p50 {pct(values, 50):6.2f} s   p95 {pct(values, 95):6.2f} s")
    added = [j - b for j, b in zip(judged, base)]
    print(f"  judge adds p50 {pct(added, 50):.2f} s; judged / rules alone median ratio "
          f"{statistics.median(j / b for j, b in zip(judged, base) if b > 0):.1f}")


if __name__ == "__main__":
    main()
