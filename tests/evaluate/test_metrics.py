"""Metric functions against hand-computed values, including ties, empty inputs and 0/0 cases."""

from __future__ import annotations

import math

import pytest

from rag.evaluate.metrics import (
    normalize_numbers,
    abstention_scores,
    citation_precision,
    citation_recall,
    is_relevant,
    key_fact_match,
    mean,
    ndcg_at_k,
    normalize_text,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from rag.types import Evidence

A, B = "000_a", "001_b"
EV = (
    Evidence(A, "Militäreinsatz auf benachbartem Nato-Gebiet bereit"),
    Evidence(B, "Witkoff bezeichnete das Gespräch als „fruchtbar“"),
)
PASSAGE_A = "Auch Deutschland erklärte sich zu einem\nMILITÄREINSATZ auf  benachbartem Nato-Gebiet bereit."
PASSAGE_B = 'Der Sondergesandte Witkoff bezeichnete das Gespräch als "fruchtbar".'

# log2 values used below: 1/log2(2) = 1, 1/log2(3) = 0.6309298, 1/log2(4) = 0.5, 1/log2(5) = 0.4306766
G2, G3, G4, G5 = 1.0, 1 / math.log2(3), 0.5, 1 / math.log2(5)


# --- normalization and relevance -------------------------------------------------------


def test_normalize_text_folds_case_whitespace_quotes_dashes() -> None:
    assert normalize_text("  „Straße“\u00a0–\tNATO\n") == '"strasse" - nato'
    assert normalize_text("«a» ‚b‘ c—d") == "\"a\" 'b' c-d"


def test_is_relevant_same_article_after_normalization() -> None:
    assert is_relevant(PASSAGE_A, A, EV)
    assert is_relevant(PASSAGE_B, B, EV)  # typographic vs ASCII quotes


def test_is_relevant_wrong_article_or_missing_span() -> None:
    assert not is_relevant(PASSAGE_A, B, EV)
    assert not is_relevant("Ganz anderer Text.", A, EV)
    assert not is_relevant(PASSAGE_A, A, ())
    assert not is_relevant("Militäreinsatz auf benachbartem", A, EV)  # only part of the span


# --- ranking metrics --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relevance", "k", "expected"),
    [
        ([False, False, True], 2, 0.0),
        ([False, False, True], 3, 1.0),
        ([False, False, True], 10, 1.0),  # k larger than the list
        ([True, True, True], 1, 1.0),  # several relevant: still 1.0 (success@k)
        ([True, True], 5, 1.0),  # duplicate hits do not exceed 1.0
        ([], 5, 0.0),  # empty ranking
        ([False, False], 2, 0.0),
    ],
)
def test_recall_at_k(relevance: list[bool], k: int, expected: float) -> None:
    assert recall_at_k(relevance, k) == expected


@pytest.mark.parametrize("fn", [recall_at_k, ndcg_at_k])
def test_k_must_be_positive(fn) -> None:
    with pytest.raises(ValueError):
        fn([True], 0)


@pytest.mark.parametrize(
    ("relevance", "expected"),
    [
        ([True, False], 1.0),
        ([False, True, True], 0.5),  # first relevant counts, later ones ignored
        ([False, False, True, True], 1 / 3),
        ([False, False, False], 0.0),
        ([], 0.0),
    ],
)
def test_reciprocal_rank(relevance: list[bool], expected: float) -> None:
    assert reciprocal_rank(relevance) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("relevance", "k", "expected"),
    [
        ([True], 10, 1.0),  # k larger than the list
        ([True, True, False], 3, 1.0),  # two relevant (e.g. duplicate hits) at the top: ideal
        ([False, True, False, True], 4, (G3 + G5) / (G2 + G3)),  # = 0.6509...
        ([False, True, True], 3, (G3 + G4) / (G2 + G3)),  # = 0.6934...
        ([False, False, True], 10, G4 / G2),  # = 0.5
        ([True, True], 1, 1.0),  # ideal capped at k = 1
        ([False, True], 1, 0.0),  # relevant item exists but below k
        ([True, False, True, False, False], 2, G2 / (G2 + G3)),  # ideal has min(2, k=2) gains
        ([False, False], 3, 0.0),  # nothing relevant
        ([], 3, 0.0),  # empty ranking
    ],
)
def test_ndcg_at_k(relevance: list[bool], k: int, expected: float) -> None:
    assert ndcg_at_k(relevance, k) == pytest.approx(expected)


def test_ndcg_hand_values_spelled_out() -> None:
    assert ndcg_at_k([False, True, False, True], 4) == pytest.approx(0.650921, abs=1e-6)
    assert ndcg_at_k([False, True, True], 3) == pytest.approx(0.693426, abs=1e-6)


# --- answer correctness ----------------------------------------------------------------


def test_key_fact_match_all_groups_needed() -> None:
    facts = [["benachbartem NATO-Gebiet"], ["150.000", "150 000"]]
    assert key_fact_match("… auf benachbartem Nato-Gebiet … etwa 150.000 Soldaten", facts)
    assert key_fact_match("auf BENACHBARTEM nato–gebiet, 150\u202f000 Mann", facts)  # en dash, nnbsp
    assert not key_fact_match("auf benachbartem Nato-Gebiet stationiert", facts)
    assert not key_fact_match("", facts)


def test_key_fact_match_quotes_and_line_breaks() -> None:
    assert key_fact_match('Witkoff: die Protokolle seien "weitgehend\n fertiggestellt".', [["„weitgehend fertiggestellt“"]])
    assert key_fact_match("so “stark wie nie”", [['"stark wie nie"']])


