"""Entailment calibration pairs from parallel paragraphs: alignment, the four kinds, the threshold."""

from __future__ import annotations

import random

import pytest

from rag.evaluate.entailment_pairs import (aligned, build_pairs, first_clause, paragraph_pairs, spliced,
                                           threshold_for, youden_threshold)

DE = ("Der Stadtrat von Rheinfeld stimmte am Dienstag dem neuen Wohnungsplan zu. "
      "Die Stadt will bis 2030 rund 1.500 Wohnungen bauen, vor allem im Norden. "
      "Die Kosten liegen nach Angaben der Verwaltung bei 1,2 Milliarden Euro.")
EN = ("The city council of Rheinfeld approved the new housing plan on Tuesday. "
      "The city wants to build about 1,500 flats by 2030, mostly in the north. "
      "According to the administration, the costs are 1.2 billion euros.")


def test_parallel_paragraphs_align_sentence_by_sentence_and_others_do_not():
    pairs = aligned(DE, EN)
    assert len(pairs) == 3 and pairs[1] == ("Die Stadt will bis 2030 rund 1.500 Wohnungen bauen, vor allem im Norden.",
                                           "The city wants to build about 1,500 flats by 2030, mostly in the north.")
    assert aligned(DE, EN.rsplit(" According", 1)[0]) == []  # two sentences against three
    assert aligned("Kurz. " * 2 + "x", "A much longer sentence than the other one here. " * 2 + "x") == []


def test_a_first_clause_is_a_statement_of_six_words_or_nothing():
    assert first_clause("The city wants to build about 1,500 flats by 2030, mostly in the north.") == \
        "The city wants to build about 1,500 flats by 2030."
    assert first_clause("In 2030, the city builds.") == ""  # too short to state anything
    assert first_clause("The city council approved the plan on Tuesday.") == ""  # no clause to cut


def test_spliced_statements_join_the_start_of_one_sentence_to_the_end_of_another():
    assert spliced("a b c d", "w x y z") == "a b y z"


def test_each_aligned_sentence_gives_entailed_and_not_entailed_pairs_of_the_same_paragraph():
    pairs = paragraph_pairs("p1", DE, EN, random.Random(0))
    kinds = {(p.kind, p.entailed) for p in pairs}
    assert kinds == {("translation", True), ("clause", True), ("neighbour", False), ("spliced", False)}
    for pair in pairs:
        assert pair.paragraph == "p1" and pair.source in DE
        if pair.kind == "translation":
            assert (pair.source, pair.statement) in aligned(DE, EN)
        if pair.kind == "neighbour":
            assert (pair.source, pair.statement) not in aligned(DE, EN)


def test_build_pairs_draws_at_most_per_kind_of_each_and_is_reproducible():
    rows = [("p1", DE, EN), ("p2", EN, DE)]
    pairs = build_pairs(rows, per_kind=2)
    assert sorted(p.kind for p in pairs).count("translation") == 2 and len(pairs) == 2 + 2 + 2 + 2
    assert pairs == build_pairs(rows, per_kind=2)


def test_the_threshold_rejects_at_most_the_budget_of_entailed_pairs():
    scores = [(float(v), True) for v in range(20)] + [(-5.0, False)]
    assert threshold_for(scores, 0.05) == 1.0  # one of twenty entailed pairs (score 0) falls below it
    assert threshold_for(scores, 0.0) == 0.0
    with pytest.raises(ValueError, match="entailed pairs"):
        threshold_for([(1.0, False)], 0.05)


def test_youden_threshold_separates_labelled_sentences_at_a_midpoint():
    scores = [(0.5, False), (1.2, False), (1.4, True), (1.6, False), (2.0, True), (3.0, True)]
    # 1.3 rejects 2 of 3 unsupported and none supported (J .67); 1.8 rejects all unsupported and 1 of 3 supported (J .67)
    assert youden_threshold(scores) == pytest.approx(1.3)
    assert youden_threshold([(1.0, False), (2.0, True)]) == pytest.approx(1.5)


def test_youden_threshold_needs_both_labels():
    with pytest.raises(ValueError, match="supported and unsupported"):
        youden_threshold([(1.0, True), (2.0, True)])
