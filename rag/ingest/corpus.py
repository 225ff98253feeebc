"""A corpus folder: which files it holds, their hashes, and every article read from them.

One bad file is reported by name and never stops the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import CorpusError
from rag.ingest.loaders import Loader, article_id_of, default_loaders, loader_for
from rag.ingest.textfile import PARSER_VERSION
from rag.types import Article

MAX_FILE_BYTES = 5_000_000


@dataclass
class LoadReport:
    """Outcome of loading a corpus folder: the articles, the file each came from, one message per problem."""

    articles: list[Article] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # article id → file name
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def corpus_files(seeds_dir: Path, loaders: Sequence[Loader] | None = None) -> list[Path]:
    """The article files of a corpus folder (those a loader reads), sorted by name."""
    loaders = default_loaders() if loaders is None else loaders
    if not seeds_dir.is_dir():
        raise CorpusError(f"Corpus folder {seeds_dir} does not exist; create it and put articles in it.")
    return sorted(
        p for p in seeds_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and loader_for(p, loaders) is not None
    )


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refusing files over ``MAX_FILE_BYTES``; errors name the file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"{path.name}: {size} bytes is larger than the {MAX_FILE_BYTES}-byte limit for one article; split it.")
        return path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path.name}: cannot be read ({exc.strerror}); check its permissions.") from exc


def read_articles(path: Path, loaders: Sequence[Loader] | None = None) -> tuple[list[Article], list[str]]:
    """Read one file with the loader for its format; return its articles and warnings."""
    loader = loader_for(path, default_loaders() if loaders is None else loaders)
    if loader is None:
        raise CorpusError(f"{path.name}: no loader reads this kind of file; convert it to a supported format.")
    return loader.load(read_bytes(path), path.name, article_id_of(path, loader))


def read_article(path: Path) -> tuple[Article, str | None]:
    """Read a one-article file; return the article and a warning, if any."""
    articles, warnings = read_articles(path)
    return articles[0], (warnings[0] if warnings else None)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_hashes(seeds_dir: Path, loaders: Sequence[Loader] | None = None) -> dict[str, str]:
    """Map file name → content hash for every article file in the folder."""
    return {p.name: file_hash(p) for p in corpus_files(seeds_dir, loaders)}


def corpus_hash(hashes: dict[str, str]) -> str:
    """One hash over all file names and their content hashes."""
    digest = hashlib.sha256(f"parser={PARSER_VERSION}\n".encode())
    for name in sorted(hashes):
        digest.update(f"{name}\t{hashes[name]}\n".encode())
    return digest.hexdigest()


def load_corpus(seeds_dir: Path, loaders: Sequence[Loader] | None = None) -> LoadReport:
    """Load every article in the folder; a bad file is reported and never stops the others."""
    report = LoadReport()
    loaders = default_loaders() if loaders is None else loaders
    for path in corpus_files(seeds_dir, loaders):
        stem = article_id_of(path, loader_for(path, loaders))  # type: ignore[arg-type]
        if stem in report.files:
            report.errors.append(f"{path.name}: another file already has the article id {stem!r}; rename one of them.")
            continue
        try:
            articles, warnings = read_articles(path, loaders)
        except CorpusError as exc:
            (report.warnings if "file is empty" in str(exc) else report.errors).append(str(exc))
            continue
        report.warnings += warnings
        for article in articles:
            if article.id in report.files:
                report.errors.append(f"{path.name}: {report.files[article.id]} already has the article id "
                                     f"{article.id!r}; rename one of them.")
                continue
            report.files[article.id] = path.name
            report.articles.append(article)
    return report
