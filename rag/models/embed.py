"""Dense text embeddings with a sentence-transformers model, loaded lazily and offline."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import DEFAULT_MODEL
from rag.errors import ModelError

E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "
_HOW_TO_FIX = (
    "run `rag ingest` to provision it, or set RAG_MODEL_CACHE / pass a local sentence-transformers folder"
)


def default_prefixes(model_id: str) -> tuple[str, str]:
    """The (query, passage) prefixes a model expects: E5 models need ``query: ``/``passage: ``."""
    if "e5" in model_id.lower():
        return E5_QUERY_PREFIX, E5_PASSAGE_PREFIX
    return "", ""


def check_texts(texts: Sequence[str], what: str) -> list[str]:
    """The texts as a list; raise ``TypeError`` for a single string or a non-string item."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{what} must be a sequence of strings, not a single string")
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"{what}[{i}] must be a string, got {type(text).__name__}")
    return items


def check_batch_size(batch_size: object) -> None:
    """Raise ``ValueError`` unless ``batch_size`` is a positive integer."""
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


class Embedder:
    """Encodes queries and passages into L2-normalized float32 vectors; the model loads on first use."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        cache_dir: Path | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        progress: bool = False,
        verbose: bool = False,
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ValueError("Embedder model must be a non-empty model id or folder path")
        if cache_dir is not None and not isinstance(cache_dir, (str, Path)):
            raise TypeError(f"cache_dir must be a path or None, got {type(cache_dir).__name__}")
        for name, value in (("query_prefix", query_prefix), ("passage_prefix", passage_prefix)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
        default_query, default_passage = default_prefixes(model)
        self.model_id: str = model
        self.cache_dir: Path | None = Path(cache_dir) if cache_dir is not None else None
        self.query_prefix: str = default_query if query_prefix is None else query_prefix
        self.passage_prefix: str = default_passage if passage_prefix is None else passage_prefix
        self.progress: bool = bool(progress)  # the provisioning bar
        self.verbose: bool = bool(verbose)  # the libraries' own bars ("Loading weights", "Batches")
        self._model: Any = None
        self._path: str | None = None
        self._load_lock = threading.Lock()
        self._encode_lock = threading.Lock()

    def __repr__(self) -> str:
        state = "loaded" if self._model is not None else "not loaded"
        return f"Embedder({self.model_id!r}, {state})"

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded yet."""
        return self._model is not None

    @property
    def model_path(self) -> str | None:
        """The folder (or hub id) the model was loaded from, once loaded."""
        return self._path

    def load(self) -> None:
        """Provision (if needed) and load the model now instead of on first use."""
        self._get_model()

    def _get_model(self) -> Any:
        model = self._model
        if model is not None:
            return model
        with self._load_lock:
            if self._model is None:
                self._model = self._load_model()
            return self._model

    def _load_model(self) -> Any:
        from rag.models.e5_convert import hf_progress_bars
        from rag.models.provision import resolve_model

        path = resolve_model(self.model_id, cache_dir=self.cache_dir, progress=self.progress)
        is_local = Path(path).is_dir()
        try:
            from sentence_transformers import SentenceTransformer

            with hf_progress_bars(self.verbose):
                if is_local:
                    model = SentenceTransformer(path, device="cpu", local_files_only=True)
                else:
                    model = SentenceTransformer(path, device="cpu")
        except Exception as exc:
            where = f" (folder {path})" if is_local else ""
            raise ModelError(
                f"cannot load embedding model {self.model_id!r}{where}: {exc}; {_HOW_TO_FIX}"
            ) from exc
        self._path = path
        return model

    @property
    def dimension(self) -> int:
        """Length of each embedding vector (loads the model)."""
        model = self._get_model()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise ModelError(
                f"embedding model {self.model_id!r} does not report its dimension; {_HOW_TO_FIX}"
            )
        return int(dim)

    def _encode(self, texts: list[str], prefix: str, batch_size: int, progress: bool) -> np.ndarray:
        model = self._get_model()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._encode_lock:
            vectors = model.encode(
                [prefix + t for t in texts],
                batch_size=batch_size,
                show_progress_bar=progress or self.verbose,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed search queries (with the query prefix); shape ``(n, dimension)``."""
        check_batch_size(batch_size)
        return self._encode(check_texts(texts, "texts"), self.query_prefix, batch_size, False)

    def encode_passages(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """Embed passages (with the passage prefix) in batches; shape ``(n, dimension)``."""
        check_batch_size(batch_size)
        return self._encode(check_texts(texts, "texts"), self.passage_prefix, batch_size, progress)
