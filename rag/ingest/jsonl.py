"""JSON Lines exports (``.jsonl``, ``.ndjson``): one article per line.

Accepted field names (the first present wins; names are matched case-insensitively):

| field | names |
|---|---|
| text (required) | ``text``, ``body``, ``content``, ``article``, ``maintext`` |
| title | ``title``, ``headline`` (else the first sentence of the text) |
| date | ``date``, ``published``, ``published_at``, ``datePublished``, ``date_publish``, ``pubDate`` |
| outlet | ``source``, ``outlet``, ``publisher``, ``site_name``, ``sitename``, ``site`` |
| url | ``url``, ``link`` |
| authors | ``authors``, ``author`` (a list, or one string with ``;`` or `` and `` between names) |
| language | ``language``, ``lang`` |
| id | ``id``, ``guid``, ``uuid`` |

A value may be a string or, for the outlet and authors, an object with a ``name``. HTML in the
text is reduced to paragraphs. Ids are ``<file id>-<10 hex digits>``: the SHA-1 of the record's
``id`` if it has one, else its url, else its line number (then stable only while lines keep
their order). A bad line is reported with its number and the others are read.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from rag.errors import CorpusError
from rag.ingest.feed import fragment_text
from rag.ingest.htmlmeta import iso_datetime
from rag.ingest.textfile import decode_bytes, parse_article
from rag.types import Article

JSONL_VERSION = 1
MAX_JSONL_BYTES = 40_000_000
MAX_WARNINGS = 20  # bad lines named one by one; more are counted
FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "maintext"),
    "title": ("title", "headline"),
    "date": ("date", "published", "published_at", "datepublished", "date_publish", "pubdate"),
    "source": ("source", "outlet", "publisher", "site_name", "sitename", "site"),
    "url": ("url", "link"),
    "authors": ("authors", "author"),
    "language": ("language", "lang"),
    "id": ("id", "guid", "uuid"),
}


def _field(record: dict[str, Any], name: str) -> Any:
    lower = {str(k).lower(): v for k, v in record.items()}
    return next((lower[k] for k in FIELDS[name] if lower.get(k) not in (None, "", [])), None)


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _authors(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = re.split(r"\s*;\s*|\s+(?:and|und)\s+", value)
    names = [_name(v) for v in (value if isinstance(value, list) else [value])]
    return tuple(dict.fromkeys(n for n in names if n))


def record_id(file_id: str, record: dict[str, Any], line: int) -> str:
    """``<file id>-<sha1 of the record's id, else url, else line number>[:10]``."""
    key = _field(record, "id") or _field(record, "url") or f"line {line}"
    return f"{file_id}-{hashlib.sha1(str(key).encode('utf-8', 'replace')).hexdigest()[:10]}"


def record_article(record: dict[str, Any], file_id: str, line: int, name: str) -> Article:
    """One record as an article; ``CorpusError`` (naming the line) when it has no text."""
    text = _field(record, "text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{name}: line {line} has no text (fields {', '.join(FIELDS['text'])}); skipped.")
    body = fragment_text(text) if "<" in text and re.search(r"</?\w+[^>]*>", text) else text
    title = _field(record, "title")
    aid = record_id(file_id, record, line)
    parsed = parse_article(f"{title}\n\n{body}" if isinstance(title, str) and title.strip() else body, aid,
                           name=f"{name} line {line}")
    raw_date = _field(record, "date")
    language = _field(record, "language")
    return Article(
        id=aid, title=" ".join(title.split()) if isinstance(title, str) and title.strip() else parsed.title,
        body=parsed.body, date=iso_datetime(raw_date) if isinstance(raw_date, str) else parsed.date,
        source=_name(_field(record, "source")) or parsed.source,
        authors=_authors(_field(record, "authors")) or parsed.authors, url=_name(_field(record, "url")),
        language=language[:2].lower() if isinstance(language, str) else None,
        meta={"parser_version": JSONL_VERSION, "format": "jsonl", "line": line},
    )


class JsonlLoader:
    """JSON Lines exports: one article per line; bad lines are reported and skipped."""

    suffixes: tuple[str, ...] = (".jsonl", ".ndjson")
    version: int = JSONL_VERSION
    max_bytes: int = MAX_JSONL_BYTES

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]:
        """Read every line; return its articles and one warning per bad line."""
        text, warning = decode_bytes(data, name)
        if not text.strip():
            raise CorpusError(f"{name}: file is empty; skipped.")
        articles: list[Article] = []
        problems: list[str] = [warning] if warning else []
        seen: dict[str, int] = {}
        lines = text.splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise CorpusError(f"{name}: line {number} is not a JSON object; skipped.")
                article = record_article(record, article_id, number, name)
            except json.JSONDecodeError as exc:
                problems.append(f"{name}: line {number} is not valid JSON ({exc.msg}, column {exc.colno}); skipped.")
                continue
            except CorpusError as exc:
                problems.append(str(exc))
                continue
            if article.id in seen:
                problems.append(f"{name}: line {number} has the same id or url as line {seen[article.id]}; skipped.")
                continue
            seen[article.id] = number
            articles.append(article)
        if len(problems) > MAX_WARNINGS:
            problems = problems[:MAX_WARNINGS] + [f"{name}: {len(problems) - MAX_WARNINGS} more bad lines."]
        if not articles:
            raise CorpusError(f"{name}: no line holds an article ({len(problems)} problems, first: "
                              f"{problems[0] if problems else 'none'}); write one JSON object with a text per line.")
        return articles, problems
