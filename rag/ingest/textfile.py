"""Plain-text news files: parse messy scraped text into clean ``Article`` records.

``parse_article`` is pure (text in, Article out); ``TextLoader`` applies it to a file's bytes.
Decoding: UTF-8 (a BOM is dropped); a file that is not valid UTF-8 is decoded as Windows-1252
(the usual legacy encoding of German text) with a warning; a file that is neither, or that
contains NUL bytes, is rejected with a ``CorpusError`` naming it.
"""

from __future__ import annotations

import re
import unicodedata

from rag.errors import CorpusError
from rag.ingest.headers import HEADER_LINES, read_footer, read_header
from rag.types import Article

PARSER_VERSION = 2  # 2: the header/footer table of headers.py (dates with time, bylines with authors)

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


def _strip_header(lines: list[str], meta: dict[str, object]) -> list[str]:
    """Remove the header lines of ``headers.HEADER_FORMS`` (dates, bylines) from the top lines, keeping what they say."""
    out: list[str] = []
    for i, line in enumerate(lines):
        while i < HEADER_LINES and line:
            found = read_header(line)
            if found is None:
                break
            values, line = found
            for key, value in values.items():
                meta.setdefault(key, value)
        if line:
            out.append(line)
    return out


def _strip_footer(lines: list[str], meta: dict[str, object]) -> list[str]:
    """Remove the footer lines of ``headers.FOOTER_FORMS`` ("Quelle: …", "© dpa") from the last lines."""
    while len(lines) > 1:
        found = read_footer(lines[-1])
        if found is None:
            break
        for key, value in found.items():
            meta.setdefault(key, value)
        lines = lines[:-1]
    return lines


def _join_paragraphs(lines: list[str]) -> str:
    """Join paragraphs with blank lines; a subheading stays on the line above its paragraph."""
    parts: list[str] = []
    for i, line in enumerate(lines):
        if i:
            parts.append("\n" if _looks_like_heading(lines[i - 1]) else "\n\n")
        parts.append(line)
    return "".join(parts)


def parse_article(text: str, article_id: str, *, name: str | None = None, language: str | None = None) -> Article:
    """Parse one article file's text; raise ``CorpusError`` (naming ``name``, the file, if given)
    if nothing readable remains."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_clean_line(raw) for raw in text.split("\n")]
    lines = [line for line in lines if line]
    meta: dict[str, object] = {}
    lines = _strip_header(lines, meta)
    kept: list[str] = []
    for line in lines:
        if _SOURCES_HEADING.match(line):
            break  # the trailing list of outlet names and anything after it is not content
        if not _is_boilerplate(line):
            kept.append(line)
    kept = _strip_footer(kept, meta)
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
        date=meta.get("date"),  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        meta={"title_derived": title_derived, "parser_version": PARSER_VERSION},
        authors=tuple(meta.get("authors", ())),  # type: ignore[arg-type]
        language=language,
    )


class TextLoader:
    """``.txt`` files: one article per file, its id the file name without the suffix."""

    suffixes: tuple[str, ...] = (".txt", ".text")
    version: int = PARSER_VERSION

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]:
        """Decode and parse one file; return its article and any decoding warning."""
        text, warning = decode_bytes(data, name)
        if not text.strip():  # after decoding, so that a lone BOM or Unicode spaces count as empty
            raise CorpusError(f"{name}: file is empty; skipped.")
        return [parse_article(text, article_id, name=name)], [warning] if warning else []
