"""Starting app.py in a child process: errors name what happened and show the log."""

from __future__ import annotations

import urllib.request

import pytest

from rag.ui.launch import AppStartError, free_port, running_app


def test_free_port_is_a_usable_port():
    assert 1024 <= free_port() <= 65535


@pytest.mark.parametrize(
    "script, timeout, message",
    [
        ("import sys\nprint('index is broken')\nsys.exit(3)\n", 30, r"(?s)app\.py exited with 3:.*index is broken"),
        ("import time\nprint('loading', flush=True)\ntime.sleep(60)\n", 1, r"(?s)did not serve within 1 s:.*loading"),
    ],
    ids=["exits", "never-serves"],
)
def test_an_app_that_does_not_serve_is_reported_with_its_log(tmp_path, script, timeout, message):
    app = tmp_path / "app.py"
    app.write_text(script)
    with pytest.raises(AppStartError, match=message):
        with running_app(app, [], tmp_path / "app.log", timeout=timeout):
            pass


def test_a_serving_app_yields_its_url_and_is_stopped_afterwards(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(
        "import argparse, http.server\n"
        "p = argparse.ArgumentParser(); p.add_argument('--host'); p.add_argument('--port', type=int)\n"
        "a = p.parse_args()\n"
        "s = http.server.HTTPServer((a.host, a.port), http.server.SimpleHTTPRequestHandler)\n"
        "print(f'serving at http://{a.host}:{a.port}/', flush=True)\n"
        "s.serve_forever()\n"
    )
    with running_app(app, [], tmp_path / "app.log", timeout=30) as url:
        assert urllib.request.urlopen(url, timeout=5).status == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)
