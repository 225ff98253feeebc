"""Answerability checks: expected answer type, EntityChecker."""

from __future__ import annotations

import numpy as np
import pytest

from rag.lang.names import build_inventory
from rag.answer.answerability import (
    EntityChecker,
    expected_type,
    satisfies,
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


# --- EntityChecker -----------------------------------------------------------------------------

TERMS = ["Lawrow", "Paris", "Deutschland"]
VECTORS = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
NAMES = build_inventory(["Lawrow traf in Paris Vertreter aus Deutschland."])


def make(terms=TERMS, vectors=VECTORS, **kwargs) -> EntityChecker:
    return EntityChecker(terms, vectors, names=build_inventory([" ".join(terms)]), **kwargs)


@pytest.fixture
def checker() -> EntityChecker:
    return EntityChecker(TERMS, VECTORS, names=NAMES, min_cosine=0.9)


def test_exact_spelling_is_known(checker):
    assert checker.known("Paris", None)
    assert checker.known("PARIS", None)  # folded
    assert checker.known("Deutschland", None)


def test_a_variant_by_sound_is_known(checker):
    assert checker.known("Lavrow", None)
    assert not checker.known("Lamprecht", None)


def crowd(others: float) -> EntityChecker:
    """ "Deutschland" at cosine 1 with the question's name, nine other names at cosine ``others``."""
    terms = ["Deutschland", "Anton", "Berta", "Caesar", "Dora", "Emil", "Friedrich", "Gustav", "Heinrich", "Ida"]
    rest = [others, float(np.sqrt(1 - others ** 2)), 0.0]
    return make(terms, np.array([[1.0, 0.0, 0.0]] + [rest] * 9, dtype=np.float32), min_cosine=0.9)


def test_a_translation_is_the_nearest_neighbour_by_a_margin_or_keeps_its_spelling():
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    assert crowd(0.95).known("Germany", q)  # margin 1 - 0.95 = 0.05 >= 0.03
    assert not crowd(0.99).known("Germany", q)  # margin 0.01, spelling ratio 0.33 < 0.6
    assert crowd(0.99).known("Westdeutschland", q)  # spelling ratio 0.85
    assert not crowd(0.95).known("Germany", np.array([0.8, -0.6, 0.0], dtype=np.float32))  # cosine 0.8 < 0.9


def test_cosine_threshold_is_inclusive():
    exact = make(["Paris"], np.array([[1.0, 0.0]], dtype=np.float32), min_cosine=1.0)
    assert exact.known("Parigi", np.array([1.0, 0.0], dtype=np.float32))


def test_acronyms_are_never_known_by_cosine():
    checker = make(["AfD", "Paris"], np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32), min_cosine=0.8)
    assert checker.known("AfD", None)
    assert not checker.known("FDP", np.array([1.0, 0.0], dtype=np.float32))


def test_unknown_without_vector_or_without_term_vectors(checker):
    assert not checker.known("China", None)
    empty = EntityChecker([], np.zeros((0, 2), dtype=np.float32), names=build_inventory([]))
    assert not empty.known("China", np.array([1.0, 0.0], dtype=np.float32))


def test_unknown_lists_only_the_unmentioned_entities_in_order(checker):
    entities = {
        "China": None,
        "Lavrov": None,
        "Westdeutschland": np.array([0.6, 0.8], dtype=np.float32),
        "Peking": np.array([0.8, -0.6], dtype=np.float32),
    }
    assert checker.unknown(entities) == ["China", "Peking"]
    assert checker.unknown({}) == []


def test_countries_are_checked_by_name_not_by_embedding():
    near_everything = np.array([0.6, 0.8], dtype=np.float32)  # the vector of "Deutschland"
    by_name = make( min_cosine=0.9, countries=frozenset({"DE", "GB"}))
    question = "Did Japan, Britain and Germany help?"
    entities = {"Japan": near_everything, "Britain": None, "Germany": near_everything}
    assert by_name.unknown(entities, question=question) == ["Japan"]
    # without the country list the embedding decides, and Japan passes as a neighbour of Deutschland
    # (when translations need not keep any spelling)
    assert make(min_cosine=0.9, min_translation_ratio=0).unknown(entities, question=question) == ["Britain"]


def test_a_country_name_the_corpus_spells_the_same_is_known():
    checker = make(["Georgia"], np.zeros((1, 2), dtype=np.float32), countries=frozenset())
    assert checker.unknown({"Georgia": None}, question="What happened in Georgia?") == []


def test_unknown_country_is_reported_once_with_its_words():
    checker = make( countries=frozenset({"DE"}))
    entities = {"South": None, "Korea": None, "Lavrov": None}
    assert checker.unknown(entities, question="What did South Korea and Lavrov say?") == ["South Korea"]


