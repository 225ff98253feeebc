"""German common nouns: the pure table builder, and the real Wiktionary list."""

from __future__ import annotations

import pytest

from rag.lang.nouns import NAME_KINDS, common_forms, common_nouns

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
