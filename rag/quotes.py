"""Quotable units of an index: the full sentences (no subheadings or fragments) with vectors.

Quoting adjacent sentence pairs (vector = normalized sum) was tried and measured on the dev
split: it did not improve key-fact accuracy, so answers quote single sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.lexical import LexicalTokenizer
from rag.store import Snapshot, all_vectors
from rag.types import Sentence

_TERMINAL = (".", "!", "?", "…", "“", "”", "\"", "»", "«", ")")
MIN_WORDS = 4


@dataclass(frozen=True)
class QuoteUnits:
    """Parallel arrays over the units: the quoted span, its vector, its lexical tokens."""

    units: list[Sentence]
    vectors: np.ndarray
    tokens: list[frozenset[str]]
    by_article: dict[str, list[int]]


def quotable(sentence: Sentence) -> bool:
    """A full sentence (not a subheading or a fragment)."""
    return sentence.text.endswith(_TERMINAL) and len(sentence.text.split()) >= MIN_WORDS


def build_units(snapshot: Snapshot, tokenize: LexicalTokenizer) -> QuoteUnits:
    """All quotable sentences with their vectors and lexical tokens."""
    vectors = all_vectors(snapshot.sentence_index)
    keep = [i for i, s in enumerate(snapshot.sentences) if quotable(s)]
    units = [snapshot.sentences[i] for i in keep]
    by_article: dict[str, list[int]] = {}
    for row, unit in enumerate(units):
        by_article.setdefault(unit.article_id, []).append(row)
    return QuoteUnits(
        units=units,
        vectors=np.ascontiguousarray(vectors[keep], dtype=np.float32),
        tokens=[frozenset(tokenize(u.text)) for u in units],
        by_article=by_article,
    )
