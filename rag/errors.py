"""Exception types; every message says what went wrong and what to do about it."""

from __future__ import annotations


class RagError(Exception):
    """Base class of all errors this package raises on purpose."""


class InvalidQuestionError(RagError, ValueError):
    """The question (or ``k``) cannot be answered as given: empty, too long, out of range."""


class CorpusError(RagError):
    """An article file cannot be read or parsed; the message names the file."""


class ModelError(RagError):
    """The embedding model cannot be provisioned or loaded."""


class IndexMissingError(RagError):
    """No index exists at the given directory."""


class StaleIndexError(RagError):
    """The index does not match the corpus, model or settings it is asked to serve."""


class CorruptIndexError(RagError):
    """Index files are truncated, damaged or inconsistent with the manifest."""


class GoldFileError(RagError, ValueError):
    """A gold question file is malformed; the message names the line."""


class LLMError(RagError):
    """The language model cannot be provisioned, started or reached, or it failed to answer."""