def test_common_nouns_are_never_unknown_but_names_still_are():
    checker = make( min_cosine=0.9, common_nouns=frozenset({"Vorrang", "Feuerpause"}))
    entities = {"Vorrang": None, "Feuerpause": None, "Pistorius": None}
    question = "Was hat für Pistorius bei einer Feuerpause Vorrang?"
    assert checker.unknown(entities, question=question, language="de") == ["Pistorius"]
    assert make( min_cosine=0.9).unknown(entities, language="de") == [
        "Vorrang", "Feuerpause", "Pistorius"]


def test_in_english_questions_capitals_mark_names_even_on_german_nouns():
    checker = make( min_cosine=0.9, common_nouns=frozenset({"Cup"}))
    assert checker.unknown({"Cup": None}, question="Which team lifted the Cup?", language="en") == ["Cup"]


@pytest.mark.parametrize("kwargs", [{"min_cosine": 0}, {"min_cosine": 1.5}, {"min_translation_ratio": -0.1},
                                    {"min_translation_ratio": 1.01}])
def test_invalid_thresholds_are_rejected(kwargs):
    with pytest.raises(ValueError):
        make( **kwargs)


def test_german_nouns_and_compounds_match_by_meaning_names_by_spelling_too():
    nouns = (frozenset({"Pakt", "Mitte"}), frozenset({"Pakt", "Mitte", "Leverkusen"}))
    checker = make(["Bündnis", "Bündnisse"], np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32), min_cosine=0.9,
                   noun_tables=nouns)
    near = np.array([1.0, 0.0], dtype=np.float32)  # as near to either: no margin
    assert checker.noun_like("Mitte") and checker.noun_like("Nordatlantikpakt") and not checker.noun_like("Leverkusen")
    assert checker.unknown({"Nordatlantikpakt": near, "Mitte": near}, language="de") == []
    assert checker.unknown({"Leverkusen": near}, language="de") == ["Leverkusen"]  # a name: spelling must fit
    assert checker.unknown({"Nordatlantikpakt": near}, language="en") == ["Nordatlantikpakt"]


def test_a_german_noun_may_have_a_lower_case_neighbour_a_name_may_not():
    """An English corpus writes its nouns in lower case: "campaign" answers for "Werbekampagne"."""
    nouns = (frozenset({"Kampagne"}), frozenset({"Kampagne"}))
    checker = make(["campaign", "Boston", "NATO"], np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]], dtype=np.float32),
                   min_cosine=0.9, noun_tables=nouns)
    near = np.array([1.0, 0.0], dtype=np.float32)  # "campaign" only
    assert checker.unknown({"Werbekampagne": near}, language="de") == []
    assert checker.unknown({"Werbekampagne": np.array([0.6, 0.8], dtype=np.float32)}, language="de") == ["Werbekampagne"]
    assert checker.unknown({"Bostonia": near}, language="de") == ["Bostonia"]  # a name needs a capitalized neighbour
    acronym_only = make(["NATO"], np.array([[1.0, 0.0]], dtype=np.float32), min_cosine=0.9, noun_tables=nouns)
    assert acronym_only.unknown({"Werbekampagne": near}, language="de") == ["Werbekampagne"]  # acronyms: by spelling


def test_a_noun_before_a_month_or_year_is_part_of_a_date():
    nouns = (frozenset({"Mitte", "Ende"}), frozenset({"Mitte", "Ende"}))
    checker = make(["Bündnis"], np.array([[1.0, 0.0]], dtype=np.float32), min_cosine=0.9, noun_tables=nouns)
    far = np.array([0.0, 1.0], dtype=np.float32)
    assert checker.unknown({"Mitte": far}, question="Wer kam Mitte Juli nach Rom?", language="de") == []
    assert checker.unknown({"Ende": far}, question="Was geschah Ende 2025?", language="de") == []
    assert checker.unknown({"Mitte": far}, question="Wer regiert in Mitte?", language="de") == ["Mitte"]


def test_a_neighbour_on_the_same_stem_is_another_name():
    checker = make(["Olimpia"], np.array([[1.0, 0.0]], dtype=np.float32), min_cosine=0.9)
    near = np.array([1.0, 0.0], dtype=np.float32)
    assert not checker.known("Olympiakos", near)  # "olimpia" + "kos": another club
    assert checker.known("Olimpias", near)  # an inflection


def test_ordinary_english_words_match_by_meaning_in_english_questions():
    checker = make(["Jahreswechsel", "Jahresende"], np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32), min_cosine=0.9)
    near = np.array([1.0, 0.0], dtype=np.float32)  # no margin, no spelling in common
    assert checker.unknown({"New": near}, question="What happened on New Year's Eve?", language="en") == []
    assert checker.unknown({"Kristersson": near}, question="What did Kristersson say?", language="en") == ["Kristersson"]
