"""Follow-ups rewritten by a language model, accepted only when they keep the names and the earlier question."""

from __future__ import annotations

import pytest

from rag.answer.condense import acceptable, condense
from rag.errors import LLMError


class Reply:
    name = "scripted"

    def __init__(self, text: str = "", error: Exception | None = None) -> None:
        self.text, self.error, self.calls = text, error, 0

    def stream(self, messages, *, max_tokens, temperature=0.0):
        self.calls += 1
        if self.error:
            raise self.error
        yield self.text


PREVIOUS = "How many flats does Rheinfeld plan to build?"


def test_a_good_rewrite_is_used():
    chat = Reply("How many flats does Kleinstadt plan to build?")
    assert condense("And Kleinstadt?", [PREVIOUS], chat) == "How many flats does Kleinstadt plan to build?"


@pytest.mark.parametrize("rewrite", ["What is the weather like?", "How many flats does Rheinfeld plan to build?", ""])
def test_a_rewrite_that_loses_the_name_or_the_question_falls_back_to_the_rule(rewrite):
    got = condense("And Kleinstadt?", [PREVIOUS], Reply(rewrite))
    assert got != rewrite and "Kleinstadt" in got


def test_no_model_an_error_or_a_standalone_question_do_not_ask_it():
    assert "Kleinstadt" in condense("And Kleinstadt?", [PREVIOUS], None)
    assert "Kleinstadt" in condense("And Kleinstadt?", [PREVIOUS], Reply(error=LLMError("down")))
    chat = Reply("x")
    assert condense("What does Kleinstadt plan?", [PREVIOUS], chat) == "What does Kleinstadt plan?" and chat.calls == 0


def test_acceptable_needs_the_names_and_half_the_earlier_words():
    assert acceptable("Wie viele Wohnungen plant Kleinstadt?", "Und Kleinstadt?", "Wie viele Wohnungen plant Rheinfeld?")
    assert not acceptable("Was plant Kleinstadt?", "Und Kleinstadt?", "Wie viele Wohnungen baut Rheinfeld bis 2030?")
