"""Quotable units of an index: single sentences and adjacent sentence pairs of one paragraph.

A pair lets an answer quote a sentence together with the one it refers back to ("Witkoff
called this meeting productive" after the sentence that names the meeting). A pair's vector is
the normalized sum of its sentences' vectors.
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
    is_pair: np.ndarray
    by_article: dict[str, list[int]]


def quotable(sentence: Sentence) -> bool:
    """A full sentence (not a subheading or a fragment)."""
    return sentence.text.endswith(_TERMINAL) and len(sentence.text.split()) >= MIN_WORDS


def build_units(snapshot: Snapshot, tokenize: LexicalTokenizer) -> QuoteUnits:
    """All quotable sentences and same-paragraph pairs of them, with vectors and tokens."""
    vectors = all_vectors(snapshot.sentence_index)
    units: list[Sentence] = []
    rows: list[np.ndarray] = []
    pair_flags: list[bool] = []
    sentences = snapshot.sentences
    for i, s in enumerate(sentences):
        if not quotable(s):
            continue
        units.append(s)
        rows.append(vectors[i])
        pair_flags.append(False)
        if i + 1 < len(sentences):
            nxt = sentences[i + 1]
            body = snapshot.articles[s.article_id].body
            if nxt.article_id == s.article_id and quotable(nxt) and "\n" not in body[s.end:nxt.start]:
                pair = vectors[i] + vectors[i + 1]
                units.append(Sentence(s.article_id, s.index, body[s.start:nxt.end], s.start, nxt.end))
                rows.append(pair / np.linalg.norm(pair))
                pair_flags.append(True)
    by_article: dict[str, list[int]] = {}
    for row, unit in enumerate(units):
        by_article.setdefault(unit.article_id, []).append(row)
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, vectors.shape[1]), np.float32)
    return QuoteUnits(
        units=units,
        vectors=matrix,
        tokens=[frozenset(tokenize(u.text)) for u in units],
        is_pair=np.asarray(pair_flags, dtype=bool),
        by_article=by_article,
    )
