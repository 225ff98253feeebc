"""``rag ingest --ray [ADDRESS]``: passages and sentences embedded by a pool of Ray actors (Ray Data).

The build is the ordinary one (``build_index``: reading, chunking, reuse of unchanged articles,
vocabulary, BM25, the one-transaction write); only its heavy step, embedding the new articles'
passages and sentences (e5) and passages (USE), runs on Ray: ``map_batches`` over the texts with an
actor pool, each actor loading the encoders once. Without an address a local Ray is started with
``num_cpus=2`` and shut down afterwards; every process it started is then checked gone by pid
(Ray can leave a worker behind) and killed if not.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.models.base import PassageEncoder, TextEncoder

LOCAL_CPUS = 2
BATCH = 32


def real_encoders(model: str) -> tuple[PassageEncoder, TextEncoder]:
    """The e5 passage encoder and USE, as a build uses them (run inside each actor)."""
    from rag.models.embed import Embedder
    from rag.models.use import UseEncoder

    return Embedder(model), UseEncoder()


class _EmbedActor:
    """One Ray actor: loads the encoders once, then embeds batches of texts."""

    make: Callable[[], tuple[PassageEncoder, TextEncoder | None]]  # set on a subclass per job: no constructor args

    def __init__(self) -> None:
        self.e5, self.second = type(self).make()
        self.use_dim = 0 if self.second is None else int(np.asarray(self.second.encode(["."])).shape[1])

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        e5 = np.asarray(self.e5.encode_passages(texts, batch_size=BATCH), dtype=np.float32)
        out = {"i": batch["i"], "e5": e5, "pid": np.full(len(texts), os.getpid())}
        if self.second is not None:
            wanted = np.asarray(batch["passage"], dtype=bool)
            use = np.zeros((len(texts), self.use_dim), dtype=np.float32)
            if wanted.any():
                use[wanted] = np.asarray(self.second.encode([t for t, w in zip(texts, wanted) if w]), dtype=np.float32)
            out["use"] = use
        return out


@dataclass
class RayReport:
    """What the Ray session did: actors used, texts embedded, processes started and killed afterwards."""

    address: str
    workers: int
    texts: int = 0
    actor_pids: set[int] = field(default_factory=set)
    started_pids: set[int] = field(default_factory=set)
    killed_pids: set[int] = field(default_factory=set)
    seconds: float = 0.0


@contextlib.contextmanager
def ray_session(address: str | None, report: RayReport) -> Iterator[Any]:
    """``ray.init`` (local with ``num_cpus=2`` when no address), then shutdown and a check by pid."""
    import psutil
    import ray
    import ray.data

    logging.getLogger("ray").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ray\.")  # Ray's own, about its own
    local = address in (None, "", "local")
    # Ray Data's actor pools trip a C++ notice about constructor arguments (ray-project/ray#53727) on stderr
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    ray.init(address=None if local else address, num_cpus=LOCAL_CPUS if local else None, include_dashboard=False,
             log_to_driver=False, logging_level=logging.ERROR, configure_logging=True)
    for name in ("ray", "ray.data", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield ray
    finally:
        report.started_pids = {p.pid for p in psutil.Process().children(recursive=True)}
        ray.shutdown()
        report.killed_pids = _reap(report.started_pids)


def _reap(pids: set[int], timeout: float = 15.0) -> set[int]:
    """Wait for the processes to end; SIGKILL those still there after ``timeout``; return the killed."""
    import psutil

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    killed = {p for p in pids if alive(p)}
    for pid in killed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return killed


class RayEmbedding:
    """The embedding step of ``build_index`` on Ray: pass as ``build_index(..., embed=RayEmbedding(...))``."""

    def __init__(self, address: str | None, *, model: str, workers: int = LOCAL_CPUS,
                 make: Callable[[], tuple[PassageEncoder, TextEncoder | None]] | None = None) -> None:
        from functools import partial

        self.report = RayReport(address or "local", workers)
        self.address = address
        self.make = make or partial(real_encoders, model)

    def __call__(self, parts: Sequence[Any], embedder: PassageEncoder, second: TextEncoder | None,
                 progress: bool) -> int:
        """Fill ``part.vectors`` of the parts that have none; return how many texts were embedded."""
        todo = [p for p in parts if p.vectors is None]
        rows = [(t, True) for p in todo for t in (c.text for c in p.chunks)]
        rows += [(s.text, False) for p in todo for s in p.sentences]
        if not rows:
            return 0
        started = time.perf_counter()
        with ray_session(self.address, self.report) as ray:
            items = [{"i": i, "text": t, "passage": w} for i, (t, w) in enumerate(rows)]
            actor = type("EmbedActor", (_EmbedActor,), {"make": staticmethod(self.make)})
            data = ray.data.from_items(items).map_batches(
                actor, batch_size=BATCH, num_cpus=1,
                compute=ray.data.ActorPoolStrategy(size=self.report.workers))
            out = data.take_all()
        self.report.seconds = time.perf_counter() - started
        self.report.actor_pids = {int(r["pid"]) for r in out}
        order = np.argsort([int(r["i"]) for r in out])
        e5 = np.stack([out[j]["e5"] for j in order]).astype(np.float32)
        use = np.stack([out[j]["use"] for j in order]).astype(np.float32) if "use" in out[0] else None
        n_chunks = sum(len(p.chunks) for p in todo)
        c_cursor, s_cursor = 0, n_chunks
        for part in todo:
            n_c, n_s = len(part.chunks), len(part.sentences)
            part.vectors = {"chunks": e5[c_cursor:c_cursor + n_c], "sentences": e5[s_cursor:s_cursor + n_s]}
            if use is not None:
                part.vectors["use"] = use[c_cursor:c_cursor + n_c]
            c_cursor += n_c
            s_cursor += n_s
        self.report.texts = len(rows)
        return len(rows)
