"""The chat's steps without Gradio's layout: the quoted answer first, written sentences above it, then the answer."""

from __future__ import annotations

from rag.types import Answer, Citation, Quoted
from rag.ui.steps import respond, respond_stream

QUOTE = "Die Stadt will 500 Wohnungen bauen."
CITATION = Citation(number=1, article_id="a", title="Bauplan", source="Rheinpost", date="2025-03-04", text=QUOTE,
                    quote=QUOTE, quote_start=0, quote_end=len(QUOTE), passage_start=0, passage_end=len(QUOTE), score=1.0)
QUOTED = Answer("q", f"According to Rheinpost (2025-03-04) [1]: {QUOTE}", (CITATION,), language="en")
WRITTEN = Answer("q", "The city wants to build 500 flats [1].", (CITATION,), language="en", answerer="generative")


class StreamingAssistant:
    """Yields what a written answer yields: the quotes, one checked sentence, the final answer."""

    articles: list = []

    def ask(self, question, *, k=5, **filters):
        return WRITTEN

    def ask_stream(self, question, *, k=5, mode="auto", **filters):
        yield Quoted(QUOTED)
        yield "The city wants to build 500 flats [1]."
        yield WRITTEN


def test_the_quotes_show_first_then_the_written_sentence_above_them_then_the_final_answer():
    frames = [messages[-1]["content"] for messages, _, _ in respond_stream(StreamingAssistant(), "q?", [], [], 5)]
    quoted, writing, final = frames
    assert "rag-streaming" in quoted and QUOTE in quoted and "Writing the answer from these quotes" in quoted
    assert writing.index("The city wants to build 500 flats.") < writing.index(QUOTE)  # markers left out above
    assert "rag-streaming" not in final and "rag-generative" in final and "Writing the answer" not in final


def test_respond_returns_only_the_final_answer_and_remembers_the_question():
    messages, history, box = respond(StreamingAssistant(), "q?", [], [], 5)
    assert "rag-generative" in messages[-1]["content"] and history == ["q?"] and box == ""
