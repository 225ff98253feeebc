"""Answerability checks: expected answer type, transliteration, EntityChecker."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer.answerability import (
    EntityChecker,
    expected_type,
    satisfies,
    transliterate,
)

# --- expected_type -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "How many soldiers would be sent?",
        "How much money did the EU pledge?",
        "What percentage of the troops are British?",
        "What number of countries signed?",
        "Wie viele Soldaten sollen entsandt werden?",
        "Wieviele Länder haben unterschrieben?",
        "Wie viel Geld gibt die EU?",
        "Welche Zahl nannte die SWP?",
        "Wie hoch ist die Summe?",
        "Wie groß sind die Kontingente?",
        "HOW MANY soldiers?",  # case-insensitive
    ],
)
def test_quantity_questions(question):
    assert expected_type(question) == "quantity"


@pytest.mark.parametrize(
    "question",
    [
        "When did the coalition meet in Paris?",
        "What date was the declaration signed?",
        "In which year did the war start?",
        "Wann traf sich die Koalition der Willigen?",
        "An welchem Tag fand das Treffen statt?",
        "Seit wann verhandeln die USA?",
        "Bis wann soll das Abkommen fertig sein?",
        "In welchem Jahr begann der Krieg?",
    ],
)
def test_date_questions(question):
    assert expected_type(question) == "date"


@pytest.mark.parametrize(
    "question",
    [
        "What did Germany offer?",
        "Was hat Deutschland angeboten?",
        "Who leads the coalition?",
        "Wer ist Rustem Umjerow?",
        "What happened at the Wannsee conference?",  # "wann" only as a whole word
        "Wie geht es weiter?",  # "wie" alone is not a quantity question
        "What did Merz say when he met Macron?",  # "when" joins clauses; the question asks "what"
        "Which action did Macron mention when stressing unity?",
        "Was sagte Merz, als er wann in Paris war?",
        "Who said how many soldiers would go?",  # asks for a person; a number may follow
        "",
    ],
)
def test_other_questions_expect_no_type(question):
    assert expected_type(question) is None


def test_quantity_wins_over_date_when_both_are_asked():
    assert expected_type("When and how many soldiers?") == "quantity"
    assert expected_type("Wann und wie viele Soldaten?") == "quantity"


@pytest.mark.parametrize(
    "question, kind",
    [
        ("According to the SWP, how many soldiers are needed?", "quantity"),
        ("Vertreter wie vieler Länder nahmen teil?", "quantity"),
        ("Do you know when the summit took place?", "date"),
        ("Und seit wann wird verhandelt?", "date"),
    ],
)
def test_the_leading_question_words_decide_even_after_a_preamble(question, kind):
    assert expected_type(question) == kind


# --- satisfies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, ok",
    [
        ("Etwa 150.000 Soldaten wären nötig.", True),
        ("Die Koalition umfasst 35 Nationen.", True),
        ("Frankreich schickt zwei Brigaden.", True),
        ("Hunderte Soldaten sollen kommen.", True),
        ("Some thousands of troops.", True),
        ("Die Soldaten sollen später kommen.", False),
        ("Dreiecke und Achtung zählen nicht.", False),  # "drei"/"acht" inside words are no number words
    ],
)
def test_satisfies_quantity(sentence, ok):
    assert satisfies(sentence, "quantity") is ok


@pytest.mark.parametrize(
    "sentence, ok",
    [
        ("Das Treffen fand am 6. Januar statt.", True),
        ("Am 3. Jänner trafen sie sich.", True),
        ("Am Dienstag unterzeichneten sie.", True),
        ("The meeting took place on Tuesday.", True),
        ("Der Krieg dauert seit 2022.", True),
        ("Gestern sprach Merz in Paris.", True),
        ("Am 15.12.2025 begannen die Gespräche.", True),
        ("Die Gespräche verliefen produktiv.", False),
        ("Es waren 35 Nationen vertreten.", False),  # a number, but no date
    ],
)
def test_satisfies_date(sentence, ok):
    assert satisfies(sentence, "date") is ok


def test_satisfies_date_with_day_month_only():
    assert satisfies("Das Treffen ist am 15.12. geplant.", "date")


@pytest.mark.parametrize(
    "sentence, ok",
    [
        ("Das Budapester Memorandum von 1994 sah den Verzicht auf Atomwaffen vor.", False),
        ("Am 6. Januar trafen sie sich in Paris.", False),
        ("Am 15.12.2025 begannen die Gespräche.", False),
        ("Seit 2022 dauert der Krieg.", False),
        ("Bis Ende 2026 soll die Truppe stehen.", False),
        ("Am 6. Januar trafen sich 35 Nationen.", True),  # a date and a count: the count answers
        ("Im Jahr 2025 kamen 2000 Soldaten.", True),
    ],
)
def test_calendar_numbers_are_no_quantity(sentence, ok):
    assert satisfies(sentence, "quantity") is ok


@pytest.mark.parametrize("sentence", ["Frankreich schickt zweitausend Soldaten.", "Zehntausende Soldaten wären nötig."])
def test_satisfies_quantity_with_german_compound_numerals(sentence):
    assert satisfies(sentence, "quantity")


def test_satisfies_without_expected_type_accepts_anything():
    assert satisfies("", None)
    assert satisfies("Die Gespräche verliefen produktiv.", None)


# --- transliterate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("Lawrow", "Lavrov"),
        ("Selenskyj", "Zelensky"),
        ("Selenskij", "Zelenskiy"),
        ("Tschernobyl", "Chernobyl"),
        ("Macron", "Makron"),
        ("Kiew", "Kyiv"),
    ],
)
def test_transliteration_variants_share_a_key(a, b):
    assert transliterate(a) == transliterate(b)


def test_transliteration_keys():
    assert transliterate("Lawrow") == "lavrov"
    assert transliterate("Selenskyj") == "selenski"
    assert transliterate("Russland") == "rusland"  # doubled letters collapse


def test_transliteration_keeps_different_names_apart():
    assert transliterate("Merz") != transliterate("Macron")
    assert transliterate("Paris") != transliterate("Berlin")


# --- EntityChecker -----------------------------------------------------------------------------

TERMS = ["Lawrow", "Paris", "Deutschland"]
VECTORS = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)


@pytest.fixture
def checker() -> EntityChecker:
    return EntityChecker(TERMS, VECTORS, min_cosine=0.9)


def test_exact_spelling_is_known(checker):
    assert checker.known("Paris", None)
    assert checker.known("PARIS", None)  # folded
    assert checker.known("Deutschland", None)


def test_transliteration_is_known(checker):
    assert checker.known("Lavrov", None)
    assert checker.known("Lawrov", None)


def test_close_spelling_depends_on_min_ratio():
    # "lavrova" vs "lavrov": difflib ratio 2 * 6 / 13 = 0.923
    assert EntityChecker(TERMS, VECTORS, min_ratio=0.9).known("Lavrova", None)
    assert not EntityChecker(TERMS, VECTORS, min_ratio=0.95).known("Lavrova", None)


def test_cosine_match_is_known(checker):
    # a translation: different spelling, but its vector equals the vector of "Deutschland"
    assert checker.known("Germany", np.array([0.6, 0.8], dtype=np.float32))
    # cosine 0.8*1 + 0.6*0 = 0.8 with "Lawrow", -0.6 with "Paris", 0.48 - 0.48 = 0 with "Deutschland"
    assert not checker.known("Germany", np.array([0.8, -0.6], dtype=np.float32))


def test_cosine_threshold_is_inclusive():
    exact = EntityChecker(["Paris"], np.array([[1.0, 0.0]], dtype=np.float32), min_cosine=1.0)
    assert exact.known("Frankreich", np.array([1.0, 0.0], dtype=np.float32))


def test_unknown_without_vector_or_without_term_vectors(checker):
    assert not checker.known("China", None)
    empty = EntityChecker([], np.zeros((0, 2), dtype=np.float32))
    assert not empty.known("China", np.array([1.0, 0.0], dtype=np.float32))


def test_unknown_lists_only_the_unmentioned_entities_in_order(checker):
    entities = {
        "China": None,
        "Lavrov": None,
        "Germany": np.array([0.6, 0.8], dtype=np.float32),
        "Peking": np.array([0.8, -0.6], dtype=np.float32),
    }
    assert checker.unknown(entities) == ["China", "Peking"]
    assert checker.unknown({}) == []


def test_countries_are_checked_by_name_not_by_embedding():
    near_everything = np.array([0.6, 0.8], dtype=np.float32)  # the vector of "Deutschland"
    by_name = EntityChecker(TERMS, VECTORS, min_cosine=0.9, countries=frozenset({"DE", "GB"}))
    question = "Did Japan, Britain and Germany help?"
    entities = {"Japan": near_everything, "Britain": None, "Germany": near_everything}
    assert by_name.unknown(entities, question=question) == ["Japan"]
    # without the country list the embedding decides, and Japan passes as a neighbour of Deutschland
    assert EntityChecker(TERMS, VECTORS, min_cosine=0.9).unknown(entities, question=question) == ["Britain"]


def test_a_country_name_the_corpus_spells_the_same_is_known():
    checker = EntityChecker(["Georgia"], np.zeros((1, 2), dtype=np.float32), countries=frozenset())
    assert checker.unknown({"Georgia": None}, question="What happened in Georgia?") == []


def test_unknown_country_is_reported_once_with_its_words():
    checker = EntityChecker(TERMS, VECTORS, countries=frozenset({"DE"}))
    entities = {"South": None, "Korea": None, "Lavrov": None}
    assert checker.unknown(entities, question="What did South Korea and Lavrov say?") == ["South Korea"]


def test_common_nouns_are_never_unknown_but_names_still_are():
    checker = EntityChecker(TERMS, VECTORS, min_cosine=0.9, common_nouns=frozenset({"Vorrang", "Feuerpause"}))
    entities = {"Vorrang": None, "Feuerpause": None, "Pistorius": None}
    question = "Was hat für Pistorius bei einer Feuerpause Vorrang?"
    assert checker.unknown(entities, question=question, language="de") == ["Pistorius"]
    assert EntityChecker(TERMS, VECTORS, min_cosine=0.9).unknown(entities, language="de") == [
        "Vorrang", "Feuerpause", "Pistorius"]


def test_in_english_questions_capitals_mark_names_even_on_german_nouns():
    checker = EntityChecker(TERMS, VECTORS, min_cosine=0.9, common_nouns=frozenset({"Cup"}))
    assert checker.unknown({"Cup": None}, question="Who won the World Cup?", language="en") == ["Cup"]


@pytest.mark.parametrize("kwargs", [{"min_cosine": 0}, {"min_cosine": 1.5}, {"min_ratio": 0}, {"min_ratio": -0.1},
                                    {"min_ratio": 1.01}])
def test_invalid_thresholds_are_rejected(kwargs):
    with pytest.raises(ValueError):
        EntityChecker(TERMS, VECTORS, **kwargs)
