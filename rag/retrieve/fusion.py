"""Pure functions that combine rankings into one and collapse near-duplicate passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]],
    *,
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
) -> list[tuple[int, float]]:
    """Weighted RRF: ``sum_w w / (k + rank)`` per item; returns ``(item, score)`` best first.

    Ties are broken by the item's best rank in any ranking, then by item id, so the order is
    deterministic.
    """
    if k <= 0:
        raise ValueError(f"RRF constant k must be positive, got {k}")
    weights = weights or {}
    scores: dict[int, float] = {}
    best_rank: dict[int, int] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        if weight <= 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best_rank[kv[0]], kv[0]))


def collapse_duplicates(
    items: Sequence[int], vectors: np.ndarray, *, k: int, cosine: float
) -> tuple[list[int], dict[int, list[int]]]:
    """Walk ``items`` best first and keep up to ``k`` whose vector (row i of ``vectors`` for
    ``items[i]``) is below ``cosine`` to every kept one; return the kept items and, per kept item,
    the near-duplicates it stands for."""
    kept: list[int] = []
    where: list[int] = []
    duplicates: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        twin = next((kept[j] for j, w in enumerate(where) if float(vectors[i] @ vectors[w]) >= cosine), None)
        if twin is not None:
            duplicates.setdefault(twin, []).append(item)
            continue
        kept.append(item)
        where.append(i)
        if len(kept) >= k:
            break
    return kept, duplicates
