"""``rag db start|stop|status [--data DIR]``: the local PostgreSQL + pgvector server for the PostgreSQL store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_db_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``rag db`` on the ``rag`` command's subparsers."""
    from rag.store.pglocal import default_data_dir

    p = sub.add_parser("db", help="start, stop or check the local PostgreSQL store server (pgserver)",
                       description="A local PostgreSQL 16 + pgvector server (from the pgserver wheel) in a data "
                                   "folder of its own, listening on 127.0.0.1 only. `start` prints the URL to put "
                                   "in RAG_STORE or pass as --store. Password: $RAG_DB_PASSWORD, else generated once "
                                   "into DATA/password. Under root the server runs as $RAG_DB_USER (default nobody).")
    p.add_argument("action", choices=["start", "stop", "status", "import"],
                   help="import: copy the FAISS index --index into the store --store/$RAG_STORE (no re-embedding)")
    p.add_argument("--index", type=Path, default=None, help="with import: the index folder to copy")
    p.add_argument("--store", metavar="URL", help="with import: the store (default $RAG_STORE)")
    p.add_argument("--data", type=Path, default=None,
                   help=f"data folder (default $RAG_DB_DATA or {default_data_dir()})")
    p.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 when the folder is set up (default: a free one)")
    p.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    """Start, stop or report the local server."""
    from rag.store import pglocal

    if args.action == "start":
        db = pglocal.start(args.data, port=args.port)
        print(f"PostgreSQL running (pid {db.pid}) in {db.data}", file=sys.stderr)
        print(db.url)  # the URL alone on stdout: RAG_STORE=$(rag db start)
        return 0
    if args.action == "import":
        return _import(args)
    if args.action == "stop":
        pid = pglocal.stop(args.data)
        print(f"stopped PostgreSQL (pid {pid})" if pid else "PostgreSQL was not running")
        return 0
    db = pglocal.status(args.data)
    if db is None:
        folder = args.data or pglocal.default_data_dir()
        print(f"no database in {folder}; `rag db start` sets one up")
        return 3
    state = f"running (pid {db.pid})" if db.pid else "stopped"
    print(f"{state}  {db.shown_url}  data {db.data}")
    return 0 if db.pid else 3


def _import(args: argparse.Namespace) -> int:
    from rag.config import default_index_dir, default_store_url
    from rag.store.pgschema import make_pool, redact
    from rag.store.pgwrite import import_snapshot

    url = args.store or default_store_url()
    if not url:
        print("error: name the store: --store URL or RAG_STORE (`rag db start` prints one)", file=sys.stderr)
        return 2
    index = args.index or default_index_dir()
    pool = make_pool(url, max_size=1)
    try:
        generation = import_snapshot(pool, index)
    finally:
        pool.close()
    print(f"imported {index} into {redact(url)} (generation {generation})")
    return 0
