"""The store contract: what retrieval and answering read, and what a build hands over to be written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.types import Article, Chunk, Filters, Sentence

if TYPE_CHECKING:
    from rag.store.bm25 import LexicalIndex

# Vector tables and the records their rows stand for.
TABLE_ROWS: Mapping[str, str] = {
    "chunks": "chunks",  # e5 passage vectors
    "sentences": "sentences",  # e5 sentence vectors
    "use": "chunks",  # USE passage vectors
    "terms": "terms",  # e5 query vectors of the corpus vocabulary (no acronyms)
}

Scored = tuple[int, float]  # (row, score)


class Store(Protocol):
    """A loaded index: its records, exact vector search with filters, and lexical search.

    Rows are positions in ``chunks``, ``sentences`` or ``terms``; results come best first, ties
    by row, so every backend ranks identically.
    """

    manifest: Mapping[str, Any]
    articles: Mapping[str, Article]
    chunks: Sequence[Chunk]
    sentences: Sequence[Sentence]
    terms: Sequence[str]  # the words with a vector in table "terms"
    vocabulary: Sequence[str]  # every word of the corpus, for checks by spelling

    def tables(self) -> frozenset[str]: ...

    def search(
        self, vector: np.ndarray, k: int, *, table: str = "chunks", filters: Filters | None = None,
        among: Sequence[int] | None = None,
    ) -> list[Scored]: ...

    def vectors(self, table: str, rows: Sequence[int] | None = None) -> np.ndarray: ...

    def lexical(self, query: str, k: int, *, filters: Filters | None = None) -> list[Scored]: ...

    def rows_of(self, table: str, filters: Filters) -> np.ndarray: ...


@dataclass(frozen=True)
class IndexContent:
    """Everything one build produces, handed to a backend to be written as one unit."""

    manifest: dict[str, Any]
    articles: list[Article]
    chunks: list[Chunk]
    sentences: list[Sentence]
    terms: list[str]
    vectors: dict[str, np.ndarray]
    lexical: LexicalIndex
    vocabulary: list[str] = field(default_factory=list)  # empty: the terms are the whole vocabulary

    def __post_init__(self) -> None:
        for table, matrix in self.vectors.items():
            records = getattr(self, TABLE_ROWS[table])
            if len(matrix) != len(records):
                raise ValueError(f"table {table!r} has {len(matrix)} vectors for {len(records)} {TABLE_ROWS[table]}")


def ranked(scores: np.ndarray, rows: np.ndarray, k: int) -> list[Scored]:
    """The ``k`` best (row, score) pairs, best first, ties by row (for numpy-scored backends and tests)."""
    order = np.lexsort((rows, -scores))[:k]
    return [(int(rows[i]), float(scores[i])) for i in order]


def admitted_rows(owners: Sequence[str], articles: Mapping[str, Article], filters: Filters) -> np.ndarray:
    """The rows (positions in ``owners``, each row's article id) whose article passes the filters."""
    admitted = {a for a, article in articles.items() if filters.admits(article)}
    return np.flatnonzero([owner in admitted for owner in owners]).astype(np.int64)
