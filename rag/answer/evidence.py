"""Evidence: the quotable sentences of the retrieved passages, scored against the question.

Quoting adjacent sentence pairs (vector = normalized sum) was tried and measured on the dev
split: it did not improve key-fact accuracy, so answers quote single sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rag.answer.base import AnswerConfig
from rag.lang.tokens import LexicalTokenizer
from rag.retrieve.hybrid import Retrieval
from rag.store.base import Store
from rag.types import Hit, Sentence

_TERMINAL = (".", "!", "?", "…", "“", "”", "\"", "»", "«", ")")
MIN_WORDS = 4


@dataclass(frozen=True)
class QuoteUnits:
    """Parallel arrays over the units: the quoted span, its vector, its lexical tokens."""

    units: list[Sentence]
    vectors: np.ndarray
    tokens: list[frozenset[str]]
    by_article: dict[str, list[int]]


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate sentence, the passage it came from, its vector and its score."""

    sentence: Sentence
    hit: Hit
    rank: int
    cosine: float
    overlap: float
    score: float
    row: int
    vector: np.ndarray = field(repr=False, compare=False)


def quotable(sentence: Sentence) -> bool:
    """A full sentence (not a subheading or a fragment)."""
    return sentence.text.endswith(_TERMINAL) and len(sentence.text.split()) >= MIN_WORDS


def build_units(store: Store, tokenize: LexicalTokenizer) -> QuoteUnits:
    """All quotable sentences with their vectors and lexical tokens."""
    keep = [i for i, s in enumerate(store.sentences) if quotable(s)]
    units = [store.sentences[i] for i in keep]
    by_article: dict[str, list[int]] = {}
    for row, unit in enumerate(units):
        by_article.setdefault(unit.article_id, []).append(row)
    return QuoteUnits(
        units=units,
        vectors=np.ascontiguousarray(store.vectors("sentences", keep), dtype=np.float32),
        tokens=[frozenset(tokenize(u.text)) for u in units],
        by_article=by_article,
    )


class SentenceScorer:
    """Scores every quotable sentence inside the retrieved passages against the question."""

    def __init__(self, store: Store, *, config: AnswerConfig | None = None) -> None:
        self.config = config or AnswerConfig()
        self.tokenize = LexicalTokenizer()
        self.units = build_units(store, self.tokenize)

    def with_config(self, config: AnswerConfig) -> SentenceScorer:
        """A scorer over the same sentences with other weights."""
        clone = object.__new__(SentenceScorer)
        clone.__dict__.update(self.__dict__)
        clone.config = config
        return clone

    def score(self, retrieval: Retrieval) -> list[ScoredSentence]:
        """Every quotable sentence inside a retrieved passage, scored, best first."""
        cfg, units = self.config, self.units
        qtokens = set(self.tokenize(" ".join([retrieval.question, *retrieval.expansions])))
        qvec = retrieval.query_vector
        etokens = set(self.tokenize(" ".join([*retrieval.entities, *retrieval.expansions])))
        seen: dict[int, ScoredSentence] = {}
        for rank, hit in enumerate(retrieval.hits):
            for row in units.by_article.get(hit.article_id, []):
                s = units.units[row]
                if row in seen or not s.lies_in(hit):
                    continue
                cosine = float(units.vectors[row] @ qvec)
                overlap = len(qtokens & units.tokens[row]) / len(qtokens) if qtokens else 0.0
                coverage = len(etokens & units.tokens[row]) / len(etokens) if etokens else 0.0
                score = cosine + cfg.lexical_weight * overlap + cfg.rank_weight / (rank + 1)
                score += cfg.entity_weight * coverage
                seen[row] = ScoredSentence(s, hit, rank, cosine, overlap, score, row, units.vectors[row])
        return sorted(seen.values(), key=lambda c: (-c.score, c.rank, c.row))
