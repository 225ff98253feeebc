"""Is an index up to date with its corpus folder and settings? Open it, building or updating it first if not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import CorruptIndexError, IndexMissingError, StaleIndexError
from rag.ingest.corpus import corpus_hashes
from rag.ingest.loaders import default_loaders, versions
from rag.models.base import PassageEncoder
from rag.store.manifest import manifest_mismatch, read_manifest
from rag.store.base import Store
from rag.store.snapshot import FaissStore


def corpus_changes(manifest: dict[str, Any], seeds_dir: Path) -> list[str]:
    """Human-readable differences between the indexed corpus and the folder now."""
    before: dict[str, str] = manifest.get("corpus", {}).get("files", {})
    now = corpus_hashes(seeds_dir, exclude=excludes_of(manifest))
    changes = [f"added {n}" for n in sorted(now.keys() - before.keys())]
    changes += [f"removed {n}" for n in sorted(before.keys() - now.keys())]
    changes += [f"changed {n}" for n in sorted(now.keys() & before.keys()) if now[n] != before[n]]
    parsers = manifest.get("corpus", {}).get("parsers")
    if parsers is not None and parsers != versions(default_loaders()):
        changes.append("the file parsers were updated")
    return changes


def excludes_of(manifest: dict[str, Any]) -> list[str]:
    """The exclude globs an index was built with."""
    found = manifest.get("corpus", {}).get("exclude", [])
    return [str(p) for p in found] if isinstance(found, list) else []


def check_fresh(manifest: dict[str, Any], settings: Settings, seeds_dir: Path | None) -> None:
    """Raise ``StaleIndexError`` if the index does not match the settings or the corpus folder."""
    reason = manifest_mismatch(manifest, settings)
    if reason is None and seeds_dir is not None:
        changes = corpus_changes(manifest, seeds_dir)
        if changes:
            reason = "corpus changed since the index was built: " + ", ".join(changes[:10])
    if reason:
        raise StaleIndexError(f"Stale index ({reason}); run `rag ingest` to update it.")


def corpus_of(index_dir: Path, default: Path) -> Path:
    """The corpus folder an index was built from (if that folder still exists), else ``default``."""
    try:
        recorded = Path(read_manifest(index_dir)["corpus"]["dir"])
    except (IndexMissingError, CorruptIndexError, KeyError, TypeError):
        return default
    return recorded if recorded.is_dir() else default


def open_index(
    index_dir: Path, *, settings: Settings, seeds_dir: Path | None, embedder: PassageEncoder,
    build: bool = True, progress: bool = False,
) -> FaissStore:
    """Open a fresh index, building or updating it first when it is missing, stale or damaged."""
    try:
        manifest = read_manifest(index_dir)
        check_fresh(manifest, settings, seeds_dir)
        return FaissStore.open(index_dir, manifest)
    except (IndexMissingError, StaleIndexError, CorruptIndexError):
        if not build or seeds_dir is None:
            raise
    exclude: list[str] = []
    try:
        manifest = read_manifest(index_dir)
        if Path(str(manifest.get("corpus", {}).get("dir", ""))).resolve() == seeds_dir.resolve():
            exclude = excludes_of(manifest)
    except (IndexMissingError, CorruptIndexError, AttributeError):
        pass
    from rag.ingest.build import build_index  # chunking and its libraries load only for a build

    build_index(seeds_dir, index_dir, settings=settings, embedder=embedder, progress=progress, exclude=exclude)
    return FaissStore.open(index_dir)


def open_store(
    url: str, *, settings: Settings, seeds_dir: Path | None, embedder: PassageEncoder, build: bool = True,
    progress: bool = False,
) -> Store:
    """Open the PostgreSQL store at ``url``, building or updating it from ``seeds_dir`` first when it is
    empty or stale. Without ``seeds_dir`` the corpus is not compared (an app replica serves what is there)."""
    from rag.store.pgschema import make_pool
    from rag.store.postgres import PostgresStore

    pool = make_pool(url)
    try:
        exclude: list[str] = []
        try:
            store = PostgresStore.open(url, pool=pool)
            recorded = Path(str(store.manifest.get("corpus", {}).get("dir", "")))
            if seeds_dir is not None and recorded.resolve() == seeds_dir.resolve():
                exclude = excludes_of(store.manifest)  # the same corpus: keep what it kept out
            check_fresh(store.manifest, settings, seeds_dir)
            return store
        except (IndexMissingError, StaleIndexError):
            if not build or seeds_dir is None:
                raise
        from rag.ingest.build import build_index

        build_index(seeds_dir, Path(), settings=settings, embedder=embedder, progress=progress, exclude=exclude,
                    store_url=url)
        return PostgresStore.open(url, pool=pool)
    except BaseException:
        pool.close()
        raise
