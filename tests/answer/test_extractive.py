"""The extractive answerer: quotes, citations and markers, abstention, framing, configuration."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from conftest import FakeEmbedder, make_store
from rag.answer.answerability import AnswerabilityCheck
from rag.answer.base import AnswerConfig, attribution, frame
from rag.answer.stage import respond
from rag.answer.evidence import ScoredSentence, SentenceScorer
from rag.answer.extractive import ExtractiveAnswerer
from rag.retrieve.hybrid import HybridRetriever, Retrieval, RetrievalConfig
from rag.retrieve.query import question_parts
from rag.store.base import Store
from rag.types import Answer, Article, Hit

BODY_A = (
    "Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an. Das Angebot gilt erst nach einem Waffenstillstand.\n\n"
    "Die Gespräche in Paris dauerten bis in die Nacht."
)
BODY_B = "Frankreich schickt 2000 Soldaten in die Ukraine. Die Entscheidung fiel am Dienstag in Paris."
ARTICLE_A = Article("a", "Deutschland bietet Soldaten an", BODY_A, date="2026-01-08", source="dpa")
ARTICLE_B = Article("b", "Frankreich schickt Truppen", BODY_B)
PARA_END = BODY_A.index("\n\n")
EMB = FakeEmbedder()
FAST = RetrievalConfig(use=0.0)  # dense (fake) + BM25 only: no USE model in fast tests


def hit(article: Article, start: int = 0, end: int | None = None, score: float = 0.5) -> Hit:
    end = len(article.body) if end is None else end
    return Hit(f"{article.id}#{start}", score, article.body[start:end], article.id, article.title, article.source,
               article.date, start, end)


HIT_A_PARA1 = hit(ARTICLE_A, 0, PARA_END)  # only the first paragraph of A
HIT_B = hit(ARTICLE_B)


def retrieval(question: str, hits: tuple[Hit, ...], *, language: str = "de",
              entities: dict | None = None) -> Retrieval:
    return Retrieval(question, language, EMB.encode_queries([question])[0], hits, entities or {})


@pytest.fixture(scope="module")
def hand() -> Store:
    return make_store([ARTICLE_A, ARTICLE_B], EMB)


class Stage:
    """The answering stage as the assistant runs it: sentence scorer → answerability check → extractive answerer."""

    def __init__(self, store: Store, config: AnswerConfig) -> None:
        self.scorer = SentenceScorer(store, config=config)
        self.check = AnswerabilityCheck(store, config=config)
        self.answerer = ExtractiveAnswerer(config=config)

    def candidates(self, r: Retrieval) -> list[ScoredSentence]:
        return self.scorer.score(r)

    def answer(self, r: Retrieval) -> Answer:
        return respond(r, self.scorer, self.check, self.answerer)


def answerer(store: Store, **config) -> Stage:
    return Stage(store, AnswerConfig(**config))


def check_citations(answer: Answer, articles: dict[str, Article]) -> None:
    """Every citation quotes its passage verbatim, the passage is article text, numbers run 1..n."""
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        article = articles[c.article_id]
        assert c.passage_start <= c.quote_start < c.quote_end <= c.passage_end
        assert c.text[c.quote_start - c.passage_start: c.quote_end - c.passage_start] == c.quote
        assert article.body[c.quote_start:c.quote_end] == c.quote
        assert article.body[c.passage_start:c.passage_end] == c.text
        assert (c.title, c.source, c.date) == (article.title, article.source, article.date)


def check_markers(answer: Answer) -> None:
    """Markers [1]..[n] appear in order; each line quotes the first citation it marks."""
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert numbers == [c.number for c in answer.citations]
    by_number = {c.number: c for c in answer.citations}
    for line in answer.text.splitlines():
        marks = re.search(r"((?:\[\d+\])+): ", line)
        assert marks, line
        first = int(re.match(r"\[(\d+)\]", marks.group(1)).group(1))
        assert line[marks.end():] == by_number[first].quote
        cited = [by_number[int(n)] for n in re.findall(r"\[(\d+)\]", marks.group(1))]
        assert len({c.article_id for c in cited}) == len(cited)  # one fact cites each outlet once


# --- hand-made store ---------------------------------------------------------------------------


def test_answer_quotes_the_best_sentence_with_a_citation(hand):
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (HIT_A_PARA1, HIT_B))
    answer = answerer(hand, abstain_below=0.0).answer(r)
    assert not answer.abstained and answer.reason == ""
    assert answer.question == r.question and answer.language == "de" and answer.hits == r.hits
    assert answer.citations[0].quote == "Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an."
    assert answer.text.startswith("Laut dpa (2026-01-08) [1]: Deutschland bietet Soldaten auf NATO-Gebiet")
    check_citations(answer, hand.articles)
    check_markers(answer)


def test_candidates_lie_inside_their_passages_and_are_sorted(hand):
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (HIT_A_PARA1, HIT_B))
    cands = answerer(hand).candidates(r)
    texts = [c.sentence.text for c in cands]
    # the second paragraph of A is not in the retrieved passage, so it is never quoted
    assert "Die Gespräche in Paris dauerten bis in die Nacht." not in texts
    assert "Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an." in texts
    assert "Frankreich schickt 2000 Soldaten in die Ukraine." in texts
    for c in cands:
        assert c.hit.start <= c.sentence.start and c.sentence.end <= c.hit.end
        assert c.hit is r.hits[c.rank]
    scores = [c.score for c in cands]
    assert scores == sorted(scores, reverse=True)


def test_a_sentence_in_two_passages_is_scored_once_at_the_better_rank(hand):
    whole_a = hit(ARTICLE_A)
    r = retrieval("Was bietet Deutschland an?", (HIT_B, HIT_A_PARA1, whole_a))
    cands = answerer(hand).candidates(r)
    spans = [(c.sentence.article_id, c.sentence.start, c.sentence.end) for c in cands]
    assert len(spans) == len(set(spans))
    by_text = {c.sentence.text: c for c in cands}
    assert by_text["Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an."].rank == 1
    assert by_text["Die Gespräche in Paris dauerten bis in die Nacht."].rank == 2


@pytest.mark.parametrize("language, phrase", [("en", "don't say"), ("de", "nichts")])
def test_threshold_above_every_score_abstains(hand, language, phrase):
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (HIT_A_PARA1, HIT_B), language=language)
    answer = answerer(hand, abstain_below=10.0).answer(r)  # scores are cosine (<= 1) plus small bonuses
    assert answer.abstained
    assert phrase in answer.text and answer.text == frame(language)["abstain"]
    assert answer.citations == ()
    assert answer.hits == r.hits and len(answer.hits) == 2  # closest passages are kept as sources
    assert "threshold" in answer.reason
    assert answer.language == language


def test_abstention_threshold_boundary(hand):
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (HIT_A_PARA1, HIT_B))
    best = answerer(hand).candidates(r)[0].score
    assert not answerer(hand, abstain_below=best - 1e-6).answer(r).abstained
    assert answerer(hand, abstain_below=best + 1e-6).answer(r).abstained


def test_no_passages_abstain(hand):
    answer = answerer(hand, abstain_below=0.0).answer(retrieval("Was bietet Deutschland an?", ()))
    assert answer.abstained and answer.citations == () and answer.hits == ()
    assert answer.reason


def test_quantity_question_needs_a_sentence_with_a_number(hand):
    question = "Wie viele Soldaten schickt Frankreich?"
    only_a = answerer(hand, abstain_below=0.0).answer(retrieval(question, (HIT_A_PARA1,)))
    assert only_a.abstained and "quantity" in only_a.reason
    with_b = answerer(hand, abstain_below=0.0).answer(retrieval(question, (HIT_A_PARA1, HIT_B)))
    assert not with_b.abstained
    assert all(c.article_id == "b" for c in with_b.citations)
    assert "2000 Soldaten" in with_b.text
    unchecked = answerer(hand, abstain_below=0.0, check_answer_type=False).answer(retrieval(question, (HIT_A_PARA1,)))
    assert not unchecked.abstained


def test_typed_question_abstains_when_the_best_matching_sentences_lack_the_type(hand):
    # the passage about the subject has no number; a number elsewhere answers another question
    r = retrieval("Wie viele Soldaten bietet Deutschland auf NATO-Gebiet in Osteuropa an?", (HIT_A_PARA1, HIT_B))
    strict = answerer(hand, abstain_below=0.0).answer(r)
    assert strict.abstained and "give no quantity" in strict.reason
    loose = answerer(hand, abstain_below=0.0, typed_gap=1.0).answer(r)
    assert not loose.abstained and "2000 Soldaten" in loose.text


def test_compound_question_quotes_the_best_sentence_for_each_part(hand):
    question = "Was bietet Deutschland an, und wann fiel die Entscheidung?"
    texts = question_parts(question)
    parts = tuple(zip(texts, EMB.encode_queries(texts)))
    base = retrieval(question, (HIT_A_PARA1, HIT_B))
    single = answerer(hand, abstain_below=0.0, max_sentences=1).answer(base)
    both = answerer(hand, abstain_below=0.0, max_sentences=1).answer(replace(base, parts=parts))
    assert len(single.text.splitlines()) == 1
    quotes = [c.quote for c in both.citations]
    assert "Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an." in quotes
    assert "Die Entscheidung fiel am Dienstag in Paris." in quotes
    check_citations(both, hand.articles)
    check_markers(both)


def test_date_question_needs_a_sentence_with_a_date(hand):
    answer = answerer(hand, abstain_below=0.0).answer(retrieval("Wann fiel die Entscheidung?", (HIT_A_PARA1, HIT_B)))
    assert not answer.abstained
    assert [c.quote for c in answer.citations] == ["Die Entscheidung fiel am Dienstag in Paris."]


def test_unknown_entity_abstains_and_known_entity_does_not(hand):
    question = "Was bietet China an?"
    unknown = answerer(hand, abstain_below=0.0).answer(retrieval(question, (HIT_A_PARA1,), entities={"China": None}))
    assert unknown.abstained and "China" in unknown.reason and unknown.hits
    known = answerer(hand, abstain_below=0.0).answer(
        retrieval("Was bietet Deutschland an?", (HIT_A_PARA1,), entities={"Deutschland": None}))
    assert not known.abstained
    unchecked = answerer(hand, abstain_below=0.0, check_entities=False).answer(
        retrieval(question, (HIT_A_PARA1,), entities={"China": None}))
    assert not unchecked.abstained


@pytest.mark.parametrize("language, lead, unknown", [("en", "According to", "one report"), ("de", "Laut", "einem Bericht")])
def test_framing_follows_the_question_language(hand, language, lead, unknown):
    r = retrieval("Frankreich schickt Soldaten in die Ukraine", (HIT_B,), language=language)
    answer = answerer(hand, abstain_below=0.0, max_sentences=1).answer(r)
    assert answer.text == f"{lead} {unknown} [1]: Frankreich schickt 2000 Soldaten in die Ukraine."
    assert answer.language == language


def test_max_sentences_and_sources_limit_the_answer(hand):
    r = retrieval("Soldaten Paris Deutschland Frankreich", (HIT_A_PARA1, HIT_B))
    loose = answerer(hand, abstain_below=0.0, second_within=1.0, max_sentences=3).answer(r)
    one = answerer(hand, abstain_below=0.0, second_within=1.0, max_sentences=1).answer(r)
    assert len(loose.text.splitlines()) > 1
    assert len(one.text.splitlines()) == 1
    single = answerer(hand, abstain_below=0.0, second_within=1.0, max_sentences=3, max_sources_per_fact=1).answer(r)
    assert len(single.citations) == len(single.text.splitlines())
    for answer in (loose, one, single):
        check_citations(answer, hand.articles)
        check_markers(answer)


def test_lead_sentence_is_quoted_with_its_successor_when_it_scores_nearly_as_well(hand):
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (HIT_A_PARA1, HIT_B))
    lead = "Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an."
    both = answerer(hand, abstain_below=0.0, continue_within=1.0, max_sentences=1).answer(r)
    alone = answerer(hand, abstain_below=0.0, continue_within=0.0, max_sentences=1).answer(r)
    assert both.citations[0].quote == lead + " Das Angebot gilt erst nach einem Waffenstillstand."
    assert alone.citations[0].quote == lead
    for answer in (both, alone):
        check_citations(answer, hand.articles)
        check_markers(answer)


def test_successor_is_never_outside_the_passage_or_quoted_twice(hand):
    last = "Das Angebot gilt erst nach einem Waffenstillstand."
    r = retrieval(last, (HIT_A_PARA1, HIT_B))  # the passage's last sentence leads: nothing follows inside it
    answer = answerer(hand, abstain_below=0.0, continue_within=1.0, max_sentences=1).answer(r)
    assert answer.citations[0].quote == last
    split = BODY_A.index(last)  # the two sentences in two passages: the successor is in the other one
    first_only, second_only = hit(ARTICLE_A, 0, split), hit(ARTICLE_A, split, PARA_END)
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (first_only, second_only))
    apart = answerer(hand, abstain_below=0.0, continue_within=1.0, max_sentences=1).answer(r)
    assert apart.citations[0].quote == "Deutschland bietet Soldaten auf NATO-Gebiet in Osteuropa an."
    check_citations(apart, hand.articles)
    r = retrieval("Was bietet Deutschland auf NATO-Gebiet an?", (HIT_A_PARA1, HIT_B))
    loose = answerer(hand, abstain_below=0.0, continue_within=1.0, second_within=1.0, max_sentences=3).answer(r)
    quotes = [c.quote for c in loose.citations]
    assert sum(q.count(last) for q in quotes) == 1
    check_citations(loose, hand.articles)
    check_markers(loose)


def test_attribution_and_frames():
    assert attribution(HIT_A_PARA1, "en") == "dpa (2026-01-08)"
    assert attribution(HIT_B, "en") == "one report"
    assert attribution(HIT_B, "de") == "einem Bericht"
    undated = hit(Article("c", "T", "Ein Satz mit mehr als vier Wörtern.", source="ORF"))
    assert attribution(undated, "de") == "ORF"
    assert frame("fr") == frame("en")  # unknown languages fall back to English
    assert frame("de")["lead"] == "Laut"


@pytest.mark.parametrize(
    "kwargs",
    [{"max_sentences": 0}, {"max_sources_per_fact": 0}, {"lexical_weight": -0.1}, {"rank_weight": -0.01},
     {"second_within": -1.0}, {"typed_gap": -0.01}, {"continue_within": -0.01}],
)
def test_answer_config_rejects_invalid_values(kwargs):
    with pytest.raises(ValueError):
        AnswerConfig(**kwargs)


def test_answer_config_accepts_boundaries():
    AnswerConfig(max_sentences=1, max_sources_per_fact=1, lexical_weight=0.0, rank_weight=0.0, second_within=0.0)


# --- the shipped corpus with fake embeddings and the real retriever ----------------------------


QUESTIONS = [
    ("Was hat Deutschland zur Absicherung eines Waffenstillstands angeboten?", "de", "Laut "),
    ("Wer ist der US-Sondergesandte Steve Witkoff?", "de", "Laut "),
    ("What did Merz say about the Waffenstillstand?", "en", "According to "),
    ("What did Witkoff say about the meeting in Paris?", "en", "According to "),
]


@pytest.mark.parametrize("question, language, lead", QUESTIONS)
def test_answers_over_the_corpus_cite_verbatim_article_text(seeds_store, question, language, lead):
    retriever = HybridRetriever(seeds_store, FakeEmbedder(), config=FAST)
    r = retriever.retrieve(question, k=5)
    assert r.language == language and len(r.hits) == 5
    answer = answerer(seeds_store, abstain_below=0.0, check_entities=False).answer(r)
    assert not answer.abstained and answer.citations
    assert answer.text.startswith(lead)
    check_citations(answer, seeds_store.articles)
    check_markers(answer)
    hit_ids = {(h.article_id, h.start, h.end) for h in r.hits}
    assert all((c.article_id, c.passage_start, c.passage_end) in hit_ids for c in answer.citations)


@pytest.mark.parametrize("question, language, lead", QUESTIONS)
def test_abstention_over_the_corpus_keeps_the_hits(seeds_store, question, language, lead):
    r = HybridRetriever(seeds_store, FakeEmbedder(), config=FAST).retrieve(question, k=5)
    answer = answerer(seeds_store, abstain_below=10.0).answer(r)
    assert answer.abstained and answer.citations == () and answer.reason
    assert answer.hits == r.hits and len(answer.hits) == 5
    assert ("nichts" if language == "de" else "don't say") in answer.text


@pytest.mark.parametrize("question", ["Was bietet Deutschland an?", "Was sagte Merz?"])
def test_short_german_questions_are_framed_in_german(seeds_store, question):
    r = HybridRetriever(seeds_store, FakeEmbedder(), config=FAST).retrieve(question, k=5)
    answer = answerer(seeds_store, abstain_below=0.0, check_entities=False).answer(r)
    assert answer.language == "de" and answer.text.startswith("Laut ")


def test_successor_is_never_taken_from_the_next_paragraph(hand):
    last = "Das Angebot gilt erst nach einem Waffenstillstand."
    whole = hit(ARTICLE_A)  # one passage over both paragraphs
    answer = answerer(hand, abstain_below=0.0, continue_within=1.0, max_sentences=1).answer(retrieval(last, (whole,)))
    assert answer.citations[0].quote == last  # not "… Die Gespräche in Paris dauerten bis in die Nacht."
    check_citations(answer, hand.articles)
