"""Filters from user input: a date range and outlets, validated, and the plain message when they leave no article."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from rag.errors import InvalidQuestionError
from rag.types import Article, Filters

MAX_SOURCES = 200


def _day(value: object, name: str) -> str | None:
    """An ISO day from a ``YYYY-MM-DD`` string (a time after it is ignored), a date or a datetime."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise InvalidQuestionError(f"{name} must be a date like 2024-04-22, got {type(value).__name__}.")
    text = value.strip()
    try:
        if len(text) == 10 or text[10:11] in ("T", " "):
            return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    raise InvalidQuestionError(f"{name}={text[:40]!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-04-22.")


def make_filters(since: object = None, until: object = None, sources: object = None) -> Filters | None:
    """Validated ``Filters`` (None when nothing is restricted); ``InvalidQuestionError`` names a bad value."""
    first, last = _day(since, "since"), _day(until, "until")
    if first and last and first > last:
        raise InvalidQuestionError(f"since ({first}) is after until ({last}); swap them.")
    outlets: frozenset[str] | None = None
    if sources is not None:
        items = [sources] if isinstance(sources, str) else sources
        if not isinstance(items, Iterable):
            raise InvalidQuestionError(f"sources must be an outlet name or a list of them, got {type(sources).__name__}.")
        names = []
        for item in items:
            if not isinstance(item, str):
                raise InvalidQuestionError(f"each outlet must be text, got {type(item).__name__}.")
            if item.strip():
                names.append(" ".join(item.split()))
        if len(names) > MAX_SOURCES:
            raise InvalidQuestionError(f"{len(names)} outlets given; at most {MAX_SOURCES} can be filtered on.")
        outlets = frozenset(names) or None
    filters = Filters(first, last, outlets)
    return filters if filters.active else None


def describe(filters: Filters) -> str:
    """The filter in words: ``outlets BR, NZZ; from 2024-01-01 to 2024-02-01``."""
    parts = []
    if filters.sources:
        parts.append("outlets " + ", ".join(sorted(filters.sources)))
    if filters.since and filters.until:
        parts.append(f"from {filters.since} to {filters.until}")
    elif filters.since:
        parts.append(f"from {filters.since} on")
    elif filters.until:
        parts.append(f"up to {filters.until}")
    return "; ".join(parts)


def no_match(filters: Filters, articles: Mapping[str, Article], language: str = "en") -> str:
    """The plain message for a filter that leaves no article: what was asked, and what the index holds."""
    days = sorted(a.date[:10] for a in articles.values() if a.date)
    outlets = sorted({a.source for a in articles.values() if a.source})
    span = f"{days[0]} to {days[-1]}" if days else "no dated articles"
    if language == "de":
        return (f"Kein Artikel im Index passt zum Filter ({describe(filters)}). Der Index enthält {len(articles)} "
                f"Artikel ({span}) von {len(outlets)} Quellen; erweitern Sie den Zeitraum oder wählen Sie andere Quellen.")
    return (f"No indexed article matches the filter ({describe(filters)}). The index holds {len(articles)} "
            f"article{'s' if len(articles) != 1 else ''} ({span}) from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}; "
            "widen the dates or choose other outlets.")
