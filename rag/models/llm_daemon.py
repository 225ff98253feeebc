"""The local language model kept running between commands (``rag llm start|stop|status``), for ``open_llm`` to reuse.

The server (``python -m rag.models.llm_server --detached``) runs in a session of its own on 127.0.0.1; its
pid, port and model are recorded in ``runtime_dir()/llm.json``, which counts only while that pid runs it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.config import runtime_dir
from rag.errors import LLMError

SERVER_MODULE = "rag.models.llm_server"


@dataclass(frozen=True)
class DaemonInfo:
    """A started server: its pid, loopback port, GGUF file, threads and start time (seconds since the epoch)."""

    pid: int
    port: int
    model: str
    threads: int
    started: float

    def __post_init__(self) -> None:
        if self.pid < 2 or not 0 < self.port < 65536 or self.threads < 1:  # os.kill(0 or -1) signals a group
            raise ValueError(f"not a server's record: pid {self.pid}, port {self.port}, threads {self.threads}")

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (``…/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"


def state_path() -> Path:
    """The record of the running server."""
    return runtime_dir() / "llm.json"


def log_path() -> Path:
    """The server's output (written afresh at each start)."""
    return runtime_dir() / "llm.log"


def write_state(info: DaemonInfo) -> None:
    """Record ``info`` atomically: readers see the old record or the new one, never half of one."""
    path = state_path()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_state() -> DaemonInfo | None:
    """The recorded server, or None when there is no record or it is damaged."""
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
        return DaemonInfo(int(data["pid"]), int(data["port"]), str(data["model"]), int(data["threads"]),
                          float(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remove_state() -> None:
    with contextlib.suppress(OSError):
        state_path().unlink(missing_ok=True)


def cmdline_of(pid: int) -> list[str]:
    """The command line process ``pid`` runs (empty when it is gone, a zombie or not readable)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [arg.decode(errors="replace") for arg in raw.split(b"\0")[:-1]]


def is_our_server(info: DaemonInfo) -> bool:
    """Whether ``info.pid`` still runs a detached ``rag.models.llm_server`` on ``info.port`` (not a reused pid)."""
    try:
        os.kill(info.pid, 0)
    except OSError:  # gone, or another user's: a reused pid, never a server this user started
        return False
    args = cmdline_of(info.pid)
    pairs = set(zip(args, args[1:]))
    return ("-m", SERVER_MODULE) in pairs and ("--port", str(info.port)) in pairs and "--detached" in args


def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False


def find_daemon(timeout: float = 2.0) -> DaemonInfo | None:
    """The recorded server if it is ours and answers within ``timeout`` seconds; a stale record is removed."""
    info = read_state()
    if info is None or not is_our_server(info):
        _remove_state()
        return None
    # ours but silent (busy, or hung): the record stays, so that `rag llm stop` can still end it
    return info if _answers(info.url, timeout) else None


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """One start or stop at a time (two starts would leave one server unrecorded)."""
    try:
        fh = open(runtime_dir() / "llm.lock", "a")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise LLMError(f"cannot use the runtime folder ({exc}); set RAG_RUNTIME_DIR to a writable folder") from exc
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def start_daemon(threads: int | None = None, timeout: float = 180.0) -> DaemonInfo:
    """The running server, else a new one started for the provisioned model once it answers."""
    from rag.models.llm import gguf_path, is_provisioned
    from rag.models.llm_server import _free_port, configured_threads, pick_threads

    with _lock():
        running = find_daemon()
        if running is not None:
            return running
        silent = read_state()
        if silent is not None:
            raise LLMError(f"the language model server (pid {silent.pid}) runs but does not answer at {silent.url}; "
                           f"see {log_path()}, and run `rag llm stop` before starting it again")
        if not is_provisioned():
            raise LLMError("the local language model is not provisioned; run `rag llm provision` (1.1 GB, once)")
        threads = threads or configured_threads() or pick_threads()
        model, port, log = gguf_path(), _free_port(), log_path()
        with open(log, "wb") as out:
            proc = subprocess.Popen(  # in a session of its own: the terminal's Ctrl-C and hang-up miss it
                [sys.executable, "-m", SERVER_MODULE, "--model", str(model), "--port", str(port),
                 "--threads", str(threads), "--detached"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        info = DaemonInfo(proc.pid, port, str(model), threads, time.time())
        try:
            deadline = time.monotonic() + timeout
            while not _answers(info.url, 2.0):
                if proc.poll() is not None:
                    raise LLMError(f"the language model server exited (code {proc.returncode}); see {log}")
                if time.monotonic() >= deadline:
                    raise LLMError(f"the language model server did not answer within {timeout:.0f} s; see {log}")
                time.sleep(0.25)
        except BaseException:  # a failed start or Ctrl-C: no server is left running unrecorded
            if proc.poll() is None:
                _end(proc.pid, 10.0)
            raise
        write_state(info)
        proc.returncode = 0  # handed over to the record: this object must not warn that its child still runs
        return info


def _end(pid: int, timeout: float) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; return once ``pid`` is gone (reaped if it is our child)."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not cmdline_of(pid):  # gone, or a zombie another parent has yet to reap
                return
            time.sleep(0.1)


def stop_daemon(timeout: float = 10.0) -> DaemonInfo | None:
    """Stop the recorded server (SIGTERM, then SIGKILL) and remove its record; what was stopped, or None."""
    with _lock():
        info = read_state()
        if info is None or not is_our_server(info):
            _remove_state()
            return None
        _end(info.pid, timeout)
        _remove_state()
        return info
