"""Fitting the judge's calibration on feature rows (scikit-learn's logistic regression, the threshold, the report)."""

from __future__ import annotations

import random

import pytest

from rag.answer.calibration import load_calibration
from rag.evaluate.calibrate import ablation, fit, rates, read_rows, write_calibration



def rows(corpus: str, n: int, seed: int) -> list[dict]:
    """Answerable rows score higher than unanswerable ones, with overlap; some are refused by the rules."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        answerable = i % 3 != 0
        best = rnd.gauss(1.5 if answerable else -0.5, 1.0)
        out.append({"id": f"{corpus}:{i}", "corpus": corpus, "answerable": answerable,
                    "rules_reason": "no name" if (not answerable and i % 9 == 0) else "",
                    "log_odds": [best - abs(rnd.gauss(0, 1)), best]})
    return out


def test_fit_learns_the_direction_and_keeps_false_abstentions_within_budget():
    data = rows("a", 300, 1) + rows("b", 150, 2)
    cal = fit(data, budget=0.05)
    assert cal.weights[0] > 0  # more "yes" from the best passage: more likely answerable
    assert cal.probability([3.0, 3.0]) > cal.probability([-2.0, -2.0])
    for corpus in ("a", "b"):
        part = [r for r in data if r["corpus"] == corpus]
        judged, rules = rates(part, cal), rates(part, None)
        assert judged["false_abstention_rate"] <= 0.05
        assert judged["abstention_recall"] > rules["abstention_recall"]  # the judge adds refusals the rules miss
        assert cal.report["corpora"][corpus]["auc"] > 0.8
    assert 0.0 < cal.threshold < 1.0


def test_fit_needs_both_kinds_of_question():
    with pytest.raises(ValueError, match="answerable and unanswerable"):
        fit([r for r in rows("a", 30, 1) if r["answerable"]])


def test_written_calibration_loads_back(tmp_path):
    cal = fit(rows("a", 120, 3))
    path = tmp_path / "cal.json"
    write_calibration(cal, path)
    assert load_calibration(path) == cal and not list(tmp_path.glob("*.tmp"))
    feature_file = tmp_path / "a.jsonl"
    feature_file.write_text('{"id": 1}\n\n{"id": 2}\n', encoding="utf-8")
    assert read_rows([feature_file]) == [{"id": 1}, {"id": 2}]


def test_ablation_refits_per_rule_variant():
    data = rows("a", 200, 4)
    for r in data:
        r["rules"] = {"no-names": "", "no-type": r["rules_reason"], "no-cutoff": r["rules_reason"], "none": ""}
    table = ablation(data)
    assert set(table) == {"all", "no-names", "no-type", "no-cutoff", "none"}
    assert table["all"]["a"] == fit(data).report["corpora"]["a"]["rules+judge"]
    assert all(table[v]["a"]["false_abstention_rate"] <= 0.05 for v in table)  # each refit keeps the budget
    assert table["none"]["a"]["abstention_recall"] < table["all"]["a"]["abstention_recall"]  # the rule added refusals


def test_a_corpus_whose_rules_exceed_the_budget_does_not_pin_the_threshold():
    data = rows("a", 300, 5)
    strict = [{**r, "corpus": "b", "rules_reason": "x" if r["answerable"] and i % 5 == 0 else r["rules_reason"]}
              for i, r in enumerate(rows("b", 100, 6))]  # rules alone refuse ~13 % of b's answerable questions
    cal = fit(data + strict)
    assert cal.report["rules_alone_over_budget"] == ["b"] and cal.report["threshold_bounded_by"] == ["a"]
    assert cal.threshold > 0.0 and rates(data, cal)["false_abstention_rate"] <= 0.05
    assert rates(strict, cal)["false_abstention_rate"] > 0.05  # b alone would have allowed no threshold at all
