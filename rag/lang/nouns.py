"""German common nouns (Wiktionary, via the ``german-nouns`` package): words that are no names.

German capitalizes every noun, so a capitalized question word may be a name ("Pistorius") or an
ordinary noun ("Vorrang", "Feuerpause"). A name the articles never mention means they cannot
answer the question; an ordinary noun they happen not to use says nothing of the kind.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.resources
from collections.abc import Callable, Iterable
from typing import TypeVar
from functools import lru_cache

from rag.lang.cache import cached

# Wiktionary entry kinds that make a word a name; a form of any such entry is never "common".
T = TypeVar("T")
NAME_KINDS = frozenset({"Toponym", "Vorname", "Nachname", "Eigenname", "Abkürzung", "Straßenname"})
_CASES = ("nominativ", "genitiv", "dativ", "akkusativ")


def common_forms(rows: Iterable[list[str]], header: list[str]) -> frozenset[str]:
    """Every inflected form of a common-noun entry that is not also a form of a name entry."""
    columns = [0, *(i for i, name in enumerate(header) if name.startswith(_CASES))]
    kind = header.index("pos")
    common: set[str] = set()
    named: set[str] = set()
    for row in rows:
        if len(row) <= kind:
            continue  # a blank or cut-off line
        target = named if NAME_KINDS.intersection(row[kind].split(",")) else common
        target.update(row[i] for i in columns if i < len(row) and row[i])
    return frozenset(common - named)


def noun_forms(rows: Iterable[list[str]], header: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(forms of common-noun entries, names too among them: "Mitte", "Bayer"; forms of every entry)."""
    columns = [0, *(i for i, name in enumerate(header) if name.startswith(_CASES))]
    kind = header.index("pos")
    common: set[str] = set()
    every: set[str] = set()
    for row in rows:
        if len(row) <= kind:
            continue
        forms = [row[i] for i in columns if i < len(row) and row[i]]
        every.update(forms)
        if not NAME_KINDS.intersection(row[kind].split(",")):
            common.update(forms)
    return frozenset(common), frozenset(every)


def _read(derive: Callable[[Iterable[list[str]], list[str]], T]) -> T:
    source = importlib.resources.files("german_nouns") / "nouns.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return derive(reader, header)


def _read_common_nouns() -> frozenset[str]:
    source = importlib.resources.files("german_nouns") / "nouns.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return common_forms(reader, header)


@lru_cache(maxsize=1)
def common_nouns() -> frozenset[str]:
    """The forms of German common nouns, exactly as capitalized in Wiktionary (loaded once, then cached on disk)."""
    version = f"{importlib.metadata.version('german-nouns')}-{'.'.join(sorted(NAME_KINDS))}"
    return cached("german-common-nouns", version, _read_common_nouns)


@lru_cache(maxsize=1)
def noun_tables() -> tuple[frozenset[str], frozenset[str]]:
    """``noun_forms`` of the whole dictionary (loaded once, then cached on disk)."""
    version = f"{importlib.metadata.version('german-nouns')}-{'.'.join(sorted(NAME_KINDS))}"
    return cached("german-noun-tables", version, lambda: _read(noun_forms))


def is_compound_noun(word: str, nouns: frozenset[str]) -> bool:
    """A German compound ending in a noun: "Frühjahrstagung" (… "Tagung"), "Nordatlantikpakt" (… "Pakt").

    Both parts have at least four letters, so that a name such as "Aiwanger" is not "Aiw" + "Anger".
    """
    return any(word[start].upper() + word[start + 1:] in nouns for start in range(4, len(word) - 3))


def is_nominalised_verb(word: str) -> bool:
    """A German infinitive used as a noun ("das Einlenken"): its lower-case form is a verb the lemmatizer knows as such."""
    import simplemma

    lower = word.lower()
    return (len(lower) > 4 and lower.endswith(("en", "eln", "ern")) and simplemma.is_known(lower, lang="de")
            and simplemma.lemmatize(lower, lang="de") == lower)


def ordinary_word(word: str, language: str) -> bool:
    """Whether a capitalized word in a sentence of ``language`` is an ordinary word, not a name (a German common noun).

    Compounds count by their last part: "Friedenstruppen" (… "Truppen"), "US-Sicherheitsgarantie" (… "Garantie").
    """
    if language != "de":
        return False
    nouns = common_nouns()
    tail = word.rsplit("-", 1)[-1]
    return word in nouns or tail in nouns or (len(tail) > 1 and is_compound_noun(tail, nouns))
