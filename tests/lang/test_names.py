"""The name inventory: names and acronyms the articles use, matched by spelling, sound and typo (synthetic corpus)."""

from __future__ import annotations

import pytest

from rag.lang.names import NameInventory, build_inventory, is_acronym, is_ordinary_english, sound, spelled_out, syllables

TEXTS = [
    "Der FC Bayern München verpflichtet Harry Kane für 100 Millionen Euro. Trainer Thomas Tuchel freut sich.",
    "Bei der Landtagswahl in Thüringen bekam die AfD 32,8 Prozent, die CDU 23,6 Prozent. "
    "Die Stiftung Wissenschaft und Politik (SWP) sieht Verluste für die Grünen. Ministerpräsident "
    "Bodo Ramelow und Wolodymyr Selenskyj trafen sich in Kiew.",
    "Der VfL Wolfsburg spielt am Samstag gegen Borussia Dortmund; Bayerns Bilanz ist besser.",
]


@pytest.fixture(scope="module")
def names() -> NameInventory:
    return build_inventory(TEXTS)


@pytest.mark.parametrize("name", ["Bayern", "Kane", "Tuchel", "Thüringen", "Thueringen", "Dortmund", "Grünen",
                                  "AfD", "AFD", "CDU", "SWP", "VfL", "Wolfsburg", "BAYERN"])
def test_names_the_articles_use_are_known(names: NameInventory, name: str) -> None:
    assert names.known(name)


@pytest.mark.parametrize("name", ["Zelensky", "Selenskij", "Tuchell", "Ramelov", "Thomas Tuchel"])
def test_spelling_variants_by_sound_or_one_typo_are_known(names: NameInventory, name: str) -> None:
    assert names.known(name)


@pytest.mark.parametrize("name", [
    "Bayer",  # one letter short of Bayern, but another company
    "Leverkusen", "Schalke", "Freiburg",  # clubs never named
    "FDP", "SPD", "CSU", "DFB",  # acronyms: never by similarity, never made up from "Der FC Bayern"
    "BSW", "Kretschmer", "Höcke", "Thomas Müller",
])
def test_names_the_articles_never_use_are_unknown(names: NameInventory, name: str) -> None:
    assert not names.known(name)


def test_the_genitive_s_is_the_same_name(names: NameInventory) -> None:
    assert names.match("Dortmunds") == "dortmund"  # only "Dortmund" is in the articles
    assert names.match("Bayern") is not None and names.match("Bayerns") is not None


def test_acronyms_are_only_those_written_as_such(names: NameInventory) -> None:
    assert {"AFD", "CDU", "SWP", "VFL", "FC"} <= names.acronyms
    assert not {"FCBM", "BM", "WP", "SW", "HK", "TT"} & names.acronyms


def test_is_acronym() -> None:
    assert all(is_acronym(w) for w in ["AfD", "NATO", "EU", "VfL", "ÖVP"])
    assert not any(is_acronym(w) for w in ["Bayern", "Ab", "A", "nato", "Deutschland", "ABCDEFGH"])


def test_sound_is_the_koelner_phonetik() -> None:
    assert sound("Meier") == sound("Mayer") == sound("Maier")
    assert sound("Bayer") != sound("Bayern")
    assert sound("") == ""


def test_an_empty_corpus_knows_no_name() -> None:
    empty = build_inventory([])
    assert len(empty) == 0 and not empty.known("Bayern") and empty.match("") is None


def test_an_acronym_spelled_out_in_a_passage() -> None:
    passage = "Laut der Stiftung Wissenschaft und Politik wären 50.000 Soldaten nötig."
    assert spelled_out("SWP", passage) and spelled_out("swp", passage)
    assert not spelled_out("FDP", passage) and not spelled_out("SPW", passage)
    assert not spelled_out("SWP", "Die Stiftung\nWissenschaft und Politik")  # not across lines
    assert "SWP" not in build_inventory([passage]).acronyms  # never in the inventory


def test_the_sound_must_have_as_many_vowel_groups() -> None:
    names = build_inventory(["Der König von Preuß empfing Herrn Bähr."])
    assert not names.known("Piräus")  # same Kölner code as "Preuß", one vowel group more
    assert names.known("Baehr")
    assert syllables("Meier") == syllables("Mayer") == 1 and syllables("Piräus") == 2


def test_ordinary_english_words_are_no_names() -> None:
    assert is_ordinary_english("New") and is_ordinary_english("White") and is_ordinary_english("House")
    assert not any(map(is_ordinary_english, ["Kristersson", "Aiwanger", "Merseyside", "Lisbon", "Hubert", "Ox"]))


def test_a_name_written_only_as_an_english_possessive_is_known() -> None:
    names = build_inventory(["NASA's mission changed after Golovin's report; the UN’s vote came later."])
    assert names.known("NASA") and names.known("Golovin") and names.known("UN")
    assert not names.known("ESA")
