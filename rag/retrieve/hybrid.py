"""Hybrid retrieval: e5 dense + BM25 + USE + best-sentence rankings from the store, fused by weighted RRF."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from rag.models.base import QueryEncoder, TextEncoder
from rag.retrieve.dense import dense_ranking, sentence_chunks, sentence_ranking
from rag.retrieve.expansion import TermExpander
from rag.retrieve.fusion import collapse_duplicates, reciprocal_rank_fusion
from rag.retrieve.query import Query, encode_query
from rag.store.base import Scored, Store
from rag.types import Filters, Hit


@dataclass(frozen=True)
class RetrievalConfig:
    """Weights of each ranking in the fusion (0 switches a retriever off) and dedup settings."""

    dense: float = 1.0
    bm25: float = 1.0
    bm25_english: float = 0.5
    use: float = 0.5
    sentence: float = 0.5  # chunks ranked by their best-matching sentence (e5): one precise fact in a long passage
    rrf_k: int = 60
    duplicate_cosine: float = 0.93
    translate: bool = True
    translation_cosine: float = 0.89
    translations_per_word: int = 2
    max_terms: int = 16  # names and content words embedded per question: bounds a long question's cost
    depth: int = 1000  # candidates each ranking contributes to the fusion
    sentence_depth: int = 5000  # sentences searched for the best-sentence ranking

    def __post_init__(self) -> None:
        weights = (self.dense, self.bm25, self.bm25_english, self.use, self.sentence)
        if min(weights) < 0 or max(weights) == 0:
            raise ValueError(f"retrieval weights must be >= 0 and not all zero: {self}")
        if not 0 < self.duplicate_cosine <= 1:
            raise ValueError(f"duplicate_cosine must be in (0, 1], got {self.duplicate_cosine}")
        if self.max_terms < 0 or self.depth < 1 or self.sentence_depth < 1:
            raise ValueError(f"max_terms must be >= 0 and the depths >= 1: {self}")


@dataclass(frozen=True)
class Retrieval:
    """The ranked passages for one question, plus the query parts the answering steps reuse."""

    question: str
    language: str
    query_vector: np.ndarray
    hits: tuple[Hit, ...]
    entities: dict[str, np.ndarray | None] = field(default_factory=dict, repr=False)
    expansions: tuple[str, ...] = ()
    parts: tuple[tuple[str, np.ndarray], ...] = field(default=(), repr=False)  # sub-questions, if compound
    filters: Filters | None = None


class HybridRetriever:
    """Ranks the passages of one store for a question."""

    def __init__(self, store: Store, encoder: QueryEncoder, *, second: TextEncoder | None = None,
                 config: RetrievalConfig | None = None) -> None:
        self.store = store
        self.encoder = encoder
        self.second = second
        self.config = config or RetrievalConfig()
        self.chunks_of = sentence_chunks(store)
        self.expander = TermExpander(store, cosine=self.config.translation_cosine,
                                     per_word=self.config.translations_per_word)

    def with_config(self, config: RetrievalConfig) -> HybridRetriever:
        """A retriever over the same store with other weights (shares the derived parts)."""
        clone = object.__new__(HybridRetriever)
        clone.__dict__.update(self.__dict__)
        clone.config = config
        clone.expander = TermExpander(self.store, cosine=config.translation_cosine, per_word=config.translations_per_word)
        return clone

    def retrieve(self, question: str, *, k: int, query_vector: np.ndarray | None = None,
                 filters: Filters | None = None) -> Retrieval:
        """Rank passages for the question; return the top ``k`` after collapsing near-duplicates."""
        cfg = self.config
        query = encode_query(question, self.encoder, max_terms=cfg.max_terms, expand_words=cfg.translate,
                             vector=query_vector)
        expansions = self.expander.expand(query.term_vectors) if query_vector is None else []
        rankings = self._rankings(query, expansions, filters)
        weights = {name: weight for name, (weight, _) in rankings.items()}
        fused = reciprocal_rank_fusion({name: [row for row, _ in ranked] for name, (_, ranked) in rankings.items()},
                                       weights=weights, k=cfg.rrf_k)
        hits = self._hits(fused, rankings, k)
        return Retrieval(question, query.language, query.vector, tuple(hits), query.names, tuple(expansions),
                         query.parts, filters)

    def _rankings(self, query: Query, expansions: list[str], filters: Filters | None) -> dict[str, tuple[float, list[Scored]]]:
        """Each switched-on ranking with its fusion weight."""
        cfg, store = self.config, self.store
        rankings: dict[str, tuple[float, list[Scored]]] = {}
        if cfg.dense > 0:
            rankings["dense"] = (cfg.dense, dense_ranking(store, query.vector, cfg.depth, filters=filters))
        bm25_weight = cfg.bm25_english if query.language == "en" else cfg.bm25
        if bm25_weight > 0:
            text = " ".join([query.text, *expansions])
            rankings["bm25"] = (bm25_weight, store.lexical(text, cfg.depth, filters=filters))
        if cfg.sentence > 0 and len(store.sentences):
            ranked = sentence_ranking(store, query.vector, cfg.sentence_depth, self.chunks_of, filters=filters)
            rankings["sentence"] = (cfg.sentence, ranked[: cfg.depth])
        if cfg.use > 0 and self.second is not None and "use" in store.tables():
            vector = self.second.encode([query.text])[0]
            rankings["use"] = (cfg.use, dense_ranking(store, vector, cfg.depth, table="use", filters=filters))
        return rankings

    def _hits(self, fused: list[tuple[int, float]], rankings: dict[str, tuple[float, list[Scored]]], k: int) -> list[Hit]:
        """The best ``k`` passages after collapsing near-duplicates, with each ranking's score in ``meta``."""
        rows = [row for row, _ in fused]
        kept, duplicates = collapse_duplicates(rows, self.store.vectors("chunks", rows), k=k,
                                               cosine=self.config.duplicate_cosine)
        scores = dict(fused)
        components = {name: dict(ranked) for name, (_, ranked) in rankings.items()}
        return [self._hit(i, scores[i], components, duplicates.get(i, [])) for i in kept]

    def _hit(self, i: int, score: float, components: dict[str, dict[int, float]], dups: list[int]) -> Hit:
        chunk = self.store.chunks[i]
        article = self.store.articles[chunk.article_id]
        meta: dict[str, object] = {name: values[i] for name, values in components.items() if i in values}
        meta["duplicates"] = [self.store.chunks[j].id for j in dups]
        return Hit(
            id=chunk.id, score=float(score), text=chunk.text, article_id=chunk.article_id,
            title=article.title, source=article.source, date=article.date,
            start=chunk.start, end=chunk.end, meta=meta,
        )


def retriever_variants() -> dict[str, RetrievalConfig]:
    """Named configurations compared by ``rag eval --compare``."""
    base = replace(RetrievalConfig(), sentence=0.0)
    return {
        "e5": replace(base, bm25=0.0, bm25_english=0.0, use=0.0),
        "bm25": replace(base, dense=0.0, bm25_english=1.0, use=0.0),
        "use": replace(base, dense=0.0, bm25=0.0, bm25_english=0.0, use=1.0),
        "e5 sentences": replace(base, dense=0.0, bm25=0.0, bm25_english=0.0, use=0.0, sentence=1.0),
        "e5+bm25": replace(base, bm25_english=1.0, use=0.0),
        "e5+bm25(lang)": replace(base, use=0.0),
        "e5+use": replace(base, bm25=0.0, bm25_english=0.0, use=1.0),
        "e5+bm25(lang)+use (default without sentences)": base,
        "default without translation": replace(RetrievalConfig(), translate=False),
    }
