"""A local PostgreSQL 16 + pgvector server from the ``pgserver`` wheel, in a data folder the project owns.

The server listens on 127.0.0.1 only (no Unix socket, no system cluster touched), asks for a
password (scram-sha-256), and runs as an unprivileged user: PostgreSQL refuses to run as root, so
under root it runs as ``$RAG_DB_USER`` (default ``nobody``). pgserver's own wrapper would instead
create a system user and open every parent folder of the data and the binaries to all users, so
only its binaries are used here. The password comes from ``$RAG_DB_PASSWORD`` or is generated once
and kept in ``DATA/password`` (mode 600); it is never written to a log.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from rag.errors import RagError

DB_NAME = "rag"
DB_ROLE = "rag"
START_TIMEOUT = 60


class LocalDbError(RagError):
    """The local server cannot be set up, started or stopped; the message names the fix."""


@dataclass(frozen=True)
class LocalDb:
    """A local server's folder, port and, while it runs, its postmaster pid."""

    data: Path
    port: int
    pid: int | None
    password: str

    @property
    def url(self) -> str:
        """The ``postgresql://`` URL to use (contains the password: print it only to whoever asked)."""
        return f"postgresql://{DB_ROLE}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{DB_NAME}"

    @property
    def shown_url(self) -> str:
        """The URL with the password masked, for status lines and logs."""
        return f"postgresql://{DB_ROLE}:***@127.0.0.1:{self.port}/{DB_NAME}"


def default_data_dir() -> Path:
    """``$RAG_DB_DATA``, else the project's ``.rag-db/`` folder."""
    from rag.config import _project_dir

    env = os.environ.get("RAG_DB_DATA")
    return Path(env) if env else _project_dir(".rag-db")


def _bin_dir() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise LocalDbError("The local database needs the pgserver package: pip install 'nachrichten-rag[db]'.")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("RAG_DB_USER", "nobody")
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        raise LocalDbError(f"RAG_DB_USER={name!r} is no user on this machine; set it to an existing "
                           "unprivileged account (PostgreSQL refuses to run as root).") from None
    if account.pw_uid == 0:
        raise LocalDbError("RAG_DB_USER must not be root: PostgreSQL refuses to run as root.")
    return account


def _run(cmd: list[str], account: pwd.struct_passwd | None, *, cwd: Path, timeout: float = START_TIMEOUT,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    kwargs = {} if account is None else {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    base = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**base, **(env or {})}, **kwargs)


def _binaries(data: Path, account: pwd.struct_passwd | None) -> Path:
    """pgserver's binaries, or a copy in DATA when the unprivileged account cannot reach the installed ones."""
    installed = _bin_dir()
    if account is None:
        return installed
    try:
        if _run([str(installed / "postgres"), "--version"], account, cwd=data, timeout=30).returncode == 0:
            return installed
    except OSError:
        pass
    # the wheel's layout is kept: the binaries find their bundled libraries at $ORIGIN/../../../pgserver.libs
    root = data / "pgbin"
    copy = root / "pgserver" / "pginstall"
    if not (copy / "bin" / "postgres").is_file():
        shutil.copytree(installed.parent, copy, symlinks=True, dirs_exist_ok=True)
        libs = installed.parents[2] / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, root / "pgserver.libs", symlinks=True, dirs_exist_ok=True)
        for folder, dirs, files in os.walk(root):
            os.chmod(folder, 0o755)
            for name in files:
                path = Path(folder) / name
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o444)
    return copy / "bin"


def _password(data: Path) -> str:
    env = os.environ.get("RAG_DB_PASSWORD")
    if env:
        return env
    path = data / "password"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _configured_port(pgdata: Path) -> int:
    for line in (pgdata / "postgresql.conf").read_text(encoding="utf-8").splitlines():
        if line.startswith("port = "):
            return int(line.split("=", 1)[1].split("#")[0])
    raise LocalDbError(f"{pgdata}/postgresql.conf names no port; delete {pgdata.parent} to start afresh.")


