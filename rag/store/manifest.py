"""The manifest of an index folder: read and validated, compared with settings, and the build lock."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.config import FORMAT_VERSION, Settings
from rag.errors import CorruptIndexError, IndexMissingError

MANIFEST = "manifest.json"
LOCK = ".build.lock"
FIX = "run `rag ingest --rebuild` to build it anew"


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync(path: Path) -> None:
    """Flush a file's or a folder's entries to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock so that two builds never write the same index at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """Read ``manifest.json``; raise a clear error if it is missing or unreadable."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"No index in {index_dir}: run `rag ingest` to build it.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptIndexError(f"{path} is unreadable ({exc}); {FIX}.") from exc
    if not isinstance(manifest, dict) or not _valid_layout(manifest.get("snapshot"), manifest.get("files")):
        raise CorruptIndexError(f"{path} is not a valid index manifest; {FIX}.")
    return manifest


def _valid_layout(snapshot: object, files: object) -> bool:
    """A plain snapshot folder name, and a size and hash for each file (inside the snapshot)."""
    if not isinstance(snapshot, str) or snapshot in ("", ".", "..") or Path(snapshot).name != snapshot:
        return False
    return isinstance(files, dict) and all(
        isinstance(name, str) and ".." not in Path(name).parts and not Path(name).is_absolute()
        and isinstance(info, dict) and type(info.get("bytes")) is int and isinstance(info.get("sha256"), str)
        for name, info in files.items()
    )


def manifest_mismatch(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why an index cannot serve these settings (format, model, chunking), or None."""
    if manifest.get("format_version") != FORMAT_VERSION:
        return f"index format {manifest.get('format_version')} != {FORMAT_VERSION}"
    model = manifest.get("model", {}).get("id")
    if model != settings.model:
        return f"index was built with model {model!r}, settings ask for {settings.model!r}"
    if manifest.get("chunking") != settings.chunking():
        return f"index chunking {manifest.get('chunking')} != settings {settings.chunking()}"
    return None


def serving_snapshot(index_dir: Path) -> str | None:
    """The snapshot the current manifest names, or None."""
    try:
        return str(read_manifest(index_dir)["snapshot"])
    except (IndexMissingError, CorruptIndexError):
        return None
