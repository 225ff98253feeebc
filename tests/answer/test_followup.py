"""Follow-up rewriting: pure cases, properties, and retrieval with the real assistant."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.answer.followup import classify, find_mentions, is_followup, lookup, rewrite_followup

EN = ["What did Germany offer?"]
DE = ["Was hat Deutschland angeboten?"]


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("And France?", EN, "What did France offer?"),
        ("and france", EN, "What did France offer?"),
        ("What about the US?", EN, "What did the US offer?"),
        ("How about the British?", EN, "What did Britain offer?"),
        ("France?", EN, "What did France offer?"),
        ("Und Frankreich?", EN, "What did France offer?"),
        ("Und Großbritannien?", DE, "Was hat Großbritannien angeboten?"),
        ("Und was ist mit Frankreich?", DE, "Was hat Frankreich angeboten?"),
        ("Und bei den Briten?", DE, "Was hat Großbritannien angeboten?"),
        ("And France?", DE, "Was hat Frankreich angeboten?"),
        ("And Macron?", ["What did Merz say about troops?"], "What did Macron say about troops?"),
        ("And France?", ["What did Merz offer to Ukraine?"], "What did Merz offer to France?"),
        ("And Macron?", ["What did Germany offer Ukraine?"], "What did Macron offer Ukraine?"),
        ("And the French?", ["What did the German chancellor offer?"], "What did the French chancellor offer?"),
        ("Und die Franzosen?", ["Was hat die deutsche Regierung angeboten?"],
         "Was hat die französische Regierung angeboten?"),
        ("Und Frankreich?", ["Was wollen die Deutschen?"], "Was wollen die Franzosen?"),
        ("And Tusk?", ["What did Meloni say?"], "What did Tusk say?"),
    ],
)
def test_entity_followups_replace_the_previous_entity(question: str, history: list[str], expected: str) -> None:
    assert rewrite_followup(question, history, gloss=False) == expected


def test_english_rewrites_gloss_the_german_name_for_retrieval() -> None:
    assert rewrite_followup("And France?", EN) == "What did France (Frankreich) offer?"
    assert rewrite_followup("Und Großbritannien?", EN) == "What did Britain (Großbritannien) offer?"
    assert rewrite_followup("And Macron?", ["What did Merz say?"]) == "What did Macron say?"
    assert rewrite_followup("Und Großbritannien?", DE) == "Was hat Großbritannien angeboten?"


def test_followups_without_an_entity_are_appended() -> None:
    assert rewrite_followup("And why?", EN) == "What did Germany offer? And why?"
    assert rewrite_followup("Und wann?", DE) == "Was hat Deutschland angeboten? Und wann?"
    assert rewrite_followup("Und Tusk?", ["Was sagte Meloni zur Truppe?"]) == "Was sagte Meloni zur Truppe? Und Tusk?"
    assert rewrite_followup("And Germany?", EN, gloss=False) == "What did Germany offer? And Germany?"


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2026 World Cup?",
        "And what did France say about the monitoring?",
        "Wer soll den Waffenstillstand überwachen?",
        "Thanks",
        "ok",
        "What did France offer?",
    ],
)
def test_standalone_questions_are_left_alone(question: str) -> None:
    assert not is_followup(question)
    assert rewrite_followup(question, EN) == question


def test_no_history_no_rewrite() -> None:
    assert rewrite_followup("And France?", []) == "And France?"
    assert rewrite_followup("  And   France? ", ["", "   "]) == "And France?"


def test_uses_the_latest_standalone_question_in_history() -> None:
    history = ["Who will lead the monitoring?", "What did Germany offer?", "And France?"]
    assert rewrite_followup("And Britain?", history, gloss=False) == "What did Britain offer?"
    resolved = ["What did Germany offer?", "What did France (Frankreich) offer?"]
    assert rewrite_followup("And Britain?", resolved) == "What did Britain (Großbritannien) offer?"


def test_classify() -> None:
    assert classify("And France?") == "entity"
    assert classify("Und was ist mit den USA?") == "entity"
    assert classify("And why?") == "append"
    assert classify("What did Germany offer?") == "standalone"
    assert classify("") == "standalone"


def test_lookup_and_mentions() -> None:
    assert lookup("the British").key == "GB"  # type: ignore[union-attr]
    assert lookup("die USA").key == "US"  # type: ignore[union-attr]
    assert lookup("Atlantis") is None
    mentions = find_mentions("Was hat die deutsche Regierung den USA angeboten?")
    assert [(m.entity.key, m.kind, m.text) for m in mentions] == [("DE", "adj", "deutsche"), ("US", "noun", "USA")]
    assert find_mentions("Tell us about it") == []  # lower-case "us" is not the US


@given(st.text(max_size=300), st.lists(st.text(max_size=120), max_size=4))
def test_never_raises_and_never_returns_blank_for_text(question: str, history: list[str]) -> None:
    result = rewrite_followup(question, history)
    assert isinstance(result, str)
    if question.strip():
        assert result.strip()
    if not any(h.strip() for h in history):
        assert result == " ".join(question.split())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("followup", "history", "names"),
    [
        ("And France?", EN, ("frankreich", "französisch", "franzosen")),
        ("Und Großbritannien?", DE, ("großbritannien", "britisch", "briten")),
        ("And Britain?", EN, ("großbritannien", "britisch", "briten")),
    ],
)
def test_rewritten_followup_cites_the_new_entity(assistant, followup: str, history: list[str],
                                                 names: tuple[str, ...]) -> None:
    question = rewrite_followup(followup, history)
    answer = assistant.ask(question, k=5)
    assert not answer.abstained, (question, answer.text)
    assert any(name in c.text.lower() for c in answer.citations for name in names), (question, answer.text)
