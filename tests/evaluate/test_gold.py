"""The shipped gold file: schema, composition, verbatim evidence; the loader's error messages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rag.errors import GoldFileError
from rag.evaluate.gold import default_gold_path, load_gold, unmatched_evidence
from rag.evaluate.metrics import normalize_text
from rag.types import GoldItem

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
BOILERPLATE_PREFIXES = ("⇢", "Bearbeitet von", "Quellen", "Haben Sie einen Fehler", "Weitere Details", "6 Ansichten")


@pytest.fixture(scope="module")
def gold() -> list[GoldItem]:
    return load_gold(default_gold_path())


@pytest.fixture(scope="module")
def raw_articles() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# --- the shipped file -------------------------------------------------------------------


def test_default_path_is_project_eval_dir() -> None:
    assert default_gold_path() == ROOT / "eval" / "gold.jsonl"
    assert default_gold_path().is_file()


def test_ids_unique(gold: list[GoldItem]) -> None:
    ids = [item.id for item in gold]
    assert len(ids) == len(set(ids))


def test_composition(gold: list[GoldItem]) -> None:
    by_lang = Counter(item.language for item in gold)
    assert by_lang["en"] >= 40 and by_lang["de"] >= 40
    unanswerable = Counter(item.language for item in gold if not item.answerable)
    assert sum(unanswerable.values()) >= 14
    assert unanswerable["en"] >= 7 and unanswerable["de"] >= 7
    tags = Counter(tag for item in gold for tag in item.tags)
    assert tags["paraphrase"] >= 18
    assert tags["multi-article"] >= 4
    for tag in ("number", "date", "name"):
        assert tags[tag] >= 4, tag
    assert 70 <= len(gold) <= 150


def test_split_balance(gold: list[GoldItem]) -> None:
    splits = Counter(item.split for item in gold)
    assert abs(splits["dev"] - splits["test"]) <= 4
    strata = Counter((item.split, item.language, item.answerable) for item in gold)
    for language in ("en", "de"):
        for answerable in (True, False):
            dev, test = strata[("dev", language, answerable)], strata[("test", language, answerable)]
            assert abs(dev - test) <= 2, (language, answerable, dev, test)
            assert dev > 0 and test > 0
    tags = Counter((item.split, tag) for item in gold for tag in item.tags)
    for tag in {t for item in gold for t in item.tags}:
        dev, test = tags[("dev", tag)], tags[("test", tag)]
        assert abs(dev - test) <= max(2, (dev + test) // 4), (tag, dev, test)


def test_multi_article_items_cite_two_articles(gold: list[GoldItem]) -> None:
    for item in gold:
        if "multi-article" in item.tags:
            assert len({ev.article_id for ev in item.evidence}) >= 2, item.id


def test_evidence_spans_verbatim_within_one_line(gold: list[GoldItem], raw_articles: dict[str, str]) -> None:
    for item in gold:
        for ev in item.evidence:
            assert ev.article_id in raw_articles, (item.id, ev.article_id)
            lines = [line for line in raw_articles[ev.article_id].splitlines() if ev.span in line]
            assert lines, (item.id, ev.span)
            assert not any(line.lstrip().startswith(BOILERPLATE_PREFIXES) for line in lines), (item.id, ev.span)
            assert 3 <= len(ev.span.split()) <= 18, (item.id, ev.span)


def test_key_facts_occur_in_evidence_articles(gold: list[GoldItem], raw_articles: dict[str, str]) -> None:
    for item in gold:
        texts = [normalize_text(raw_articles[ev.article_id]) for ev in item.evidence]
        for group in item.key_facts:
            assert any(normalize_text(alt) in text for alt in group for text in texts), (item.id, group)


def test_key_facts_not_given_away_by_question(gold: list[GoldItem]) -> None:
    for item in gold:
        question = normalize_text(item.question)
        for group in item.key_facts:
            assert not any(normalize_text(alt) in question for alt in group), (item.id, group)


def test_unanswerable_items_are_empty(gold: list[GoldItem]) -> None:
    for item in gold:
        if not item.answerable:
            assert item.key_facts == () and item.evidence == (), item.id


def test_round_trip_to_dict(gold: list[GoldItem], tmp_path: Path) -> None:
    path = tmp_path / "copy.jsonl"
    path.write_text("\n".join(json.dumps(item.to_dict(), ensure_ascii=False) for item in gold), encoding="utf-8")
    assert load_gold(path) == gold


def test_evidence_spans_occur_in_cleaned_bodies(gold: list[GoldItem]) -> None:
    from rag.ingest.corpus import load_corpus

    bodies = {article.id: article.body for article in load_corpus(SEEDS).articles}
    assert set(bodies) == {p.stem for p in SEEDS.glob("*.txt")}
    assert unmatched_evidence(gold, bodies) == []


# --- the loader on malformed files --------------------------------------------------------


def _good(item_id: str = "x-1", **changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": item_id,
        "split": "dev",
        "language": "en",
        "question": "What did Germany offer?",
        "answerable": True,
        "reference_answer": "Soldiers on neighbouring NATO territory.",
        "key_facts": [["benachbartem NATO-Gebiet"]],
        "evidence": [{"article_id": "001_x", "span": "auf benachbartem NATO-Gebiet"}],
        "tags": ["paraphrase"],
    }
    obj.update(changes)
    return obj


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _raises(path: Path, line: int, *fragments: str) -> None:
    with pytest.raises(GoldFileError) as info:
        load_gold(path)
    message = str(info.value)
    assert f"{path}:{line}" in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_valid_file_with_comments_and_blank_lines(tmp_path: Path) -> None:
    unanswerable = _good("x-2", answerable=False, key_facts=[], evidence=[], tags=[])
    path = _write(tmp_path, ["# comment", "", json.dumps(_good()), "   ", json.dumps(unanswerable)])
    items = load_gold(path)
    assert [item.id for item in items] == ["x-1", "x-2"]
    assert items[0].key_facts == (("benachbartem NATO-Gebiet",),)
    assert items[0].evidence[0].span == "auf benachbartem NATO-Gebiet"
    assert items[1].answerable is False
    assert load_gold(str(path)) == items  # str paths accepted


def test_tags_are_optional(tmp_path: Path) -> None:
    obj = _good()
    del obj["tags"]
    assert load_gold(_write(tmp_path, [json.dumps(obj)]))[0].tags == ()


def test_bad_json_on_line_3(tmp_path: Path) -> None:
    path = _write(tmp_path, [json.dumps(_good("a")), json.dumps(_good("b")), '{"id": "c", '])
    _raises(path, 3, "invalid JSON")


def test_not_an_object(tmp_path: Path) -> None:
    _raises(_write(tmp_path, ["[1, 2]"]), 1, "JSON object")


def test_missing_field(tmp_path: Path) -> None:
    obj = _good()
    del obj["question"]
    _raises(_write(tmp_path, ["# header", json.dumps(obj)]), 2, "missing", "question")


def test_unknown_field(tmp_path: Path) -> None:
    _raises(_write(tmp_path, [json.dumps(_good(key_fact=[["x"]]))]), 1, "unknown", "key_fact")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"answerable": "yes"}, "answerable"),
        ({"answerable": 1}, "answerable"),
        ({"id": 7}, "'id'"),
        ({"question": ""}, "'question'"),
        ({"question": None}, "'question'"),
        ({"reference_answer": 3}, "reference_answer"),
        ({"key_facts": "benachbartem NATO-Gebiet"}, "key_facts"),
        ({"key_facts": [["ok"], "not a list"]}, "key_facts[1]"),
        ({"key_facts": [[]]}, "key_facts[0]"),
        ({"key_facts": [["ok", 5]]}, "key_facts[0]"),
        ({"evidence": {"article_id": "a", "span": "b"}}, "evidence"),
        ({"evidence": [{"article_id": "a"}]}, "evidence[0]"),
        ({"evidence": [{"article_id": "a", "span": ""}]}, "evidence[0].span"),
        ({"evidence": [{"article_id": "a", "span": "zwei\nZeilen"}]}, "line break"),
        ({"tags": "paraphrase"}, "tags"),
        ({"language": "fr"}, "language"),
        ({"split": "train"}, "split"),
        ({"key_facts": []}, "key fact"),
        ({"evidence": []}, "evidence"),
        ({"reference_answer": " "}, "reference_answer"),
        ({"answerable": False}, "unanswerable"),
    ],
)
def test_wrong_types_and_values(tmp_path: Path, changes: dict[str, Any], fragment: str) -> None:
    path = _write(tmp_path, [json.dumps(_good("a")), json.dumps(_good("b", **changes))])
    _raises(path, 2, fragment)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, [json.dumps(_good("a")), "", json.dumps(_good("b")), json.dumps(_good("a"))])
    _raises(path, 4, "duplicate id", "'a'", "line 1")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = _write(tmp_path, ["# only a comment", ""])
    with pytest.raises(GoldFileError, match="no gold items"):
        load_gold(empty)
    with pytest.raises(GoldFileError, match="cannot read"):
        load_gold(tmp_path / "nope.jsonl")


def test_gold_file_error_is_value_error() -> None:
    assert issubclass(GoldFileError, ValueError)
