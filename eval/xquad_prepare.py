"""XQuAD as judge calibration material: the German paragraphs as a corpus, both languages' questions as gold.

    python eval/xquad_prepare.py --corpus DIR --gold FILE.jsonl

Questions are split into dev and test by paragraph (SHA-1 of the paragraph id, seed-free and
stable): a paragraph's questions, in both languages, are all in one split. Calibration uses dev only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.evaluate.squad import gold_items, read_squad, write_corpus  # noqa: E402

XQUAD = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "xquad"


def split_of(paragraph_id: str) -> str:
    """``dev`` or ``test``, half each, by the paragraph id's hash."""
    return "dev" if int(hashlib.sha1(paragraph_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--gold", type=Path, required=True)
    args = p.parse_args()
    german, english = read_squad(XQUAD / "xquad.de.json"), read_squad(XQUAD / "xquad.en.json")
    write_corpus(german, args.corpus)
    items, warnings = gold_items(german, [english])
    with args.gold.open("w", encoding="utf-8") as out:
        for item in items:
            item = replace(item, split=split_of(item.evidence[0].article_id))
            out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    print(f"{len(german.paragraphs)} paragraphs, {len(items)} questions", *warnings, sep="\n")


if __name__ == "__main__":
    main()
