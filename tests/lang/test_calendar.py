"""The one table of calendar and number words: complete, consistent, and usable as a regex."""

from __future__ import annotations

import re

from rag.lang.calendar import (
    AUSTRIAN_MONTHS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    NUMBER_WORDS,
    QUANTITY_WORDS,
    SCALES,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAYS,
    alternation,
)

ENGLISH = "january february march april may june july august september october november december".split()
GERMAN = "januar februar märz april mai juni juli august september oktober november dezember".split()


def test_every_english_and_german_month_maps_to_its_number():
    for number, (english, german) in enumerate(zip(ENGLISH, GERMAN), start=1):
        assert MONTHS[english] == MONTHS[german] == number
    assert set(MONTHS.values()) == set(range(1, 13))
    assert set(MONTH_ABBREVIATIONS.values()) <= set(range(1, 13))


def test_austrian_months_and_ascii_spellings():
    assert MONTHS["jänner"] == MONTHS["jaenner"] == 1
    assert MONTHS["feber"] == 2
    assert MONTHS["maerz"] == 3
    assert all(MONTHS[variant] == MONTHS[standard] for variant, standard in AUSTRIAN_MONTHS.items())


def test_abbreviations_that_are_also_names_are_no_months():
    """ "Jan Müller" and "Do" must not read as a month or a weekday outside a dateline."""
    assert MONTH_ABBREVIATIONS["jan"] == 1 and MONTH_ABBREVIATIONS["okt"] == MONTH_ABBREVIATIONS["oct"] == 10
    assert not MONTHS.keys() & {"jan", "jun", "mär", "mar", "sep"}
    assert not WEEKDAYS.keys() & WEEKDAY_ABBREVIATIONS.keys()


def test_weekdays_in_both_languages():
    assert WEEKDAYS["monday"] == WEEKDAYS["montag"] == WEEKDAY_ABBREVIATIONS["mo"] == 0
    assert WEEKDAYS["sunday"] == WEEKDAYS["sonntag"] == WEEKDAY_ABBREVIATIONS["so"] == 6
    assert len(WEEKDAYS) == 14


def test_number_words_agree_across_languages():
    pairs = [("two", "zwei"), ("eleven", "elf"), ("twelve", "zwölf"), ("twenty", "zwanzig"), ("thirty", "dreißig"),
             ("fifty", "fünfzig"), ("dozen", "dutzend"), ("hundred", "hundert"), ("thousand", "tausend")]
    for english, german in pairs:
        assert NUMBER_WORDS[english] == NUMBER_WORDS[german]
    assert NUMBER_WORDS["dreitausend"] == 3000
    assert "ein" not in NUMBER_WORDS and "one" not in NUMBER_WORDS  # articles, not numerals


def test_words_without_a_value_are_quantity_words_only():
    for word in ("prozent", "percent", "hälfte", "hunderte", "tausende", "dutzende"):
        assert word in QUANTITY_WORDS and word not in NUMBER_WORDS
    assert SCALES["milliarden"] == SCALES["billion"] == 1e9 and SCALES["billionen"] == 1e12


def test_every_word_is_lower_case():
    for table in (MONTHS, MONTH_ABBREVIATIONS, WEEKDAYS, WEEKDAY_ABBREVIATIONS, NUMBER_WORDS, SCALES, QUANTITY_WORDS):
        assert all(word == word.lower() and word.strip() == word for word in table)


def test_alternation_is_longest_first_and_escaped():
    pattern = alternation(["mär", "märz", "a.b", "mär"])
    assert pattern.split("|") == ["märz", r"a\.b", "mär"]
    assert re.fullmatch(pattern, "a.b") and not re.fullmatch(pattern, "axb")
    assert re.match(rf"(?:{alternation(MONTHS | MONTH_ABBREVIATIONS)})", "märz").group() == "märz"
