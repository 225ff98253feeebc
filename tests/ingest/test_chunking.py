"""Chunk and sentence offsets point at the exact text; sizes respect the settings."""

from __future__ import annotations

import pytest

from rag.ingest.chunking import article_sentences, chunk_article
from rag.ingest.corpus import load_corpus
from rag.types import Article

from conftest import SEEDS


@pytest.fixture(scope="module")
def articles():
    return load_corpus(SEEDS).articles


@pytest.mark.parametrize("size, overlap", [(200, 0), (500, 100), (1000, 200)])
def test_chunk_spans_equal_chunk_text(articles, size, overlap):
    for article in articles:
        chunks = chunk_article(article, chunk_size=size, chunk_overlap=overlap)
        assert chunks, article.id
        for i, c in enumerate(chunks):
            assert article.body[c.start:c.end] == c.text
            assert c.index == i and c.article_id == article.id and c.id == f"{article.id}#{i}"
            assert len(c.text) <= size
        assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_chunks_cover_the_whole_body(articles):
    for article in articles:
        chunks = chunk_article(article, chunk_size=300, chunk_overlap=50)
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        uncovered = [article.body[i] for i in range(len(article.body)) if i not in covered]
        assert all(ch.isspace() for ch in uncovered), article.id


def test_overlap_repeats_text(articles):
    chunks = chunk_article(articles[1], chunk_size=300, chunk_overlap=120)
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:]))


def test_repeated_sentences_get_distinct_offsets():
    body = "Gleicher Satz hier. " * 40
    article = Article("rep", "t", body.strip())
    chunks = chunk_article(article, chunk_size=100, chunk_overlap=0)
    assert len({c.start for c in chunks}) == len(chunks)
    for c in chunks:
        assert article.body[c.start:c.end] == c.text


def test_sentence_spans(articles):
    for article in articles:
        for s in article_sentences(article):
            assert article.body[s.start:s.end] == s.text
            assert s.text == s.text.strip() and s.text
