"""Plain-text and Markdown news files: parse messy scraped text into clean ``Article`` records.

``parse_article`` is pure (text in, Article out); ``TextLoader`` applies it to a file's bytes.
Decoding: UTF-8 (a BOM is dropped); a file that is not valid UTF-8 is decoded as Windows-1252
(the usual legacy encoding of German text) with a warning; a file that is neither, or that
contains NUL bytes, is rejected with a ``CorpusError`` naming it.
"""

from __future__ import annotations

import re
import unicodedata

from rag.errors import CorpusError
from rag.types import Article

PARSER_VERSION = 1

_DATE_PREFIX = re.compile(r"^\s*(?:date|datum|Datum|Date)\s*:?\s*(\d{4}-\d{2}-\d{2})\b\s*")
_DE_DATE_PREFIX = re.compile(r"^\s*(?:Datum|Stand)\s*:?\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\b\s*")
_BYLINE = re.compile(r"^\s*(?:Von|Quelle)\s*:\s*(.+?)\s*$")
_DATELINE = re.compile(r"^[A-ZÄÖÜ][\w.\-/ ]{1,40}?\s\(([^()]{2,40})\)\s[–—-]\s")
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^Bearbeitet von\s*:",
        r"^\d[\d.,]*\s+(?:Ansichten|Aufrufe|Views)\s*$",
        r"^⇢",
        r"^(?:Lesen Sie auch|Mehr zum Thema|Auch interessant)\b",
        r"^Weitere (?:Details|Informationen|Infos)\b.*\bfinden Sie\b",
        r"^Haben Sie einen Fehler",
        r"^Wir werden Ihre Kommentare",
    )
]
_SOURCES_HEADING = re.compile(r"^(?:Quellen|Quelle|Sources)\s*:?\s*$", re.IGNORECASE)
_TERMINAL = ("。", ".", "!", "?", "…", "“", "”", "\"", "»", "«", "'", ":", ")")
TITLE_MAX_CHARS = 120


def decode_bytes(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode file bytes; return the text and a warning if a fallback was needed."""
    if b"\x00" in data:
        raise CorpusError(f"{name}: contains NUL bytes, so it is not a text file; remove it from the corpus folder.")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise CorpusError(
                f"{name}: not valid UTF-8 (byte {exc.start}) nor Windows-1252; "
                "re-save the file as UTF-8."
            ) from None
        return text, f"{name}: not valid UTF-8 (byte {exc.start}); decoded as Windows-1252 — re-save it as UTF-8 to silence this."


def _clean_line(line: str) -> str:
    line = line.replace("\u00a0", " ").replace("\u200b", "")
    line = "".join(ch for ch in line if ch in "\t" or unicodedata.category(ch) != "Cc")
    return re.sub(r"[ \t]+", " ", line).strip()


def _is_boilerplate(line: str) -> bool:
    return any(p.search(line) for p in _BOILERPLATE)


def _looks_like_heading(line: str) -> bool:
    return len(line) <= TITLE_MAX_CHARS and not line.endswith(_TERMINAL)


def _first_sentence(text: str) -> str:
    match = re.search(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„«\"])", text)
    first = text[: match.start()] if match else text
    if len(first) > TITLE_MAX_CHARS:
        cut = first[:TITLE_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:–- ")
        first = (cut or first[:TITLE_MAX_CHARS].rstrip()) + " …"  # a line of only dashes keeps them
    return first


def _strip_prefix(lines: list[str], meta: dict[str, str]) -> list[str]:
    """Remove the metadata prefix (`` date 2026-01-08 ``, ``Von: dpa``) from the first lines."""
    while lines:
        first = lines[0]
        m = _DATE_PREFIX.match(first)
        d = _DE_DATE_PREFIX.match(first) if not m else None
        if m:
            meta.setdefault("date", m.group(1))
            first = first[m.end():]
        elif d:
            day, month, year = (int(g) for g in d.groups())
            meta.setdefault("date", f"{year:04d}-{month:02d}-{day:02d}")
            first = first[d.end():]
        b = _BYLINE.match(first)
        if b:
            meta.setdefault("source", b.group(1))
            first = ""
        if first == lines[0]:
            break
        lines = ([first] if first else []) + lines[1:]
    return lines


def _join_paragraphs(lines: list[str]) -> str:
    """Join paragraphs with blank lines; a subheading stays on the line above its paragraph."""
    parts: list[str] = []
    for i, line in enumerate(lines):
        if i:
            parts.append("\n" if _looks_like_heading(lines[i - 1]) else "\n\n")
        parts.append(line)
    return "".join(parts)


def parse_article(text: str, article_id: str, *, name: str | None = None) -> Article:
    """Parse one article file's text; raise ``CorpusError`` (naming ``name``, the file, if given)
    if nothing readable remains."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_clean_line(raw) for raw in text.split("\n")]
    lines = [line for line in lines if line]
    meta: dict[str, str] = {}
    lines = _strip_prefix(lines, meta)
    kept: list[str] = []
    for line in lines:
        if _SOURCES_HEADING.match(line):
            break  # the trailing list of outlet names and anything after it is not content
        if not _is_boilerplate(line):
            kept.append(line)
    if not kept:
        raise CorpusError(f"{name or article_id}: no article text left after removing boilerplate; check the file's content.")
    title_derived = not _looks_like_heading(kept[0]) or len(kept) == 1
    title = _first_sentence(kept[0]) if title_derived else kept[0]
    body_lines = kept if title_derived else kept[1:]
    body = _join_paragraphs(body_lines)
    source = meta.get("source")
    if source is None:
        m = next((_DATELINE.match(line) for line in body_lines[:3] if _DATELINE.match(line)), None)
        source = m.group(1) if m else None
    return Article(
        id=article_id,
        title=title,
        body=body,
        date=meta.get("date"),
        source=source,
        meta={"title_derived": title_derived, "parser_version": PARSER_VERSION},
    )


class TextLoader:
    """``.txt`` and ``.md`` files: one article per file, its id the file name without the suffix."""

    suffixes: tuple[str, ...] = (".txt", ".md")
    version: int = PARSER_VERSION

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]:
        """Decode and parse one file; return its article and any decoding warning."""
        text, warning = decode_bytes(data, name)
        if not text.strip():  # after decoding, so that a lone BOM or Unicode spaces count as empty
            raise CorpusError(f"{name}: file is empty; skipped.")
        return [parse_article(text, article_id, name=name)], [warning] if warning else []
