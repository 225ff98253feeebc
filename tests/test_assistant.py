"""The Python API contract: ``Assistant.load``, ``ask``, ``search``, input validation, reloads, threads.

Tests marked ``slow`` use the real model through the session-scoped ``assistant`` fixture.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS
from rag import Answer, Assistant, Citation, Hit, IndexMissingError, InvalidQuestionError
from rag.assistant import check_k, clean_question
from rag.config import MAX_K, MAX_QUESTION_CHARS, Settings
from rag.ingest.corpus import load_corpus
from rag.store.manifest import MANIFEST

NEW_ARTICLE = (
    "date 2026-01-09 Von: Testagentur\n\n"
    "Spanien kündigt Minenräumer für die Ukraine an\n\n"
    "Madrid (Testagentur) – Spanien will nach einem Waffenstillstand Minenräumer in die Ukraine schicken. "
    "Das teilte die Regierung in Madrid am Freitag mit.\n"
)

BAD_QUESTIONS = ["", "   ", "\n\t ", "\x00\x01", "x" * (MAX_QUESTION_CHARS + 1)]
BAD_KS = [0, -1, MAX_K + 1, "5", True, False, 5.0, None]
ODD_QUESTIONS = [
    "🙂🙂",
    "SELECT * FROM articles; --",
    "<script>alert(1)</script>",
    "\x00\x01 Waffenstillstand",
    "ماذا قدمت ألمانيا لأوكرانيا؟",
    "德国为乌克兰提供了什么？",
    "?",
    "a" * MAX_QUESTION_CHARS,
]


# --- input validation (pure, fast) -------------------------------------------------------------


@pytest.mark.parametrize("question", BAD_QUESTIONS)
def test_clean_question_rejects_empty_or_too_long(question):
    with pytest.raises(InvalidQuestionError) as info:
        clean_question(question)
    assert isinstance(info.value, ValueError)
    assert str(info.value)


def test_clean_question_normalizes():
    assert clean_question("  Was   hat\nDeutschland\tangeboten? ") == "Was hat Deutschland angeboten?"
    assert clean_question("\x00\x01 Waffenstillstand") == "Waffenstillstand"
    assert clean_question("x" * MAX_QUESTION_CHARS) == "x" * MAX_QUESTION_CHARS
    assert clean_question("  " + "x" * MAX_QUESTION_CHARS + "  ") == "x" * MAX_QUESTION_CHARS  # limit after trimming
    assert clean_question("Was ist mit \ud800 los?") == "Was ist mit ? los?"  # lone surrogate replaced


@pytest.mark.parametrize("question", [None, 42, b"Waffenstillstand", ["Waffenstillstand"]])
def test_clean_question_rejects_non_text(question):
    with pytest.raises(InvalidQuestionError, match="text"):
        clean_question(question)


@pytest.mark.parametrize("k", BAD_KS)
def test_check_k_rejects_out_of_range_and_non_integers(k):
    with pytest.raises(InvalidQuestionError, match="k must be"):
        check_k(k)


def test_check_k_accepts_the_range():
    assert check_k(1) == 1 and check_k(MAX_K) == MAX_K
    assert check_k(np.int64(5)) == 5 and type(check_k(np.int64(5))) is int


def test_load_without_build_on_a_missing_index_names_rag_ingest(tmp_path):
    missing = tmp_path / "no-index"
    with pytest.raises(IndexMissingError, match="rag ingest"):
        Assistant.load(missing, seeds=SEEDS, build=False)
    assert not missing.exists()  # nothing was created


# --- the contract with the real model ----------------------------------------------------------


@pytest.mark.slow
def test_ask_returns_a_cited_answer(assistant):
    answer = assistant.ask("What did Germany offer?", k=5)
    assert isinstance(answer, Answer)
    assert isinstance(answer.text, str) and answer.text
    assert answer.abstained is False
    assert answer.question == "What did Germany offer?" and answer.language == "en"
    assert 1 <= len(answer.citations) and len(answer.hits) == 5
    articles = {a.id: a for a in assistant.articles}
    for c in answer.citations:
        assert isinstance(c, Citation)
        article = articles[c.article_id]
        assert (c.title, c.source, c.date) == (article.title, article.source, article.date)
        assert c.quote and c.quote in c.text and article.body[c.quote_start:c.quote_end] == c.quote
        assert c.text[c.quote_start - c.passage_start: c.quote_end - c.passage_start] == c.quote
        assert isinstance(c.score, float)
        assert f"[{c.number}]" in answer.text


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What did Germany offer?",
    "Was hat Deutschland angeboten?",
])
def test_germany_offer_answers_name_nato_territory(assistant, question):
    answer = assistant.ask(question, k=5)
    assert not answer.abstained
    assert "nato-gebiet" in answer.text.lower(), answer.text


@pytest.mark.slow
def test_question_about_something_never_mentioned_abstains(assistant):
    answer = assistant.ask("What did China offer?", k=5)
    assert answer.abstained
    assert answer.citations == ()
    assert answer.hits  # the closest passages are still shown
    assert "China" in answer.reason
    assert "don't say" in answer.text


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, country",
    [
        ("What role does Japan play in the security guarantees?", "Japan"),
        ("Welche Hilfe hat Belarus zugesagt?", "Belarus"),
        ("What did Canada offer Ukraine?", "Canada"),
        ("Was hat Polen der Ukraine angeboten?", "Polen"),
        ("Welche Truppen schickt die Türkei?", "Türkei"),
    ],
)
def test_questions_about_countries_the_articles_never_name_abstain(assistant, question, country):
    answer = assistant.ask(question, k=5)
    assert answer.abstained, answer.text
    assert country in answer.reason


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, fact",
    [
        ("What did the United Kingdom and France sign?", "absichtserklärung"),
        ("Was planen Großbritannien und Frankreich nach einem Waffenstillstand?", "stützpunkt"),
        ("What did the United States promise Ukraine?", "amerikanische hilfe"),
    ],
)
def test_countries_named_differently_in_the_articles_are_still_answered(assistant, question, fact):
    answer = assistant.ask(question, k=5)
    assert not answer.abstained, answer.reason
    assert fact in answer.text.lower() or fact in " ".join(c.text for c in answer.citations).lower()


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, fact",
    [
        ("Welchen Verwandtschaftsgrad hat Kushner zu Trump?", "schwiegersohn"),
        ("Über welchen Kanal informierte Selenskyj die Öffentlichkeit?", "sozialen medien"),
    ],
)
def test_ordinary_german_nouns_the_articles_do_not_use_are_no_reason_to_refuse(assistant, question, fact):
    answer = assistant.ask(question, k=5)
    assert not answer.abstained, answer.reason
    assert fact in answer.text.lower()


@pytest.mark.slow
def test_an_english_name_made_of_a_german_noun_is_still_checked(assistant):
    answer = assistant.ask("Which team lifted the Cup?", k=5)  # "Cup" is also a German noun
    assert answer.abstained, answer.text
    assert "Cup" in answer.reason


@pytest.mark.slow
def test_search_returns_k_ranked_hits_deterministically(assistant):
    hits = assistant.search("Waffenstillstand Überwachung", k=10)
    assert len(hits) == 10
    assert all(isinstance(h, Hit) and h.text and h.article_id for h in hits)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.id for h in hits}) == 10
    articles = {a.id: a for a in assistant.articles}
    for h in hits:
        assert articles[h.article_id].body[h.start:h.end] == h.text
    again = assistant.search("Waffenstillstand Überwachung", k=10)
    assert [(h.id, h.score) for h in again] == [(h.id, h.score) for h in hits]
    top3 = assistant.search("Waffenstillstand Überwachung", k=3)
    assert [h.id for h in top3] == [h.id for h in hits[:3]]


@pytest.mark.slow
def test_results_serialize_to_json(assistant):
    answer = assistant.ask("Was hat Deutschland angeboten?", k=5)
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert data["text"] == answer.text and data["abstained"] is answer.abstained
    assert len(data["citations"]) == len(answer.citations) and len(data["hits"]) == len(answer.hits)
    assert data["citations"][0]["quote"] == answer.citations[0].quote
    hit = assistant.search("Waffenstillstand", k=1)[0]
    assert json.loads(json.dumps(hit.to_dict()))["id"] == hit.id
    abstention = assistant.ask("What did China offer?", k=5)
    assert json.loads(json.dumps(abstention.to_dict()))["citations"] == []


@pytest.mark.slow
def test_results_are_frozen(assistant):
    answer = assistant.ask("What did Germany offer?", k=5)
    hit = assistant.search("Waffenstillstand", k=1)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.citations[0].quote = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.score = 1.0  # type: ignore[misc]
    assert isinstance(answer.citations, tuple) and isinstance(answer.hits, tuple)


@pytest.mark.slow
@pytest.mark.parametrize("question", BAD_QUESTIONS)
def test_bad_questions_raise(assistant, question):
    with pytest.raises(InvalidQuestionError):
        assistant.ask(question)
    with pytest.raises(ValueError):  # InvalidQuestionError is a ValueError
        assistant.search(question)


@pytest.mark.slow
@pytest.mark.parametrize("k", BAD_KS)
def test_bad_k_raises(assistant, k):
    with pytest.raises(InvalidQuestionError):
        assistant.ask("What did Germany offer?", k=k)
    with pytest.raises(InvalidQuestionError):
        assistant.search("Waffenstillstand", k=k)


@pytest.mark.slow
@pytest.mark.parametrize("question", ODD_QUESTIONS)
def test_odd_input_gets_an_answer_or_an_abstention(assistant, question):
    answer = assistant.ask(question, k=5)
    assert isinstance(answer, Answer) and answer.text
    assert answer.question == question
    assert answer.abstained == (answer.citations == ())
    assert answer.abstained or answer.reason == ""
    assert len(answer.hits) == 5


@pytest.mark.slow
def test_lone_surrogates_never_reach_the_utf8_output(assistant):
    answer = assistant.ask("\udcff Waffenstillstand", k=3)
    assert answer.question == "? Waffenstillstand"
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")  # would raise on a surrogate


@pytest.mark.slow
def test_concurrent_questions_match_sequential_answers(assistant):
    questions = ["What did Germany offer?", "Was hat Deutschland angeboten?", "What did China offer?"]
    expected = {q: assistant.ask(q, k=5) for q in questions}
    results: list[tuple[str, Answer]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(offset: int) -> None:
        try:
            start.wait()
            for i in range(len(questions)):
                q = questions[(offset + i) % len(questions)]
                answer = assistant.ask(q, k=5)
                with lock:
                    results.append((q, answer))
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 8 * len(questions)
    for q, answer in results:
        want = expected[q]
        assert (answer.text, answer.abstained, answer.citations) == (want.text, want.abstained, want.citations)
        assert [h.id for h in answer.hits] == [h.id for h in want.hits]


# --- loading, staleness, reload ----------------------------------------------------------------


def _articles_in(seeds: Path) -> int:
    return len(load_corpus(seeds).articles)


@pytest.mark.slow
def test_load_builds_a_fresh_index(tmp_path):
    index = tmp_path / "index"
    loaded = Assistant.load(index, seeds=SEEDS)
    assert (index / MANIFEST).is_file()
    manifest = loaded.manifest
    assert manifest["counts"]["articles"] == _articles_in(SEEDS) == 5
    assert manifest["corpus"]["dir"] == str(SEEDS)
    assert manifest["model"]["id"] == Settings().model
    assert (index / manifest["snapshot"]).is_dir()
    assert [a.id for a in loaded.articles] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    # a second load serves the same snapshot without rebuilding
    assert Assistant.load(index, seeds=SEEDS, build=False).manifest["snapshot"] == manifest["snapshot"]


@pytest.fixture
def index_copy(assistant, tmp_path) -> Path:
    """A private copy of the session index (same seeds, same settings) that a test may change."""
    target = tmp_path / "index"
    shutil.copytree(assistant.index_dir, target)
    return target


@pytest.mark.slow
def test_stale_index_is_rebuilt_on_the_next_load(index_copy, seeds_copy):
    first = Assistant.load(index_copy, seeds=seeds_copy)
    assert first.manifest["counts"]["articles"] == 5  # the copied index is fresh for the copied seeds
    (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    second = Assistant.load(index_copy, seeds=seeds_copy)
    assert second.manifest["snapshot"] != first.manifest["snapshot"]
    assert second.manifest["counts"]["articles"] == 6
    assert second.manifest["counts"]["chunks"] > first.manifest["counts"]["chunks"]
    assert "005_new" in {a.id for a in second.articles}
    assert first.manifest["counts"]["articles"] == 5  # the first assistant still serves its snapshot
    hits = second.search("Minenräumer Spanien", k=3)
    assert hits[0].article_id == "005_new"


@pytest.mark.slow
def test_reload_switches_only_after_the_index_changed(index_copy, seeds_copy, passage_embedder):
    from rag.ingest.build import build_index

    served = Assistant.load(index_copy, seeds=seeds_copy)
    before = served.manifest["snapshot"]
    assert served.reload() is False
    assert served.manifest["snapshot"] == before
    (seeds_copy / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert served.reload() is False  # the corpus changed, but nobody ingested it yet
    report = build_index(seeds_copy, index_copy, settings=served.settings, embedder=passage_embedder)
    assert report.added == ["005_new"]
    assert served.reload() is True
    assert served.manifest["snapshot"] != before and served.manifest["counts"]["articles"] == 6
    assert "005_new" in {a.id for a in served.articles}
    assert served.reload() is False


# --- composition: what a load does, and replacing stages by keyword ------------------------------


class Refusing:
    """An encoder that fails the test if anything is encoded."""

    name = "refusing"
    model_id = "fake"
    dimension = 64

    def __getattr__(self, name):
        if name.startswith("encode"):
            return lambda *a, **kw: pytest.fail(f"{name} was called during a warm load")
        raise AttributeError(name)


def test_a_warm_load_fits_nothing_and_encodes_nothing(seeds_copy, tmp_path, monkeypatch):
    import bm25s

    from conftest import FakeEmbedder, FakeUse
    from rag.ingest.build import build_index

    settings = Settings(model="fake")
    build_index(seeds_copy, tmp_path / "idx", settings=settings, embedder=FakeEmbedder(), second_encoder=FakeUse())
    monkeypatch.setattr("rag.assistant.Embedder", lambda model, progress=False: Refusing())
    monkeypatch.setattr("rag.models.use.UseEncoder", lambda **kw: Refusing())
    monkeypatch.setattr(bm25s.BM25, "index", lambda *a, **kw: pytest.fail("BM25 was fitted during a warm load"))
    served = Assistant.load(tmp_path / "idx", seeds=seeds_copy, settings=settings)
    assert len(served.articles) == 5 and served.store.tables() == {"chunks", "sentences", "use", "terms"}


def test_stages_are_replaced_by_keyword_and_abstention_comes_before_the_answerer(seeds_store):
    from conftest import FakeEmbedder, FakeUse
    from rag.answer.base import AnswerConfig

    calls = []

    class Echo:
        def answer(self, retrieval, candidates):
            calls.append(retrieval.question)
            return Answer(retrieval.question, "echo: " + candidates[0].sentence.text, language=retrieval.language)

    lenient = AnswerConfig(abstain_below=0.0, check_entities=False)
    served = Assistant(seeds_store, FakeEmbedder(), second_encoder=FakeUse(), settings=Settings(model="fake"),
                       answering=lenient, answerer=Echo())
    assert served.store is seeds_store
    answer = served.ask("Was bietet Deutschland an?")
    assert answer.text.startswith("echo: ") and calls == ["Was bietet Deutschland an?"]
    strict = served.configured(answering=AnswerConfig(abstain_below=10.0))
    refused = strict.ask("Was bietet Deutschland an?")
    assert refused.abstained and "threshold" in refused.reason and len(calls) == 1  # the answerer never saw it
    assert strict.answerer is served.answerer  # a replaced answerer survives reconfiguration


def test_load_serves_a_given_store(seeds_store, tmp_path):
    served = Assistant.load(tmp_path / "no-index-here", store=seeds_store, settings=Settings(model="fake"))
    assert served.store is seeds_store and len(served.articles) == 5
    assert not (tmp_path / "no-index-here").exists()


@pytest.mark.slow
def test_ask_and_search_equals_ask_and_search_apart(assistant):
    """One retrieval for both (what ``rag eval`` uses) gives ask's answer and search's ranking; only
    the near-duplicates listed in a passage's ``meta`` may differ (the deeper ranking finds more)."""
    from rag.evaluate.gold import default_gold_path, load_gold

    def comparable(answer: Answer) -> dict:
        out = answer.to_dict()
        for hit in out["hits"]:
            hit["meta"].pop("duplicates")
        return out

    questions = [item.question for item in load_gold(default_gold_path()) if item.split == "dev"][:12]
    for question in questions:
        answer, hits = assistant.ask_and_search(question, k=5, depth=10)
        assert comparable(answer) == comparable(assistant.ask(question, k=5)), question
        assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in assistant.search(question, k=10)]
    answer, hits = assistant.ask_and_search(questions[0], k=3, depth=2)  # depth below k: still k read
    assert comparable(answer) == comparable(assistant.ask(questions[0], k=3)) and len(hits) == 2


