"""Dense rankings from the store: passages by their vector, and passages by their best-matching sentence."""

from __future__ import annotations

import numpy as np

from rag.store.base import Scored, Store
from rag.types import Filters


def dense_ranking(store: Store, vector: np.ndarray, depth: int, *, table: str = "chunks",
                  filters: Filters | None = None) -> list[Scored]:
    """Passages by inner product with the query vector in one vector table, best first."""
    return store.search(vector, depth, table=table, filters=filters)


def sentence_chunks(store: Store) -> dict[int, list[int]]:
    """For every sentence row, the chunk rows it lies wholly inside."""
    rows: dict[str, list[int]] = {}
    for j, sentence in enumerate(store.sentences):
        rows.setdefault(sentence.article_id, []).append(j)
    pairs: dict[int, list[int]] = {}
    for i, chunk in enumerate(store.chunks):
        for j in rows.get(chunk.article_id, []):
            if store.sentences[j].lies_in(chunk):
                pairs.setdefault(j, []).append(i)
    return pairs


def sentence_ranking(store: Store, vector: np.ndarray, depth: int, chunks_of: dict[int, list[int]], *,
                     filters: Filters | None = None) -> list[Scored]:
    """Passages scored by their best sentence (one precise fact in a long passage), best first, ties by row."""
    best: dict[int, float] = {}
    for row, score in store.search(vector, depth, table="sentences", filters=filters):
        for chunk in chunks_of.get(row, ()):
            if score > best.get(chunk, -np.inf):
                best[chunk] = score
    return sorted(best.items(), key=lambda pair: (-pair[1], pair[0]))
