"""German common nouns: the pure table builder, and the real Wiktionary list."""

from __future__ import annotations

import pytest

from rag.lang.nouns import NAME_KINDS, common_forms, common_nouns, is_compound_noun, is_nominalised_verb, noun_forms

HEADER = ["lemma", "pos", "genus", "nominativ singular", "genitiv singular", "dativ plural"]


def test_common_forms_keeps_every_case_form_of_a_common_noun():
    rows = [["Vorrang", "Substantiv", "m", "Vorrang", "Vorranges", ""]]
    assert common_forms(rows, HEADER) == {"Vorrang", "Vorranges"}


@pytest.mark.parametrize("kind", sorted(NAME_KINDS))
def test_a_word_that_is_also_a_name_is_not_common(kind):
    rows = [
        ["Paris", "Substantiv", "", "Paris", "", ""],  # the Trojan prince as a common entry
        ["Paris", f"Substantiv,{kind}", "", "Paris", "", ""],
        ["Feuerpause", "Substantiv", "f", "Feuerpause", "Feuerpause", "Feuerpausen"],
    ]
    assert common_forms(rows, HEADER) == {"Feuerpause", "Feuerpausen"}


def test_short_rows_and_empty_cells_are_skipped():
    rows = [["Waffe", "Substantiv", "f"], [], ["Kaputt"], ["Frieden", "Substantiv", "m", "Frieden", "", ""]]
    assert common_forms(rows, HEADER) == {"Waffe", "Frieden"}


@pytest.mark.parametrize("word", ["Vorrang", "Feuerpause", "Verwandtschaftsgrad", "Kanals", "Haltung"])
def test_the_wiktionary_list_knows_ordinary_nouns(word):
    assert word in common_nouns()


@pytest.mark.parametrize("word", ["Paris", "Berlin", "Japan", "Tokio", "Maria", "Friedrich", "Pistorius", "Selenskyj"])
def test_the_wiktionary_list_leaves_names_out(word):
    assert word not in common_nouns()


def test_noun_tables_keep_nouns_that_are_names_too():
    header = ["lemma", "pos", "genus", "nominativ singular", "genitiv singular"]
    rows = [["Mitte", "Substantiv", "f", "Mitte", "Mitte"], ["Mitte", "Substantiv,Toponym", "n", "Mitte", ""],
            ["Leverkusen", "Substantiv,Toponym", "n", "Leverkusen", "Leverkusens"], ["Pakt", "Substantiv", "m", "Pakt", "Pakts"]]
    common, every = noun_forms(rows, header)
    assert common == {"Mitte", "Pakt", "Pakts"} and every == common | {"Leverkusen", "Leverkusens"}


def test_compounds_end_in_a_noun_of_four_letters_after_four_letters():
    nouns = frozenset({"Pakt", "Tagung", "Anger"})
    assert is_compound_noun("Nordatlantikpakt", nouns) and is_compound_noun("Frühjahrstagung", nouns)
    assert not is_compound_noun("Aiwanger", nouns) and not is_compound_noun("Pakt", nouns)


def test_nominalised_infinitives_are_verbs_not_names():
    assert is_nominalised_verb("Einlenken") and is_nominalised_verb("Verhandeln")
    assert not is_nominalised_verb("Leverkusen") and not is_nominalised_verb("Kristersson")
