"""HTML news pages (``.html``, ``.htm``, also gzip-compressed): main text and metadata with trafilatura.

trafilatura keeps the article's main text and drops menus, teasers, cookie banners, comments and
"read more" links; its metadata gives title, site name, authors, url, and (through htmldate) the
day. ``htmlmeta.page_metadata`` adds what the page states in its structured data (schema.org
JSON-LD, Open Graph): the publication time with its zone, the headline, the authors, the
publisher and the language. The lead paragraph ("standfirst") is kept when the page shows it and
the main-text extraction left it out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rag.errors import CorpusError
from rag.ingest.headers import HEADER_LINES, read_header
from rag.ingest.htmlmeta import clean_title, page_metadata, standfirst, visible_text
from rag.types import Article

HTML_VERSION = 2  # 2: dateline/byline paragraphs read and removed; bare bullets dropped
MAX_HTML_BYTES = 10_000_000
MIN_BODY_CHARS = 200  # less main text than this is a page without an article (an index page, an error page)


def _quiet() -> None:
    """trafilatura and htmldate log every page they cannot parse; the loader reports its own problems."""
    for name in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _paragraphs(text: str) -> str:
    """trafilatura's one-line-per-paragraph text as paragraphs separated by blank lines (bare bullets dropped)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line and any(ch.isalnum() for ch in line))


def _header_paragraphs(body: str) -> tuple[dict[str, object], str]:
    """Dateline and byline paragraphs at the top of the text ("Stand: …", "Von …"; ``headers.py``): removed, and what they say."""
    found: dict[str, object] = {}
    paragraphs = body.split("\n\n")
    kept = []
    for i, paragraph in enumerate(paragraphs):
        match = read_header(paragraph) if i < HEADER_LINES + 2 and len(paragraph) < 160 else None
        if match is not None and not match[1]:
            for key, value in match[0].items():
                found.setdefault(key, value)
            continue
        kept.append(paragraph)
    return found, "\n\n".join(kept)


@dataclass(frozen=True)
class Extracted:
    """What trafilatura found on a page (None where it found nothing)."""

    text: str
    title: str | None
    date: str | None
    sitename: str | None
    hostname: str | None
    authors: tuple[str, ...]
    url: str | None
    language: str | None


def parse_html(data: bytes | str) -> Any:
    """The page's lxml tree (encoding detected from the bytes), or None when nothing parses."""
    from trafilatura.utils import load_html

    _quiet()
    return load_html(data)


def extract(tree: Any) -> Extracted | None:
    """Run trafilatura on a parsed page; None if it found no main text."""
    import trafilatura

    # trafilatura 1.x calls "only with metadata" what 2.x calls "with metadata": ask for metadata on 2.x only
    modern = {"with_metadata": True} if int(trafilatura.__version__.split(".")[0]) >= 2 else {}
    found = trafilatura.bare_extraction(
        tree, **modern, include_comments=False, include_tables=True, include_images=False,
        include_links=False, deduplicate=False,  # its cache is global: a page read twice would lose text
    )
    if found is not None and not isinstance(found, dict):
        found = found.as_dict()  # trafilatura 2.x returns a Document
    if not found or not (found.get("text") or "").strip():
        return None
    authors = tuple(a.strip() for a in (found.get("author") or "").split(";") if a.strip())
    return Extracted(found["text"], found.get("title"), found.get("date"), found.get("sitename"), found.get("hostname"),
                     authors, found.get("url"), found.get("language"))


class HtmlLoader:
    """HTML pages: one article per file, its id the file name without ``.html``/``.htm`` (and ``.gz``)."""

    suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml")
    kinds: tuple[str, ...] = ("html",)
    version: int = HTML_VERSION
    max_bytes: int = MAX_HTML_BYTES

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]:
        """Extract the article of one page; a page without one is reported by name."""
        if not data.strip():
            raise CorpusError(f"{name}: file is empty; skipped.")
        tree = parse_html(data)
        meta = page_metadata(tree) if tree is not None else {}
        visible = visible_text(tree) if tree is not None else ""
        found = extract(tree) if tree is not None else None
        if found is None or len(found.text) < MIN_BODY_CHARS:
            raise CorpusError(f"{name}: no article text found on this page (an index, error or consent page, "
                              "or broken HTML); save the article's own page, or its text as .txt.")
        body = _paragraphs(found.text)
        title = meta.get("headline") or clean_title(found.title, found.sitename, found.hostname) or body.split("\n", 1)[0][:120]
        first, _, rest = body.partition("\n\n")
        if rest and " ".join(first.split()).casefold() in {" ".join(str(t).split()).casefold() for t in (title, found.title) if t}:
            body = rest  # the headline heads the extracted text: it is the title, not a paragraph
        header, body = _header_paragraphs(body)
        lead = standfirst(visible, meta.get("description"), body)
        if lead:
            body = f"{lead}\n\n{body}"
        article = Article(
            id=article_id, title=" ".join(str(title).split()), body=body,
            date=meta.get("date") or found.date or header.get("date"),  # type: ignore[arg-type]
            source=meta.get("publisher") or found.sitename or found.hostname,
            authors=tuple(meta.get("authors") or found.authors or header.get("authors", ())),  # type: ignore[arg-type]
            url=meta.get("url") or found.url,
            language=meta.get("language") or found.language,
            meta={"parser_version": HTML_VERSION, "format": "html"},
        )
        return [article], []