def _postmaster_pid(pgdata: Path) -> int | None:
    """The pid in ``postmaster.pid`` if that process is alive."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if alive(pid) else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _init(data: Path, pgdata: Path, bins: Path, account: pwd.struct_passwd | None, password: str, port: int) -> None:
    pgdata.mkdir(mode=0o700)
    pwfile = data / f".pw-{secrets.token_hex(4)}"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    try:
        if account is not None:
            os.chown(pgdata, account.pw_uid, account.pw_gid)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        done = _run([str(bins / "initdb"), "-D", str(pgdata), "-U", DB_ROLE, "--auth=scram-sha-256",
                     f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale"], account, cwd=data)
    finally:
        pwfile.unlink(missing_ok=True)
    if done.returncode != 0:
        shutil.rmtree(pgdata, ignore_errors=True)
        raise LocalDbError(f"initdb failed in {pgdata}: {done.stderr.strip()[-500:]}")
    with (pgdata / "postgresql.conf").open("a", encoding="utf-8") as fh:
        fh.write(f"\n# rag db\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n"
                 "max_connections = 200\nshared_buffers = 256MB\nmaintenance_work_mem = 256MB\n")


def start(data: Path | None = None, *, port: int | None = None) -> LocalDb:
    """Start the server in ``data`` (initialised on first use), or return the one already running there."""
    data = (data or default_data_dir()).resolve()
    data.mkdir(parents=True, exist_ok=True)
    account = _run_as()
    if account is not None:
        data.chmod(0o711)  # the server's account may pass through, not list
        blocked = next((p for p in data.parents if not os.stat(p).st_mode & 0o001), None)
        if blocked is not None:
            raise LocalDbError(f"{blocked} cannot be entered by user {account.pw_name}, who runs PostgreSQL; "
                               "choose a data folder elsewhere with --data (e.g. under /var/tmp).")
    password, pgdata = _password(data), data / "pgdata"
    bins = _binaries(data, account)
    if not (pgdata / "PG_VERSION").is_file():
        _init(data, pgdata, bins, account, password, port or _free_port())
    pid = _postmaster_pid(pgdata)
    if pid is None:
        done = _run([str(bins / "pg_ctl"), "-D", str(pgdata), "-l", str(pgdata / "server.log"), "-w",
                     "-t", str(START_TIMEOUT), "start"], account, cwd=pgdata, timeout=START_TIMEOUT + 10)
        pid = _postmaster_pid(pgdata)
        if done.returncode != 0 or pid is None:
            log = (pgdata / "server.log").read_text(encoding="utf-8", errors="replace")[-800:] \
                if (pgdata / "server.log").is_file() else done.stderr
            raise LocalDbError(f"PostgreSQL did not start in {pgdata}: {log.strip()}")
    db = LocalDb(data, _configured_port(pgdata), pid, password)
    _ensure_database(db)
    return db


def _ensure_database(db: LocalDb) -> None:
    import psycopg

    admin = db.url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    except psycopg.OperationalError as exc:
        hint = ("the folder was set up with another password: use that one in RAG_DB_PASSWORD, or unset it to use "
                f"{db.data / 'password'}") if "password" in str(exc) else "see the server log in DATA/pgdata/server.log"
        raise LocalDbError(f"The server in {db.data} runs but refuses the connection; {hint}.") from None


def status(data: Path | None = None) -> LocalDb | None:
    """The server in ``data`` (pid None when stopped), or None when the folder holds no server."""
    data = (data or default_data_dir()).resolve()
    pgdata = data / "pgdata"
    if not (pgdata / "PG_VERSION").is_file():
        return None
    password = os.environ.get("RAG_DB_PASSWORD", "")
    if not password and (data / "password").is_file():
        password = (data / "password").read_text(encoding="utf-8").strip()
    return LocalDb(data, _configured_port(pgdata), _postmaster_pid(pgdata), password)


def stop(data: Path | None = None, *, timeout: float = 30.0) -> int | None:
    """Stop the server in ``data`` and wait until its postmaster pid is gone; return that pid (None: not running)."""
    data = (data or default_data_dir()).resolve()
    pgdata = data / "pgdata"
    pid = _postmaster_pid(pgdata)
    if pid is None:
        return None
    os.kill(pid, signal.SIGINT)  # "fast" shutdown: roll back open transactions, close connections, checkpoint
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown; recovery runs at the next start
            time.sleep(1.0)
            if alive(pid):
                raise LocalDbError(f"PostgreSQL (pid {pid}) in {pgdata} does not stop; kill it by hand.")
            break
        time.sleep(0.1)
    return pid
