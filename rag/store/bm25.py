"""Lexical search: BM25 (bm25s) over German lexical tokens, fitted at ingest and saved with the snapshot."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.lang.tokens import LexicalTokenizer


class LexicalIndex:
    """A fitted BM25 index over a list of texts; positions in that list are its rows."""

    def __init__(self, bm25: object, size: int, *, language: str = "german") -> None:
        self._bm25 = bm25
        self.size = size
        self.language = language
        self.tokenize = LexicalTokenizer(language)

    @classmethod
    def fit(cls, texts: Sequence[str], *, language: str = "german", k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        """Tokenize and index the texts."""
        if k1 <= 0 or not 0 <= b <= 1:
            raise ValueError(f"BM25 needs k1 > 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        bm25s = _bm25s()
        index = cls(None, len(texts), language=language)
        bm25 = bm25s.BM25(k1=k1, b=b)
        bm25.index([index.tokenize(t) or [""] for t in texts], show_progress=False)
        index._bm25 = bm25
        return index

    def save(self, folder: Path) -> None:
        """Write the index files into ``folder`` (created if needed)."""
        folder.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, folder: Path, size: int, *, language: str = "german") -> LexicalIndex:
        """Read an index written by ``save`` (no fitting)."""
        bm25 = _bm25s().BM25.load(str(folder), load_corpus=False, mmap=False, show_progress=False)
        return cls(bm25, size, language=language)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no query token is indexed)."""
        vocab = self._bm25.vocab_dict  # type: ignore[attr-defined]
        tokens = [t for t in self.tokenize(query) if t in vocab]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]

    def search(self, query: str, k: int, *, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best ``(row, score)`` pairs with a positive score (among ``rows``), best first, ties by row."""
        scores = self.scores(query)
        found = np.flatnonzero(scores > 0)
        if rows is not None:
            found = np.intersect1d(found, rows)
        order = np.lexsort((found, -scores[found]))[:k]
        return [(int(found[i]), float(scores[found[i]])) for i in order]


def _bm25s():  # noqa: ANN202 - the module
    import bm25s

    # bm25s sets its own logger to DEBUG on import, which leaks "Building index from tokens" into
    # any application that logs to the console; restore the normal threshold.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
