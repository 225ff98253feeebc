"""The web chat: handlers with a stub assistant, then the real app in headless Chromium and via gradio_client."""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import running_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
WRITING_TIMEOUT_MS = 480_000
ANSWER_TIMEOUT_MS = 120_000
REPLIES = ".rag-answer, .rag-abstain, .rag-error"

import rag.ui.chat as app
from rag.ingest.corpus import load_corpus
from rag.ui.examples import corpus_examples
from rag.errors import InvalidQuestionError
from rag.types import Answer, Article, Citation

# --- handlers, with a stub assistant (fast) ----------------------------------------------------------


class StubAssistant:
    """Records questions; raises what it is told to."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.asked: list[tuple[str, int]] = []
        self.articles = [Article(id="a", title="T", body="b", date=None, source=None)]

    def ask(self, question: str, *, k: int = 5) -> Answer:
        self.asked.append((question, k))
        if self.error:
            raise self.error
        quote = "Deutschland bietet an."
        c = Citation(1, "a", "T", "dpa", "2026-01-06", quote, quote, 0, len(quote), 0, len(quote), 1.0)
        return Answer(question=question, text=f"According to dpa (2026-01-06) [1]: {quote}", citations=(c,))


def test_blank_input_changes_nothing() -> None:
    assert app.accept("   ", []) == ("", [], "")
    assert app.accept(None, None) == ("", [], "")
    stub = StubAssistant()
    assert app.respond(stub, "", [], ["q"], 5) == ([], ["q"], "")
    assert stub.asked == []


def test_followups_are_rewritten_and_history_keeps_standalone_questions() -> None:
    stub = StubAssistant()
    _, messages, pending = app.accept("What did Germany offer?", [])
    messages, history, _ = app.respond(stub, pending, messages, [], 5.0)
    messages, history, _ = app.respond(stub, "And France?", messages, history, 3)
    assert stub.asked == [("What did Germany offer?", 5), ("What did France (Frankreich) offer?", 3)]
    assert history == ["What did Germany offer?", "What did France (Frankreich) offer?"]
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant"]
    assert "Interpreted as" in messages[-1]["content"] and "Interpreted as" not in messages[1]["content"]


def test_invalid_question_shows_the_api_message() -> None:
    stub = StubAssistant(InvalidQuestionError("The question is 2500 characters long; the limit is 2000."))
    messages, history, _ = app.respond(stub, "x" * 2500, [], [], 5)
    assert "rag-error" in messages[-1]["content"] and "the limit is 2000" in messages[-1]["content"]
    assert history == []


def test_internal_failure_is_logged_and_shown_briefly(caplog: pytest.LogCaptureFixture) -> None:
    stub = StubAssistant(RuntimeError("faiss exploded at 0xdeadbeef"))
    with caplog.at_level(logging.ERROR, logger="rag.app"):
        messages, _, _ = app.respond(stub, "What did Germany offer?", [], [], 5)
    content = messages[-1]["content"]
    assert "something went wrong" in content and "deadbeef" not in content and "Traceback" not in content
    assert "faiss exploded" in caplog.text


def test_api_errors_become_gradio_errors() -> None:
    import gradio as gr

    with pytest.raises(gr.Error, match="limit is 2000"):
        app.ask_api(StubAssistant(InvalidQuestionError("limit is 2000")), "x", 5)
    with pytest.raises(gr.Error, match="something went wrong"):
        app.ask_api(StubAssistant(RuntimeError("boom")), "x", 5)
    assert app.ask_api(StubAssistant(), "q", 5.0)["citations"][0]["source"] == "dpa"


# --- the real app in a subprocess ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` on a free port with an index in a temp dir; yields its URL."""
    tmp = tmp_path_factory.mktemp("app")
    log_path = tmp / "app.log"
    try:
        with running_app(["--index", str(tmp / "index"), "--seeds", str(ROOT / "seeds")], log_path,
                         timeout=600) as url:
            assert re.search(rf"serving at {re.escape(url.rstrip('/'))}/?", log_path.read_text())
            yield url
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "app.log")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (Playwright never downloads a browser here)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab (fresh conversation) on the app; screenshot saved to tests/artifacts/ afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    tab = context.new_page()
    tab.goto(server)
    tab.wait_for_selector("#rag-question textarea", timeout=60_000)
    yield tab
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def submit(tab: Any, question: str, *, tries: int = 3) -> None:
    """Type a question and press Enter until the chat shows it (an Enter before the page's script is wired is lost)."""
    for attempt in range(tries):
        tab.fill("#rag-question textarea", question)
        tab.keyboard.press("Enter")
        try:
            tab.wait_for_function("q => document.querySelector('#rag-chat').innerText.includes(q)", arg=question,
                                  timeout=20_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; the last try re-raises
            if attempt == tries - 1:
                raise


def ask(page: Any, question: str, *, click: bool = False) -> Any:
    """Type a question, submit it and return the locator of the reply that appears."""
    before = page.locator(REPLIES).count()
    if click:
        page.fill("#rag-question textarea", question)
        page.click("#rag-send")
    else:
        submit(page, question)
    page.wait_for_function(f"document.querySelectorAll('{REPLIES}').length > {before}", timeout=ANSWER_TIMEOUT_MS)
    return page.locator(REPLIES).nth(before)


@pytest.mark.slow
@pytest.mark.browser
def test_answer_with_sources(page: Any) -> None:
    reply = ask(page, "What did Germany offer?")
    answer_text = reply.locator(".rag-text").inner_text()
    assert re.search(r"nato-gebiet", answer_text, re.IGNORECASE), answer_text
    sources = reply.locator(".rag-sources .rag-card")
    assert sources.count() >= 1
    assert "dpa" in " ".join(reply.locator(".rag-sources .rag-meta").all_inner_texts())
    assert reply.locator(".rag-sources mark").count() >= 1
    assert reply.locator(".rag-ref").first.inner_text() == "[1]"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not os.environ.get("RAG_UPDATE_SCREENSHOT"), reason="set RAG_UPDATE_SCREENSHOT=1 to refresh it")
