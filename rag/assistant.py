"""The Python API: ``Assistant.load()``, then ``ask()`` for cited answers and ``search()`` for passages.

The assistant only composes the pipeline's stages (store → retrieve → evidence → answerability →
answerer); each can be replaced by keyword.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from rag.answer.answerability import AnswerabilityCheck
from rag.answer.base import AnswerConfig, Answerer
from rag.answer.evidence import SentenceScorer
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.entailment import auto_entailment
from rag.answer.generative import GenerativeAnswerer
from rag.errors import InvalidQuestionError
from rag.lang.nouns import ordinary_word
from rag.models.chat import ChatModel
from rag.answer.calibration import Calibration, load_calibration
from rag.answer.judge import Judge, auto_judge, checked_judge
from rag.answer.stage import AnswerStage
from rag.config import Settings, default_index_dir, default_seeds_dir, default_store_url, entail_enabled, judge_enabled
from rag.ingest.freshness import corpus_of, open_index
from rag.models.base import QueryEncoder, TextEncoder
from rag.models.embed import Embedder
from rag.lang.names import NameInventory, build_inventory
from rag.lang.text import detect_language, load_dictionaries
from rag.retrieve.filtering import make_filters, no_match
from rag.models.e5_numpy import query_encoder
from rag.retrieve.hybrid import HybridRetriever, Retrieval, RetrievalConfig
from rag.retrieve.query import check_k, clean_question, without_surrogates
from rag.store.base import Store
from rag.types import Answer, Article, Hit, Quoted

__all__ = ["Assistant", "check_k", "clean_question"]
MODES = ("auto", "generate", "extract")
NO_MATCH = "no article matches the filters"  # Answer.reason when the filters leave nothing to search


@dataclass(frozen=True)
class _State:
    """Everything derived from one store, swapped as a unit."""

    store: Store
    retriever: HybridRetriever
    scorer: SentenceScorer
    check: AnswerabilityCheck
    names: NameInventory


class Assistant:
    """Answers questions over a store; safe to share between threads."""

    def __init__(
        self,
        store: Store,
        embedder: QueryEncoder,
        *,
        index_dir: Path | None = None,
        seeds_dir: Path | None = None,
        settings: Settings | None = None,
        retrieval: RetrievalConfig | None = None,
        answering: AnswerConfig | None = None,
        answerer: Answerer | None = None,
        second_encoder: TextEncoder | None = None,
        llm: ChatModel | None = None,
        judge: Judge | str | None = "auto",
        calibration: Calibration | None = None,
    ) -> None:
        if second_encoder is None:
            from rag.models.use import UseEncoder

            second_encoder = UseEncoder()
        self.embedder = embedder
        self.second_encoder = second_encoder
        self.index_dir = index_dir if index_dir is not None else getattr(store, "index_dir", None)
        self.seeds_dir = seeds_dir
        self.settings = settings or Settings()
        self.retrieval_config = retrieval or RetrievalConfig()
        self.answer_config = answering or AnswerConfig()
        self._own_answerer = answerer is None
        self.answerer: Answerer = answerer or ExtractiveAnswerer(config=self.answer_config)
        self.llm = llm
        self.generator = self._generator()
        self.judge = self._judge(judge)
        self.calibration = calibration or (load_calibration() if self.judge is not None else None)
        self._state = self._derive(store)
        self._swap_lock = threading.Lock()

    def _generator(self) -> GenerativeAnswerer | None:
        if self.llm is None:
            return None
        return GenerativeAnswerer(self.llm, self.embedder, extractive=ExtractiveAnswerer(config=self.answer_config),
                                  ordinary=ordinary_word, entailment=auto_entailment(self.llm, entail_enabled()))

    def _judge(self, judge: Judge | str | None) -> Judge | None:
        """``"auto"``: the language model judges when it reads log-probabilities and RAG_JUDGE is not off."""
        return auto_judge(self.llm, judge_enabled()) if judge == "auto" else checked_judge(judge)

    def _derive(self, store: Store) -> _State:
        retriever = HybridRetriever(store, self.embedder, second=self.second_encoder, config=self.retrieval_config)
        names = build_inventory(f"{a.title}\n{a.body}" for a in store.articles.values())
        return _State(store, retriever, SentenceScorer(store, config=self.answer_config),
                      AnswerabilityCheck(store, config=self.answer_config, names=names), names)

    @classmethod
    def load(
        cls,
        path: Path | str | None = None,
        *,
        seeds: Path | str | None = None,
        settings: Settings | None = None,
        build: bool = True,
        progress: bool = False,
        retrieval: RetrievalConfig | None = None,
        answering: AnswerConfig | None = None,
        answerer: Answerer | None = None,
        store: Store | None = None,
        llm: ChatModel | None = None,
        store_url: str | None = None,
        judge: Judge | str | None = "auto",
        calibration: Calibration | None = None,
    ) -> Assistant:
        """Open the index at ``path`` (default ``index/``), building or updating it first if needed,
        or the PostgreSQL store at ``store_url`` (default ``$RAG_STORE``), or serve ``store``;
        ``answerer`` replaces the extractive one; ``llm`` writes generated answers and, unless
        ``judge`` is None or RAG_JUDGE=off, judges whether the best passages answer (``calibration``)."""
        settings = settings or Settings()
        index_dir = Path(path) if path is not None else default_index_dir()
        store_url = store_url if store_url is not None else default_store_url()
        if store is None and store_url:  # a database is built from a corpus folder only when one is named
            from rag.ingest.freshness import open_store

            store = open_store(store_url, settings=settings, seeds_dir=Path(seeds) if seeds is not None else None,
                               embedder=Embedder(settings.model, progress=progress), build=build, progress=progress)
        seeds_dir = Path(seeds) if seeds is not None else corpus_of(index_dir, default_seeds_dir())
        embedder = query_encoder(settings.model, progress=progress)  # no torch unless the model needs it
        if store is None:  # a build embeds passages with the sentence-transformers model, loaded only then
            store = open_index(index_dir, settings=settings, seeds_dir=seeds_dir,
                               embedder=Embedder(settings.model, progress=progress), build=build, progress=progress)
        return cls(store, embedder, index_dir=getattr(store, "index_dir", index_dir), seeds_dir=seeds_dir,
                   settings=settings, retrieval=retrieval, answering=answering, answerer=answerer, llm=llm,
                   judge=judge, calibration=calibration)

    def configured(
        self, *, retrieval: RetrievalConfig | None = None, answering: AnswerConfig | None = None,
        judge: Judge | str | None = "same",
    ) -> Assistant:
        """Another assistant over the same store and models with other retrieval/answer settings
        (``judge=None``: without the judge).

        It shares the loaded parts (records, vectors, quotable sentences) instead of deriving them
        again, so comparing configurations costs only the questions.
        """
        other = copy.copy(self)
        other.retrieval_config = retrieval or self.retrieval_config
        other.answer_config = answering or self.answer_config
        if judge != "same":
            other.judge = other._judge(judge)
            other.calibration = None if other.judge is None else (self.calibration or load_calibration())
        state = self._state
        scorer, check = state.scorer, state.check
        if answering is not None:
            scorer = scorer.with_config(answering)
            check = AnswerabilityCheck(state.store, config=answering, names=state.names)
            if self._own_answerer:
                other.answerer = ExtractiveAnswerer(config=answering)
            other.generator = other._generator()
        other._state = _State(state.store, state.retriever.with_config(other.retrieval_config), scorer, check,
                              state.names)
        other._swap_lock = threading.Lock()
        return other

    @property
    def store(self) -> Store:
        """The store being served."""
        return self._state.store

    @property
    def articles(self) -> list[Article]:
        """The indexed articles, sorted by id."""
        articles = self._state.store.articles  # one state: a reload may swap it meanwhile
        return [articles[k] for k in sorted(articles)]

    @property
    def names(self) -> NameInventory:
        """The names, acronyms and their variants used by the indexed articles (see ``rag.lang.names``)."""
        return self._state.names

    @property
    def manifest(self) -> dict:
        """The manifest of the store being served."""
        return dict(self._state.store.manifest)

    def standalone(self, question: str, history: list[str]) -> str:
        """A follow-up ("And France?") rewritten against the earlier questions; other questions unchanged."""
        from rag.answer.condense import condense

        return condense(clean_question(question), history, self.llm, self.names)

    def warm_up(self) -> None:
        """Load the models and dictionaries now, so that the first question does not wait for them (no encoding)."""
        for model in (self.embedder, self.second_encoder):
            load = getattr(model, "load", None)
            if load is not None:
                load()
        load_dictionaries()

    @property
    def outlets(self) -> list[str]:
        """The outlets of the indexed articles, sorted (what ``sources=`` can name)."""
        return sorted({a.source for a in self._state.store.articles.values() if a.source}, key=str.casefold)

    def search(self, query: str, *, k: int = 10, since: object = None, until: object = None,
               sources: object = None) -> list[Hit]:
        """The ``k`` best passages for a query, best first, each with its score; ``since``/``until``
        (``YYYY-MM-DD``, inclusive) and ``sources`` (outlet names) restrict which articles are searched."""
        text, k = clean_question(query), check_k(k)
        filters = make_filters(since, until, sources)
        return list(self._state.retriever.retrieve(text, k=k, filters=filters).hits)

    def ask(self, question: str, *, k: int = 5, mode: str = "auto", since: object = None, until: object = None,
            sources: object = None) -> Answer:
        """Answer a question from the ``k`` best passages, with citations, or abstain.

        ``mode``: ``"extract"`` quotes the articles; ``"generate"`` has the language model write the
        answer in the question's language (each sentence checked against its citation); ``"auto"``
        generates when a language model is configured. The filters are those of ``search``; a filter
        that leaves no article gives an abstention that says so.
        """
        final = None
        for event in self.ask_stream(question, k=k, mode=mode, since=since, until=until, sources=sources):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def ask_stream(self, question: str, *, k: int = 5, mode: str = "auto", since: object = None,
                   until: object = None, sources: object = None) -> Iterator[Quoted | str | Answer]:
        """``ask`` as events: a written answer's quotes (``Quoted``) and checked sentences (``str``), then the ``Answer``."""
        text, k = clean_question(question), check_k(k)
        self._check_mode(mode)
        filters = make_filters(since, until, sources)
        state = self._state
        if filters is not None and not any(filters.admits(a) for a in state.store.articles.values()):
            language = detect_language(text)
            yield Answer(without_surrogates(question), no_match(filters, state.store.articles, language),
                         abstained=True, language=language, reason=NO_MATCH)
            return
        yield from self._answer(state, state.retriever.retrieve(text, k=k, filters=filters), question, mode)

    def _check_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise InvalidQuestionError(f"mode must be one of {', '.join(MODES)}, got {mode!r}.")
        if mode == "generate" and self.generator is None:
            raise InvalidQuestionError("No language model is configured: set RAG_LLM (local, or an OpenAI-compatible "
                                       "URL) or ask with mode='extract'.")

    def _answer(self, state: _State, retrieval: Retrieval, question: str, mode: str) -> Iterator[Quoted | str | Answer]:
        """The answering stage over one retrieval: the rules, then the judge, then quote or write."""
        writer = self.generator if mode != "extract" else None
        stage = AnswerStage(state.scorer, state.check, self.answerer, writer, self.judge, self.calibration)
        asked = without_surrogates(question)
        for event in stage.stream(retrieval):
            event = Quoted(replace(event.answer, question=asked)) if isinstance(event, Quoted) else event
            yield replace(event, question=asked) if isinstance(event, Answer) else event

    def ask_and_search(self, question: str, *, k: int = 5, depth: int = 10,
                       mode: str = "auto") -> tuple[Answer, list[Hit]]:
        """``ask(question, k=k, mode=mode)`` and ``search(question, k=depth)`` from one retrieval (for evaluation).

        The best ``k`` of ``depth`` passages are the ``k`` that ``ask`` reads (near-duplicates are
        collapsed best first), so the answer is the one ``ask`` gives.
        """
        text, k, depth = clean_question(question), check_k(k), check_k(depth)
        self._check_mode(mode)
        state = self._state
        retrieval = state.retriever.retrieve(text, k=max(k, depth))
        events = list(self._answer(state, replace(retrieval, hits=retrieval.hits[:k]), question, mode))
        return events[-1], list(retrieval.hits[:depth])  # type: ignore[return-value]

    def reload(self) -> bool:
        """Switch to the store's newer version, if there is one; True if it switched.

        The new state is loaded and derived while ``ask`` keeps using the old one (it takes no
        lock), then swapped in by one assignment. If anything fails (``StaleIndexError``,
        ``CorruptIndexError``, …) the exception propagates and the old state stays in place.
        """
        with self._swap_lock:  # serializes reloads only
            newer = getattr(self._state.store, "newer", None)
            store = newer(self.settings) if newer is not None else None
            if store is None:
                return False
            self._state = self._derive(store)
            return True
