"""The local LLM server: llama.cpp (``xllamacpp``) serving the OpenAI chat API on a loopback port.

It runs in a child process (``python -m rag.models.llm_server``), so that a crash or a stop never
takes the chat down with it and the process can be stopped by pid. ``LocalLLMServer`` starts it,
waits until it answers, and stops it (also at interpreter exit).
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rag.errors import LLMError

MAX_THREADS = 4


def busy_cores(interval: float = 0.25) -> float | None:
    """Cores that other processes keep busy right now (Linux ``/proc/stat`` over ``interval``); None where unreadable.

    Our own process's CPU time in that interval is left out, and so is the past: the load average
    still counts, for minutes, work that has just ended (an index build before ``rag serve``)."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # all, idle + iowait

    try:
        total, idle = sample()
        own, start = time.process_time(), time.monotonic()
        time.sleep(interval)
        total2, idle2 = sample()
        own, elapsed = time.process_time() - own, time.monotonic() - start
    except (OSError, ValueError, IndexError):
        return None
    if total2 <= total or elapsed <= 0:
        return None
    busy = (1 - (idle2 - idle) / (total2 - total)) * (os.cpu_count() or 1)
    return max(0.0, busy - own / elapsed)


def pick_threads(busy: float | None = None) -> int:
    """Threads for the local server: every core when the machine is quiet (other work below half the cores), else 1.

    ``busy``: cores in use by other processes (default: ``busy_cores()``, else the 1-minute load
    average). Measured on 2 cores (2026-12-01): quiet, 2 threads read prompts ~1.8x faster than 1;
    at load average 6, 1 thread answered 2.4-2.6x faster than 2 (the threads wait for each other).
    """
    cores = os.cpu_count() or 1
    if busy is None:
        busy = busy_cores()
    if busy is None:
        busy = os.getloadavg()[0]
    return 1 if busy >= cores / 2 else max(1, min(cores, MAX_THREADS))


CONTEXT = 4096
REMOTE_TIMEOUT = 30.0  # seconds without a reply before a configured endpoint counts as unreachable
LOCAL_TIMEOUT = 180.0  # the local server shares the CPU: on busy cores reading a prompt alone can take a minute


def _number(name: str, default: float, *, minimum: float) -> float:
    """A positive number from the environment variable ``name`` (``default`` when unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise LLMError(f"{name}={raw!r} is not a number of at least {minimum:g}; fix or unset it")
    return value


def configured_threads() -> int | None:
    """``RAG_LLM_THREADS`` as a whole number (None when unset); a bad value raises ``LLMError``."""
    return int(_number("RAG_LLM_THREADS", 0, minimum=1)) or None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalLLMServer:
    """A llama.cpp server over a GGUF file in a child process on 127.0.0.1."""

    def __init__(self, model_path: Path, *, port: int | None = None, threads: int = 2,
                 log_path: Path | None = None) -> None:
        self.model_path = Path(model_path)
        self.port = port or _free_port()
        self.threads = threads
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (``…/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The server process's pid while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def start(self, *, timeout: float = 180.0) -> str:
        """Start the server and wait until it lists its model; return the base URL."""
        if not self.model_path.is_file():
            raise LLMError(f"no model at {self.model_path}; run `rag llm provision`")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "rag.models.llm_server", "--model", str(self.model_path), "--port", str(self.port),
             "--threads", str(self.threads)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise LLMError(f"the local LLM server exited with code {self._proc.returncode}"
                               + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return self.base_url
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise LLMError(f"the local LLM server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(model: Path, port: int, threads: int, *, detached: bool = False) -> None:
    """Run llama.cpp's server in this process until SIGTERM or SIGINT, or (unless ``detached``) its parent is gone."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.port = port
    params.hostnames = ["127.0.0.1"]
    params.n_ctx = CONTEXT
    params.n_parallel = 1
    params.cache_prompt = True
    params.ui = False
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    parent = os.getppid()
    server = xllamacpp.Server(params)  # noqa: F841 - serves while referenced
    # a killed parent cannot stop its server: it is re-parented, which this notices within a second
    while signal.sigtimedwait({signal.SIGTERM, signal.SIGINT}, 1.0) is None:
        if not detached and os.getppid() != parent:
            os._exit(0)  # at once: shutting llama.cpp down can wait for an answer in flight nobody will read