def test_readme_screenshot(browser: Any, server: str) -> None:
    """Writes docs/screenshot.png: a real answer with its sources (RAG_UPDATE_SCREENSHOT=1)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1320})
    tab = context.new_page()
    tab.goto(server)
    tab.wait_for_selector("#rag-question textarea", timeout=60_000)
    reply = ask(tab, os.environ.get("RAG_SCREENSHOT_QUESTION", "What did Germany offer?"))
    assert reply.locator(".rag-sources .rag-card").count() >= 1 and reply.locator(".rag-sources mark").count() >= 1
    for _ in range(5):  # the chat autoscrolls after late re-renders; show the question at the top
        tab.evaluate("document.querySelector('#rag-chat .bubble-wrap').scrollTop = 0")
        tab.wait_for_timeout(300)
    (ROOT / "docs").mkdir(exist_ok=True)
    tab.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)
    context.close()


@pytest.mark.slow
@pytest.mark.browser
def test_unanswerable_question_abstains(page: Any) -> None:
    reply = ask(page, "Which team lifted the football cup in Lisbon?", click=True)
    assert "rag-abstain" in (reply.get_attribute("class") or "")
    assert "The articles don't say" in reply.inner_text()
    closest = reply.locator("details.rag-closest")
    if closest.count():  # collapsed, but there for the curious
        assert closest.get_attribute("open") is None
        closest.locator("summary").click()
        assert closest.locator(".rag-card").first.is_visible()


@pytest.mark.slow
@pytest.mark.browser
def test_followup_uses_the_conversation(page: Any) -> None:
    ask(page, "What did Germany offer?")
    reply = ask(page, "And France?")
    text = reply.locator(".rag-text").inner_text() if reply.locator(".rag-text").count() else reply.inner_text()
    assert re.search(r"frankreich|französisch", text, re.IGNORECASE), reply.inner_text()
    assert "What did France" in reply.locator(".rag-interpreted").inner_text()


@pytest.mark.slow
@pytest.mark.browser
def test_bad_input_clear_and_examples(page: Any) -> None:
    page.fill("#rag-question textarea", "   ")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1000)
    assert page.locator(REPLIES).count() == 0
    assert page.locator("#rag-chat .message-row").count() == 0
    reply = ask(page, "Why? " * 500, click=True)
    assert "rag-error" in (reply.get_attribute("class") or "")
    assert "the limit is 2000" in reply.inner_text()
    page.click("#rag-clear")
    page.wait_for_function(f"document.querySelectorAll('{REPLIES}').length == 0", timeout=10_000)
    example = corpus_examples(load_corpus(ROOT / "seeds").articles)[1]  # drawn from the articles, not fixed
    page.get_by_text(example).click()  # an example: asked right away
    page.wait_for_selector(".rag-answer, .rag-abstain", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#rag-chat").get_by_text(example).count() >= 1
    page.click("#rag-clear")
    page.wait_for_function(f"document.querySelectorAll('{REPLIES}').length == 0", timeout=10_000)
    reply = ask(page, "And France?")  # history was cleared too: nothing to rewrite against
    assert reply.locator(".rag-interpreted").count() == 0


@pytest.mark.slow
@pytest.mark.browser
def test_settings_show_the_corpus(page: Any) -> None:
    page.get_by_text("Settings").click()
    table = page.locator("#rag-corpus")
    table.wait_for(timeout=10_000)
    text = table.inner_text()
    assert "APA/Reuters/dpa" in text and "2026-01-08" in text and "undated" in text


@pytest.mark.slow
def test_gradio_client_ask_endpoint(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict("What did Germany offer?", 5, api_name="/ask")
    assert isinstance(result, dict) and not result["abstained"]
    assert result["citations"] and all(set(c) >= {"number", "title", "source", "date", "quote"} for c in result["citations"])
    assert re.search(r"\[1\]", result["text"])
    assert client.predict("Which team lifted the football cup in Lisbon?", 5, api_name="/ask")["abstained"] is True
    with pytest.raises(Exception, match="limit is 2000"):
        client.predict("x" * 2001, 5, api_name="/ask")
    with pytest.raises(Exception, match="k must be"):
        client.predict("What did Germany offer?", 0, api_name="/ask")
    assert client.predict("Wer soll den Waffenstillstand überwachen?", 3, api_name="/ask")["language"] == "de"


FINAL = ".rag-answer.rag-generative:not(.rag-streaming *)"  # the written answer, no longer a partial
WRITING_LOG: dict[str, Path] = {}  # the writing app's URL -> its log


@pytest.fixture(scope="module")
def writing_server(tmp_path_factory: pytest.TempPathFactory, assistant: Any) -> Iterator[str]:
    """The app with the local language model writing the answers (``RAG_LLM=local``), over a copy of the session's index."""
    tmp = tmp_path_factory.mktemp("app-llm")
    log_path = tmp / "app.log"
    shutil.copytree(assistant.index_dir, tmp / "index")
    try:
        with running_app(["--index", str(tmp / "index"), "--seeds", str(ROOT / "seeds")], log_path, timeout=600,
                         llm="local") as url:
            assert "local server, pid" in log_path.read_text()
            WRITING_LOG[url] = log_path
            yield url
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "app-llm.log")


