"""Weighted reciprocal rank fusion: hand-computed scores, deterministic ties, weights, validation."""

from __future__ import annotations

import itertools

import pytest

from rag.retrieve.fusion import RRF_K, reciprocal_rank_fusion


def test_default_constant_is_60():
    assert RRF_K == 60


def test_unweighted_scores_match_hand_computation():
    fused = reciprocal_rank_fusion({"dense": [1, 2, 3], "bm25": [3, 1]})
    # item 1: ranks 1 and 2 -> 1/61 + 1/62; item 3: ranks 3 and 1 -> 1/63 + 1/61; item 2: rank 2 only
    assert [item for item, _ in fused] == [1, 3, 2]
    scores = dict(fused)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)  # 0.032522...
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)  # 0.032266...
    assert scores[2] == pytest.approx(1 / 62)  # 0.016129...


def test_weights_scale_each_ranking():
    fused = reciprocal_rank_fusion({"dense": [10, 20], "bm25": [20, 10]}, weights={"dense": 2.0, "bm25": 0.5}, k=1)
    # item 10: 2/(1+1) + 0.5/(1+2) = 1.1667; item 20: 2/(1+2) + 0.5/(1+1) = 0.9167
    assert fused == [(10, pytest.approx(2 / 2 + 0.5 / 3)), (20, pytest.approx(2 / 3 + 0.5 / 2))]
    # with the weights swapped the order flips
    flipped = reciprocal_rank_fusion({"dense": [10, 20], "bm25": [20, 10]}, weights={"dense": 0.5, "bm25": 2.0}, k=1)
    assert [item for item, _ in flipped] == [20, 10]


def test_missing_weight_defaults_to_one():
    explicit = reciprocal_rank_fusion({"a": [1, 2], "b": [2]}, weights={"a": 1.0, "b": 1.0})
    implicit = reciprocal_rank_fusion({"a": [1, 2], "b": [2]}, weights={"a": 1.0})
    assert explicit == implicit
    assert implicit == [(2, pytest.approx(1 / 62 + 1 / 61)), (1, pytest.approx(1 / 61))]


def test_zero_and_negative_weights_switch_a_ranking_off():
    fused = reciprocal_rank_fusion({"a": [1, 2], "b": [3, 1], "c": [4]}, weights={"b": 0.0, "c": -1.0})
    # only ranking "a" counts: items 3 and 4 appear nowhere else, so they are dropped entirely
    assert fused == [(1, pytest.approx(1 / 61)), (2, pytest.approx(1 / 62))]


def test_all_weights_zero_or_no_rankings_give_nothing():
    assert reciprocal_rank_fusion({"a": [1, 2]}, weights={"a": 0.0}) == []
    assert reciprocal_rank_fusion({}) == []
    assert reciprocal_rank_fusion({"a": [], "b": []}) == []


def test_ties_break_by_best_rank_then_item_id():
    # k=1 keeps every score an exact binary fraction, so the ties below are exact
    rankings = {"a": [9], "b": [7, 8, 1], "c": [6, 5, 1]}
    fused = reciprocal_rank_fusion(rankings, k=1)
    # 9, 7, 6 score 1/2 at best rank 1; item 1 scores 1/4 + 1/4 = 1/2 but its best rank is 3;
    # 8 and 5 score 1/3 at best rank 2
    assert fused == [(6, 0.5), (7, 0.5), (9, 0.5), (1, 0.5), (5, 1 / 3), (8, 1 / 3)]


def test_order_does_not_depend_on_the_order_of_the_rankings():
    rankings = {"a": [9], "b": [7, 8, 1], "c": [6, 5, 1]}
    expected = reciprocal_rank_fusion(rankings, k=1)
    for names in itertools.permutations(rankings):
        assert reciprocal_rank_fusion({n: rankings[n] for n in names}, k=1) == expected


def test_repeated_calls_are_identical():
    rankings = {"dense": [4, 2, 0, 1, 3], "bm25": [2, 4, 3]}
    first = reciprocal_rank_fusion(rankings, weights={"bm25": 0.5})
    assert all(reciprocal_rank_fusion(rankings, weights={"bm25": 0.5}) == first for _ in range(5))
    assert [s for _, s in first] == sorted((s for _, s in first), reverse=True)


def test_small_k_favours_a_single_top_rank_and_large_k_favours_agreement():
    # item 1 is first in one ranking only; item 2 is fourth in both
    rankings = {"a": [1, 7, 8, 2], "b": [3, 9, 10, 2]}
    # k=1: item 1 -> 1/2 = 0.5, item 2 -> 2/5 = 0.4
    small = dict(reciprocal_rank_fusion(rankings, k=1))
    assert small[1] == pytest.approx(0.5) and small[2] == pytest.approx(0.4)
    assert reciprocal_rank_fusion(rankings, k=1)[0][0] == 1
    # k=60: item 1 -> 1/61 = 0.0164, item 2 -> 2/64 = 0.03125
    assert reciprocal_rank_fusion(rankings, k=60)[0] == (2, pytest.approx(2 / 64))


@pytest.mark.parametrize("k", [0, -1, -60])
def test_non_positive_k_is_rejected(k):
    with pytest.raises(ValueError, match="positive"):
        reciprocal_rank_fusion({"a": [1]}, k=k)
