"""What `rag ask` prints as a written answer streams: the quotes at once, then each written sentence."""

from __future__ import annotations

from rag.types import Answer, Quoted
from rag.ui.printing import print_event


def test_the_quotes_print_as_marked_lines_without_markers_and_sentences_as_they_come(capsys):
    print_event(Quoted(Answer("q", "According to dpa [1][2]: Germany offers troops.\nLaut ZDF [3]: Mehr.")))
    print_event("Germany offers troops [1].")
    assert capsys.readouterr().out == ("> According to dpa: Germany offers troops.\n> Laut ZDF: Mehr.\n\n"
                                       "Germany offers troops [1].\n")
