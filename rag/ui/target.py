"""Where a command works: the PostgreSQL store (--store / $RAG_STORE) or the index folder (--index), and
whether `rag ingest` embeds on Ray (--ray)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.config import Settings, default_seeds_dir, default_store_url
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


def ray_options(p: argparse.ArgumentParser) -> None:
    """``--ray [ADDRESS]`` and ``--ray-workers`` of ``rag ingest``."""
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="embed on Ray: a cluster address (ray://head:10001, auto), or none for a local Ray "
                        "with 2 CPUs that is shut down afterwards")
    p.add_argument("--ray-workers", type=int, default=2, metavar="N", help="embedding actors on Ray (default 2)")


def ray_embedding(args: argparse.Namespace, settings: Settings):  # noqa: ANN201 - a RayEmbedding or None
    """The Ray embedding step when --ray was given."""
    if not getattr(args, "ray", None):
        return None
    if args.ray_workers < 1:
        raise RagError(f"--ray-workers must be at least 1, got {args.ray_workers}.")
    from rag.ingest.distributed import RayEmbedding

    return RayEmbedding(None if args.ray == "local" else args.ray, model=settings.model, workers=args.ray_workers)


def print_ray_report(embed: object) -> None:
    """One line on stderr: what Ray did and that its processes are gone."""
    report = getattr(embed, "report", None)
    if report is None or not report.texts:
        return
    print(f"Ray ({report.address}): {report.texts} texts embedded by {len(report.actor_pids)} actors in "
          f"{report.seconds:.1f} s; {len(report.started_pids)} Ray processes ended"
          + (f", {len(report.killed_pids)} of them killed by pid" if report.killed_pids else ""), file=sys.stderr)
