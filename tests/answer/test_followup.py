"""Follow-up rewriting: pure cases, properties, and retrieval with the real assistant."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.answer.followup import classify, find_names, is_followup, kind_of, rewrite_followup
from rag.lang.names import build_inventory

EN = ["What did Germany offer?"]
DE = ["Was hat Deutschland angeboten?"]
# A corpus that is not the seeds: a football transfer and a state election.
NEWS = [
    "Der FC Bayern München zahlt für Harry Kane 100 Millionen Euro. Borussia Dortmund bot weniger.",
    "Bei der Landtagswahl in Thüringen bekam die CDU 23,6 Prozent, die AfD 32,8 Prozent und die Grünen 3,2 Prozent.",
]


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("And France?", EN, "What did France offer?"),
        ("and france", EN, "What did france offer?"),
        ("What about the US?", EN, "What did the US offer?"),
        ("France?", EN, "What did France offer?"),
        ("Und Großbritannien?", DE, "Was hat Großbritannien angeboten?"),
        ("Und was ist mit Frankreich?", DE, "Was hat Frankreich angeboten?"),
        ("And Tusk?", ["What did Meloni say?"], "What did Tusk say?"),
        ("Und Tusk?", ["Was sagte Meloni zur Truppe?"], "Was sagte Tusk zur Truppe?"),
        ("And France?", ["What did the mayor of Lyon offer to Ukraine?"], "What did the mayor of Lyon offer to France?"),
        ("And Anna Schmidt?", ["What did Jonas Weber say about the budget?"], "What did Anna Schmidt say about the budget?"),
    ],
)
def test_name_followups_replace_the_previous_subject(question: str, history: list[str], expected: str) -> None:
    assert rewrite_followup(question, history, gloss=False) == expected


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("Und Dortmund?", ["Wie viel hat Bayern für Kane bezahlt?"], "Wie viel hat Dortmund für Kane bezahlt?"),
        ("And Dortmund?", ["How much did Bayern pay for Kane?"], "How much did Dortmund pay for Kane?"),
        ("And the Greens?", ["How many votes did the CDU get?"], "How many votes did the Greens get?"),
        ("Und die Grünen?", ["Wie viele Stimmen bekam die CDU?"], "Wie viele Stimmen bekam die Grünen?"),
        ("Und die AfD?", ["Wie viele Stimmen bekam die CDU in Thüringen?"],
         "Wie viele Stimmen bekam die AfD in Thüringen?"),
        ("What about the AfD?", ["How many votes did the CDU win in Thuringia?"],
         "How many votes did the AfD win in Thuringia?"),
    ],
)
def test_followups_on_another_corpus(question: str, history: list[str], expected: str) -> None:
    assert rewrite_followup(question, history, gloss=False, names=build_inventory(NEWS)) == expected


def test_the_inventory_prefers_the_name_the_articles_use() -> None:
    history = ["What did Acme Corp say about Kane?"]  # "Acme Corp" is not in the articles, "Kane" is
    names = build_inventory(NEWS)
    assert rewrite_followup("And Dortmund?", history, names=names) == "What did Acme Corp say about Dortmund?"
    assert rewrite_followup("And Dortmund?", history) == "What did Dortmund say about Kane?"


def test_english_rewrites_gloss_a_countrys_german_name_for_retrieval() -> None:
    assert rewrite_followup("And France?", EN) == "What did France (Frankreich) offer?"
    assert rewrite_followup("And Tusk?", ["What did Meloni say?"]) == "What did Tusk say?"
    assert rewrite_followup("Und Großbritannien?", DE) == "Was hat Großbritannien angeboten?"


def test_followups_without_a_name_are_appended() -> None:
    assert rewrite_followup("And why?", EN) == "What did Germany offer? And why?"
    assert rewrite_followup("Und wann?", DE) == "Was hat Deutschland angeboten? Und wann?"
    assert rewrite_followup("And Germany?", EN, gloss=False) == "What did Germany offer? And Germany?"
    assert rewrite_followup("And Dortmund?", ["How are you?"]) == "How are you? And Dortmund?"


@pytest.mark.parametrize(
    "question",
    [
        "Which club won the cup final in 2025?",
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
    assert rewrite_followup("And Poland?", resolved) == "What did Poland (Polen) offer?"


def test_classify() -> None:
    assert classify("And France?") == "entity"
    assert classify("Und was ist mit den USA?") == "entity"
    assert classify("And why?") == "append"
    assert classify("What did Germany offer?") == "standalone"
    assert classify("") == "standalone"


def test_names_and_their_kinds() -> None:
    found = find_names("Wie viele Stimmen bekam die CDU bei der Landtagswahl in Thüringen?")
    assert [(m.text, m.kind) for m in found] == [("CDU", "acronym"), ("Thüringen", "name")]
    found = find_names("How much did FC Bayern pay for Harry Kane's move to Germany?")
    assert [(m.text, m.kind) for m in found] == [("FC Bayern", "name"), ("Harry Kane", "name"), ("Germany", "country")]
    assert find_names("Tell us about it") == []
    assert (kind_of("Frankreich"), kind_of("AfD"), kind_of("Dortmund")) == ("country", "acronym", "name")


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
    ],
)
def test_rewritten_followup_cites_the_new_entity(assistant, followup: str, history: list[str],
                                                 names: tuple[str, ...]) -> None:
    question = rewrite_followup(followup, history)
    answer = assistant.ask(question, k=5)
    assert not answer.abstained, (question, answer.text)
    assert any(name in c.text.lower() for c in answer.citations for name in names), (question, answer.text)
