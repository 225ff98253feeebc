"""The nouns of the project as frozen dataclasses; no I/O happens here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One cleaned news article; ``body`` keeps paragraphs separated by blank lines.

    ``date`` is ISO 8601, day first (``2024-04-22``), with time and zone when known
    (``2024-04-22T15:26:46+00:00``); ``source`` is the outlet or site name; ``language`` an ISO 639-1 code.
    """

    id: str
    title: str
    body: str
    date: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    authors: tuple[str, ...] = ()
    url: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.authors, tuple):  # read back from JSON as a list
            object.__setattr__(self, "authors", tuple(self.authors or ()))

    @property
    def day(self) -> str | None:
        """The publication day (``YYYY-MM-DD``) without time, or None."""
        return self.date[:10] if self.date else None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["authors"] = list(self.authors)
        return data


@dataclass(frozen=True)
class Filters:
    """Which articles may be searched: a date range (ISO days, inclusive) and/or outlets."""

    since: str | None = None
    until: str | None = None
    sources: frozenset[str] | None = None

    @property
    def active(self) -> bool:
        """Whether the filter excludes anything at all."""
        return self.since is not None or self.until is not None or self.sources is not None

    def admits(self, article: Article) -> bool:
        """Whether the article passes (an undated article fails any date bound; outlets match case-insensitively)."""
        day = (article.date or "")[:10]
        if (self.since is not None or self.until is not None) and not day:
            return False
        if self.since is not None and day < self.since:
            return False
        if self.until is not None and day > self.until:
            return False
        if self.sources is not None:
            wanted = {s.casefold() for s in self.sources}
            return (article.source or "").casefold() in wanted
        return True


@dataclass(frozen=True)
class Chunk:
    """A passage of an article; ``body[start:end] == text`` for the article's body."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article with its character span in the article body."""

    article_id: str
    index: int
    text: str
    start: int
    end: int

    def lies_in(self, passage: Chunk | Hit) -> bool:
        """Whether the sentence lies wholly inside the passage (same article, span within its span)."""
        return passage.article_id == self.article_id and passage.start <= self.start and self.end <= passage.end


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its score (an ``Entry(id, score, content, metadata)``)."""

    id: str
    score: float
    text: str
    article_id: str
    title: str
    source: str | None
    date: str | None
    start: int
    end: int
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """A source backing part of an answer: the passage and the exact supporting sentence."""

    number: int
    article_id: str
    title: str
    source: str | None
    date: str | None
    text: str
    quote: str
    quote_start: int
    quote_end: int
    passage_start: int
    passage_end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The assistant's reply: text with ``[n]`` markers and the citations they point to."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    language: str = "en"
    hits: tuple[Hit, ...] = ()
    reason: str = ""
    answerer: str = "extractive"  # which answerer wrote the text: "extractive" or "generative"
    note: str = ""  # shown with the answer: why it was not generated, or how many sentences were dropped
    dropped: tuple[str, ...] = ()  # generated sentences not shown because their citation does not support them
    requoted: tuple[str, ...] = ()  # generated sentences shown with or as their quote: they lost a fact of it, or copied it
    written: int = 0  # sentences the language model wrote, each checked (0: it was not asked)
    confidence: float | None = None  # the judge's calibrated probability that the articles answer; None: not judged

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "language": self.language,
            "reason": self.reason,
            "answerer": self.answerer,
            "note": self.note,
            "dropped": list(self.dropped),
            "requoted": list(self.requoted),
            "written": self.written,
            "confidence": self.confidence,
            "citations": [c.to_dict() for c in self.citations],
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True)
class Quoted:
    """A streamed event: the quoted answer, shown while the language model writes its own (which follows)."""

    answer: Answer


@dataclass(frozen=True)
class Evidence:
    """A verbatim span of an article that states (part of) a gold answer."""

    article_id: str
    span: str


@dataclass(frozen=True)
class GoldItem:
    """One gold question with its reference answer, key facts and evidence spans."""

    id: str
    question: str
    language: str
    answerable: bool
    reference_answer: str
    key_facts: tuple[tuple[str, ...], ...]
    evidence: tuple[Evidence, ...]
    split: str
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict in the gold-file layout."""
        return {
            "id": self.id,
            "split": self.split,
            "language": self.language,
            "question": self.question,
            "answerable": self.answerable,
            "reference_answer": self.reference_answer,
            "key_facts": [list(group) for group in self.key_facts],
            "evidence": [{"article_id": e.article_id, "span": e.span} for e in self.evidence],
            "tags": list(self.tags),
        }
