"""Split articles into overlapping passages and sentences that keep their character offsets."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.text import split_sentences
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
    """Split an article body into chunks whose ``[start, end)`` span equals their text."""
    splitter = make_splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    cursor = 0
    for index, piece in enumerate(splitter.split_text(article.body)):
        start = article.body.find(piece, cursor)
        if start < 0:  # overlap can move the match before the cursor; search from the top
            start = article.body.find(piece)
        end = start + len(piece)
        chunks.append(Chunk(f"{article.id}#{index}", article.id, index, piece, start, end))
        cursor = start + 1
    return chunks


def article_sentences(article: Article) -> list[Sentence]:
    """The sentences of an article body with their offsets."""
    return [
        Sentence(article.id, i, article.body[s:e], s, e)
        for i, (s, e) in enumerate(split_sentences(article.body))
    ]
