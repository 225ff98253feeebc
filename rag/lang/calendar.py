"""Calendar words and number words of German and English news text: the one table every stage reads.

Pure data, no I/O: month and weekday names in both languages (with the Austrian months), the
abbreviations datelines use, cardinal number words with their values, scale words, and words that
mark a quantity without giving one. ``alternation`` turns any of them into a regular expression.

The answer checker (``rag.answer.claims``), the answerability check (``rag.answer.answerability``)
and the header parser (``rag.ingest.headers``) each kept their own lists, and they disagreed:

- number words: the claim checker lacked "dreißig", "vierzig", "fünfzig" and "dutzend" (a claim
  saying them went unchecked); the answerability check lacked "eleven", "twelve", "twenty",
  "zweitausend", "dreitausend" and the scale words "mio", "mrd", "billionen", "trillion".
  "thirty", "forty", "fifty", "dozen" and "dozens" were in neither list and are added to match
  their German counterparts. Plurals and shares ("hunderte", "tausende", "hundreds", "thousands",
  "dutzende", "hälfte", "prozent", "percent"), which only the answerability check had, mark a
  quantity but have no single value: they are ``QUANTITY_WORDS``, not ``NUMBER_WORDS``.
- months: the header parser knew German names only (no English ones, no "jaenner"), the claim
  checker and the answerability check lacked the ASCII spellings "maerz" and "jaenner"; the
  abbreviations ("jan", "okt") were in the header parser and, with "oct" and "dec", in the
  sentence splitter of ``rag.lang.text``.

Abbreviations stay out of ``MONTHS`` and ``WEEKDAYS``: "Jan", "Jun", "Mär", "Do", "So" are also
names and words, so only a dateline ("2. Jan. 2026") may read them as months or days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                   "october", "november", "december")
_GERMAN_MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
                  "oktober", "november", "dezember")
_ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GERMAN_WEEKDAYS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")

AUSTRIAN_MONTHS: dict[str, str] = {"jänner": "januar", "jaenner": "januar", "feber": "februar"}
"""Austrian month names (and their ASCII spelling) → the standard German name."""

MONTHS: dict[str, int] = {
    **{name: i + 1 for i, name in enumerate(_ENGLISH_MONTHS)},
    **{name: i + 1 for i, name in enumerate(_GERMAN_MONTHS)},
    **{variant: _GERMAN_MONTHS.index(name) + 1 for variant, name in AUSTRIAN_MONTHS.items()},
    "maerz": 3,
}
"""Every full month name, lower case, English and German with Austrian and ASCII spellings → 1..12."""

MONTH_ABBREVIATIONS: dict[str, int] = {
    "jan": 1, "feb": 2, "mär": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "oct": 10, "nov": 11, "dez": 12, "dec": 12,
}
"""Month abbreviations of datelines ("2. Feb. 2026") → 1..12; not in ``MONTHS``, as "Jan" is also a name."""

WEEKDAYS: dict[str, int] = {
    **{name: i for i, name in enumerate(_ENGLISH_WEEKDAYS)},
    **{name: i for i, name in enumerate(_GERMAN_WEEKDAYS)},
}
"""Every full weekday name, lower case, English and German → 0 (Monday) .. 6 (Sunday)."""

WEEKDAY_ABBREVIATIONS: dict[str, int] = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}
"""German two-letter weekday abbreviations of datelines ("Mo., 2. Februar") → 0..6."""

NUMBER_WORDS: dict[str, int | float] = {
    "two": 2, "zwei": 2, "three": 3, "drei": 3, "four": 4, "vier": 4, "five": 5, "fünf": 5, "six": 6,
    "sechs": 6, "seven": 7, "sieben": 7, "eight": 8, "acht": 8, "nine": 9, "neun": 9, "ten": 10, "zehn": 10,
    "eleven": 11, "elf": 11, "twelve": 12, "zwölf": 12, "dozen": 12, "dutzend": 12, "twenty": 20,
    "zwanzig": 20, "thirty": 30, "dreißig": 30, "forty": 40, "vierzig": 40, "fifty": 50, "fünfzig": 50,
    "hundred": 100, "hundert": 100, "thousand": 1000, "tausend": 1000, "zweitausend": 2000,
    "dreitausend": 3000,
}
"""Cardinal number words, lower case, English and German → their value ("one"/"ein" are left out: articles)."""

SCALES: dict[str, float] = {
    "thousand": 1e3, "tausend": 1e3, "million": 1e6, "millionen": 1e6, "mio": 1e6, "billion": 1e9,
    "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "billionen": 1e12, "trillion": 1e12,
}
"""Words that multiply a preceding numeral ("1,5 Milliarden"), lower case → the factor (English billion = 1e9)."""

QUANTITY_WORDS: frozenset[str] = frozenset({
    "hunderte", "tausende", "hundreds", "thousands", "dutzende", "dozens", "hälfte", "prozent", "percent",
})
"""Words that mark a quantity but stand for no single value ("Tausende", "die Hälfte", "Prozent")."""


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of the words, escaped and longest first (so "märz" is tried before "mär")."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))