@pytest.mark.slow
@pytest.mark.browser
def test_a_generated_english_answer_streams_in_and_cites_highlighted_german_sources(browser: Any, writing_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    tab = context.new_page()
    try:
        tab.goto(writing_server)
        tab.wait_for_selector("#rag-question textarea", timeout=60_000)
        assert tab.locator("#rag-mode").is_visible()
        # every state of the reply is recorded, however briefly it stays (a fast answer replaces its partial soon)
        tab.evaluate("""() => { window.seen = [];
            const note = (what) => { if (window.seen[window.seen.length - 1] !== what) window.seen.push(what); };
            new MutationObserver(() => {
                if (document.querySelector('.rag-streaming .rag-extractive .rag-sources')) note('quoted');
                const line = document.querySelector('.rag-streaming .rag-writing .rag-line');
                if (line && line.textContent.replace('▍', '').trim()) note('writing');
                if (document.querySelector(FINAL)) note('final');
            }).observe(document.body, {childList: true, subtree: true, characterData: true}); }""".replace(
            "FINAL", repr(FINAL)))
        # (to "What did Germany offer?" the model's one sentence fails the entailment check: that answer is quoted)
        submit(tab, "What did Germany offer to station, and where?")
        # the final answer, of either kind (the partial is a .rag-answer.rag-streaming holding the quoted one)
        tab.wait_for_selector(".rag-answer:not(.rag-streaming):not(.rag-streaming *)", timeout=WRITING_TIMEOUT_MS)
        seen = tab.evaluate("window.seen")
        # the quotes came first, with their sources; the written answer then took their place
        assert seen[0] == "quoted" and seen[-1] == "final", seen
        assert tab.locator(".rag-streaming").count() == 0 and tab.locator(".rag-writing").count() == 0
        reply = tab.locator(".rag-answer").last
        text = reply.locator(".rag-text").inner_text()
        assert "rag-generative" in (reply.get_attribute("class") or ""), text
        assert re.search(r"NATO", text) and re.search(r"territor|area|soil|ground|Gebiet", text, re.IGNORECASE), text
        assert reply.locator(".rag-sources mark").count() >= 1  # the German quote, highlighted
        assert "NATO-Gebiet" in " ".join(reply.locator(".rag-sources .rag-passage").all_inner_texts())
        tab.screenshot(path=str(ARTIFACTS / "test_generated_answer.png"), full_page=True)
        tab.get_by_text("Quoted from the articles").click()  # the toggle: the next answer quotes the articles
        tab.fill("#rag-question textarea", "Was hat Deutschland angeboten?")
        tab.keyboard.press("Enter")
        tab.wait_for_function("document.querySelectorAll('.rag-answer').length >= 2", timeout=WRITING_TIMEOUT_MS)
        quoted = tab.locator(".rag-answer").last
        assert "rag-extractive" in (quoted.get_attribute("class") or ""), quoted.inner_text()
    except Exception:
        tab.screenshot(path=str(ARTIFACTS / "test_generated_answer_failed.png"), full_page=True)
        raise
    finally:
        context.close()


@pytest.mark.slow
def test_the_ask_endpoint_returns_a_written_answer(writing_server: str) -> None:
    from gradio_client import Client

    result = Client(writing_server, verbose=False).predict("What did Germany offer?", 5, api_name="/ask")
    assert result["answerer"] == "generative", (result["note"], result["dropped"])
    assert "could not" not in result["note"] and "quotes the articles" not in result["note"], result["note"]
    assert "NATO" in result["text"] and re.search(r"\[1\]", result["text"]) and result["citations"]


@pytest.mark.slow
def test_a_killed_language_model_gives_quoted_answers_with_a_note(writing_server: str) -> None:
    """Runs after the module's other tests of ``writing_server``: it kills that app's llama.cpp server."""
    import signal

    from gradio_client import Client

    pid = int(re.search(r"local server, pid (\d+)", WRITING_LOG[writing_server].read_text()).group(1))  # type: ignore[union-attr]
    os.kill(pid, signal.SIGKILL)
    result = Client(writing_server, verbose=False).predict("What did Germany offer?", 5, api_name="/ask")
    assert result["answerer"] == "extractive" and result["citations"] and "[1]" in result["text"]
    assert "could not answer (cannot reach the language model" in result["note"], result["note"]


@pytest.mark.slow
@pytest.mark.browser
def test_outlet_picker_restricts_every_source(page: Any) -> None:
    page.get_by_text("Filter articles").click()
    picker = page.locator("#rag-outlets input")
    picker.wait_for(timeout=10_000)
    picker.click()
    options = page.locator('#rag-outlets [data-testid="dropdown-option"]')
    assert sorted(options.all_inner_texts()) == ["APA/Reuters/dpa", "dpa"]  # the index's own outlets
    page.locator('[data-testid="dropdown-option"][aria-label="dpa"]').click()  # not "APA/Reuters/dpa"
    page.keyboard.press("Escape")
    reply = ask(page, "What did Germany offer?")
    metas = reply.locator(".rag-sources .rag-meta, .rag-closest .rag-meta").all_inner_texts()
    assert metas and all(m.startswith("dpa · ") for m in metas), metas
    page.fill("#rag-since input", "2027-01-01")
    page.keyboard.press("Enter")
    reply = ask(page, "What did Germany offer?")
    assert "No indexed article matches the filter (outlets dpa; from 2027-01-01 on)" in reply.inner_text()


def test_filters_reach_the_assistant_and_bad_dates_are_shown() -> None:
    class Recorder(StubAssistant):
        def ask(self, question: str, *, k: int = 5, **filters: Any) -> Answer:
            self.filters = filters
            if filters.get("since") == "bad":
                raise InvalidQuestionError("since='bad' is not a date; write it as YYYY-MM-DD, e.g. 2024-04-22.")
            return super().ask(question, k=k)

    stub = Recorder()
    app.respond(stub, "Q?", [], [], 5, since="2026-01-01", until=None, sources=["dpa"])
    assert stub.filters == {"since": "2026-01-01", "sources": ["dpa"]}
    app.respond(stub, "Q?", [], [], 5, since="", until="", sources=[])
    assert stub.filters == {}
    messages, _, _ = app.respond(stub, "Q?", [], [], 5, since="bad")
    assert "rag-error" in messages[-1]["content"] and "YYYY-MM-DD" in messages[-1]["content"]
    assert app.ask_api(stub, "Q?", 5, None, "2026-01-31", "dpa") and stub.filters == {"until": "2026-01-31", "sources": ["dpa"]}


def test_header_names_outlets_and_dates_of_any_corpus() -> None:
    articles = [Article("a", "T", "b", date="2024-04-22T10:00:00+02:00", source="BR"),
                Article("b", "T", "b", date="2025-01-02", source="NZZ"), Article("c", "T", "b")]
    assert "3 news articles from 2 outlets, 2024-04-22 to 2025-01-02" in app.header_html(articles)
    assert app.outlets_of(articles) == ["BR", "NZZ"]
