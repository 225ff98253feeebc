"""What a file really is: bounded gzip inflation and content sniffing, so a mislabelled file is caught.

Pure functions over bytes. ``inflate`` refuses gzip bombs (it stops as soon as the output passes
the limit, without inflating the rest); ``sniff`` names the format the bytes look like, whatever
the file's name says.
"""

from __future__ import annotations

import re
import zlib

from rag.errors import CorpusError

GZIP_MAGIC = b"\x1f\x8b"

# Binary formats a news corpus meets, by their magic bytes: (prefix, kind, what to do).
_BINARY: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "a PDF document", "convert it to text first (e.g. `pdftotext FILE.pdf FILE.txt`)"),
    (b"PK\x03\x04", "a ZIP archive (DOCX, ODT, EPUB or similar)",
     "save it as plain text, HTML or Markdown from its application"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document", "save it as plain text, HTML or Markdown"),
    (b"{\\rtf", "an RTF document", "save it as plain text or Markdown"),
    (b"\x89PNG", "a PNG image", "images carry no article text; remove it or add the article's text"),
    (b"\xff\xd8\xff", "a JPEG image", "images carry no article text; remove it or add the article's text"),
    (b"GIF8", "a GIF image", "images carry no article text; remove it or add the article's text"),
    (b"RIFF", "a RIFF media file (WebP, WAV, AVI)", "media files carry no article text; remove it"),
    (b"\x7fELF", "a program", "remove it from the corpus folder"),
)
# Name endings of files no loader reads, with the advice for each (reported by name, never silently skipped).
UNSUPPORTED_SUFFIXES: dict[str, str] = {
    ".pdf": "PDF is not read: convert it to text first (e.g. `pdftotext FILE.pdf FILE.txt`)",
    ".docx": "Word documents are not read: save it as plain text, HTML or Markdown",
    ".doc": "Word documents are not read: save it as plain text, HTML or Markdown",
    ".odt": "OpenDocument text is not read: save it as plain text, HTML or Markdown",
    ".rtf": "RTF is not read: save it as plain text or Markdown",
    ".epub": "EPUB is not read: convert it to HTML or text",
    ".json": "a single JSON document is not read: write one article per line as JSON Lines (.jsonl)",
    ".csv": "CSV is not read: convert it to JSON Lines (.jsonl), one article per line",
}
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>])",
                         re.IGNORECASE | re.DOTALL)
_FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?xml-stylesheet[^>]*>\s*|<!DOCTYPE[^>]*>\s*)*"
                         rb"<(?:\w+:)?(?:rss|feed|RDF)[\s>]", re.DOTALL)
_XML_START = re.compile(rb"^\s*<\?xml", re.IGNORECASE)


def is_gzip(data: bytes) -> bool:
    """Whether the bytes are gzip-compressed."""
    return data[:2] == GZIP_MAGIC


def inflate(data: bytes, name: str, limit: int) -> bytes:
    """Decompress gzip bytes, refusing output over ``limit`` bytes (a gzip bomb) or a broken stream."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise CorpusError(f"{name}: broken gzip data ({exc}); re-download or re-compress the file.") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise CorpusError(f"{name}: inflates to more than {limit:,} bytes (a gzip bomb or an oversized page); "
                          "it was not unpacked. Remove it, or split it into smaller files.")
    if not inflater.eof:
        raise CorpusError(f"{name}: the gzip data is cut off; re-download or re-compress the file.")
    return out


def binary_kind(data: bytes) -> tuple[str, str] | None:
    """(what the bytes are, what to do) for a known binary format, else None."""
    head = data[:16]
    for prefix, kind, advice in _BINARY:
        if head.startswith(prefix):
            return kind, advice
    return None


def sniff(data: bytes) -> str:
    """The format the bytes look like: ``binary``, ``html``, ``feed``, ``xml``, ``jsonl`` or ``text``."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if binary_kind(head) is not None or is_gzip(head):
        return "binary"
    if _FEED_START.match(head):
        return "feed"
    if _HTML_START.match(head):
        return "html"
    if _XML_START.match(head):
        return "xml"
    if head.lstrip().startswith(b"{"):
        return "jsonl"
    return "text"


def refuse_binary(data: bytes, name: str) -> None:
    """Raise ``CorpusError`` naming the file if its bytes are a known binary format."""
    found = binary_kind(data)
    if found is not None:
        kind, advice = found
        raise CorpusError(f"{name}: is {kind}, not what its name says; {advice}.")
