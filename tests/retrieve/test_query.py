"""The query: names and sub-questions found in a question (validation is tested in tests/test_assistant.py)."""

from __future__ import annotations

import pytest

from rag.retrieve.query import question_entities, question_parts

# --- question_entities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, entities",
    [
        ("What did Poland's president say?", ["Poland"]),  # possessive 's
        ("What did Kyiv’s army do?", ["Kyiv"]),  # typographic apostrophe
        ("Was sagte Selenskyj über die NATO-Truppen?", ["Selenskyj", "NATO", "Truppen"]),  # hyphen parts
        ("Germany offered what?", []),  # the first word is skipped (capitalized anyway)
        ("US-Präsident Trump sagte was?", ["Präsident", "Trump"]),  # first word's later hyphen parts count
        ("What did Mr Witkoff say?", ["Witkoff"]),  # titles are not entities
        ("What do I know about Lawrow?", ["Lawrow"]),  # "I" is not an entity
        ("Was sagte Merz über Merz und Macron?", ["Merz", "Macron"]),  # deduplicated, in order
        ("what did germany offer?", []),  # lower case: nothing
        ("What happened in 2026?", []),  # digits are not entities
    ],
)
def test_question_entities(question, entities):
    assert question_entities(question) == entities


# --- question_parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, parts",
    [
        ("What did the US commit to in Paris, and what part will it play in policing a ceasefire?",
         ["What did the US commit to in Paris", "what part will it play in policing a ceasefire?"]),
        ("Hält Merz eine Waffenruhe für realistisch, und was bietet Deutschland an?",
         ["Hält Merz eine Waffenruhe für realistisch", "was bietet Deutschland an?"]),
        ("Wer kam nach Paris und wann begann das Treffen?", ["Wer kam nach Paris", "wann begann das Treffen?"]),
        ("What did Germany offer?", ["What did Germany offer?"]),
        ("Which countries and organisations took part?", ["Which countries and organisations took part?"]),
        ("Frankreich und Großbritannien: wer schickt Truppen?", ["Frankreich und Großbritannien: wer schickt Truppen?"]),
        ("Who and what?", ["Who and what?"]),
    ],
)
def test_question_parts_split_only_compound_questions(question, parts):
    assert question_parts(question) == parts
