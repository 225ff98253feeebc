"""The local language model kept running between commands: its record, the pid-reuse guard, start and stop."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.config import runtime_dir
from rag.errors import LLMError
from rag.models import llm_daemon
from rag.models.llm_daemon import (
    SERVER_MODULE, DaemonInfo, cmdline_of, find_daemon, is_our_server, read_state, start_daemon, state_path,
    stop_daemon, write_state,
)
from rag.models.llm_server import open_llm


@pytest.fixture(autouse=True)
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A runtime folder of the test's own."""
    folder = tmp_path / "run"
    monkeypatch.setenv("RAG_RUNTIME_DIR", str(folder))
    return folder


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def lookalike() -> Iterator[Callable[..., subprocess.Popen]]:
    """Starts processes that only sleep, under the command line of a detached server on a given port."""
    started: list[subprocess.Popen] = []

    def start(port: int, *extra: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "-m", SERVER_MODULE,
                                 "--port", str(port), *extra])
        started.append(proc)
        deadline = time.monotonic() + 10
        while SERVER_MODULE not in cmdline_of(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)  # /proc shows an empty command line until the child's exec completes
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


@pytest.fixture
def models_endpoint() -> Iterator[int]:
    """A loopback HTTP server that answers ``GET /v1/models`` as llama.cpp's does; yields its port."""

    class Models(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.end_headers()
            self.wfile.write(b'{"object": "list", "data": []}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Models)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def info(pid: int, port: int = 5555) -> DaemonInfo:
    return DaemonInfo(pid=pid, port=port, model="/models/qwen.gguf", threads=2, started=1.5)


def test_the_record_reads_back_and_is_replaced_whole(runtime):
    assert read_state() is None  # no record yet
    write_state(info(4242))
    write_state(info(4343, 6000))
    assert read_state() == info(4343, 6000)
    assert read_state().url == "http://127.0.0.1:6000/v1"
    assert [p.name for p in runtime.iterdir() if p.name != "llm.lock"] == ["llm.json"]  # no temporary file left


def test_a_write_that_fails_leaves_the_old_record(runtime, monkeypatch):
    write_state(info(4242))

    def broken(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_state(info(4343))
    assert read_state() == info(4242) and [p.name for p in runtime.iterdir()] == ["llm.json"]


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", '{"pid": 4242}', '{"pid": "x", "port": 1, "model": "m", '
                                  '"threads": 1, "started": 0}', json.dumps({**info(4242).__dict__, "pid": 0}),
                                  json.dumps({**info(4242).__dict__, "port": 70000})])
def test_a_damaged_record_reads_as_none(text):
    state_path().write_text(text, encoding="utf-8")
    assert read_state() is None


def test_a_record_with_a_pid_that_would_signal_a_group_is_refused():
    for pid in (0, -1, 1):
        with pytest.raises(ValueError, match="not a server's record"):
            info(pid)


def test_a_running_process_is_ours_only_with_the_servers_command_line_and_port(lookalike):
    assert cmdline_of(os.getpid())  # this process: alive, but pytest
    assert not is_our_server(info(os.getpid()))
    assert cmdline_of(dead_pid()) == [] and not is_our_server(info(dead_pid()))
    proc = lookalike(5555, "--detached")
    assert is_our_server(info(proc.pid, 5555))
    assert not is_our_server(info(proc.pid, 5556))  # another port: not the recorded server
    assert not is_our_server(info(lookalike(5555).pid, 5555))  # not detached: some command's own server


def test_a_stale_or_damaged_record_is_removed_when_looked_for():
    write_state(info(dead_pid()))
    assert find_daemon() is None and not state_path().exists()
    write_state(info(os.getpid()))  # a reused pid
    assert find_daemon() is None and not state_path().exists()
    state_path().write_text("{", encoding="utf-8")
    assert find_daemon() is None and not state_path().exists()


def test_a_server_that_is_ours_but_silent_keeps_its_record_and_can_be_stopped(lookalike):
    proc = lookalike(9, "--detached")  # nothing listens on port 9
    write_state(info(proc.pid, 9))
    assert find_daemon() is None and read_state() == info(proc.pid, 9)  # `rag llm stop` can still end it
    with pytest.raises(LLMError, match="does not answer.*rag llm stop"):
        start_daemon()
    assert stop_daemon(timeout=5) == info(proc.pid, 9)
    assert proc.wait(timeout=5) is not None and not state_path().exists()
    assert stop_daemon() is None


def test_a_recorded_server_that_answers_is_found_and_reused_by_open_llm(lookalike, models_endpoint, monkeypatch):
    from rag.models import llm, llm_server

    proc = lookalike(models_endpoint, "--detached")
    recorded = DaemonInfo(proc.pid, models_endpoint, str(llm.gguf_path()), 1, 0.0)
    write_state(recorded)
    assert find_daemon() == recorded and start_daemon() == recorded  # no second server
    monkeypatch.setattr(llm, "is_provisioned", lambda *a, **k: True)
    chat, server = open_llm("local")
    assert server is None and chat.base_url == recorded.url
    monkeypatch.setattr(llm_server.LocalLLMServer, "start", lambda self, **k: "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RAG_LLM_REUSE", "off")
    chat, server = open_llm("local")
    assert server is not None and chat.base_url == "http://127.0.0.1:9/v1"  # started its own
    monkeypatch.setenv("RAG_LLM_REUSE", "maybe")
    with pytest.raises(LLMError, match="RAG_LLM_REUSE='maybe'.*fix or unset it"):
        open_llm("local")


def test_start_without_the_model_says_to_provision_it(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path / "models"))
    with pytest.raises(LLMError, match="not provisioned; run `rag llm provision`"):
        start_daemon()
    assert read_state() is None


def test_the_runtime_folder_comes_from_the_environment_and_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_RUNTIME_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "xdg"))
    assert runtime_dir() == tmp_path / "mine"
    assert stat.S_IMODE((tmp_path / "mine").stat().st_mode) == 0o700
    monkeypatch.delenv("RAG_RUNTIME_DIR")
    assert runtime_dir() == tmp_path / "xdg" / "nachrichten-rag"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert runtime_dir() == tmp_path / "home" / ".cache" / "nachrichten-rag" / "run"
    assert stat.S_IMODE(runtime_dir().stat().st_mode) == 0o700


@pytest.mark.slow
def test_the_daemon_starts_once_serves_open_llm_and_stops():
    from rag.models.llm import is_provisioned

    assert is_provisioned(), "run `rag llm provision` (.ci/install does)"
    started = None
    try:
        started = start_daemon(threads=1)
        assert os.getsid(started.pid) == started.pid  # a session of its own: a terminal's Ctrl-C misses it
        assert find_daemon() == started and is_our_server(started)
        assert start_daemon().pid == started.pid
        chat, server = open_llm("local")
        assert server is None and chat.base_url == started.url
        reply = "".join(chat.stream([{"role": "user", "content": "Reply with one word: hello"}], max_tokens=8))
        assert reply.strip()
    finally:
        stopped = stop_daemon()
    assert stopped == started
    with pytest.raises(ProcessLookupError):
        os.kill(started.pid, 0)  # ended and reaped
    assert read_state() is None and find_daemon() is None and llm_daemon.log_path().stat().st_size > 0