# --- filters by date and outlet (real model) ----------------------------------------------------------


@pytest.mark.slow
def test_an_outlet_filter_restricts_every_source(assistant):
    assert "dpa" in assistant.outlets and "APA/Reuters/dpa" in assistant.outlets
    answer = assistant.ask("What did Germany offer?", sources=["DPA"])  # outlet names match case-insensitively
    assert answer.hits and all(h.source == "dpa" for h in answer.hits)
    assert all(c.source == "dpa" for c in answer.citations)
    hits = assistant.search("Sicherheitsgarantien", k=10, sources="APA/Reuters/dpa")
    assert hits and {h.article_id for h in hits} == {"001_839590ddcec05f87"}


@pytest.mark.slow
def test_a_date_filter_is_applied_before_ranking(assistant):
    hits = assistant.search("Sicherheitsgarantien Paris", k=10, since="2026-01-07", until="2026-01-31")
    assert hits and all(h.date and "2026-01-07" <= h.date[:10] <= "2026-01-31" for h in hits)
    unfiltered = assistant.search("Sicherheitsgarantien Paris", k=10)
    assert any(h.date is None or h.date[:10] < "2026-01-07" for h in unfiltered)  # the filter did remove some


@pytest.mark.slow
def test_a_filter_that_leaves_no_article_says_so(assistant):
    answer = assistant.ask("What did Germany offer?", since="2020-01-01", until="2020-12-31")
    assert answer.abstained and answer.citations == () and answer.hits == ()
    assert answer.text.startswith("No indexed article matches the filter (from 2020-01-01 to 2020-12-31).")
    assert "5 articles (2026-01-06 to 2026-01-08)" in answer.text
    assert assistant.ask("Was hat Deutschland angeboten?", sources=["Gibt es nicht"]).text.startswith("Kein Artikel")
    assert assistant.search("Waffenstillstand", sources=["Gibt es nicht"]) == []


