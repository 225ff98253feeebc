"""Start ``app.py`` in a child process and wait until it serves (for the tests and the load benchmark)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path


class AppStartError(RuntimeError):
    """``app.py`` exited or did not serve in time; the message ends with the tail of its log."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(app: Path, args: Sequence[str], log_path: Path, *, timeout: float,
                env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``python APP ARGS`` on a free loopback port until it serves; yield its URL, stop it afterwards.

    ``env`` adds to (or overrides) this process's environment for the app.
    """
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(app), "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=app.parent, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AppStartError(f"{app.name} exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            if "serving at" in log_path.read_text():
                try:
                    urllib.request.urlopen(url, timeout=5).close()
                    break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise AppStartError(f"{app.name} did not serve within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
