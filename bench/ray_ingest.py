"""Ingest throughput into the PostgreSQL store: plain `rag ingest` vs `rag ingest --ray` with 1 and 2 actors.

    nice -n 10 python bench/ray_ingest.py [--pages 20] [--store URL]

The corpus: the first --pages real news pages of ../shared/corpora/fundus-news (HTML, read in place
through a temporary folder of links). Each run is a full build (`--rebuild`) into an emptied store,
in a fresh process (model loads included, as a user would see them). Prints wall time, texts
embedded and texts per second of each run, and the ratio to the plain ingest measured in the same
run. On Ray only the passage and sentence embedding is distributed; the vocabulary terms are
embedded by the driver in every run. Starts a local pgserver PostgreSQL unless --store names one
(whose content is replaced). Not a test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNDUS = ROOT.parent / "shared" / "corpora" / "fundus-news"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--store", help="a PostgreSQL URL (its content is replaced); default: a local pgserver")
    args = parser.parse_args()
    import psycopg

    from rag.store import pglocal

    pages = sorted(FUNDUS.glob("*/*.html.gz"))[: args.pages]
    if not pages:
        raise SystemExit(f"no pages under {FUNDUS}")
    tmp = Path(tempfile.mkdtemp(prefix="rag-ray-bench-"))
    tmp.chmod(0o755)
    corpus = tmp / "corpus"
    corpus.mkdir()
    for page in pages:
        (corpus / page.name).symlink_to(page)
    db = None if args.store else pglocal.start(tmp / "db")
    url = args.store or db.url  # type: ignore[union-attr]
    env = {**os.environ, "RAG_STORE": url, "HF_HUB_OFFLINE": "1"}
    runs = {"plain": [], "ray, 1 actor": ["--ray", "--ray-workers", "1"], "ray, 2 actors": ["--ray", "--ray-workers", "2"]}
    results = {}
    try:
        for name, extra in runs.items():
            with psycopg.connect(url, autocommit=True) as conn:  # every run builds from nothing
                conn.execute("DROP SCHEMA public CASCADE")
                conn.execute("CREATE SCHEMA public")
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "rag", "ingest", "--seeds", str(corpus), "--rebuild", *extra],
                                  env=env, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if done.returncode not in (0, 1):
                raise SystemExit(f"{name} failed:\n{done.stderr[-2000:]}")
            texts = int(re.search(r"embedded (\d+) texts", done.stdout).group(1))
            terms = int(re.search(r"and (\d+) vocabulary terms", done.stdout).group(1))
            ray = re.search(r"in ([\d.]+) s; (\d+) Ray processes ended(.*)", done.stderr)
            results[name] = (wall, texts, terms, ray)
            print(f"{name}: {wall:.1f} s", file=sys.stderr, flush=True)
    finally:
        if db is not None:
            pglocal.stop(db.data)
        shutil.rmtree(tmp, ignore_errors=True)
    base = results["plain"][0]
    print(f"\n{len(pages)} fundus pages, full build into PostgreSQL, {os.cpu_count()} CPUs")
    print(f"{'run':16} {'wall s':>8} {'texts':>6} {'terms':>6} {'texts/s':>8} {'wall/plain':>11}  Ray step")
    for name, (wall, texts, terms, ray) in results.items():
        step = f"{float(ray.group(1)):.1f} s, {ray.group(2)} processes ended{ray.group(3).strip(' ,') and ', ' + ray.group(3).strip(' ,')}" if ray else "-"
        print(f"{name:16} {wall:>8.1f} {texts:>6} {terms:>6} {texts / wall:>8.2f} {wall / base:>11.2f}  {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
