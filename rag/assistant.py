"""The Python API: ``Assistant.load()``, then ``ask()`` for cited answers and ``search()`` for passages."""

from __future__ import annotations

import copy
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag.answer import AnswerConfig, Answerer, ExtractiveAnswerer
from rag.config import MAX_K, MAX_QUESTION_CHARS, Settings, default_index_dir, default_seeds_dir
from rag.embed import Embedder
from rag.errors import CorruptIndexError, IndexMissingError, InvalidQuestionError, StaleIndexError
from rag.ingest import BuildReport, build_index, check_fresh
from rag.retriever import HybridRetriever, RetrievalConfig
from rag.store import Snapshot, load_snapshot, read_manifest
from rag.types import Answer, Article, Hit


_RAW_LIMIT = 4 * MAX_QUESTION_CHARS  # room for whitespace that normalising removes


def _without_surrogates(text: str) -> str:
    """Replace lone surrogates with "?": no UTF-8 output (JSON, the CLI) can carry them."""
    return text.encode("utf-8", "replace").decode("utf-8")


def clean_question(question: object) -> str:
    """Validate and normalize a question; raise ``InvalidQuestionError`` if it cannot be asked."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"The question must be text, got {type(question).__name__}.")
    if len(question) > _RAW_LIMIT:
        # reject before normalising, so a megabyte of input costs nothing
        raise InvalidQuestionError(
            f"The question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}. Shorten it."
        )
    text = _without_surrogates(question)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestionError("The question is empty: type a question about the articles.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}. Shorten it."
        )
    return text


def check_k(k: object) -> int:
    """Validate the number of passages to return."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= MAX_K:
        raise InvalidQuestionError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}.")
    return int(k)


@dataclass(frozen=True)
class _State:
    """Everything derived from one index snapshot, swapped as a unit."""

    snapshot: Snapshot
    retriever: HybridRetriever
    answerer: Answerer


class Assistant:
    """Answers questions over an index; safe to share between threads."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        *,
        index_dir: Path,
        seeds_dir: Path | None = None,
        settings: Settings | None = None,
        retrieval: RetrievalConfig | None = None,
        answering: AnswerConfig | None = None,
    ) -> None:
        self.embedder = embedder
        self.index_dir = index_dir
        self.seeds_dir = seeds_dir
        self.settings = settings or Settings()
        self.retrieval_config = retrieval or RetrievalConfig()
        self.answer_config = answering or AnswerConfig()
        self._state = self._derive(snapshot)
        self._swap_lock = threading.Lock()

    def _derive(self, snapshot: Snapshot) -> _State:
        retriever = HybridRetriever(snapshot, self.embedder, config=self.retrieval_config)
        return _State(snapshot, retriever, ExtractiveAnswerer(snapshot, config=self.answer_config))

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
    ) -> Assistant:
        """Open the index at ``path`` (default ``index/``); build or update it first if needed."""
        settings = settings or Settings()
        index_dir = Path(path) if path is not None else default_index_dir()
        seeds_dir = Path(seeds) if seeds is not None else _corpus_of(index_dir)
        embedder = Embedder(settings.model, progress=progress)
        snapshot = open_index(index_dir, settings=settings, seeds_dir=seeds_dir, embedder=embedder,
                              build=build, progress=progress)
        return cls(snapshot, embedder, index_dir=index_dir, seeds_dir=seeds_dir, settings=settings,
                   retrieval=retrieval, answering=answering)

    def configured(
        self, *, retrieval: RetrievalConfig | None = None, answering: AnswerConfig | None = None
    ) -> Assistant:
        """Another assistant over the same index and model with other retrieval/answer settings.

        It shares the loaded parts (vectors, BM25, USE vectors, quotable sentences) instead of
        deriving them again, so comparing configurations costs only the questions.
        """
        other = copy.copy(self)
        other.retrieval_config = retrieval or self.retrieval_config
        other.answer_config = answering or self.answer_config
        state = self._state
        answerer = state.answerer if answering is None else ExtractiveAnswerer(state.snapshot, config=answering)
        other._state = _State(state.snapshot, state.retriever.with_config(other.retrieval_config), answerer)
        other._swap_lock = threading.Lock()
        return other

    @property
    def articles(self) -> list[Article]:
        """The indexed articles, sorted by id."""
        articles = self._state.snapshot.articles  # one state: a reload may swap it meanwhile
        return [articles[k] for k in sorted(articles)]

    @property
    def manifest(self) -> dict:
        """The manifest of the snapshot being served."""
        return self._state.snapshot.manifest

    def search(self, query: str, *, k: int = 10) -> list[Hit]:
        """The ``k`` best passages for a query, best first, each with its score."""
        text, k = clean_question(query), check_k(k)
        return list(self._state.retriever.retrieve(text, k=k).hits)

    def ask(self, question: str, *, k: int = 5) -> Answer:
        """Answer a question from the ``k`` best passages, with citations, or abstain."""
        text, k = clean_question(question), check_k(k)
        state = self._state
        retrieval = state.retriever.retrieve(text, k=k)
        answer = state.answerer.answer(retrieval)
        return replace(answer, question=_without_surrogates(question))

    def reload(self) -> bool:
        """Switch to a newer snapshot if ``manifest.json`` changed; True if it switched.

        The new state is loaded, derived and warmed up while ``ask`` keeps using the old one (it
        takes no lock), then swapped in by one assignment. If anything fails (``StaleIndexError``,
        ``CorruptIndexError``, …) the exception propagates and the old state stays in place.
        """
        with self._swap_lock:  # serializes reloads only
            manifest = read_manifest(self.index_dir)
            if manifest.get("snapshot") == self._state.snapshot.manifest.get("snapshot"):
                return False
            check_fresh(manifest, self.settings, None)
            state = self._derive(load_snapshot(self.index_dir, manifest))
            _warm_up(state)
            self._state = state
            return True


_WARM_UP_QUESTION = "What did Germany offer?"


def _warm_up(state: _State) -> None:
    """Answer one question on a new state so its lazy parts (USE passage vectors) exist before it serves."""
    state.answerer.answer(state.retriever.retrieve(_WARM_UP_QUESTION, k=1))


def _corpus_of(index_dir: Path) -> Path:
    """The corpus an index was built from (if that folder still exists), else the default."""
    try:
        recorded = Path(read_manifest(index_dir)["corpus"]["dir"])
    except (IndexMissingError, CorruptIndexError, KeyError, TypeError):
        return default_seeds_dir()
    return recorded if recorded.is_dir() else default_seeds_dir()


def open_index(
    index_dir: Path,
    *,
    settings: Settings,
    seeds_dir: Path | None,
    embedder: Embedder,
    build: bool = True,
    progress: bool = False,
) -> Snapshot:
    """Load a fresh index, building or updating it first when it is missing, stale or damaged."""
    try:
        manifest = read_manifest(index_dir)
        check_fresh(manifest, settings, seeds_dir)
        return load_snapshot(index_dir, manifest)
    except (IndexMissingError, StaleIndexError, CorruptIndexError):
        if not build or seeds_dir is None:
            raise
    ingest(seeds_dir, index_dir, settings=settings, embedder=embedder, progress=progress)
    return load_snapshot(index_dir, read_manifest(index_dir))


def ingest(
    seeds_dir: Path, index_dir: Path, *, settings: Settings, embedder: Embedder,
    rebuild: bool = False, progress: bool = False,
) -> BuildReport:
    """Build or update the index (a thin alias of ``build_index`` for API users)."""
    return build_index(seeds_dir, index_dir, settings=settings, embedder=embedder, rebuild=rebuild, progress=progress)
