"""Query expansion: German corpus words next to the question's words in the embedding space (cross-lingual BM25)."""

from __future__ import annotations

import numpy as np

from rag.store.base import Store


class TermExpander:
    """Finds, for each question word's vector, the nearest corpus words (not acronyms) above a cosine."""

    def __init__(self, store: Store, *, cosine: float = 0.89, per_word: int = 2) -> None:
        self.store = store
        self.cosine = cosine
        self.per_word = per_word
        self.rows = [i for i, t in enumerate(store.terms) if not t.isupper()]  # acronyms' vectors are noisy

    def expand(self, vectors: np.ndarray) -> list[str]:
        """Corpus words within ``cosine`` of any vector, the ``per_word`` nearest each, in order found."""
        if not len(vectors) or not self.rows:
            return []
        found: list[str] = []
        for vector in vectors:
            for row, score in self.store.search(vector, self.per_word, table="terms", among=self.rows):
                if score >= self.cosine:
                    found.append(self.store.terms[row])
        return list(dict.fromkeys(found))
