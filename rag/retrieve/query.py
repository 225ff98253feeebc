"""The question as a query: validated, its language, names and sub-questions, all embedded in one batch."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.config import MAX_K, MAX_QUESTION_CHARS
from rag.errors import InvalidQuestionError
from rag.lang.text import detect_language, fold, without_possessive, words
from rag.lang.tokens import STOPWORDS
from rag.models.base import QueryEncoder

_RAW_LIMIT = 4 * MAX_QUESTION_CHARS  # room for whitespace that normalising removes
LONG_QUESTION = 300  # characters; longer questions are embedded apart from their short words
_NOT_ENTITIES = frozenset(fold(w) for w in "I Mr Mrs Ms Dr Prof Herr Frau".split())
_CLAUSE = re.compile(
    r",?\s+(?:and|und|sowie)\s+(?=(?:what|which|who|whom|how|when|where|why|was|wer|wen|wem|wie|wann|wo|"
    r"warum|welche[rsmn]?|wo[rm]?\w+)\b)",
    re.IGNORECASE,
)


def without_surrogates(text: str) -> str:
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
    text = without_surrogates(question)
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


def question_entities(question: str) -> list[str]:
    """Capitalized words after the first word: names, and in German also nouns."""
    found: list[str] = []
    for i, word in enumerate(words(question)):
        word = without_possessive(word)
        parts = [p for p in word.split("-") if p]
        for part in parts if i else parts[1:]:
            if part[:1].isupper() and not part.isdigit() and fold(part) not in _NOT_ENTITIES and part not in found:
                found.append(part)
    return found


def question_parts(question: str) -> list[str]:
    """The sub-questions of a compound question ("X, and what Y?"); one part if it is simple."""
    parts = [p.strip(" ,;") for p in _CLAUSE.split(question)]
    parts = [p for p in parts if len(words(p)) >= 2]
    return parts if len(parts) > 1 else [question]


def content_words(question: str, entities: Sequence[str]) -> list[str]:
    """Lower-case content words of a question, other than its names."""
    found = []
    for word in words(question):
        if word not in entities and fold(word) not in STOPWORDS and len(word) > 2 and not word.isdigit():
            found.append(word.lower())
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Query:
    """A question ready for retrieval and answering.

    ``names`` maps the question's capitalized words to their vectors (None when the query vector
    was given from outside); ``term_vectors`` are those of the names and then the content words, in
    that order (for query expansion); ``parts`` are the sub-questions of a compound question.
    """

    text: str
    language: str
    vector: np.ndarray = field(repr=False)
    names: dict[str, np.ndarray | None] = field(default_factory=dict, repr=False)
    term_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32), repr=False)
    parts: tuple[tuple[str, np.ndarray], ...] = field(default=(), repr=False)


def encode_query(
    question: str, encoder: QueryEncoder, *, max_terms: int = 16, expand_words: bool = True,
    vector: np.ndarray | None = None,
) -> Query:
    """Analyse and embed a question: itself, its names, its content words (English, for expansion) and parts."""
    language = detect_language(question)
    names = question_entities(question)[:max_terms]
    content = content_words(question, names)[:max_terms] if language == "en" and expand_words else []
    if vector is not None:
        return Query(question, language, vector, dict.fromkeys(names))
    parts = question_parts(question)
    texts = [question, *names, *content, *(parts if len(parts) > 1 else [])]
    if len(question) > LONG_QUESTION and len(texts) > 1:  # one batch would pad every word to its length
        vectors = np.vstack([encoder.encode_queries(texts[:1]), encoder.encode_queries(texts[1:])])
    else:
        vectors = encoder.encode_queries(texts)
    n = 1 + len(names) + len(content)
    return Query(question, language, vectors[0], dict(zip(names, vectors[1:1 + len(names)])),
                 vectors[1:n], tuple(zip(parts, vectors[n:])))
