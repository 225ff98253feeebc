"""XQuAD per split: quoted answers to every question over one language's paragraphs, by split and question language.

    OMP_NUM_THREADS=1 python eval/xquad_split.py --corpus en [--index DIR]

The corpus is the 240 paragraphs in ``--corpus``'s language (indexed into ``--index``, a temporary
folder by default); the questions are both languages' 1,190, judged by that language's answer spans
(as ``rag eval --squad``), and split into dev and test by paragraph as ``eval/xquad_prepare.py``
splits them. Default configuration, quoted answers, judge off. Prints, per split and question
language: refused (every question is answerable), SpanInAnswer and the share answered in the
question's language.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rag import Assistant  # noqa: E402
from rag.evaluate.metrics import key_fact_match  # noqa: E402
from rag.evaluate.squad import gold_items, read_squad, write_corpus  # noqa: E402
from xquad_prepare import XQUAD, split_of  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", choices=("de", "en"), required=True, help="the paragraphs' language")
    p.add_argument("--index", type=Path, help="index folder (default: a temporary one)")
    args = p.parse_args()
    other = "en" if args.corpus == "de" else "de"
    main_set, other_set = read_squad(XQUAD / f"xquad.{args.corpus}.json"), read_squad(XQUAD / f"xquad.{other}.json")
    items, warnings = gold_items(main_set, [other_set])
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", args.index or Path(tmp) / "index"
        write_corpus(main_set, corpus)
        assistant = Assistant.load(index, seeds=corpus, judge=None, progress=True)
        counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for item in items:
            answer = assistant.ask(item.question, mode="extract")
            row = counts[(split_of(item.evidence[0].article_id), item.language)]
            row[0] += 1
            row[1] += answer.abstained
            row[2] += not answer.abstained and key_fact_match(answer.text, item.key_facts)
            row[3] += answer.language == item.language
    print(*warnings, sep="\n")
    print(f"{args.corpus} paragraphs | split | questions | n | refused | SpanInAnswer | in the question's language")
    for (split, language), (n, refused, span, same) in sorted(counts.items()):
        print(f"{args.corpus} | {split} | {language} | {n} | {refused / n:.3f} | {span / n:.3f} | {same / n:.3f}")


if __name__ == "__main__":
    main()
