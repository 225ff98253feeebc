"""Which index a command works on: the PostgreSQL store (--store / $RAG_STORE) or the index folder (--index)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rag.config import default_seeds_dir, default_store_url
from rag.errors import RagError


def store_url(args: argparse.Namespace) -> str | None:
    """--store, else $RAG_STORE: the PostgreSQL store to use instead of the index folder."""
    return getattr(args, "store", None) or default_store_url()


def manifest_of(args: argparse.Namespace) -> dict:
    """The manifest of the --store database or the index folder (RagError if there is none)."""
    url = store_url(args)
    if url:
        from rag.store.postgres import stored_manifest

        return stored_manifest(url)
    from rag.store.manifest import read_manifest

    return read_manifest(args.index)


def corpus_folder(args: argparse.Namespace) -> Path:
    """--seeds, else the corpus folder the index was built from, else the default ``seeds/``: a command on an
    index built from another folder never rebuilds it from ``seeds/``."""
    from rag.ingest.freshness import corpus_of

    if args.seeds is not None or not store_url(args):
        return args.seeds if args.seeds is not None else corpus_of(args.index, default_seeds_dir())
    try:
        recorded = Path(str(manifest_of(args).get("corpus", {}).get("dir", "")))
    except RagError:
        return default_seeds_dir()
    return recorded if str(recorded) not in ("", ".") and recorded.is_dir() else default_seeds_dir()