def test_key_fact_match_empty_facts_is_vacuously_true() -> None:
    assert key_fact_match("irgendein Text", [])


# --- citations -------------------------------------------------------------------------


def test_citation_precision() -> None:
    cited = [(A, PASSAGE_A), (A, "Irrelevanter Absatz."), (A, PASSAGE_B)]  # last: right text, wrong article
    assert citation_precision(cited, EV) == pytest.approx(1 / 3)
    assert citation_precision([(A, PASSAGE_A), (A, PASSAGE_A)], EV) == 1.0  # duplicate citation
    assert citation_precision([(B, "nichts")], EV) == 0.0


def test_citation_precision_nothing_cited_is_none() -> None:
    assert citation_precision([], EV) is None
    assert citation_precision([], ()) is None


def test_citation_precision_without_evidence_is_zero() -> None:
    assert citation_precision([(A, PASSAGE_A)], ()) == 0.0


def test_citation_recall() -> None:
    assert citation_recall([(A, PASSAGE_A)], EV) == 0.5
    assert citation_recall([(A, PASSAGE_A), (B, PASSAGE_B)], EV) == 1.0
    assert citation_recall([(A, PASSAGE_A), (A, PASSAGE_A)], EV) == 0.5  # duplicates cover once
    assert citation_recall([(B, PASSAGE_A)], EV) == 0.0  # wrong article
    assert citation_recall([], EV) == 0.0


def test_citation_recall_one_passage_can_cover_two_spans() -> None:
    ev = (Evidence(A, "erste Aussage"), Evidence(A, "zweite Aussage"), Evidence(B, "dritte"))
    assert citation_recall([(A, "Die erste Aussage und die zweite Aussage.")], ev) == pytest.approx(2 / 3)


def test_citation_recall_without_evidence_raises() -> None:
    with pytest.raises(ValueError):
        citation_recall([(A, PASSAGE_A)], ())


# --- abstention --------------------------------------------------------------------------


def test_abstention_scores_mixed() -> None:
    pairs = [(False, True), (False, False), (True, True), (True, False), (True, False)]
    s = abstention_scores(pairs)
    assert s["precision"] == 0.5  # 1 correct of 2 abstentions
    assert s["recall"] == 0.5  # 1 of 2 unanswerable
    assert s["f1"] == 0.5
    assert s["false_abstention_rate"] == pytest.approx(1 / 3)  # 1 of 3 answerable
    assert (s["n"], s["n_answerable"], s["n_unanswerable"], s["n_abstained"]) == (5, 3, 2, 2)


def test_abstention_scores_empty_all_none() -> None:
    s = abstention_scores([])
    assert s["precision"] is None and s["recall"] is None and s["f1"] is None
    assert s["false_abstention_rate"] is None
    assert s["n"] == 0


def test_abstention_scores_never_abstains_only_answerable() -> None:
    s = abstention_scores([(True, False), (True, False)])
    assert s["precision"] is None  # 0/0: no abstentions
    assert s["recall"] is None  # 0/0: no unanswerable
    assert s["f1"] is None
    assert s["false_abstention_rate"] == 0.0


def test_abstention_scores_perfect_only_unanswerable() -> None:
    s = abstention_scores([(False, True), (False, True)])
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 1.0, 1.0)
    assert s["false_abstention_rate"] is None


def test_abstention_scores_all_wrong() -> None:
    s = abstention_scores([(False, False), (True, True)])
    assert (s["precision"], s["recall"], s["f1"], s["false_abstention_rate"]) == (0.0, 0.0, 0.0, 1.0)


def test_abstention_scores_never_abstains_with_unanswerable() -> None:
    s = abstention_scores([(False, False), (True, False)])
    assert s["precision"] is None and s["recall"] == 0.0 and s["f1"] is None


# --- percentile and mean -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([4, 1, 3, 2], 25, 1.75),  # unsorted input; position 0.75
        ([1, 2, 3, 4], 90, 3.7),  # position 2.7
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
        ([7.5], 95, 7.5),
        ([10, 20], 95, 19.5),
        ([3, 3, 3, 9], 50, 3.0),  # ties
    ],
)
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_matches_numpy_default() -> None:
    np = pytest.importorskip("numpy")
    values = [0.3, 12.0, 5.5, 5.5, 1.25, 9.0, 2.0]
    for q in (0, 10, 33.3, 50, 90, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_errors() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        percentile([1.0], -1)


def test_mean() -> None:
    assert mean([1.0, 2.0, 4.0]) == pytest.approx(7 / 3)
    assert mean([1.0, None, 3.0]) == 2.0  # None entries (undefined per-item scores) skipped
    assert mean([]) is None
    assert mean([None, None]) is None
    assert mean(iter([0.0, 1.0])) == 0.5


@pytest.mark.parametrize("answer, fact", [
    ("France sends 2,000 soldiers", "2.000 Soldaten"), ("Frankreich schickt 2.000 Soldaten", "2000"),
    ("a fine of 100 000 euros", "100.000"), ("1,5 Milliarden", "1.5"),
])
def test_key_facts_accept_either_number_convention(answer, fact):
    assert key_fact_match(answer, [[fact.split()[0]]])


def test_number_normalisation_keeps_years_and_lists_apart():
    assert normalize_numbers("2025, 2026") == "2025, 2026" and normalize_numbers("1,5 und 2.000") == "1.5 und 2000"
