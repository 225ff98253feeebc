"""Generated answers with the real local model through the real llama.cpp server (provisioned by .ci/install)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from rag import Assistant
from rag.lang.identify import identify
from rag.models.chat import OpenAIChat
from rag.models.llm import gguf_path, is_provisioned
from rag.models.llm_server import LocalLLMServer

pytestmark = pytest.mark.slow


class Counting:
    """The chat model, counting the requests it gets."""

    def __init__(self, inner: OpenAIChat) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def stream(self, messages, *, max_tokens, temperature=0.0):
        self.calls += 1
        return self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)


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
    events = list(assistant.ask_stream("What did Germany offer?", mode="generate"))
    *sentences, answer = events
    assert answer.answerer == "generative", (answer.note, answer.dropped)
    assert sentences and all(s in answer.text for s in sentences)  # streamed, sentence by sentence
    assert identify(answer.text) == "en" and "NATO" in answer.text, answer.text
    check_citations(answer, assistant)


def test_a_german_question_gets_a_german_answer(writer):
    assistant, _ = writer
    answer = assistant.ask("Was hat Deutschland angeboten?", mode="generate")
    assert answer.answerer == "generative", (answer.note, answer.dropped)
    assert identify(answer.text) == "de", answer.text
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
