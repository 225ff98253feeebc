"""Assign the fundus gold questions to ``dev``/``test`` by article, at random with a fixed seed.

    python eval/split_fundus.py [--gold eval/gold_fundus.jsonl] [--seed 15] [--check]

All questions about one article land in the same split: an item's articles are those of its
evidence spans plus an ``article:<id>`` tag (unanswerable questions about a covered story carry
one); items linked through a shared article form one group. Questions about no article (names no
page mentions) are groups of their own. The groups are shuffled with the seed, larger groups go
first, and each goes to the split that keeps the (language, answerable) strata and the totals
most even (ties broken by the same random generator). The file is rewritten with the header
below and the split fields set; ``--check`` only reports whether the file already matches.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold_fundus.jsonl"
DEFAULT_SEED = 15

HEADER = """\
# Second gold set: 198 questions over 72 of the 99 fundus news pages (../shared/corpora/fundus-news; the
# outlets own the text, which is never copied here beyond the short evidence spans).
# How it was made: the questions were written from the articles' `text` field in truth.jsonl
# only, without running the assistant on them (no rag ask/search/eval while writing). 99 English
# (in English wording, e.g. "tonnes", "attorney general", not German phrasing) and 99 German; 34
# unanswerable (17 per language): 22 ask for a detail a covered story leaves out (tag
# missing-detail, with article:<id> naming the story), 12 name a person, place or organisation
# that no page mentions (tag never-named; absent:<name> is checked against every page's text).
# Tags: number, date, name, why-how, paraphrase (the question avoids the article's words),
# compound (several key-fact groups), multi-article. article_id is the page's file name without
# .html.gz; evidence spans are verbatim from `text` (whitespace-normalised), at most 16 words;
# key facts are the German strings a correct answer quoting the article contains.
# Split dev/test BY ARTICLE with eval/split_fundus.py (seed 15; balanced per language and
# answerability). Tune on dev only; report test.
"""


def _find(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def item_articles(item: dict[str, Any]) -> set[str]:
    """The articles an item is about: its evidence articles and its ``article:`` tags."""
    found = {ev["article_id"] for ev in item.get("evidence", [])}
    found |= {t.split(":", 1)[1] for t in item.get("tags", []) if t.startswith("article:")}
    return found


def groups_of(items: list[dict[str, Any]]) -> list[list[int]]:
    """Indices of the items grouped so that items sharing an article are in one group."""
    parent: dict[str, str] = {}
    for item in items:
        keys = [f"a:{a}" for a in sorted(item_articles(item))] or [f"q:{item['id']}"]
        for key in keys:
            parent.setdefault(key, key)
        for key in keys[1:]:
            parent[_find(parent, key)] = _find(parent, keys[0])
    by_root: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        keys = [f"a:{a}" for a in sorted(item_articles(item))] or [f"q:{item['id']}"]
        by_root.setdefault(_find(parent, keys[0]), []).append(i)
    return sorted(by_root.values())


def assign_splits(items: list[dict[str, Any]], seed: int = DEFAULT_SEED) -> list[str]:
    """The split of every item (same order), by article group, balanced per stratum."""
    rng = random.Random(seed)
    groups = groups_of(items)
    rng.shuffle(groups)
    groups.sort(key=len, reverse=True)  # stable: equal sizes keep their random order
    counts = {"dev": Counter(), "test": Counter()}
    splits = [""] * len(items)
    for group in groups:
        strata = Counter((items[i]["language"], items[i]["answerable"]) for i in group)

        def cost(target: str) -> tuple[int, int]:
            after = {s: counts[s] + strata if s == target else counts[s] for s in counts}
            keys = set(after["dev"]) | set(after["test"])
            per_stratum = sum(abs(after["dev"][k] - after["test"][k]) for k in keys)
            total = abs(sum(after["dev"].values()) - sum(after["test"].values()))
            return per_stratum, total

        options = sorted(["dev", "test"], key=lambda s: (cost(s), rng.random()))
        chosen = options[0]
        counts[chosen] += strata
        for i in group:
            splits[i] = chosen
    return splits


def read_items(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a gold file, skipping blank and ``#`` comment lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or ``--check``) the split fields of the fundus gold file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--check", action="store_true", help="only report whether the file's splits match")
    args = parser.parse_args(argv)
    items = read_items(args.gold)
    splits = assign_splits(items, args.seed)
    if args.check:
        wrong = [item["id"] for item, split in zip(items, splits) if item["split"] != split]
        print(f"{len(wrong)} of {len(items)} items differ" + (f": {', '.join(wrong[:10])}" if wrong else ""))
        return 1 if wrong else 0
    for item, split in zip(items, splits):
        item["split"] = split
    body = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    tmp = args.gold.with_suffix(".tmp")
    tmp.write_text(HEADER + body, encoding="utf-8")
    tmp.replace(args.gold)
    table = Counter((item["split"], item["language"], item["answerable"]) for item in items)
    for split in ("dev", "test"):
        n_articles = len({a for item in items if item["split"] == split for a in item_articles(item)})
        print(split, n_articles, "articles;",
              ", ".join(f"{lang}/{'answerable' if ans else 'unanswerable'} {table[(split, lang, ans)]}"
                        for lang in ("en", "de") for ans in (True, False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
