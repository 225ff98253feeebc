"""What the pipeline needs from an embedding model: the encoder protocols."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class QueryEncoder(Protocol):
    """Turns questions (and their words) into L2-normalized vectors."""

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray: ...


class PassageEncoder(Protocol):
    """Turns passages into L2-normalized vectors; what ingest needs from a model."""

    model_id: str

    @property
    def dimension(self) -> int: ...

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray: ...


class TextEncoder(Protocol):
    """A symmetric encoder (the same for questions and passages), such as USE."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...
