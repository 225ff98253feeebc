"""Nachrichten-RAG: cited answers to English and German questions over German news articles."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Assistant": "rag.assistant",
    "Settings": "rag.config",
    "Answer": "rag.types",
    "Article": "rag.types",
    "Chunk": "rag.types",
    "Citation": "rag.types",
    "Hit": "rag.types",
    "Quoted": "rag.types",
    "RagError": "rag.errors",
    "InvalidQuestionError": "rag.errors",
    "ModelError": "rag.errors",
    "IndexMissingError": "rag.errors",
    "StaleIndexError": "rag.errors",
    "CorruptIndexError": "rag.errors",
    "CorpusError": "rag.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import rag`` stays light."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
