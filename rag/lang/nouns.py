"""German common nouns (Wiktionary, via the ``german-nouns`` package): words that are no names.

German capitalizes every noun, so a capitalized question word may be a name ("Pistorius") or an
ordinary noun ("Vorrang", "Feuerpause"). A name the articles never mention means they cannot
answer the question; an ordinary noun they happen not to use says nothing of the kind.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.resources
from collections.abc import Iterable
from functools import lru_cache

from rag.lang.cache import cached

# Wiktionary entry kinds that make a word a name; a form of any such entry is never "common".
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


def ordinary_word(word: str, language: str) -> bool:
    """Whether a capitalized word in a sentence of ``language`` is an ordinary word, not a name (a German common noun)."""
    return language == "de" and word in common_nouns()
