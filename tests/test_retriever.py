"""The hybrid retriever: what one question may cost, sub-question vectors, configuration checks."""

from __future__ import annotations

import pytest

from conftest import FakeEmbedder
from rag.retriever import HybridRetriever, RetrievalConfig

FAST = RetrievalConfig(use=0.0)  # no USE model in fast tests


class CountingEmbedder(FakeEmbedder):
    """Records how many texts each query batch embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def encode_queries(self, texts, *, batch_size: int = 32):
        self.batches.append(len(texts))
        return super().encode_queries(texts, batch_size=batch_size)


@pytest.mark.parametrize(
    "question",
    [
        " ".join(f"Name{i}" for i in range(300)),  # hundreds of capitalised words (names or German nouns)
        " ".join(f"what word{i} troops" for i in range(150)),  # hundreds of English content words
    ],
)
def test_a_long_question_embeds_a_bounded_number_of_words(seeds_snapshot, question):
    embedder = CountingEmbedder()
    r = HybridRetriever(seeds_snapshot, embedder, config=FAST).retrieve(question, k=5)
    assert len(r.hits) == 5
    # the long question apart (padding), then its bounded set of words in one batch
    assert embedder.batches[0] == 1 and len(embedder.batches) == 2
    assert embedder.batches[1] <= 2 * FAST.max_terms
    assert len(r.entities) <= FAST.max_terms


def test_a_short_question_and_its_words_are_one_batch(seeds_snapshot):
    embedder = CountingEmbedder()
    HybridRetriever(seeds_snapshot, embedder, config=FAST).retrieve("What did Germany offer Ukraine?", k=3)
    assert len(embedder.batches) == 1 and embedder.batches[0] > 1


def test_max_terms_zero_embeds_only_the_question(seeds_snapshot):
    embedder = CountingEmbedder()
    r = HybridRetriever(seeds_snapshot, embedder, config=RetrievalConfig(use=0.0, max_terms=0)).retrieve(
        "What did Germany offer Ukraine?", k=3)
    assert embedder.batches == [1] and r.entities == {} and r.expansions == ()


def test_compound_questions_carry_one_vector_per_part(seeds_snapshot):
    retriever = HybridRetriever(seeds_snapshot, FakeEmbedder(), config=FAST)
    compound = retriever.retrieve("Was bietet Deutschland an, und wann beginnt der Einsatz?", k=3)
    simple = retriever.retrieve("Was bietet Deutschland an?", k=3)
    assert len(compound.parts) == 2 and simple.parts == ()


@pytest.mark.parametrize("kwargs", [{"max_terms": -1}, {"duplicate_cosine": 0.0}, {"dense": 0, "bm25": 0,
                                                                                 "bm25_english": 0, "use": 0}])
def test_invalid_config_is_rejected(kwargs):
    with pytest.raises(ValueError):
        RetrievalConfig(**kwargs)