@pytest.mark.parametrize("kwargs", [{"since": "06.01.2026"}, {"until": "2026-13-01"},
                                    {"since": "2026-01-08", "until": "2026-01-06"}, {"sources": 3}])
@pytest.mark.slow
def test_bad_filter_values_raise_invalid_question(assistant, kwargs):
    with pytest.raises(InvalidQuestionError):
        assistant.ask("What did Germany offer?", **kwargs)
    with pytest.raises(InvalidQuestionError):
        assistant.search("Waffenstillstand", **kwargs)


NEWS = Path(__file__).resolve().parent / "fixtures" / "news"


@pytest.fixture(scope="module")
def news_assistant(tmp_path_factory):
    """The real assistant over the invented HTML pages, feeds and JSON Lines export of tests/fixtures/news."""
    return Assistant.load(tmp_path_factory.mktemp("news-index"), seeds=NEWS)


@pytest.mark.slow
@pytest.mark.parametrize("question, article, outlet, day", [
    ("Wann wird die Brücke über die Ahrbach gesperrt?", "feed-de662149aa", "Talbote Beispiel", "2025-05-05"),  # RSS
    ("How many passengers per hour does the new cable car carry?", "atom-ef4542450c", "Bergblatt Beispiel", "2025-09-09"),
    ("Wann öffnet die Stadtbibliothek sonntags?", "export-308099cfc7", "Wochenkurier Beispiel", "2025-09-18"),  # JSONL
    ("Wie viele Besucher kamen zum Hafenfest?", "hafen", "Nordkurier Beispiel", "2025-06-02"),  # HTML
])
def test_answers_from_feeds_exports_and_pages_cite_outlet_and_date(news_assistant, question, article, outlet, day):
    answer = news_assistant.ask(question)
    assert not answer.abstained, answer.text
    lead = answer.citations[0]
    assert (lead.article_id, lead.source, lead.date[:10]) == (article, outlet, day)
    assert f"{outlet} ({day})" in answer.text
    assert sorted(news_assistant.outlets) == ["Bergblatt Beispiel", "Musterstadt Kurier", "Nordkurier Beispiel",
                                              "Talbote Beispiel", "Wochenkurier Beispiel"]


