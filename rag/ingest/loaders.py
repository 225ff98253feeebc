"""The loader interface: one loader per file format, chosen by the file's name, all giving ``Article``s.

| format | suffixes (each also gzip-compressed, ``.gz``) | module | articles per file |
|---|---|---|---|
| plain text | ``.txt`` | ``textfile.py`` | one |
| Markdown | ``.md``, ``.markdown`` | ``markdown.py`` | one |
| HTML page | ``.html``, ``.htm``, ``.xhtml`` | ``html.py`` (trafilatura) | one |
| RSS/Atom feed | ``.xml``, ``.rss``, ``.atom`` | ``feed.py`` (feedparser) | one per entry |
| JSON Lines export | ``.jsonl``, ``.ndjson`` | ``jsonl.py`` | one per line |

A file whose bytes are another format than its name says is read by the loader for what it is
(with a warning) when that is HTML or a feed, and refused by name when it is a binary format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from rag.ingest.feed import FeedLoader
from rag.ingest.html import HtmlLoader
from rag.ingest.jsonl import JsonlLoader
from rag.ingest.markdown import MarkdownLoader
from rag.ingest.textfile import TextLoader
from rag.types import Article

GZIP_SUFFIX = ".gz"


class Loader(Protocol):
    """Reads the bytes of one file (of the formats named by ``suffixes``) into articles.

    ``article_id`` is the id for a file holding one article; a file holding several (a feed, an
    export) derives stable ids from it. Problems that skip the whole file raise ``CorpusError``
    naming it; the returned strings are warnings about what was read. Optional attributes:
    ``kinds`` (what ``sniff`` calls the content this loader reads) and ``max_bytes``.
    """

    suffixes: tuple[str, ...]
    version: int

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]: ...


def default_loaders() -> tuple[Loader, ...]:
    """The loaders a corpus folder is read with."""
    return (TextLoader(), MarkdownLoader(), HtmlLoader(), FeedLoader(), JsonlLoader())


def _plain_name(path: Path) -> str:
    """The lower-case file name without a trailing ``.gz``."""
    name = path.name.lower()
    return name[: -len(GZIP_SUFFIX)] if name.endswith(GZIP_SUFFIX) and len(name) > len(GZIP_SUFFIX) else name


def loader_for(path: Path, loaders: Sequence[Loader]) -> Loader | None:
    """The loader whose suffix the file name ends with (longest suffix wins; ``.gz`` is looked through), or None."""
    names = {path.name.lower(), _plain_name(path)}
    matches = [(len(s), loader) for loader in loaders for s in loader.suffixes for n in names if n.endswith(s)]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def loader_of_kind(kind: str, loaders: Sequence[Loader]) -> Loader | None:
    """The loader that reads content ``sniff`` calls ``kind`` (``html``, ``feed``), or None."""
    return next((loader for loader in loaders if kind in getattr(loader, "kinds", ())), None)


def article_id_of(path: Path, loader: Loader) -> str:
    """The file name without the loader's suffix (and ``.gz``): ``a.html.gz`` → ``a``."""
    name = path.name
    if name.lower().endswith(GZIP_SUFFIX) and not any(name.lower().endswith(s) for s in loader.suffixes):
        name = name[: -len(GZIP_SUFFIX)]
    suffix = max((s for s in loader.suffixes if name.lower().endswith(s)), key=len, default="")
    return name[: len(name) - len(suffix)] if suffix and len(name) > len(suffix) else Path(name).stem


def versions(loaders: Sequence[Loader]) -> dict[str, int]:
    """Each loader's parser version by class name (recorded in the manifest: a new parser re-reads the files)."""
    return {type(loader).__name__: int(loader.version) for loader in loaders}
