"""`rag llm provision|status|start|stop`: the options and what each action prints (the server itself is faked)."""

from __future__ import annotations

import pytest

from rag.errors import LLMError
from rag.models import llm, llm_daemon
from rag.models.llm_daemon import DaemonInfo
from rag.ui.cli import build_parser, main

RUNNING = DaemonInfo(pid=4242, port=5555, model="/models/qwen.gguf", threads=2, started=0.0)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["llm", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_actions_and_threads_are_parsed_and_bad_ones_refused(capsys):
    args = build_parser().parse_args(["llm", "start", "--threads", "3"])
    assert (args.command, args.action, args.threads) == ("llm", "start", 3)
    assert build_parser().parse_args(["llm", "stop"]).threads is None
    for bad in (["llm", "restart"], ["llm", "start", "--threads", "0"], ["llm", "start", "--threads", "two"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(bad)
    assert "at least 1" in capsys.readouterr().err


def test_start_starts_a_server_and_says_who_uses_it_and_how_to_end_it(capsys, monkeypatch):
    asked = []
    monkeypatch.setattr(llm_daemon, "find_daemon", lambda: None)
    monkeypatch.setattr(llm_daemon, "start_daemon", lambda threads=None: asked.append(threads) or RUNNING)
    code, out, _ = run(capsys, "start", "--threads", "2")
    assert code == 0 and asked == [2]
    assert ("language model serving at http://127.0.0.1:5555/v1 (pid 4242, 2 threads); `rag ask --mode generate` "
            "and `rag serve` use it; `rag llm stop` ends it") in out


def test_start_when_one_runs_says_so_and_starts_nothing(capsys, monkeypatch):
    monkeypatch.setattr(llm_daemon, "find_daemon", lambda: RUNNING)
    monkeypatch.setattr(llm_daemon, "start_daemon", lambda threads=None: pytest.fail("started a second server"))
    assert run(capsys, "start")[1].strip() == "language model already running at http://127.0.0.1:5555/v1 (pid 4242, 2 threads)"
    assert "`rag llm stop` first to run it with 1 thread" in run(capsys, "start", "--threads", "1")[1]


def test_start_errors_name_the_fix(capsys, monkeypatch):
    def unprovisioned(threads=None):
        raise LLMError("the local language model is not provisioned; run `rag llm provision` (1.1 GB, once)")

    monkeypatch.setattr(llm_daemon, "find_daemon", lambda: None)
    monkeypatch.setattr(llm_daemon, "start_daemon", unprovisioned)
    code, _, err = run(capsys, "start")
    assert code == 2 and "error: the local language model is not provisioned; run `rag llm provision`" in err


def test_stop_says_what_it_stopped_or_that_nothing_ran(capsys, monkeypatch):
    monkeypatch.setattr(llm_daemon, "stop_daemon", lambda: RUNNING)
    assert run(capsys, "stop")[:2] == (0, "stopped the language model (pid 4242)\n")
    monkeypatch.setattr(llm_daemon, "stop_daemon", lambda: None)
    assert run(capsys, "stop")[:2] == (0, "no language model was running\n")


def test_status_tells_whether_the_model_is_provisioned_and_whether_it_runs(capsys, monkeypatch):
    monkeypatch.setattr(llm, "is_provisioned", lambda *a, **k: True)
    monkeypatch.setattr(llm_daemon, "find_daemon", lambda: RUNNING)
    out = run(capsys, "status")[1]
    assert ": provisioned" in out and "running at http://127.0.0.1:5555/v1 (pid 4242, 2 threads)" in out
    monkeypatch.setattr(llm, "is_provisioned", lambda *a, **k: False)
    monkeypatch.setattr(llm_daemon, "find_daemon", lambda: None)
    out = run(capsys, "status")[1]
    assert "not provisioned (run `rag llm provision`)" in out and "no language model running (`rag llm start`" in out


def test_status_names_a_server_that_runs_but_does_not_answer(capsys, monkeypatch):
    monkeypatch.setattr(llm_daemon, "find_daemon", lambda: None)
    monkeypatch.setattr(llm_daemon, "read_state", lambda: RUNNING)
    out = run(capsys, "status")[1]
    assert "running (pid 4242) but not answering at http://127.0.0.1:5555/v1" in out and "`rag llm stop`" in out
