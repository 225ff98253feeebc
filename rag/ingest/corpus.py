"""A corpus folder: which files it holds, their hashes, and every article read from them.

The folder is read recursively. A file is an article file when a loader reads its format; it is
skipped, and reported by name with the reason, when it is hidden (``.name``), documentation
(README, LICENSE, …), matched by an exclude glob (``--exclude`` or the folder's ``.ragignore``),
or of a format no loader reads (PDF, DOCX, images: the report says what to do). One bad file is
reported by name and never stops the others. Paths are relative to the folder, with ``/``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from rag.errors import CorpusError
from rag.ingest.loaders import Loader, article_id_of, default_loaders, loader_for, loader_of_kind, versions
from rag.ingest.sniff import UNSUPPORTED_SUFFIXES, inflate, is_gzip, refuse_binary, sniff
from rag.types import Article

MAX_FILE_BYTES = 5_000_000  # one-article files; a loader may allow more (``max_bytes``)
IGNORE_FILE = ".ragignore"
SOURCES_FILE = ".rag-sources.json"  # written by `rag add`: relative path → the URL it was fetched from
DOC_FILES = re.compile(r"^(?:readme|licen[cs]e|copying|notice|authors|contributors|contributing|changelog|changes|"
                       r"history|code_of_conduct|security)(?:[._-].*)?$", re.IGNORECASE)


@dataclass
class LoadReport:
    """Outcome of loading a corpus folder: the articles, the file each came from, one message per problem."""

    articles: list[Article] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # article id → file path relative to the folder
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that are no articles, each with the reason


def ignore_patterns(seeds_dir: Path, exclude: Sequence[str] = ()) -> list[str]:
    """The exclude globs: ``exclude`` plus the lines of the folder's ``.ragignore`` (``#`` starts a comment)."""
    patterns = [p.strip() for p in exclude if p.strip()]
    path = seeds_dir / IGNORE_FILE
    if path.is_file():
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        patterns += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return patterns


def excluded(rel: str, patterns: Sequence[str]) -> str | None:
    """The glob that excludes the relative path (matched against the path and the file name), or None."""
    name = rel.rsplit("/", 1)[-1]
    for pattern in patterns:
        folder = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, folder) or fnmatch.fnmatch(name, folder) or rel.startswith(folder + "/"):
            return pattern
    return None


def scan_corpus(seeds_dir: Path, loaders: Sequence[Loader] | None = None,
                exclude: Sequence[str] = ()) -> tuple[list[Path], list[str]]:
    """The article files of a corpus folder, sorted by relative path, and one message per skipped file."""
    loaders = default_loaders() if loaders is None else loaders
    if not seeds_dir.is_dir():
        raise CorpusError(f"Corpus folder {seeds_dir} does not exist; create it and put articles in it.")
    patterns = ignore_patterns(seeds_dir, exclude)
    files: list[Path] = []
    skipped: list[str] = []
    by_pattern: dict[str, list[str]] = {}
    for path in sorted(seeds_dir.rglob("*"), key=lambda p: p.relative_to(seeds_dir).as_posix()):
        rel = path.relative_to(seeds_dir).as_posix()
        if any(part.startswith(".") for part in path.relative_to(seeds_dir).parts) or not path.is_file():
            continue  # hidden files and folders (.ragignore, .git) are never articles; folders are walked
        pattern = excluded(rel, patterns)
        if pattern is not None:
            by_pattern.setdefault(pattern, []).append(rel)
        elif loader_for(path, loaders) is not None and not DOC_FILES.match(path.name):
            files.append(path)
        elif DOC_FILES.match(path.name):
            skipped.append(f"{rel}: documentation, not an article")
        else:
            suffix = path.suffix.lower()
            advice = UNSUPPORTED_SUFFIXES.get(suffix) or (
                f"no loader reads {suffix or 'files without a suffix'}; supported: "
                + ", ".join(sorted({s for loader in loaders for s in loader.suffixes})) + " (also gzip-compressed)")
            skipped.append(f"{rel}: not read — {advice}")
    for pattern, rels in by_pattern.items():  # asked for by the user: one line per glob
        shown = ", ".join(rels[:3]) + (f", … ({len(rels) - 3} more)" if len(rels) > 3 else "")
        skipped.append(f"{rels[0]}: excluded by {pattern!r}" if len(rels) == 1
                       else f"{len(rels)} files excluded by {pattern!r}: {shown}")
    return files, skipped


def corpus_files(seeds_dir: Path, loaders: Sequence[Loader] | None = None, exclude: Sequence[str] = ()) -> list[Path]:
    """The article files of a corpus folder (those a loader reads), sorted by relative path."""
    return scan_corpus(seeds_dir, loaders, exclude)[0]


def _limit(loader: Loader) -> int:
    return int(getattr(loader, "max_bytes", MAX_FILE_BYTES))


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES, name: str | None = None) -> bytes:
    """A file's bytes, refusing files over ``limit``; errors name the file."""
    name = name or path.name
    try:
        size = path.stat().st_size
        if size > limit:
            raise CorpusError(f"{name}: {size:,} bytes is larger than the {limit:,}-byte limit for this kind of file; "
                              "split it into smaller files.")
        return path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{name}: cannot be read ({exc.strerror}); check its permissions.") from exc


