"""Split articles into overlapping passages and sentences that keep their character offsets."""

from __future__ import annotations

import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.lang.text import split_sentences
from rag.types import Article, Chunk, Sentence

# Paragraphs first, then sentence ends (not after ordinals such as "15."), then clauses, words.
SEPARATORS = [
    r"\n\n",
    r"\n",
    r"(?<=[^\d\s][.!?])\s+",
    r"(?<=[.!?][“”\"»«])\s+",
    r";\s+",
    r",\s+",
    r"\s+",
    "",
]


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    """A sentence- and paragraph-aware splitter with the given size and overlap (characters)."""
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        strip_whitespace=True,
    )


def chunk_article(article: Article, *, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Split an article body into chunks whose ``[start, end)`` span equals their text.

    The spans are where the splitter actually took each chunk from, also when the same text occurs
    more than once (repeated sentences): ``_split_spans`` follows the splitter's steps on offsets.
    """
    body = article.body
    pieces = make_splitter(chunk_size, chunk_overlap).split_text(body)
    spans = _split_spans(body, 0, len(body), SEPARATORS, chunk_size, chunk_overlap)
    if [body[s:e] for s, e in spans] != pieces:  # a splitter version that works differently
        spans = _find_spans(body, pieces, chunk_overlap)
    return [
        Chunk(f"{article.id}#{index}", article.id, index, body[s:e], s, e)
        for index, (s, e) in enumerate(spans)
    ]


def _split_spans(
    text: str, lo: int, hi: int, separators: list[str], size: int, overlap: int
) -> list[tuple[int, int]]:
    """``RecursiveCharacterTextSplitter.split_text`` (regex separators kept at the end, whitespace
    stripped) on ``text[lo:hi]``, returning the chunks' spans in ``text`` instead of their text."""
    segment = text[lo:hi]
    separator, rest = separators[-1], []
    for i, candidate in enumerate(separators):
        if not candidate:
            separator = candidate
            break
        if re.search(candidate, segment):
            separator, rest = candidate, separators[i + 1:]
            break
    if separator:
        cuts = [m.end() for m in re.finditer(separator, segment)]
        bounds = list(zip([0, *cuts], [*cuts, len(segment)]))
    else:
        bounds = [(i, i + 1) for i in range(len(segment))]
    splits = [(lo + s, lo + e) for s, e in bounds if e > s]
    spans: list[tuple[int, int]] = []
    good: list[tuple[int, int]] = []
    for s, e in splits:
        if e - s < size:
            good.append((s, e))
            continue
        if good:
            spans += _merge_spans(text, good, size, overlap)
            good = []
        spans += _split_spans(text, s, e, rest, size, overlap) if rest else [(s, e)]
    if good:
        spans += _merge_spans(text, good, size, overlap)
    return spans


def _merge_spans(text: str, splits: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """The splitter's merging of adjacent small splits into chunks with overlap, on spans."""
    spans: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    total = 0
    for s, e in splits:
        length = e - s
        if total + length > size and current:
            spans += _stripped(text, current[0][0], current[-1][1])
            while total > overlap or (total + length > size and total > 0):
                total -= current[0][1] - current[0][0]
                current = current[1:]
        current.append((s, e))
        total += length
    if current:
        spans += _stripped(text, current[0][0], current[-1][1])
    return spans


def _stripped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    return [(start + lead, end - trail)] if lead < len(piece) else []


def _find_spans(body: str, pieces: list[str], chunk_overlap: int) -> list[tuple[int, int]]:
    """Fallback: locate each piece after the previous one (it repeats at most ``chunk_overlap``)."""
    spans: list[tuple[int, int]] = []
    lowest = 0
    for piece in pieces:
        start = body.find(piece, lowest)
        if start < 0:
            start = body.find(piece)
        spans.append((start, start + len(piece)))
        lowest = max(start + 1, start + len(piece) - chunk_overlap)
    return spans


def article_sentences(article: Article) -> list[Sentence]:
    """The sentences of an article body with their offsets."""
    return [
        Sentence(article.id, i, article.body[s:e], s, e)
        for i, (s, e) in enumerate(split_sentences(article.body))
    ]
