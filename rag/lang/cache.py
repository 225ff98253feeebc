"""A disk cache for language tables that are slow to derive from their packages (word lists, lemma dictionaries).

The first use derives the table and writes it with ``marshal`` (atomically); later processes read
it back in a fraction of the time. A missing, damaged or unwritable cache only costs the derivation.
"""

from __future__ import annotations

import logging
import marshal
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_dir() -> Path:
    """Where derived language tables live: ``lang/`` beside the models (``$RAG_MODEL_CACHE``, as in ``rag.config``)."""
    models = os.environ.get("RAG_MODEL_CACHE")
    if models:
        return Path(models) / "lang"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nachrichten-rag" / "models" / "lang"


def cached(name: str, version: str, derive: Callable[[], T], *, folder: Path | None = None) -> T:
    """The table ``derive()`` returns, read from the cache file for ``name`` and ``version`` when there is one."""
    safe = re.sub(r"[^\w.-]+", "_", f"{name}-{version}")
    path = (folder or cache_dir()) / f"{safe}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("ignoring the damaged cache %s (%s); deriving it again", path, exc)
    table = derive()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{safe}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(table, fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:  # ValueError: a table marshal cannot write
        log.info("cannot cache %s in %s: %s", name, path.parent, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return table