def test_a_language_model_that_reads_log_probabilities_judges_when_switched_on(seeds_store, monkeypatch):
    from conftest import FakeEmbedder, FakeUse
    from rag.answer.base import AnswerConfig
    from rag.answer.judge import LLMJudge

    class Model:
        name = "m"

        def first_token(self, messages, *, top=10):
            return [("no", -0.01), ("yes", -5.0)]  # never answers

        def stream(self, messages, *, max_tokens, temperature=0.0):
            yield from ()

    def made(**kw):
        lenient = AnswerConfig(abstain_below=0.0, check_entities=False)  # the fake embedder scores low
        return Assistant(seeds_store, FakeEmbedder(), second_encoder=FakeUse(), settings=Settings(model="fake"),
                         answering=lenient, **kw)

    monkeypatch.delenv("RAG_JUDGE", raising=False)
    assert made(llm=Model()).judge is None  # off by default
    assert isinstance(made(llm=Model(), judge=LLMJudge(Model())).judge, LLMJudge)  # or given by keyword
    monkeypatch.setenv("RAG_JUDGE", "on")
    served = made(llm=Model())
    assert isinstance(served.judge, LLMJudge) and served.calibration is not None
    refused = served.ask("Was bietet Deutschland an?", mode="extract")
    assert refused.abstained and "judge" in refused.reason and refused.confidence < served.calibration.threshold
    plain = served.configured(judge=None)
    assert plain.judge is None and served.judge is not None  # the copy only
    assert not plain.ask("Was bietet Deutschland an?", mode="extract").abstained
    assert made().judge is None  # no language model, no judge
    monkeypatch.setenv("RAG_JUDGE", "off")
    assert made(llm=Model()).judge is None
    monkeypatch.setenv("RAG_JUDGE", "maybe")
    with pytest.raises(ValueError, match="RAG_JUDGE"):
        made(llm=Model())


def test_written_sentences_are_read_for_entailment_unless_switched_off(seeds_store, monkeypatch):
    from conftest import FakeEmbedder, FakeUse
    from rag.answer.entailment import LLMEntailment

    class Model:
        name = "m"

        def first_token(self, messages, *, top=10):
            return [("yes", -0.01)]

        def stream(self, messages, *, max_tokens, temperature=0.0):
            yield from ()

    class WritesOnly:
        name = "w"

        def stream(self, messages, *, max_tokens, temperature=0.0):
            yield from ()

    def made(llm):
        return Assistant(seeds_store, FakeEmbedder(), second_encoder=FakeUse(), settings=Settings(model="fake"), llm=llm)

    monkeypatch.delenv("RAG_ENTAIL", raising=False)
    assert isinstance(made(Model()).generator.entailment, LLMEntailment)  # on by default
    assert made(WritesOnly()).generator.entailment is None  # a model without log-probabilities cannot read it
    monkeypatch.setenv("RAG_ENTAIL", "off")
    assert made(Model()).generator.entailment is None
    monkeypatch.setenv("RAG_ENTAIL", "yes please")
    with pytest.raises(ValueError, match="RAG_ENTAIL"):
        made(Model())
