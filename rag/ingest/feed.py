"""RSS 2.0 / Atom feeds (``.xml``, ``.rss``, ``.atom``) with feedparser: one article per entry.

An entry's text is its full content (``content:encoded``, Atom ``content``) when present, else its
summary, reduced from HTML to paragraphs; its date keeps the zone the feed gives; its outlet is
the entry's own source, else the feed's title. Ids are ``<file id>-<10 hex digits>``: the SHA-1 of
the entry's ``id``/``guid``, else its link, else its title and date, so they stay the same when the
feed is fetched again and entries come and go.

Safety: the bytes are first parsed with defusedxml, which refuses any entity declaration (the
"billion laughs" XML bomb) and external entity before anything is expanded; feedparser then
parses a document known to have none, and never fetches anything.
"""

from __future__ import annotations

import email.utils
import hashlib
from typing import Any

from rag.errors import CorpusError
from rag.ingest.htmlmeta import iso_datetime
from rag.types import Article

FEED_VERSION = 1
MAX_FEED_BYTES = 40_000_000
_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section", "article")


def check_xml(data: bytes, name: str) -> None:
    """Refuse XML with entity declarations or external references (XML bombs) before it is parsed for real."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        safe_xml.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CorpusError(f"{name}: the XML declares entities ({type(exc).__name__}), the form of an XML bomb; "
                          "it was refused unread. Get the feed from its publisher again.") from None
    except ParseError:
        if b"<!entity" in data[:200_000].lower():  # broken XML is parsed leniently below, but never with entities
            raise CorpusError(f"{name}: the XML declares entities, the form of an XML bomb; it was refused unread.") from None


def fragment_text(markup: str) -> str:
    """The text of an HTML fragment as paragraphs separated by blank lines (block elements and ``<br>`` break)."""
    if "<" not in markup:
        return "\n\n".join(" ".join(p.split()) for p in markup.split("\n\n") if p.strip())
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml raises several types on hopeless markup; fall back to the raw text
        return " ".join(markup.split())
    for bad in root.xpath(".//script|.//style|.//iframe|.//form"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and (el.tag in _BLOCKS or el.tag == "br"):
            el.tail = "\n\n" + (el.tail or "")
            if el.tag in _BLOCKS:
                el.text = "\n\n" + (el.text or "")
    text = root.text_content()
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def _date(entry: dict[str, Any]) -> str | None:
    """The entry's publication (else update) date, ISO with its zone."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        iso = iso_datetime(raw)
        if iso:
            return iso
        try:
            return email.utils.parsedate_to_datetime(raw).isoformat(timespec="seconds")
        except (TypeError, ValueError, IndexError):
            parsed = entry.get(f"{key}_parsed")
            if parsed:
                return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
    return None


def entry_id(file_id: str, entry: dict[str, Any]) -> str:
    """``<file id>-<sha1 of guid, link, or title and date>[:10]``: stable across fetches of the feed."""
    key = entry.get("id") or entry.get("link") or f"{entry.get('title', '')}|{entry.get('published', '')}"
    return f"{file_id}-{hashlib.sha1(str(key).encode('utf-8', 'replace')).hexdigest()[:10]}"


def _authors(entry: dict[str, Any]) -> tuple[str, ...]:
    names = [a.get("name", "") for a in entry.get("authors", []) if isinstance(a, dict)]
    names = names or ([entry["author"]] if entry.get("author") else [])
    return tuple(dict.fromkeys(" ".join(n.split()) for n in names if n and n.strip()))


def entry_article(entry: dict[str, Any], file_id: str, feed: dict[str, Any]) -> Article | None:
    """One entry as an article, or None when it has no text."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    text = fragment_text(max(contents, key=len)) if contents else ""
    summary = fragment_text(entry.get("summary", "") or "")
    body = text if len(text) >= len(summary) else summary
    title = fragment_text(entry.get("title", "") or "").replace("\n\n", " ")
    if not body:
        return None
    source = (entry.get("source") or {}).get("title") or feed.get("title") or None
    language = entry.get("language") or feed.get("language")
    return Article(
        id=entry_id(file_id, entry), title=title or body.split("\n", 1)[0][:120], body=body, date=_date(entry),
        source=" ".join(source.split()) if source else None, authors=_authors(entry),
        url=entry.get("link") or None, language=language[:2].lower() if isinstance(language, str) and language else None,
        meta={"parser_version": FEED_VERSION, "format": "feed", "full_content": bool(contents)},
    )


class FeedLoader:
    """RSS/Atom feeds: one article per entry with text."""

    suffixes: tuple[str, ...] = (".xml", ".rss", ".atom")
    kinds: tuple[str, ...] = ("feed",)
    version: int = FEED_VERSION
    max_bytes: int = MAX_FEED_BYTES

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]:
        """Check the XML is safe, parse the feed, and return one article per entry."""
        import feedparser

        if not data.strip():
            raise CorpusError(f"{name}: file is empty; skipped.")
        check_xml(data, name)
        parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
        if not parsed.entries:
            problem = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
            raise CorpusError(f"{name}: no feed entries found{problem}; is it an RSS or Atom feed?")
        articles: list[Article] = []
        warnings: list[str] = []
        seen: set[str] = set()
        for number, entry in enumerate(parsed.entries, start=1):
            article = entry_article(entry, article_id, parsed.feed)
            if article is None:
                warnings.append(f"{name}: entry {number} has no text; skipped.")
            elif article.id in seen:
                warnings.append(f"{name}: entry {number} repeats an earlier entry's id or link; skipped.")
            else:
                seen.add(article.id)
                articles.append(article)
        if not articles:
            raise CorpusError(f"{name}: none of its {len(parsed.entries)} entries has any text.")
        return articles, warnings
