"""Grid-search the extractive answerer's settings on the DEV split only; print the best.

    python eval/tune.py [--split dev] [--top 10]

Retrieval runs once per question; each configuration then only re-scores sentences, so the
whole grid takes seconds. Objective: key-fact accuracy on answerable questions plus abstention
recall on unanswerable ones, minus twice the false-abstention rate (wrongly refusing is worse
than a weak answer). The chosen values are the defaults in ``rag.answer.base.AnswerConfig``.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from dataclasses import replace

from rag import Assistant
from rag.answer.answerability import AnswerabilityCheck
from rag.answer.base import AnswerConfig, respond
from rag.answer.evidence import SentenceScorer
from rag.answer.extractive import ExtractiveAnswerer
from rag.evaluate.gold import default_gold_path, load_gold
from rag.evaluate.metrics import key_fact_match

GRID = {
    "abstain_below": [0.80, 0.82, 0.84],
    "entity_cosine": [0.875, 0.88, 0.885, 0.89],
    "lexical_weight": [0.0, 0.1],
    "rank_weight": [0.02, 0.05],
    "entity_weight": [0.0, 0.02],
    "second_within": [0.05],
    "max_sentences": [3],
    "same_fact_cosine": [0.94],
}


def main() -> None:
    """Run the grid and print the best configurations."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--index", help="index folder to use (default: a fresh temporary one)")
    args = parser.parse_args()
    items = [i for i in load_gold(default_gold_path()) if i.split == args.split]
    assistant = Assistant.load(args.index or tempfile.mkdtemp(prefix="rag-tune-"))
    retrievals = [assistant._state.retriever.retrieve(i.question, k=args.k) for i in items]
    base = AnswerConfig()
    scorer, check = SentenceScorer(assistant.store, config=base), AnswerabilityCheck(assistant.store, config=base)
    results = []
    for values in itertools.product(*GRID.values()):
        config = replace(base, **dict(zip(GRID, values)))
        scorer.config = check.config = config
        check.entities.min_cosine = config.entity_cosine
        answerer = ExtractiveAnswerer(config=config)
        correct = abstained_right = abstained_wrong = 0
        for item, retrieval in zip(items, retrievals):
            answer = respond(retrieval, scorer, check, answerer)
            if item.answerable:
                correct += (not answer.abstained) and key_fact_match(answer.text, item.key_facts)
                abstained_wrong += answer.abstained
            else:
                abstained_right += answer.abstained
        n_ans = sum(i.answerable for i in items)
        n_un = len(items) - n_ans
        acc, recall, false_rate = correct / n_ans, abstained_right / n_un, abstained_wrong / n_ans
        results.append((acc + recall - 2 * false_rate, acc, recall, false_rate, dict(zip(GRID, values))))
    results.sort(key=lambda r: -r[0])
    print(f"{len(results)} configurations on {len(items)} {args.split} questions")
    print(f"{'objective':>9} {'keyfact':>7} {'abstR':>6} {'falseAbst':>9}  settings")
    for objective, acc, recall, false_rate, settings in results[: args.top]:
        print(f"{objective:9.3f} {acc:7.3f} {recall:6.3f} {false_rate:9.3f}  {settings}")


if __name__ == "__main__":
    main()
