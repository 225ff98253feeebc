"""The loader interface: one loader per file format, chosen by the file's name, all giving ``Article``s."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from rag.ingest.textfile import TextLoader
from rag.types import Article


class Loader(Protocol):
    """Reads the bytes of one file (of the formats named by ``suffixes``) into articles.

    ``article_id`` is the id for a file holding one article; a file holding several (a feed, an
    export) derives stable ids from it. Problems that skip the whole file raise ``CorpusError``
    naming it; the returned strings are warnings about what was read.
    """

    suffixes: tuple[str, ...]
    version: int

    def load(self, data: bytes, name: str, article_id: str) -> tuple[list[Article], list[str]]: ...


def default_loaders() -> tuple[Loader, ...]:
    """The loaders a corpus folder is read with."""
    return (TextLoader(),)


def loader_for(path: Path, loaders: Sequence[Loader]) -> Loader | None:
    """The loader whose suffix the file name ends with (longest suffix wins), or None."""
    name = path.name.lower()
    matches = [(len(s), loader) for loader in loaders for s in loader.suffixes if name.endswith(s)]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def article_id_of(path: Path, loader: Loader) -> str:
    """The file name without the loader's suffix: ``a.html.gz`` → ``a``."""
    name = path.name
    suffix = max((s for s in loader.suffixes if name.lower().endswith(s)), key=len, default="")
    return name[: len(name) - len(suffix)] if suffix else path.stem
