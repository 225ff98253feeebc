"""Settings and default locations (seeds, index, model cache); validated on creation."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
MAX_QUESTION_CHARS = 2000
MAX_K = 50
FORMAT_VERSION = 4  # 3: BM25 and USE vectors stored with the snapshot; 4: vectors for some terms, the whole vocabulary apart

_PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Everything that determines the content of an index."""

    model: str = DEFAULT_MODEL
    chunk_size: int = 800
    chunk_overlap: int = 150

    def __post_init__(self) -> None:
        if not self.model or not isinstance(self.model, str):
            raise ValueError("Settings.model must be a non-empty model id or path")
        if self.chunk_size < 50:
            raise ValueError(f"chunk_size must be at least 50 characters, got {self.chunk_size}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(
                f"chunk_overlap must be >= 0 and smaller than chunk_size "
                f"({self.chunk_size}), got {self.chunk_overlap}"
            )

    def chunking(self) -> dict[str, Any]:
        """The chunking part of the settings, as stored in the manifest."""
        return {"chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


def _project_dir(name: str) -> Path:
    candidate = _PROJECT_ROOT / name
    if (_PROJECT_ROOT / "pyproject.toml").is_file():
        return candidate
    return Path.cwd() / name


def default_seeds_dir() -> Path:
    """The corpus folder: ``$RAG_SEEDS`` or the project's ``seeds/``."""
    env = os.environ.get("RAG_SEEDS")
    return Path(env) if env else _project_dir("seeds")


def default_index_dir() -> Path:
    """The index folder: ``$RAG_INDEX`` or the project's ``index/``."""
    env = os.environ.get("RAG_INDEX")
    return Path(env) if env else _project_dir("index")


def default_store_url() -> str | None:
    """The PostgreSQL store to serve: ``$RAG_STORE`` (a ``postgresql://`` URL), else None (the FAISS index folder)."""
    return os.environ.get("RAG_STORE", "").strip() or None


def judge_enabled() -> bool:
    """Whether the language model, when there is one, judges the evidence: ``$RAG_JUDGE=on`` (default off).

    Off by default: on the test splits the judge (calibrated on dev) refused a few more unanswerable
    questions but also more answerable ones, at 1-5 s per answer (README, "The judge").
    """
    return _switch("RAG_JUDGE", default=False)


def entail_enabled() -> bool:
    """Whether each written sentence must be entailed by its quote, read by the model: ``$RAG_ENTAIL`` (default on)."""
    return _switch("RAG_ENTAIL", default=True)


def _switch(name: str, *, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value not in ("", "on", "off"):
        raise ValueError(f"{name}={value!r} is not 'on' or 'off'; fix the setting")
    return default if value == "" else value == "on"


def model_cache_dir() -> Path:
    """Where provisioned models live: ``$RAG_MODEL_CACHE`` or ``~/.cache/nachrichten-rag/models``."""
    env = os.environ.get("RAG_MODEL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nachrichten-rag" / "models"


def log_file() -> Path:
    """Where commands log warnings with their tracebacks: ``$RAG_LOG_FILE`` or ``~/.local/state/nachrichten-rag/rag.log``."""
    env = os.environ.get("RAG_LOG_FILE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "nachrichten-rag" / "rag.log"


def runtime_dir() -> Path:
    """Where running services keep their state and logs, created with mode 700.

    ``$RAG_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/nachrichten-rag``, else ``~/.cache/nachrichten-rag/run``.
    """
    env, xdg = os.environ.get("RAG_RUNTIME_DIR"), os.environ.get("XDG_RUNTIME_DIR")
    if env:
        path = Path(env)
    elif xdg:
        path = Path(xdg) / "nachrichten-rag"
    else:
        path = Path.home() / ".cache" / "nachrichten-rag" / "run"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
