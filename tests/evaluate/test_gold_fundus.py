"""The fundus gold file: schema, composition, split by article, and its spans checked against the pages' texts."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from rag.evaluate.gold import load_gold, unmatched_evidence
from rag.evaluate.metrics import key_fact_match, normalize_text
from rag.types import GoldItem

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold_fundus.jsonl"
TRUTH = ROOT.parent / "shared" / "corpora" / "fundus-news" / "truth.jsonl"
needs_shared = pytest.mark.skipif(
    not TRUTH.is_file(), reason=f"{TRUTH} is absent: the fundus pages live in ../shared beside the repository"
)


@pytest.fixture(scope="module")
def gold() -> list[GoldItem]:
    return load_gold(GOLD)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """Article id (page file name without ``.html.gz``) → the reference text of that page."""
    rows = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {Path(row["html"]).name.removesuffix(".html.gz"): row["text"] for row in rows}


@pytest.fixture(scope="module")
def splitter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("split_fundus", ROOT / "eval" / "split_fundus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _articles(item: GoldItem) -> set[str]:
    return {ev.article_id for ev in item.evidence} | {
        t.split(":", 1)[1] for t in item.tags if t.startswith("article:")
    }


def test_loads_with_unique_ids(gold: list[GoldItem]) -> None:
    ids = [item.id for item in gold]
    assert len(ids) == len(set(ids)) >= 100
    assert all(item.id.startswith(f"fundus-{item.language}-") for item in gold)


def test_composition(gold: list[GoldItem]) -> None:
    by_lang = Counter(item.language for item in gold)
    assert by_lang["en"] == by_lang["de"]
    unanswerable = [item for item in gold if not item.answerable]
    assert len(unanswerable) >= 24
    assert Counter(item.language for item in unanswerable)["en"] >= 10
    assert Counter(item.language for item in unanswerable)["de"] >= 10
    kinds = Counter(tag for item in unanswerable for tag in item.tags if tag in ("missing-detail", "never-named"))
    assert kinds["missing-detail"] >= 10 and kinds["never-named"] >= 10
    assert all(("missing-detail" in item.tags) != ("never-named" in item.tags) for item in unanswerable)
    tags = Counter(tag for item in gold for tag in item.tags)
    for tag in ("number", "date", "name", "why-how", "paraphrase", "compound"):
        assert tags[tag] >= 5, tag
    assert len({a for item in gold for a in _articles(item)}) >= 40


def test_split_is_by_article(gold: list[GoldItem]) -> None:
    split_of: dict[str, set[str]] = {}
    for item in gold:
        for article in _articles(item):
            split_of.setdefault(article, set()).add(item.split)
    assert {a: s for a, s in split_of.items() if len(s) > 1} == {}


def test_split_is_balanced(gold: list[GoldItem]) -> None:
    strata = Counter((item.split, item.language, item.answerable) for item in gold)
    for language in ("en", "de"):
        for answerable in (True, False):
            dev, test = strata[("dev", language, answerable)], strata[("test", language, answerable)]
            assert dev > 0 and test > 0 and abs(dev - test) <= 2, (language, answerable, dev, test)


def test_split_is_what_the_script_produces(gold: list[GoldItem], splitter: ModuleType) -> None:
    items = splitter.read_items(GOLD)
    assert [item["split"] for item in items] == splitter.assign_splits(items, splitter.DEFAULT_SEED)
    assert [item["id"] for item in items] == [item.id for item in gold]


def test_split_script_keeps_linked_articles_together(splitter: ModuleType) -> None:
    def item(i: int, language: str, articles: list[str], answerable: bool = True) -> dict:
        return {"id": f"x{i}", "language": language, "answerable": answerable,
                "evidence": [{"article_id": a, "span": "s"} for a in articles], "tags": []}

    items = [item(0, "en", ["A"]), item(1, "de", ["A", "B"]), item(2, "en", ["B"]), item(3, "de", ["C"]),
             item(4, "en", [], answerable=False), item(5, "de", ["D"]), {**item(6, "en", [], False), "tags": ["article:C"]}]
    assert splitter.groups_of(items) == [[0, 1, 2], [3, 6], [4], [5]]
    for seed in range(5):
        splits = splitter.assign_splits(items, seed)
        assert splits[0] == splits[1] == splits[2] and splits[3] == splits[6]
        assert set(splits) == {"dev", "test"}


def test_unanswerable_items_name_their_story_or_an_absent_name(gold: list[GoldItem]) -> None:
    for item in gold:
        if item.answerable:
            assert not any(t.startswith(("article:", "absent:")) for t in item.tags), item.id
        elif "missing-detail" in item.tags:
            assert len([t for t in item.tags if t.startswith("article:")]) == 1, item.id
        else:
            assert [t for t in item.tags if t.startswith("absent:")], item.id


def test_evidence_spans_short(gold: list[GoldItem]) -> None:
    for item in gold:
        for ev in item.evidence:
            assert 1 <= len(ev.span.split()) <= 16, (item.id, ev.span)


def test_key_facts_not_given_away_by_question(gold: list[GoldItem]) -> None:
    for item in gold:
        question = normalize_text(item.question)
        for group in item.key_facts:
            assert not any(normalize_text(alt) in question for alt in group), (item.id, group)


@needs_shared
def test_every_evidence_span_is_in_its_article(gold: list[GoldItem], texts: dict[str, str]) -> None:
    assert len(texts) == 99
    assert unmatched_evidence(gold, texts) == []


@needs_shared
def test_every_article_reference_exists(gold: list[GoldItem], texts: dict[str, str]) -> None:
    for item in gold:
        assert _articles(item) <= set(texts), (item.id, _articles(item) - set(texts))


@needs_shared
def test_key_facts_occur_in_evidence_spans(gold: list[GoldItem], texts: dict[str, str]) -> None:
    """Some alternative of each group is in a span; the others may be the question's wording, not the page's."""
    for item in gold:
        spans = [normalize_text(ev.span) for ev in item.evidence]
        for group in item.key_facts:
            assert any(normalize_text(alt) in span for alt in group for span in spans), (item.id, group)


@needs_shared
def test_first_alternative_is_the_pages_wording(gold: list[GoldItem], texts: dict[str, str]) -> None:
    """Each group starts with the article's own phrase; translations and paraphrases follow it."""
    for item in gold:
        bodies = [normalize_text(texts[ev.article_id]) for ev in item.evidence]
        for group in item.key_facts:
            assert any(normalize_text(group[0]) in body for body in bodies), (item.id, group[0])


def test_english_reference_answers_pass_their_key_facts(gold: list[GoldItem]) -> None:
    """A correct answer in English (the reference answer) is not failed for lacking the German phrase."""
    english = [item for item in gold if item.answerable and item.language == "en"]
    assert len(english) >= 40
    assert [item.id for item in english if not key_fact_match(item.reference_answer, item.key_facts)] == []


@needs_shared
def test_never_named_names_occur_in_no_page(gold: list[GoldItem], texts: dict[str, str]) -> None:
    bodies = [normalize_text(text) for text in texts.values()]
    names = [t.split(":", 1)[1] for item in gold for t in item.tags if t.startswith("absent:")]
    assert len(names) >= 10
    for name in names:
        assert not any(normalize_text(name) in body for body in bodies), name
