"""What a news page states about itself: schema.org JSON-LD and Open Graph/meta tags, read from its lxml tree.

Pure functions over a parsed page. Only structured data the page publishes is read (no guessing
from the text): ``headline``, ``datePublished`` (kept with its time and zone), ``author``,
``publisher``, ``url`` and ``inLanguage`` of the page's ``NewsArticle``/``Article`` object, with
``og:``/``article:`` meta tags and ``<html lang>`` as fallbacks.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any

ARTICLE_TYPES = frozenset({"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                           "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "report",
                           "liveblogposting", "socialmediaposting", "webpage"})
_MAX_JSONLD = 2_000_000  # characters of one JSON-LD block that are parsed at most


def iso_datetime(value: object) -> str | None:
    """An ISO 8601 date or date-time, normalized (``2024-04-22T17:26:46+02:00``; a bare day stays a day), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        m = re.match(r"(\d{4}-\d{2}-\d{2})", text)
        return m.group(1) if m else None
    return parsed.isoformat(timespec="seconds")


def _objects(data: Any) -> list[dict[str, Any]]:
    """Every JSON object in a JSON-LD value, including those inside ``@graph`` lists."""
    if isinstance(data, list):
        return [o for item in data for o in _objects(item)]
    if isinstance(data, dict):
        return [data, *_objects(data.get("@graph", []))]
    return []


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", [])
    return {str(k).lower() for k in (kind if isinstance(kind, list) else [kind])}


def _names(value: Any) -> list[str]:
    """Names of a schema.org Person/Organization value (one, a list, or plain strings)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            name = name[0] if name else None
        if isinstance(name, str) and name.strip() and len(name) < 100 and not name.startswith("http"):
            names.append(" ".join(name.split()))
    return list(dict.fromkeys(names))


def _article_object(tree: Any) -> dict[str, Any] | None:
    """The page's main article object in its JSON-LD (the first news type, else the first article-like type)."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        text = (script.text or "").strip()[:_MAX_JSONLD]
        try:
            found += [o for o in _objects(json.loads(text)) if _types(o) & ARTICLE_TYPES]
        except (ValueError, RecursionError):
            continue
    found.sort(key=lambda o: (not any("news" in t for t in _types(o)), "webpage" in _types(o)))
    return found[0] if found else None


def _meta(tree: Any, *keys: str) -> str | None:
    for key in keys:
        values = tree.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
        value = next((" ".join(v.split()) for v in values if v and v.strip()), None)
        if value:
            return value
    return None


def page_metadata(tree: Any) -> dict[str, Any]:
    """Headline, date, authors, publisher, url, language and description the page states; missing keys are left out."""
    obj = _article_object(tree) or {}
    meta: dict[str, Any] = {}
    publisher = _names(obj.get("publisher", [])) or ([_meta(tree, "og:site_name")] if _meta(tree, "og:site_name") else [])
    headline = obj.get("headline") if isinstance(obj.get("headline"), str) else None
    sites = (*publisher, _meta(tree, "og:site_name"), _meta(tree, "og:url"))
    for candidate in (_meta(tree, "og:title"), headline, _meta(tree, "twitter:title")):
        title = clean_title(candidate, *sites)
        if title:
            meta["headline"] = title
            break
    date = iso_datetime(obj.get("datePublished")) or iso_datetime(_meta(tree, "article:published_time"))
    if date:
        meta["date"] = date
    authors = _names(obj.get("author", []))
    if authors:
        meta["authors"] = authors
    if publisher:
        meta["publisher"] = publisher[0]
    url = _meta(tree, "og:url") or next(iter(tree.xpath('//link[@rel="canonical"]/@href')), None)
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        meta["url"] = url.strip()
    language = obj.get("inLanguage") if isinstance(obj.get("inLanguage"), str) else None
    language = language or next(iter(tree.xpath("/html/@lang")), None) or _meta(tree, "og:locale")
    if isinstance(language, str) and re.match(r"^[A-Za-z]{2}\b", language.strip()):
        meta["language"] = language.strip()[:2].lower()
    description = obj.get("description") if isinstance(obj.get("description"), str) else None
    description = description or _meta(tree, "og:description", "description")
    if description:
        meta["description"] = " ".join(description.split())
    return meta


def clean_title(title: str | None, *sites: str | None) -> str | None:
    """A headline without HTML entities or the trailing site name, section or date (``Titel | DW | 28.04.2023``)."""
    if not title:
        return None
    text = " ".join(html.unescape(html.unescape(title)).split())
    parts = text.split(" | ")
    while len(parts) > 1 and len(parts[-1]) <= 30:
        parts.pop()  # "| Sport | BILD.de", "| DW | 28.04.2023": sections, outlets and dates after a bar
    text = " | ".join(parts)
    while True:  # "Titel – DW – 13.06.2023", "Titel - n-tv.de": a trailing date or the site's own name
        m = re.match(r"^(.{10,}?)\s+[-–—]\s+([^-–—]{2,30})$", text)
        if not m or not (_DAY.fullmatch(m.group(2).strip()) or _fold(m.group(2)) in _site_names(sites)):
            break
        text = m.group(1)
    return text or None


_DAY = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2}")


def _site_names(sites: tuple[str | None, ...]) -> set[str]:
    """Folded forms of the site's names: ``Deutsche Welle``, ``deutschewelle``, and ``dw`` from ``www.dw.com``."""
    names: set[str] = set()
    for site in filter(None, sites):
        host = re.sub(r"^https?://(?:www\.)?", "", site).split("/")[0]
        names |= {_fold(site), _fold(site).replace(" ", ""), _fold(host.split(".")[0])}
    return names - {""}


def _fold(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.casefold().replace(".de", "").replace(".ch", "").replace(".at", "")).strip()


def visible_text(tree: Any) -> str:
    """The text of the page's ``<body>`` without scripts and styles, whitespace collapsed."""
    parts = tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")
    return " ".join(" ".join(parts).split())


def standfirst(visible: str, description: str | None, body: str) -> str | None:
    """The lead paragraph, when the page shows it (its description appears in the visible text) and the body lacks it."""
    if not description or len(description) < 40:
        return None
    flat_body = " ".join(body.split())
    probe = description[:120].rstrip(". …")
    if probe in flat_body or probe not in visible:
        return None
    return description