def main(argv: list[str] | None = None) -> None:
    """``python -m rag.models.llm_server --model GGUF --port N [--threads N] [--detached]``."""
    parser = argparse.ArgumentParser(prog="python -m rag.models.llm_server")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--detached", action="store_true", help="outlive the parent process (`rag llm start`)")
    args = parser.parse_args(argv)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    serve(args.model, args.port, args.threads, detached=args.detached)


if __name__ == "__main__":
    main()


def judging() -> bool:
    """``RAG_JUDGE`` read for a command: whether the language model should judge (a bad value: ``LLMError``)."""
    from rag.config import judge_enabled

    try:
        return judge_enabled()
    except ValueError as exc:
        raise LLMError(str(exc)) from exc


def _reuse() -> bool:
    """``RAG_LLM_REUSE`` (``on`` by default): whether ``open_llm`` uses a running ``rag llm start`` server."""
    value = os.environ.get("RAG_LLM_REUSE", "").strip().lower()
    if value not in ("", "on", "off"):
        raise LLMError(f"RAG_LLM_REUSE={value!r} is not 'on' or 'off'; fix or unset it")
    return value != "off"


def open_llm(setting: str | None = None, *, model: str | None = None, log_path: Path | None = None,
             threads: int | None = None, fallback: bool = False):  # noqa: ANN201 - (ChatModel | None, LocalLLMServer | None)
    """The chat model ``RAG_LLM`` asks for, and the local server started for it (stop it when done).

    ``off``: none. A URL: that OpenAI-compatible endpoint (model ``RAG_LLM_MODEL``). ``local``: the
    provisioned local model: the server ``rag llm start`` left running when there is one (then no server
    is returned; ``RAG_LLM_REUSE=off`` ignores it), else one started on a free loopback port
    (``RAG_LLM_THREADS`` threads, else ``pick_threads()``). Unset: ``local`` when it is provisioned. ``RAG_LLM_TIMEOUT``: seconds to wait for a reply (30 for a URL, 180 for the local server).
    A setting that is wrong raises ``LLMError``; a local server that fails to start does too, unless
    ``fallback``: then an ``UnavailableChat`` that names why, so that every answer quotes with a note.
    """
    from rag.models.chat import OpenAIChat, UnavailableChat
    from rag.models.llm import gguf_path, is_provisioned

    setting = (setting if setting is not None else os.environ.get("RAG_LLM", "")).strip()
    model = model or os.environ.get("RAG_LLM_MODEL") or "local"
    if setting.lower() == "off" or (not setting and not is_provisioned()):
        return None, None
    if setting.startswith(("http://", "https://")):
        return OpenAIChat(setting, model=model, timeout=_number("RAG_LLM_TIMEOUT", REMOTE_TIMEOUT, minimum=1)), None
    if setting.lower() not in ("", "local"):
        raise LLMError(f"RAG_LLM={setting!r} is not 'local', 'off' or an http(s) URL; fix the setting")
    if not is_provisioned():
        raise LLMError("the local language model is not provisioned; run `rag llm provision` (1.1 GB, once)")
    threads = configured_threads() if threads is None else threads  # sampled below only if a server starts
    timeout = _number("RAG_LLM_TIMEOUT", LOCAL_TIMEOUT, minimum=1)
    if _reuse():
        from rag.models.llm_daemon import find_daemon

        daemon = find_daemon()
        if daemon is not None and daemon.model == str(gguf_path()):
            return OpenAIChat(daemon.url, model=model, timeout=timeout), None
    server = LocalLLMServer(gguf_path(), log_path=log_path, threads=threads or pick_threads())
    try:
        url = server.start()
    except LLMError as exc:
        if not fallback:
            raise
        logging.getLogger(__name__).warning("the local language model did not start: %s", exc, exc_info=True)
        return UnavailableChat(str(exc).split(";")[0]), None
    return OpenAIChat(url, model=model, timeout=timeout), server
