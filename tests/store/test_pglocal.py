"""The local pgserver PostgreSQL (``rag db``): loopback only, a password, an unprivileged account, stop by pid."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from conftest import ROOT
from rag.store import pglocal


def test_server_listens_on_loopback_with_a_password_as_an_unprivileged_user(pg_server):
    with psycopg.connect(pg_server.url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("SHOW unix_socket_directories").fetchone()[0] == ""
        assert conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(pg_server.url.replace(f":{pg_server.password}@", ":wrong@"), connect_timeout=5)
    uid = next(int(line.split()[1]) for line in Path(f"/proc/{pg_server.pid}/status").read_text().splitlines()
               if line.startswith("Uid:"))
    assert uid != 0 and (os.geteuid() != 0 or uid == __import__("pwd").getpwnam("nobody").pw_uid)
    assert pglocal.start(pg_server.data).pid == pg_server.pid  # already running: the same server
    assert (pg_server.data / "password").stat().st_mode & 0o077 == 0 or os.environ.get("RAG_DB_PASSWORD")
    log = (pg_server.data / "pgdata" / "server.log").read_text(errors="replace")
    assert pg_server.password not in log


def test_rag_db_cli_start_status_stop(tmp_path):
    data = Path(tempfile.mkdtemp(prefix="rag-test-dbcli-"))
    rag = [sys.executable, "-m", "rag", "db"]
    try:
        missing = subprocess.run([*rag, "status", "--data", str(data)], capture_output=True, text=True, cwd=ROOT)
        assert missing.returncode == 3 and "rag db start" in missing.stdout
        started = subprocess.run([*rag, "start", "--data", str(data)], capture_output=True, text=True, cwd=ROOT,
                                 timeout=120)
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert url.startswith("postgresql://rag:") and "@127.0.0.1:" in url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        status = subprocess.run([*rag, "status", "--data", str(data)], capture_output=True, text=True, cwd=ROOT)
        db = pglocal.status(data)
        assert status.returncode == 0 and f"pid {db.pid}" in status.stdout and db.password not in status.stdout
        stopped = subprocess.run([*rag, "stop", "--data", str(data)], capture_output=True, text=True, cwd=ROOT)
        assert stopped.returncode == 0 and f"pid {db.pid}" in stopped.stdout and not pglocal.alive(db.pid)
        again = subprocess.run([*rag, "status", "--data", str(data)], capture_output=True, text=True, cwd=ROOT)
        assert again.returncode == 3 and again.stdout.startswith("stopped")
    finally:
        pglocal.stop(data)
        __import__("shutil").rmtree(data, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged account is chosen only under root")
def test_root_refuses_a_root_or_unknown_server_account(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_DB_USER", "root")
    with pytest.raises(pglocal.LocalDbError, match="must not be root"):
        pglocal.start(tmp_path / "db")
    monkeypatch.setenv("RAG_DB_USER", "no-such-user-here")
    with pytest.raises(pglocal.LocalDbError, match="no user"):
        pglocal.start(tmp_path / "db")


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged account is chosen only under root")
def test_binaries_the_server_account_cannot_reach_are_copied_into_the_data_folder(monkeypatch):
    installed = pglocal._bin_dir()
    hidden = Path(tempfile.mkdtemp(prefix="rag-test-hidden-"))  # mode 700: nobody cannot enter
    (hidden / "pgserver").symlink_to(installed.parents[1])
    (hidden / "pgserver.libs").symlink_to(installed.parents[2] / "pgserver.libs")
    monkeypatch.setattr(pglocal, "_bin_dir", lambda: hidden / "pgserver" / "pginstall" / "bin")
    data = Path(tempfile.mkdtemp(prefix="rag-test-copy-"))
    try:
        db = pglocal.start(data)
        assert (data / "pgbin" / "pgserver" / "pginstall" / "bin" / "postgres").is_file()
        assert Path(f"/proc/{db.pid}/exe").resolve().is_relative_to(data)
        with psycopg.connect(db.url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    finally:
        pglocal.stop(data)
        __import__("shutil").rmtree(data, ignore_errors=True)
        __import__("shutil").rmtree(hidden, ignore_errors=True)


def test_a_password_other_than_the_folders_is_refused_with_the_fix(pg_server, monkeypatch):
    monkeypatch.setenv("RAG_DB_PASSWORD", "not-the-one-it-was-set-up-with")
    with pytest.raises(pglocal.LocalDbError, match="another password") as caught:
        pglocal.start(pg_server.data)
    assert "not-the-one" not in str(caught.value)
    monkeypatch.delenv("RAG_DB_PASSWORD")
    assert pglocal.start(pg_server.data).pid == pg_server.pid
