"""BM25 over lexical tokens: hand-computed scores, ranking, persistence with the snapshot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rag.store.bm25 import LexicalIndex

TEXTS = [
    "Waffenstillstand in Paris",  # tokens: waffenstillstand, paris (dl 2)
    "Paris und Berlin",  # tokens: paris, berlin (dl 2)
    "Berlin Kiew Moskau Rom",  # tokens: berlin, kiew, moskau, rom (dl 4)
]


def _lucene(tf: float, df: int, n: int, dl: int, avgdl: float, k1: float = 1.2, b: float = 0.75) -> float:
    """Hand formula of Lucene BM25 (bm25s' default): idf * tf / (tf + k1 * (1 - b + b * dl / avgdl))."""
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf / (tf + k1 * (1 - b + b * dl / avgdl))


@pytest.fixture(scope="module")
def bm25() -> LexicalIndex:
    return LexicalIndex.fit(TEXTS)


def test_scores_match_hand_computed_bm25(bm25):
    avgdl = 8 / 3
    rare = bm25.scores("Waffenstillstand")
    assert rare.shape == (3,)
    # "waffenstillstand": df 1 of 3 docs -> idf ln(1 + 2.5/1.5) = 0.9808; doc 0: tf part 1/1.975
    assert rare[0] == pytest.approx(_lucene(1, 1, 3, 2, avgdl), rel=1e-5)  # 0.4966
    assert rare[1] == 0 and rare[2] == 0
    common = bm25.scores("Paris")
    # "paris": df 2 -> idf ln(1.6) = 0.4700; docs 0 and 1 both have dl 2
    assert common[0] == pytest.approx(_lucene(1, 2, 3, 2, avgdl), rel=1e-5)  # 0.2380
    assert common[1] == pytest.approx(common[0]) and common[2] == 0
    # a query sums its terms' scores
    both = bm25.scores("Paris Waffenstillstand")
    assert both[0] == pytest.approx(rare[0] + common[0], rel=1e-5)


def test_passage_with_the_rare_word_ranks_first(bm25):
    hits = bm25.search("Paris Waffenstillstand", 5)
    assert [i for i, _ in hits] == [0, 1]
    assert hits[0][1] > hits[1][1] > 0


def test_variant_spelling_in_query_matches(bm25):
    assert bm25.search("Waffenstillstands", 5)[0][0] == 0
    retriever = LexicalIndex.fit(["Selenskyj sprach in Kiew", "Macron sprach in Paris"])
    assert [i for i, _ in retriever.search("Selenskij", 5)] == [0]
    months = LexicalIndex.fit(["Treffen am 3. Jänner", "Treffen im Mai"])
    assert [i for i, _ in months.search("Januar", 5)] == [0]


def test_longer_document_scores_lower_for_the_same_term(bm25):
    berlin = bm25.scores("Berlin")
    # same tf and idf, but doc 2 is twice as long as doc 1 (length normalization with b=0.75)
    assert berlin[1] > berlin[2] > 0
    assert berlin[2] == pytest.approx(_lucene(1, 2, 3, 4, 8 / 3), rel=1e-5)


def test_k_limits_the_number_of_hits(bm25):
    assert len(bm25.search("Paris Berlin", 1)) == 1
    assert len(bm25.search("Paris Berlin", 10)) == 3


def test_ties_keep_corpus_order(bm25):
    # docs 0 and 1 score the same for "Paris"; the stable sort keeps the lower position first
    assert [i for i, _ in bm25.search("Paris", 5)] == [0, 1]


@pytest.mark.parametrize("query", ["Tokio", "", "   ", "der die das", "?!"])
def test_no_match_or_empty_query_gives_no_hits_and_zero_scores(bm25, query):
    assert bm25.search(query, 5) == []
    scores = bm25.scores(query)
    assert scores.shape == (3,) and not np.any(scores)


def test_empty_text_in_the_corpus_is_indexed_but_never_matches():
    retriever = LexicalIndex.fit(["", "der die das", "Paris"])
    assert [i for i, _ in retriever.search("Paris", 5)] == [2]
    assert retriever.scores("Paris").shape == (3,)


def test_saved_and_loaded_index_scores_identically(bm25, tmp_path):
    bm25.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", size=3)
    for query in ("Paris", "Waffenstillstand Berlin", "Tokio"):
        assert np.array_equal(loaded.scores(query), bm25.scores(query))
    assert loaded.search("Paris Berlin", 10) == bm25.search("Paris Berlin", 10)


def test_search_can_be_restricted_to_rows(bm25):
    assert [i for i, _ in bm25.search("Paris", 5, rows=np.array([1, 2]))] == [1]


@pytest.mark.parametrize("k1, b", [(0, 0.75), (-1.2, 0.75), (1.2, -0.1), (1.2, 1.01)])
def test_invalid_k1_or_b_is_rejected(k1, b):
    with pytest.raises(ValueError, match="k1"):
        LexicalIndex.fit(TEXTS, k1=k1, b=b)


@pytest.mark.parametrize("b", [0.0, 1.0])
def test_b_bounds_are_allowed(b):
    retriever = LexicalIndex.fit(TEXTS, b=b)
    assert retriever.search("Waffenstillstand", 3)[0][0] == 0


def test_b_zero_switches_length_normalization_off():
    retriever = LexicalIndex.fit(TEXTS, b=0.0)
    berlin = retriever.scores("Berlin")
    assert berlin[1] == pytest.approx(berlin[2])
    assert berlin[1] == pytest.approx(_lucene(1, 2, 3, 2, 8 / 3, b=0.0), rel=1e-5)
