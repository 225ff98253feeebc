"""The chat's command line: Gradio's environment variables set the defaults, flags win."""

from __future__ import annotations

import pytest

from rag.ui.chat import parse_args


def test_defaults_are_loopback_and_7860(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    args = parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 7860)


def test_gradio_environment_sets_host_and_port_and_flags_win(monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "localhost")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    args = parse_args([])
    assert (args.host, args.port) == ("localhost", 8123)
    args = parse_args(["--host", "127.0.0.1", "--port", "9000"])
    assert (args.host, args.port) == ("127.0.0.1", 9000)


@pytest.mark.parametrize("bad", ["http", "0", "70000", "-1"])
def test_a_bad_port_in_the_environment_is_named(monkeypatch, capsys, bad):
    monkeypatch.setenv("GRADIO_SERVER_PORT", bad)
    with pytest.raises(SystemExit):
        parse_args([])
    assert "GRADIO_SERVER_PORT" in capsys.readouterr().err
