"""Filter values from users: validated with clear errors, described, and the message when nothing matches."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rag.errors import InvalidQuestionError
from rag.retrieve.filtering import describe, make_filters, no_match
from rag.types import Article, Filters


def test_nothing_restricted_is_no_filter() -> None:
    assert make_filters() is None and make_filters("", " ", []) is None and make_filters(sources=["  "]) is None


def test_values_are_normalized() -> None:
    f = make_filters("2024-04-01", date(2024, 4, 30), "BR")
    assert f == Filters("2024-04-01", "2024-04-30", frozenset({"BR"}))
    assert make_filters(since=datetime(2024, 4, 1, 12, 0)).since == "2024-04-01"
    assert make_filters(until="2024-04-30T23:59:00+02:00").until == "2024-04-30"
    assert make_filters(sources=["  Neue  Zürcher Zeitung ", "BR"]).sources == frozenset({"Neue Zürcher Zeitung", "BR"})


@pytest.mark.parametrize("kwargs, message", [
    ({"since": "22.04.2024"}, "since='22.04.2024' is not a date; write it as YYYY-MM-DD"),
    ({"until": "2024-02-30"}, "until='2024-02-30' is not a date"),
    ({"since": "yesterday"}, "is not a date"),
    ({"since": 20240401}, "since must be a date like 2024-04-22, got int"),
    ({"since": "2024-05-01", "until": "2024-04-01"}, r"since \(2024-05-01\) is after until \(2024-04-01\); swap them"),
    ({"sources": 5}, "sources must be an outlet name or a list of them, got int"),
    ({"sources": ["BR", None]}, "each outlet must be text, got NoneType"),
    ({"sources": [f"o{i}" for i in range(201)]}, "201 outlets given; at most 200"),
])
def test_bad_values_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidQuestionError, match=message):
        make_filters(**kwargs)


def test_undated_articles_fail_a_date_bound_and_outlets_match_case_insensitively() -> None:
    dated = Article("a", "t", "b", date="2024-04-22T15:26:46+00:00", source="BR")
    undated = Article("b", "t", "b", source="br")
    f = make_filters("2024-04-22", "2024-04-22")
    assert f.admits(dated) and not f.admits(undated)
    assert make_filters(sources="br").admits(dated) and make_filters(sources=["BR"]).admits(undated)


def test_describe_and_no_match() -> None:
    f = make_filters("2020-01-01", "2020-12-31", ["NZZ", "BR"])
    assert describe(f) == "outlets BR, NZZ; from 2020-01-01 to 2020-12-31"
    assert describe(make_filters(since="2020-01-01")) == "from 2020-01-01 on"
    articles = {"a": Article("a", "t", "b", date="2024-04-22", source="BR"), "b": Article("b", "t", "b", date="2025-01-02")}
    message = no_match(f, articles)
    assert message.startswith("No indexed article matches the filter (outlets BR, NZZ; from 2020-01-01 to 2020-12-31).")
    assert "2 articles (2024-04-22 to 2025-01-02) from 1 outlet;" in message
    assert no_match(f, articles, "de").startswith("Kein Artikel im Index passt zum Filter")
