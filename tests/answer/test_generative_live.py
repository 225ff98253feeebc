"""Generated answers with the real local model through the real llama.cpp server (provisioned by .ci/install)."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator

import pytest

from rag import Assistant, Quoted
from rag.answer.generative import note
from rag.evaluate.runner import written_language
from rag.lang.identify import identify
from rag.models.chat import OpenAIChat
from rag.models.llm import gguf_path, is_provisioned
from rag.models.llm_server import LocalLLMServer
from rag.ui.launch import free_port

pytestmark = pytest.mark.slow


class Counting:
    """The chat model, counting the requests it gets."""

    def __init__(self, inner: OpenAIChat) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def stream(self, messages, *, max_tokens, temperature=0.0):
        self.calls += 1
        return self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)

    def first_token(self, messages, *, top=10):
        return self.inner.first_token(messages, top=top)  # the entailment check reads the same server


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalLLMServer]:
    if not is_provisioned():
        pytest.fail("the local language model is not provisioned: run `rag llm provision` (.ci/install does)")
    with LocalLLMServer(gguf_path(), log_path=tmp_path_factory.mktemp("llm") / "server.log") as running:
        yield running


@pytest.fixture(scope="module")
def writer(assistant, server) -> tuple[Assistant, Counting]:
    chat = Counting(OpenAIChat(server.base_url, timeout=120))
    return Assistant(assistant.store, assistant.embedder, second_encoder=assistant.second_encoder, llm=chat), chat


def check_citations(answer, assistant: Assistant) -> None:
    """Markers run 1..n and point at citations whose quotes are article text."""
    numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.text)})
    assert numbers == [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    bodies = {a.id: a.body for a in assistant.articles}
    for c in answer.citations:
        assert bodies[c.article_id][c.quote_start:c.quote_end] == c.quote


def test_an_english_question_gets_a_checked_english_answer(writer):
    assistant, _ = writer
    # (to "What did Germany offer?" the model's one sentence fails the entailment check: that answer is quoted)
    events = list(assistant.ask_stream("What did Germany offer to station, and where?", mode="generate"))
    quoted, *sentences, answer = events
    assert isinstance(quoted, Quoted) and quoted.answer.answerer == "extractive"  # the quotes first, at once
    assert answer.answerer == "generative", (answer.note, answer.dropped)
    assert sentences and all(s in answer.text for s in sentences)  # streamed, sentence by sentence
    # a sentence that lost a fact of its quote is shown as that (German) quote: the answer's own words are English
    assert written_language(answer.text) == "en" and "NATO" in answer.text, answer.text
    check_citations(answer, assistant)


def test_a_german_question_gets_a_german_answer_in_checked_words_or_quotes(writer):
    assistant, chat = writer
    before = chat.calls
    answer = assistant.ask("Wer soll den Waffenstillstand überwachen?", mode="generate")
    assert chat.calls == before + 1  # the model wrote, and its sentences were checked
    assert identify(answer.text) == "de", answer.text
    # over German quotes the 1.5B model mostly copies them, loses a fact or writes what its quote does not
    # say: then the German quotes are the answer, with a German note that says why
    fell_back = {note("de", kind) for kind in ("unchecked", "only_quotes", "only_copies")}
    assert answer.answerer == "generative" or answer.note in fell_back, (answer.note, answer.dropped)
    check_citations(answer, assistant)


def test_abstention_is_decided_before_the_model_is_asked(writer):
    assistant, chat = writer
    before = chat.calls
    answer = assistant.ask("What did Japan offer Ukraine?", mode="generate")
    assert answer.abstained and "Japan" in answer.reason and chat.calls == before


def test_a_stopped_server_falls_back_to_quotes_with_a_note(assistant, tmp_path):
    server = LocalLLMServer(gguf_path(), log_path=tmp_path / "server.log")
    server.start()
    chat = OpenAIChat(server.base_url, timeout=60)
    served = Assistant(assistant.store, assistant.embedder, second_encoder=assistant.second_encoder, llm=chat)
    pid = server.pid
    server.stop()
    assert pid is not None and server.pid is None
    answer = served.ask("What did Germany offer?")
    assert answer.answerer == "extractive" and "could not answer" in answer.note and answer.citations


class KillsItsServer:
    """The real client, whose llama.cpp server is killed (SIGKILL) as soon as the first piece of the reply arrives."""

    name = "local"

    def __init__(self, inner: OpenAIChat, server: LocalLLMServer) -> None:
        self.inner, self.server, self.pieces = inner, server, 0

    def stream(self, messages, *, max_tokens, temperature=0.0):
        for piece in self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature):
            if self.pieces == 0:
                os.kill(self.server.pid, signal.SIGKILL)
            self.pieces += 1
            yield piece


class Raises:
    """A client that fails in a way no LLMError covers (as openai 3.x did with an httpx timeout object)."""

    name = "raises"

    def stream(self, messages, *, max_tokens, temperature=0.0):
        raise TypeError("Invalid timeout: expected a number, `None`, a tuple or `httpx2.Timeout`")


def with_llm(assistant: Assistant, chat) -> Assistant:
    return Assistant(assistant.store, assistant.embedder, second_encoder=assistant.second_encoder, llm=chat)


def test_a_server_killed_mid_answer_gives_the_quotes_with_a_note(assistant, tmp_path, caplog):
    server = LocalLLMServer(gguf_path(), log_path=tmp_path / "server.log")
    server.start()
    try:
        chat = KillsItsServer(OpenAIChat(server.base_url, timeout=60), server)
        with caplog.at_level("WARNING", logger="rag"):
            answer = with_llm(assistant, chat).ask("What did Germany offer?", mode="generate")
    finally:
        server.stop()
    assert chat.pieces >= 1  # it was answering when it died
    assert answer.answerer == "extractive" and answer.citations and "could not answer" in answer.note, answer.note
    assert len([r for r in caplog.records if r.exc_info]) == 1


@pytest.mark.parametrize("chat", [OpenAIChat(f"http://127.0.0.1:{free_port()}/v1", timeout=5), Raises()],
                         ids=["closed-port", "raising-client"])
def test_a_closed_port_or_a_raising_client_gives_the_quotes_with_a_note(assistant, chat):
    answer = with_llm(assistant, chat).ask("What did Germany offer?", mode="generate")
    assert answer.answerer == "extractive" and answer.citations and "[1]" in answer.text
    assert "could not answer" in answer.note and ("cannot reach" in answer.note or "TypeError" in answer.note)
    assert answer.to_dict()["note"] == answer.note


def test_the_chat_shows_the_quotes_with_the_note_when_the_client_raises(assistant):
    from rag.ui.steps import INTERNAL_ERROR, respond

    messages, history, _ = respond(with_llm(assistant, Raises()), "What did Germany offer?", [], [], 5, "generate")
    content = messages[-1]["content"]
    assert "rag-note" in content and "TypeError" in content and "rag-sources" in content
    assert INTERNAL_ERROR not in content and history == ["What did Germany offer?"]
