"""The hybrid retriever: what one question may cost, sub-question vectors, sentence ranking, configuration."""

from __future__ import annotations

import pytest

from conftest import FakeEmbedder
from rag.retrieve.dense import sentence_chunks
from rag.retrieve.hybrid import HybridRetriever, RetrievalConfig

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
def test_a_long_question_embeds_a_bounded_number_of_words(seeds_store, question):
    embedder = CountingEmbedder()
    r = HybridRetriever(seeds_store, embedder, config=FAST).retrieve(question, k=5)
    assert len(r.hits) == 5
    # the long question apart (padding), then its bounded set of words in one batch
    assert embedder.batches[0] == 1 and len(embedder.batches) == 2
    assert embedder.batches[1] <= 2 * FAST.max_terms
    assert len(r.entities) <= FAST.max_terms


def test_a_short_question_and_its_words_are_one_batch(seeds_store):
    embedder = CountingEmbedder()
    HybridRetriever(seeds_store, embedder, config=FAST).retrieve("What did Germany offer Ukraine?", k=3)
    assert len(embedder.batches) == 1 and embedder.batches[0] > 1


def test_max_terms_zero_embeds_only_the_question(seeds_store):
    embedder = CountingEmbedder()
    r = HybridRetriever(seeds_store, embedder, config=RetrievalConfig(use=0.0, max_terms=0)).retrieve(
        "What did Germany offer Ukraine?", k=3)
    assert embedder.batches == [1] and r.entities == {} and r.expansions == ()


def test_compound_questions_carry_one_vector_per_part(seeds_store):
    retriever = HybridRetriever(seeds_store, FakeEmbedder(), config=FAST)
    compound = retriever.retrieve("Was bietet Deutschland an, und wann beginnt der Einsatz?", k=3)
    simple = retriever.retrieve("Was bietet Deutschland an?", k=3)
    assert len(compound.parts) == 2 and simple.parts == ()


def test_every_sentence_belongs_to_the_chunks_that_contain_it(seeds_store):
    chunks_of = sentence_chunks(seeds_store)
    pairs = {(j, i) for j, rows in chunks_of.items() for i in rows}
    for j, sentence in enumerate(seeds_store.sentences):
        for i, chunk in enumerate(seeds_store.chunks):
            inside = chunk.article_id == sentence.article_id and chunk.start <= sentence.start and sentence.end <= chunk.end
            assert ((j, i) in pairs) == inside
    assert set(chunks_of) == set(range(len(seeds_store.sentences)))  # chunks overlap, so none is lost


def test_sentence_ranking_scores_a_chunk_by_its_best_sentence(seeds_store):
    only_sentences = RetrievalConfig(dense=0.0, bm25=0.0, bm25_english=0.0, use=0.0, sentence=1.0)
    retriever = HybridRetriever(seeds_store, FakeEmbedder(), config=only_sentences)
    target = max(seeds_store.sentences, key=lambda s: len(s.text))
    r = retriever.retrieve(target.text, k=3)
    top = r.hits[0]
    assert top.article_id == target.article_id and top.start <= target.start and target.end <= top.end
    inside = [j for j, s in enumerate(seeds_store.sentences)
              if s.article_id == top.article_id and top.start <= s.start and s.end <= top.end]
    expected = max(float(seeds_store.vectors("sentences", [j])[0] @ r.query_vector) for j in inside)
    assert top.meta["sentence"] == pytest.approx(expected) == pytest.approx(1.0)
    assert [h.meta["sentence"] for h in r.hits] == sorted((h.meta["sentence"] for h in r.hits), reverse=True)


def test_sentence_weight_zero_leaves_the_ranking_out(seeds_store):
    r = HybridRetriever(seeds_store, FakeEmbedder(), config=RetrievalConfig(use=0.0, sentence=0.0)).retrieve(
        "Was bietet Deutschland an?", k=3)
    assert all("sentence" not in h.meta for h in r.hits)


@pytest.mark.parametrize("kwargs", [{"max_terms": -1}, {"duplicate_cosine": 0.0}, {"dense": 0, "bm25": 0,
                                                                                 "bm25_english": 0, "use": 0,
                                                                                 "sentence": 0},
                                    {"sentence": -0.5}])
def test_invalid_config_is_rejected(kwargs):
    with pytest.raises(ValueError):
        RetrievalConfig(**kwargs)
