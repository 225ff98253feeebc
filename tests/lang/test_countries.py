"""Country names found by name in English and German text (rag.countries)."""

import pytest

from rag.lang.countries import country_table, find_countries, mentioned_countries


def found(text: str) -> list[tuple[str, set[str]]]:
    return [(m.text, set(m.codes)) for m in find_countries(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("What did China offer?", [("China", {"CN"})]),
        ("Welche Rolle spielt Japan?", [("Japan", {"JP"})]),
        ("Was sagt Weißrussland?", [("Weißrussland", {"BY"})]),
        ("Was sagt Belarus?", [("Belarus", {"BY"})]),
        ("Did Britain and the United Kingdom agree?", [("Britain", {"GB"}), ("United Kingdom", {"GB"})]),
        ("Was bietet Großbritannien an?", [("Großbritannien", {"GB"})]),
        ("the Vereinigten Staaten and the United States", [("Vereinigten Staaten", {"US"}), ("United States", {"US"})]),
        ("Russlands Krieg und Frankreichs Rolle", [("Russlands", {"RU"}), ("Frankreichs", {"FR"})]),
        ("What is Poland's role?", [("Poland", {"PL"})]),
        ("What did South Korea pledge?", [("South Korea", {"KR"})]),
        ("Was sagt die Republik Moldau?", [("Republik Moldau", {"MD"})]),
        ("Die US-Delegation und die USA", [("US", {"US"}), ("USA", {"US"})]),
        ("Saudi-Arabien und Iran", [("Saudi Arabien", {"SA"}), ("Iran", {"IR"})]),
    ],
)
def test_country_names_in_english_and_german(text, expected):
    assert found(text) == expected


def test_korea_alone_may_mean_either_korea():
    assert found("Korea") == [("Korea", {"KR", "KP"})]


@pytest.mark.parametrize("text", ["Will they send a turkey to us?", "fine china", "Which club won the Champions League?",
                                  "Selenskyj traf Merz in Paris", ""])
def test_lower_case_words_pronouns_and_other_names_are_not_countries(text):
    assert found(text) == []


def test_longest_name_wins_and_each_word_is_used_once():
    assert found("Vereinigtes Königreich Großbritannien und Nordirland") == [
        ("Vereinigtes Königreich Großbritannien und Nordirland", {"GB"})
    ]


def test_mentioned_countries_collects_codes_across_texts():
    assert mentioned_countries(["Die USA und Frankreich.", "Spaniens Truppen", "nichts"]) == {"US", "FR", "ES"}
    assert mentioned_countries([]) == frozenset()


def test_table_covers_every_iso_country_in_both_languages():
    import pycountry

    codes = {code for codes in country_table().values() for code in codes}
    assert {c.alpha_2 for c in pycountry.countries} <= codes
    assert found("Germany, Deutschland") == [("Germany", {"DE"}), ("Deutschland", {"DE"})]


def test_capitals_and_demonyms_name_their_country():
    from rag.lang.countries import capitals_and_demonyms

    table = capitals_and_demonyms()
    assert table["washington"] == {"US"} and table["russian"] == {"RU"} and "DE" in table["berlin"]
