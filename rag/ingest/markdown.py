"""Markdown news files: the markup is stripped (markdown-it-py), then the text parser reads header and body.

Headings become the title (the first one) or paragraphs of their own; emphasis, links, images and
inline code are reduced to their text; list items and quotes become paragraphs; HTML blocks,
code blocks and rules are dropped. A YAML-style front matter block (``---`` … ``---``) gives
``title``, ``date``, ``source``/``outlet``, ``author(s)``, ``url`` and ``language``. The stored body is
the stripped text, so every chunk and quote offset points into what the model sees.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rag.errors import CorpusError
from rag.ingest.headers import HEADER_LINES, read_header
from rag.ingest.textfile import decode_bytes, parse_article
from rag.types import Article

MARKDOWN_VERSION = 1
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEYS = {"title": "title", "date": "date", "published": "date", "source": "source", "outlet": "source",
               "publisher": "source", "author": "authors", "authors": "authors", "url": "url", "link": "url",
               "language": "language", "lang": "language"}
_BLOCK_CLOSE = ("paragraph_close", "heading_close", "list_item_close", "blockquote_close", "table_close")


def front_matter(text: str) -> tuple[dict[str, object], str]:
    """The simple ``key: value`` front matter (lists as ``[a, b]`` or ``- a`` lines) and the text after it."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, object] = {}
    key = None
    for line in m.group(1).splitlines():
        item = re.match(r"\s+-\s+(.+)$", line)
        if item and key == "authors":
            meta.setdefault("authors", [])
            meta["authors"].append(item.group(1).strip().strip("\"'"))  # type: ignore[union-attr]
            continue
        kv = re.match(r"([A-Za-z_]+)\s*:\s*(.*)$", line)
        if not kv or kv.group(1).lower() not in _FRONT_KEYS:
            key = None
            continue
        key, value = _FRONT_KEYS[kv.group(1).lower()], kv.group(2).strip().strip("\"'")
        if key == "authors":
            names = [v.strip().strip("\"'") for v in value.strip("[]").split(",") if v.strip()]
            if names:
                meta["authors"] = names
        elif value:
            meta[key] = value
    return meta, text[m.end():]


def header_lines(text: str) -> tuple[dict[str, object], str]:
    """Read dateline/byline forms (``headers.py``) from the first lines before Markdown sees them
    (``2. Februar 2026 …`` would otherwise become an ordered list); return what they say and the rest."""
    found: dict[str, object] = {}
    kept: list[str] = []
    seen = 0
    for line in text.split("\n"):
        if line.strip() and seen < HEADER_LINES:
            seen += 1
            match = read_header(line.strip().strip("*_ "))
            if match is not None and not match[1]:
                for key, value in match[0].items():
                    found.setdefault(key, value)
                continue
        kept.append(line)
    return found, "\n".join(kept)


def _inline_text(token) -> str:  # noqa: ANN001 - a markdown-it Token
    """The plain text of an inline token: emphasis, links and code reduced to their text, images to alt text."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "image":
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def strip_markdown(text: str) -> tuple[str | None, str]:
    """(the first heading, or None; the text as plain paragraphs separated by blank lines)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[str] = []
    title: str | None = None
    current: list[str] = []
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "inline":
            current.append(_inline_text(token))
        elif token.type in _BLOCK_CLOSE or token.type == "tr_close":
            joined = " ".join(" ".join(current).split())
            current = []
            if not joined:
                continue
            if in_heading and title is None and not blocks:
                title = joined
            else:
                blocks.append(joined)
            in_heading = False if token.type == "heading_close" else in_heading
    return title, "\n\n".join(blocks)


class MarkdownLoader:
    """``.md`` files: one article per file, its id the file name without the suffix."""

    suffixes: tuple[str, ...] = (".md", ".markdown")
    version: int = MARKDOWN_VERSION

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]:
        """Decode, strip the markup, and parse the text's header lines and body."""
        text, warning = decode_bytes(data, name)
        if not text.strip():
            raise CorpusError(f"{name}: file is empty; skipped.")
        meta, text = front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
        header, text = header_lines(text)
        for key, value in header.items():
            meta.setdefault(key, value)
        heading, plain = strip_markdown(text)
        title = str(meta.get("title") or heading or "")
        article = parse_article(f"{title}\n\n{plain}" if title else plain, article_id, name=name,
                                language=str(meta["language"]) if meta.get("language") else None)
        authors = tuple(meta["authors"]) if isinstance(meta.get("authors"), (list, tuple)) else article.authors
        article = replace(article, date=str(meta["date"]) if meta.get("date") else article.date,
                          source=str(meta["source"]) if meta.get("source") else article.source,
                          url=str(meta["url"]) if meta.get("url") else None, authors=authors)
        return [article], [warning] if warning else []
