"""Markers of a written answer: renumbered in order of use, a fact's outlets cited together, unwritten facts quoted."""

from __future__ import annotations

from rag.answer.claims import Claim
from rag.answer.numbering import Numbering, fact_markers, group_heads
from rag.types import Answer, Citation

QUOTES = ["Die Brücke öffnet im Mai.", "Die Brücke öffnet im Mai, meldet ein zweites Blatt.", "Sie kostet 3 Millionen Euro."]
CITATIONS = tuple(Citation(n, f"a{n}", "Titel", "Blatt", "2025-01-01", q, q, 0, len(q), 0, len(q), 1.0)
                  for n, q in enumerate(QUOTES, start=1))
# the quoted answer: fact 1 from two outlets ([1], [2]), fact 2 from one ([3])
QUOTED = Answer("q", "Laut Blatt [1], [2]: Die Brücke öffnet im Mai.\nEbenso laut Blatt [3]: Sie kostet 3 Millionen Euro.",
                CITATIONS)


def test_each_fact_is_represented_by_its_first_citation():
    assert [c.number for c in group_heads(QUOTED)] == [1, 3]


def test_markers_count_from_one_in_order_of_use_and_a_fact_cites_all_its_outlets():
    numbering = Numbering(QUOTED)
    assert numbering.render(Claim("It costs 3 million euros [3].", (3,))) == "It costs 3 million euros [1]."
    assert numbering.render(Claim("The bridge opens in May [1]", (1,))) == "The bridge opens in May [2][3]."
    answer = numbering.answer(["a", "b"], "generative", (), "")
    assert [(c.number, c.quote) for c in answer.citations] == [(1, QUOTES[2]), (2, QUOTES[0]), (3, QUOTES[1])]


def test_a_fact_no_sentence_cites_is_given_as_its_quote_and_a_cited_one_is_not():
    numbering = Numbering(QUOTED)
    numbering.render(Claim("It costs 3 million euros [3].", (3,)))
    assert numbering.unrestated() == ["„Die Brücke öffnet im Mai“ [2][3]."]
    assert numbering.unrestated() == []  # each quote is shown once


def test_when_every_fact_is_restated_nothing_is_added():
    numbering = Numbering(QUOTED)
    numbering.render(Claim("The bridge opens in May and costs 3 million euros [1][3].", (1, 3)))
    assert numbering.unrestated() == []


def test_a_quote_with_its_own_quotation_marks_is_shown_with_single_ones_inside():
    quote = "„Wir helfen“, sagte sie über den \"Plan\"."
    cited = Answer("q", "Laut Blatt [1]: " + quote, (Citation(1, "a1", "T", "Blatt", "2025-01-01", quote, quote,
                                                              0, len(quote), 0, len(quote), 1.0),))
    assert Numbering(cited).unrestated() == ["„‚Wir helfen‘, sagte sie über den ‚Plan‘“ [1]."]


def test_facts_are_read_from_the_frame_even_when_an_outlet_name_has_a_colon():
    text = "Laut Blatt: Politik [1], [2]: Die Brücke öffnet im Mai.\nEbenso laut Blatt: Politik [3]: Sie kostet 3 Millionen Euro."
    quoted = Answer("q", text, CITATIONS)
    assert fact_markers(quoted) == {1: [1, 2], 3: [3]}
    assert [c.number for c in group_heads(quoted)] == [1, 3]
    assert Numbering(quoted).unrestated() == ["„Die Brücke öffnet im Mai“ [1][2].", "„Sie kostet 3 Millionen Euro“ [3]."]


def test_a_marker_beyond_the_citations_names_no_fact():
    assert fact_markers(Answer("q", "Laut Blatt [7]: Text.", CITATIONS)) == {}
