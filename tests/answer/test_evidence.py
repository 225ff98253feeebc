"""Evidence: quotable units (full sentences with spans, vectors, tokens) and the sentence scorer's inputs."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FakeEmbedder, make_store
from rag.answer.evidence import MIN_WORDS, build_units, quotable
from rag.lang.tokens import LexicalTokenizer
from rag.store.base import Store
from rag.types import Article, Sentence

BODY_A = (
    "Der erste Satz hat genau sieben Wörter. Der zweite Satz folgt direkt danach.\n\n"  # s0, s1
    "Ein neuer Absatz beginnt hier. Zu kurz.\n"  # s2, s3 (too short)
    "Eine Zwischenzeile ohne Punkt\n"  # s4 (no terminal punctuation)
    "Der letzte Satz steht ganz am Ende.\n"  # s5
    "Noch ein Satz in neuer Zeile."  # s6 (own line: no pair with s5)
)
BODY_B = "Zweiter Artikel hat einen Satz. Und noch einen weiteren Satz."  # t0, t1


@pytest.fixture(scope="module")
def tokenizer() -> LexicalTokenizer:
    return LexicalTokenizer()


@pytest.fixture(scope="module")
def hand() -> Store:
    return make_store([Article("a", "Titel A", BODY_A), Article("b", "Titel B", BODY_B)], FakeEmbedder(), terms=False)


# --- quotable ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, ok",
    [
        ("Vier Wörter sind hier.", True),
        ("Er sagte: «Wir kommen morgen.»", True),
        ("Ist das eine Frage hier?", True),
        ("„Wir kommen morgen“, sagte er dann.", True),
        ("Drei Wörter hier.", False),  # fewer than MIN_WORDS
        ("Eine Zwischenzeile ohne Punkt", False),  # a subheading
        ("Der Satz endet mit einem Komma,", False),
    ],
)
def test_quotable(text, ok):
    assert MIN_WORDS == 4
    assert quotable(Sentence("x", 0, text, 0, len(text))) is ok


# --- hand-made store ---------------------------------------------------------------------------

SINGLES = [
    ("a", "Der erste Satz hat genau sieben Wörter."),
    ("a", "Der zweite Satz folgt direkt danach."),
    ("a", "Ein neuer Absatz beginnt hier."),
    ("a", "Der letzte Satz steht ganz am Ende."),
    ("a", "Noch ein Satz in neuer Zeile."),
    ("b", "Zweiter Artikel hat einen Satz."),
    ("b", "Und noch einen weiteren Satz."),
]
# the only adjacent quotable sentences that share a paragraph line
ALLOWED_PAIRS = {
    ("a", "Der erste Satz hat genau sieben Wörter. Der zweite Satz folgt direkt danach."),
    ("b", "Zweiter Artikel hat einen Satz. Und noch einen weiteren Satz."),
}


def _sentences_in(snapshot: Store, unit: Sentence) -> list[Sentence]:
    return [s for s in snapshot.sentences if s.article_id == unit.article_id and unit.start <= s.start and s.end <= unit.end]


def test_units_of_a_hand_made_snapshot(hand, tokenizer):
    units = build_units(hand, tokenizer)
    got = [(u.article_id, u.text) for u in units.units]
    # every quotable sentence is a unit, in corpus order; short ones and subheadings are not
    assert [g for g in got if g in SINGLES] == SINGLES
    for text in ("Zu kurz.", "Eine Zwischenzeile ohne Punkt"):
        assert all(text not in t for _, t in got)
    # anything else is a pair of adjacent sentences of one paragraph line: never across the blank
    # line (s1|s2), a line break (s5|s6), a non-quotable sentence, or two articles (s6|t0)
    assert {g for g in got if g not in SINGLES} <= ALLOWED_PAIRS
    for u in units.units:
        body = BODY_A if u.article_id == "a" else BODY_B
        assert body[u.start:u.end] == u.text
    assert set(units.by_article) == {"a", "b"}
    assert [units.units[r].article_id for r in units.by_article["a"]] == ["a"] * len(units.by_article["a"])


def test_unit_vectors_and_tokens(hand, tokenizer):
    units = build_units(hand, tokenizer)
    emb = FakeEmbedder()
    assert units.vectors.shape == (len(units.units), emb.dimension) and units.vectors.dtype == np.float32
    for u, vector in zip(units.units, units.vectors):
        parts = _sentences_in(hand, u)
        assert 1 <= len(parts) <= 2
        summed = emb.encode_passages([p.text for p in parts]).sum(axis=0)
        # a sentence's own vector; a pair's is the normalized sum of its sentences' vectors
        assert np.allclose(vector, summed / np.linalg.norm(summed), atol=1e-6)
    assert np.allclose(np.linalg.norm(units.vectors, axis=1), 1.0, atol=1e-5)
    for u, tokens in zip(units.units, units.tokens):
        assert tokens == frozenset(tokenizer(u.text))
    assert units.tokens[0] == frozenset({"erst", "satz", "genau", "sieb", "wort"})


def test_no_quotable_sentence_gives_empty_units(tokenizer):
    snap = make_store([Article("c", "Titel", "Kurz.\nZu kurz hier.\nOhne Punkt am Ende")], FakeEmbedder(), terms=False)
    units = build_units(snap, tokenizer)
    assert units.units == [] and units.tokens == [] and units.by_article == {}
    assert units.vectors.shape == (0, FakeEmbedder.dimension)


# --- the shipped corpus (fake embeddings) ------------------------------------------------------


def test_every_unit_span_equals_the_article_text(seeds_store, tokenizer):
    units = build_units(seeds_store, tokenizer)
    assert len(units.units) > 50
    for u in units.units:
        assert seeds_store.articles[u.article_id].body[u.start:u.end] == u.text


def test_every_quotable_sentence_is_a_unit_and_no_other_sentence_is(seeds_store, tokenizer):
    units = build_units(seeds_store, tokenizer)
    spans = {(u.article_id, u.start, u.end) for u in units.units}
    for s in seeds_store.sentences:
        assert ((s.article_id, s.start, s.end) in spans) is quotable(s), s.text


def test_units_are_sentences_or_pairs_within_one_paragraph(seeds_store, tokenizer):
    units = build_units(seeds_store, tokenizer)
    for u in units.units:
        parts = _sentences_in(seeds_store, u)
        assert parts[0].start == u.start and parts[-1].end == u.end  # starts and ends on sentence bounds
        assert len(parts) in (1, 2)
        assert all(quotable(p) for p in parts)
        assert "\n" not in u.text  # one paragraph line
        if len(parts) == 2:
            assert parts[1].index == parts[0].index + 1


def test_by_article_indexes_every_unit_once(seeds_store, tokenizer):
    units = build_units(seeds_store, tokenizer)
    rows = sorted(r for rs in units.by_article.values() for r in rs)
    assert rows == list(range(len(units.units)))
    assert set(units.by_article) == set(seeds_store.articles)
    for article_id, rs in units.by_article.items():
        assert all(units.units[r].article_id == article_id for r in rs)
    assert len(units.vectors) == len(units.units) == len(units.tokens)
