"""Extraction quality of the HTML loader against reference parses: title, date, outlet, authors, body token F1.

Pure functions: ``page_scores`` compares one extracted ``Article`` with one reference record (the
``truth.jsonl`` layout: ``title``, ``date``, ``authors``, ``outlet``, ``text``); ``summary`` turns
the per-page scores into the figures the README reports. The pages are split by outlet into
``dev`` (what the loader was developed against) and ``test`` (outlets never looked at while
developing), so both can be reported apart.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.types import Article

_WORD = re.compile(r"\w+", re.UNICODE)


def normalize_space(text: str | None) -> str:
    """Whitespace (including zero-width and no-break spaces) collapsed to single spaces, trimmed."""
    text = (text or "").replace("\u200b", "").replace("\u00a0", " ").replace("\u00ad", "")
    return " ".join(text.split())


def token_f1(predicted: str, reference: str) -> float:
    """Bag-of-words F1 between two texts (lower-cased word tokens); 1.0 when both are empty."""
    p, r = Counter(_WORD.findall(predicted.lower())), Counter(_WORD.findall(reference.lower()))
    if not p and not r:
        return 1.0
    overlap = sum((p & r).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(r.values())
    return 2 * precision * recall / (precision + recall)


def _names(names: Sequence[str]) -> set[str]:
    return {normalize_space(n).casefold() for n in names if normalize_space(n)}


def split_of(outlet: str) -> str:
    """``dev`` or ``test`` for an outlet, fixed by a hash of its name (about half each)."""
    return "dev" if int(hashlib.sha1(outlet.encode()).hexdigest(), 16) % 2 == 0 else "test"


@dataclass(frozen=True)
class PageScore:
    """How one extracted page compares with its reference."""

    id: str
    outlet: str
    split: str
    title_exact: bool
    same_day: bool
    outlet_present: bool
    authors_exact: bool
    authors_f1: float
    body_f1: float
    problem: str = ""


def page_scores(article: Article | None, truth: dict[str, Any], problem: str = "") -> PageScore:
    """Compare one extracted article (None when extraction failed) with its reference record."""
    outlet = str(truth.get("outlet") or "")
    if article is None:
        return PageScore(str(truth["id"]), outlet, split_of(outlet), False, False, False, False, 0.0, 0.0, problem)
    want, got = _names(truth.get("authors") or []), _names(article.authors)
    overlap = len(want & got)
    authors_f1 = 1.0 if not want and not got else (2 * overlap / (len(want) + len(got)) if overlap else 0.0)
    return PageScore(
        id=str(truth["id"]), outlet=outlet, split=split_of(outlet),
        title_exact=normalize_space(article.title) == normalize_space(truth.get("title")),
        same_day=bool(article.date) and (article.date or "")[:10] == str(truth.get("date") or "")[:10],
        outlet_present=bool(normalize_space(article.source)),
        authors_exact=want == got, authors_f1=authors_f1,
        body_f1=token_f1(article.body, str(truth.get("text") or "")), problem=problem,
    )


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(scores: Sequence[PageScore]) -> dict[str, float]:
    """The reported figures over some pages: shares of exact titles, same-day dates, present outlets,
    exact author sets, mean author F1, and body token F1 median and 10th percentile."""
    n = len(scores) or 1
    f1s = [s.body_f1 for s in scores]
    return {
        "pages": len(scores),
        "title_exact": sum(s.title_exact for s in scores) / n,
        "date_same_day": sum(s.same_day for s in scores) / n,
        "outlet_present": sum(s.outlet_present for s in scores) / n,
        "authors_exact": sum(s.authors_exact for s in scores) / n,
        "authors_f1": sum(s.authors_f1 for s in scores) / n,
        "body_f1_median": statistics.median(f1s) if f1s else 0.0,
        "body_f1_p10": _quantile(f1s, 0.10),
    }
