"""Follow an index while serving: reload the assistant when its ``manifest.json`` (or database generation) changes."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from rag.errors import RagError
from rag.store.manifest import MANIFEST

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int, int]
_UNSEEN = object()  # before the first check: always ask the assistant once


class Reloadable(Protocol):
    """What the watcher needs from ``rag.Assistant``."""

    index_dir: Path

    @property
    def manifest(self) -> dict[str, Any]: ...

    def reload(self) -> bool: ...


def manifest_stamp(index_dir: Path) -> Stamp | None:
    """Device, inode, size and mtime of ``manifest.json`` (None if absent): a cheap change marker."""
    try:
        st = os.stat(index_dir / MANIFEST)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class IndexWatcher:
    """Polls the index in a daemon thread and switches the assistant to each new snapshot.

    Only a changed manifest stamp triggers ``reload()``, which derives the new state while requests
    are still answered from the old one. A snapshot that cannot be served (stale, corrupt, pruned
    while loading) is logged once and skipped: the old one stays, and the next change is tried.
    """

    def __init__(self, assistant: Reloadable, *, interval: float = 2.0) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be > 0 seconds, got {interval!r}")
        self.assistant = assistant
        self.interval = interval
        self.reloads = 0
        self.failures = 0
        self._seen: object = _UNSEEN
        self._check_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """One poll: reload if the manifest changed since the last poll; True if the assistant switched."""
        with self._check_lock:
            stamp = self._stamp()  # before reading it: a later change is seen next time
            if stamp == self._seen:
                return False
            self._seen = stamp
            serving = self.assistant.manifest.get("snapshot")
            try:
                switched = self.assistant.reload()
            except (RagError, OSError) as exc:
                self.failures += 1
                log.warning("The index in %s changed but cannot be served; still serving %s until it changes "
                            "again: %s", self.assistant.index_dir, serving, exc)
                return False
            except Exception:  # noqa: BLE001 - the watcher must outlive any one bad snapshot
                self.failures += 1
                log.exception("Reloading the index in %s failed; still serving %s until it changes again",
                              self.assistant.index_dir, serving)
                return False
            if switched:
                self.reloads += 1
                log.info("Now serving index snapshot %s (was %s).", self.assistant.manifest.get("snapshot"), serving)
            return switched

    def _stamp(self) -> object:
        """The store's own change marker (a database generation), else the manifest file's stamp."""
        own = getattr(getattr(self.assistant, "store", None), "stamp", None)
        if own is None:
            return manifest_stamp(self.assistant.index_dir)
        try:
            return ("generation", own())
        except Exception:  # noqa: BLE001 - an unreachable database: reload() says why, once
            return None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def start(self) -> IndexWatcher:
        """Start polling every ``interval`` seconds in a daemon thread (once; later calls do nothing)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rag-index-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop polling and wait (up to ``timeout`` seconds) for a reload in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> IndexWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