def read_articles(path: Path, loaders: Sequence[Loader] | None = None, *,
                  name: str | None = None) -> tuple[list[Article], list[str]]:
    """Read one file with the loader for its format (or for what its bytes really are); return articles and warnings."""
    loaders = default_loaders() if loaders is None else loaders
    name = name or path.name
    loader = loader_for(path, loaders)
    if loader is None:
        raise CorpusError(f"{name}: no loader reads this kind of file; convert it to a supported format.")
    data = read_bytes(path, _limit(loader), name)
    if is_gzip(data):
        data = inflate(data, name, _limit(loader))
    refuse_binary(data, name)
    warnings: list[str] = []
    kind = sniff(data)
    actual = loader_of_kind(kind, loaders) if kind in ("html", "feed") else None
    if actual is not None and actual is not loader:
        warnings.append(f"{name}: holds {'an HTML page' if kind == 'html' else 'an RSS/Atom feed'}, "
                        f"not what its name says; read as such — rename it to silence this.")
        loader = actual
    articles, more = loader.load(data, name, article_id_of(path, loader) if actual is None else _id_any(path))
    return articles, warnings + more


def _id_any(path: Path) -> str:
    """The file name without all its suffixes, for a mislabelled file read by another loader."""
    return path.name.split(".", 1)[0] or path.name


def read_article(path: Path) -> tuple[Article, str | None]:
    """Read a one-article file; return the article and a warning, if any."""
    articles, warnings = read_articles(path)
    return articles[0], (warnings[0] if warnings else None)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_hashes(seeds_dir: Path, loaders: Sequence[Loader] | None = None, exclude: Sequence[str] = ()) -> dict[str, str]:
    """Map relative file path → content hash for every article file in the folder."""
    return {p.relative_to(seeds_dir).as_posix(): file_hash(p) for p in corpus_files(seeds_dir, loaders, exclude)}


def corpus_hash(hashes: dict[str, str], loaders: Sequence[Loader] | None = None) -> str:
    """One hash over the loaders' versions, all file names and their content hashes."""
    parsers = versions(default_loaders() if loaders is None else loaders)
    digest = hashlib.sha256(f"parsers={json.dumps(parsers, sort_keys=True)}\n".encode())
    for name in sorted(hashes):
        digest.update(f"{name}\t{hashes[name]}\n".encode())
    return digest.hexdigest()


def fetched_sources(seeds_dir: Path) -> dict[str, dict[str, str]]:
    """What ``rag add`` recorded: relative path → {"url": …, "fetched_at": …}; {} if none or unreadable."""
    try:
        data = json.loads((seeds_dir / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_corpus(seeds_dir: Path, loaders: Sequence[Loader] | None = None, exclude: Sequence[str] = ()) -> LoadReport:
    """Load every article in the folder; a bad file is reported and never stops the others."""
    report = LoadReport()
    loaders = default_loaders() if loaders is None else loaders
    files, report.skipped = scan_corpus(seeds_dir, loaders, exclude)
    fetched = fetched_sources(seeds_dir)
    by_url: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(seeds_dir).as_posix()
        stem = article_id_of(path, loader_for(path, loaders))  # type: ignore[arg-type]
        if stem in report.files:
            report.errors.append(f"{rel}: {report.files[stem]} already has the article id {stem!r}; rename one of them.")
            continue
        try:
            articles, warnings = read_articles(path, loaders, name=rel)
        except CorpusError as exc:
            (report.warnings if "file is empty" in str(exc) else report.errors).append(str(exc))
            continue
        report.warnings += warnings
        same_url: list[str] = []
        for article in articles:
            if article.url is None and len(articles) == 1 and isinstance(fetched.get(rel), dict) and fetched[rel].get("url"):
                article = replace(article, url=str(fetched[rel]["url"]))
            if article.id in report.files:
                report.errors.append(f"{rel}: {report.files[article.id]} already has the article id "
                                     f"{article.id!r}; rename one of them.")
                continue
            keys = duplicate_keys(article)
            known = next((by_url[k] for k in sorted(keys) if k in by_url), None)
            if known is not None:
                same_url.append(known)
                continue
            by_url.update(dict.fromkeys(keys, f"{article.id} ({rel})"))
            report.files[article.id] = rel
            report.articles.append(article)
        if same_url:
            report.warnings.append(
                f"{rel}: {len(same_url)} of {len(articles)} articles have the url of an article already read "
                f"(first: {same_url[0]}) and were skipped as duplicates; if the file holds nothing else, "
                f"exclude it (`--exclude {rel}` or a line in {IGNORE_FILE}).")
    return report


def duplicate_keys(article: Article) -> set[str]:
    """What makes two articles the same: the same URL, or the same URL path (query ignored) and title.

    URLs are folded (scheme, ``www.``, fragment, trailing slash, percent-encoding, case), so the page
    and a feed/export link to it with tracking parameters (``?ref=rss``) count as one.
    """
    if not article.url:
        return set()
    key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", unquote(article.url.strip()).lower())
    key = re.sub(r"#.*$", "", re.sub(r"^www\.", "", key)).rstrip("/")
    path = key.split("?", 1)[0].rstrip("/")
    title = " ".join(article.title.replace("\u200b", "").casefold().split())
    return {key, f"{path}|{title}"}
