"""Shared fixtures: a deterministic fake embedder for fast tests, and the real assistant for slow ones."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.lang.text import load_dictionaries
from rag.ui import launch

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


class FakeEmbedder:
    """Bag-of-words hashing embedder: same words → similar vectors; no model needed."""

    model_id = "fake"
    dimension = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            h = int(hashlib.md5(word.encode()).hexdigest(), 16)
            vec[h % self.dimension] += 1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return np.stack([self._one(t) for t in texts])


@pytest.fixture(scope="session", autouse=True)
def language_dictionaries() -> None:
    """Load simplemma's dictionaries once (0.8 s), as ``Assistant.warm_up`` does, so that no timed property
    example pays for them: detect_language loads them on the first question its function words leave open."""
    load_dictionaries()


@pytest.fixture(scope="session", autouse=True)
def quoted_answers_unless_asked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``RAG_LLM=off`` for the session (and the commands it starts): tests that want the language model say so.
    Commands log to a file of the session's, not the user's, and never see (or stop) the user's `rag llm start`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAG_LLM", "off")
        patch.setenv("RAG_LOG_FILE", str(tmp_path_factory.mktemp("logs") / "rag.log"))
        patch.setenv("RAG_RUNTIME_DIR", str(tmp_path_factory.mktemp("run")))
        yield


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped corpus."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def assistant():
    """The real assistant over the shipped corpus (real model, real index in a temp folder)."""
    from rag import Assistant

    index_dir = Path(__import__("tempfile").mkdtemp(prefix="rag-test-index-"))
    yield Assistant.load(index_dir, seeds=SEEDS)
    shutil.rmtree(index_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def passage_embedder():
    """The real sentence-transformers e5 model that builds embed passages with, loaded once per session."""
    from rag.models.embed import Embedder

    embedder = Embedder()
    embedder.load()
    return embedder


class FakeUse:
    """A stand-in second encoder (USE) for fast tests: the fake embedder under another name."""

    name = "fake-use"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        return FakeEmbedder().encode_queries(texts) if texts else np.zeros((0, FakeEmbedder.dimension), np.float32)


def make_store(articles, embedder=None, *, terms: bool = True):
    """An in-memory store built by hand: one chunk per article; sentences and terms embedded."""
    from rag.ingest.chunking import article_sentences
    from rag.lang.text import terms as find_terms
    from rag.store.base import IndexContent
    from rag.store.bm25 import LexicalIndex
    from rag.store.snapshot import FaissStore
    from rag.types import Chunk

    embedder = embedder or FakeEmbedder()
    sentences = [s for a in articles for s in article_sentences(a)]
    chunks = [Chunk(f"{a.id}#0", a.id, 0, a.body, 0, len(a.body)) for a in articles]
    found = sorted(set().union(*(find_terms(f"{a.title}\n{a.body}") for a in articles))) if terms else []
    vectors = {
        "chunks": embedder.encode_passages([c.text for c in chunks]),
        "sentences": embedder.encode_passages([s.text for s in sentences]),
        "terms": embedder.encode_queries(found) if found else np.zeros((0, embedder.dimension), np.float32),
    }
    content = IndexContent({}, list(articles), chunks, sentences, found, vectors,
                           LexicalIndex.fit([c.text for c in chunks]))
    return FaissStore.from_content(content)


@pytest.fixture(scope="session")
def seeds_store(tmp_path_factory):
    """The shipped corpus indexed with the fake embedders (fast; read-only, shared by the modules)."""
    from rag.config import Settings
    from rag.ingest.build import build_index
    from rag.store.snapshot import FaissStore

    index = tmp_path_factory.mktemp("fake-seeds-index")
    build_index(SEEDS, index, settings=Settings(model="fake"), embedder=FakeEmbedder(), second_encoder=FakeUse())
    return FaissStore.open(index)


@contextlib.contextmanager
def running_app(args: list[str], log_path: Path, *, timeout: float, llm: str = "off") -> Iterator[str]:  # noqa: D417
    """Run ``python app.py ARGS --port P`` until it serves; yield its URL, stop it afterwards.

    Quoted answers by default (``RAG_LLM=off``): most app tests are about the chat, not the language model.
    """
    try:
        with launch.running_app(ROOT / "app.py", args, log_path, timeout=timeout, env={"RAG_LLM": llm}) as url:
            yield url
    except launch.AppStartError as exc:
        pytest.fail(str(exc))


FIRST = "tests/models/test_e5_numpy.py::test_questions_get_the_vectors_sentence_transformers_gives_them"


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports absolutely (dotted names), at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def pytest_collection_modifyitems(items):
    """The check of the question encoder against sentence-transformers runs first: every answer rests on it."""
    items.sort(key=lambda item: not item.nodeid.endswith(FIRST.split("/", 1)[1]))


@pytest.fixture(scope="session")
def pg_server():
    """A real local PostgreSQL + pgvector server (pgserver) on loopback, stopped by pid after the session."""
    import tempfile

    from rag.store import pglocal

    data = Path(tempfile.mkdtemp(prefix="rag-test-pg-"))
    db = pglocal.start(data)
    try:
        yield db
    finally:
        pid = pglocal.stop(data)
        assert pid == db.pid and not pglocal.alive(pid)  # gone (or a zombie its new parent has yet to reap)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """The URL of a fresh, empty database on the test server (dropped afterwards)."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = pg_server.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def fake_encoders():
    """The fake e5 and USE encoders (a module-level factory, so that Ray actors can be handed it)."""
    return FakeEmbedder(), FakeUse()
