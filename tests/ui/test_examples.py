"""The chat's example questions come from the settings or from the indexed articles, never from a fixed list."""

from __future__ import annotations

import pytest

from rag.types import Article
from rag.ui.examples import ENV, configured_examples, corpus_examples, examples

NEWS = [
    Article(id="a", title="Kane wechselt zum FC Bayern", source="Kicker",
            body="Harry Kane spielt künftig für den FC Bayern. Borussia Dortmund hatte am Montag abgesagt."),
    Article(id="b", title="Bayern gewinnt in Dortmund", source="Kicker",
            body="Der FC Bayern schlägt Borussia Dortmund mit 3:1. Harry Kane trifft zweimal."),
    Article(id="c", title="Wahl in Thüringen", source="MDR", body="Die CDU gewinnt in Thüringen. Die AfD verliert."),
]


def test_examples_name_what_several_articles_are_about() -> None:
    found = corpus_examples(NEWS)
    assert found[0].startswith("What do the articles say about ") and found[1].startswith("Was berichten")
    named = " ".join(found)
    assert "FC Bayern" in named and "Harry Kane" in named and "Dortmund" in named
    assert "Montag" not in named and "Kicker" not in named  # no calendar words, no outlets
    assert "Thüringen" not in named  # named by one article only, while others are named by two


def test_a_single_article_still_gets_examples() -> None:
    one = corpus_examples(NEWS[2:])
    assert len(one) == 3 and {"CDU", "AfD", "Thüringen"} == {q.rsplit(" ", 1)[-1].rstrip("?") for q in one}
    assert corpus_examples([]) == []


def test_settings_override_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, " Who scored? | | Wer hat gewonnen?")
    assert examples(NEWS) == ["Who scored?", "Wer hat gewonnen?"]
    assert configured_examples("") == []
    monkeypatch.delenv(ENV)
    assert examples(NEWS) == corpus_examples(NEWS)
