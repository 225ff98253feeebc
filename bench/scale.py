"""Vector search at scale: FAISS flat (exact) vs FAISS HNSW vs pgvector HNSW on the same vectors.

    nice -n 10 python bench/scale.py --size 100000 [--bases 4000] [--queries 200] [--noise 0.5] [--store URL]
        [--m 16] [--ef-construction 64] [--maintenance-work-mem 4GB] [--filter-share 0.02] [--halfvec]
        [--no-faiss-hnsw] [--no-pgvector] [--json PATH]

Vectors with real structure: e5 passage vectors of real sentences (the fundus pages' reference texts
in ../shared and the seeds), each corpus vector one of them plus Gaussian noise (norm ≈ --noise)
and normalised; queries are e5 vectors of other real sentences (held out) plus noise. Ground truth
is FAISS flat. Prints, per method: build time, memory (FAISS: serialized index; pgvector: index +
table on disk), recall@10 against exact, p50/p95 latency of one query at a time (pgvector: through
psycopg on loopback, so a round trip is included; FAISS: one thread). Each HNSW with --m 16 and
--ef-construction 64 (the store's settings) at several ef_search; pgvector builds with one parallel
worker and --maintenance-work-mem (at 1M vectors the graph must fit, or the build is slow). Rows go
to stderr as they are measured, the table (with pgvector's and PostgreSQL's versions) to stdout.
--filter-share F gives each vector and query one of round(1/F) outlets at random and measures each
method again on "the query's outlet only" (FAISS flat and HNSW: an IDSelectorBatch per outlet, flat's
results the truth; pgvector: WHERE outlet = … with a btree on outlet, and hnsw.iterative_scan =
relaxed_order on pgvector ≥ 0.8; p95/flat against the filtered flat). --halfvec (pgvector ≥ 0.7)
then swaps the float index for one on v::halfvec. --no-faiss-hnsw / --no-pgvector skip those;
--json PATH also writes rows, parameters, versions and load averages. Starts a local pgserver
PostgreSQL unless --store names one (a table ``scale_bench`` is made and dropped there). Not a
test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FUNDUS = ROOT.parent / "shared" / "corpora" / "fundus-news" / "truth.jsonl"
M, EF_CONSTRUCTION = 16, 64


class Outlets(NamedTuple):
    """The outlet of each corpus vector and of each query (--filter-share)."""

    count: int
    corpus: np.ndarray
    queries: np.ndarray


def real_sentences() -> list[str]:
    """Distinct sentences of at least 6 words from the fundus reference texts and the seeds."""
    from rag.ingest.chunking import article_sentences
    from rag.ingest.corpus import read_article
    from rag.types import Article

    texts = []
    if FUNDUS.is_file():
        opener = gzip.open if FUNDUS.suffix == ".gz" else open
        with opener(FUNDUS, "rt", encoding="utf-8") as fh:
            texts = [json.loads(line).get("text", "") for line in fh if line.strip()]
    texts += [read_article(p)[0].body for p in sorted((ROOT / "seeds").iterdir())]
    seen: dict[str, None] = {}
    for i, body in enumerate(texts):
        for s in article_sentences(Article(str(i), "", body)):
            if len(s.text.split()) >= 6:
                seen.setdefault(s.text, None)
    return list(seen)


def base_vectors(count: int, cache: Path) -> np.ndarray:
    """e5 passage vectors of ``count`` real sentences (cached: embedding them is the slow part)."""
    if cache.is_file():
        cached = np.load(cache)
        if len(cached) >= count:
            return cached[:count]
    from rag.models.embed import Embedder

    sentences = real_sentences()[:count]
    print(f"embedding {len(sentences)} real sentences (e5) …", file=sys.stderr, flush=True)
    vectors = Embedder().encode_passages(sentences, batch_size=64, progress=True).astype(np.float32)
    np.save(cache, vectors)
    return vectors


def noisy(rng: np.random.Generator, bases: np.ndarray, count: int, noise: float, mix: bool = False) -> np.ndarray:
    """Real vectors plus Gaussian noise of norm ≈ ``noise``; with ``mix``, each a blend a·e_i + (1−a)·e_j
    (a uniform in [0.5, 1]) of two real ones first, so the corpus fills the span the sentences lie in."""
    picked = bases[rng.integers(len(bases), size=count)]
    if mix:
        share = rng.uniform(0.5, 1.0, size=(count, 1)).astype(np.float32)
        picked = share * picked + (1 - share) * bases[rng.integers(len(bases), size=count)]
    out = picked + rng.normal(scale=noise / np.sqrt(bases.shape[1]), size=picked.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def timed_queries(search: Callable[[int], np.ndarray], count: int) -> tuple[list[np.ndarray], list[float]]:
    """Run ``search(i)`` for queries 0 … count−1 one at a time; the ids found and the seconds each took."""
    found, seconds = [], []
    for i in range(count):
        t0 = time.perf_counter()
        found.append(search(i))
        seconds.append(time.perf_counter() - t0)
    return found, seconds


def recall(found: list[np.ndarray], truth: np.ndarray, k: int) -> float:
    """Mean share of each query's true top k (FAISS's −1 padding left out) that was found."""
    scores = []
    for f, t in zip(found, truth):
        true = {int(x) for x in t[:k] if x >= 0}
        scores.append(len(set(f[:k].tolist()) & true) / len(true) if true else 1.0)
    return float(np.mean(scores))


def row(name: str, build: float, mb: float, rec: float, seconds: list[float], filtered: bool = False,
        **extra: object) -> dict:
    """One table row, also printed to stderr at once so a long run shows progress."""
    ms = sorted(s * 1000 for s in seconds)
    r = {"method": name + (" filtered" if filtered else ""), "filtered": filtered, "build_s": build,
         "memory_mb": mb, "recall@10": rec, "p50_ms": statistics.median(ms),
         "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))], **extra}
    plan = f"; plan: {extra['plan']}" if "plan" in extra else ""
    print(f"  {r['method']}: recall@10 {rec:.3f}, p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms{plan}",
          file=sys.stderr, flush=True)
    return r


def faiss_rows(data: np.ndarray, queries: np.ndarray, k: int, efs: list[int], args: argparse.Namespace,
               outlets: Outlets | None) -> tuple[list[dict], np.ndarray, np.ndarray | None]:
    """FAISS flat rows (the truth: all vectors, and per outlet) and, unless --no-faiss-hnsw, FAISS HNSW rows."""
    import faiss

    faiss.omp_set_num_threads(1)
    t0 = time.perf_counter()
    flat = faiss.IndexFlatIP(data.shape[1])
    flat.add(data)
    build = time.perf_counter() - t0
    mb = faiss.serialize_index(flat).nbytes / 2**20
    found, seconds = timed_queries(lambda i: flat.search(queries[i:i + 1], k)[1][0], len(queries))
    truth, ftruth = np.stack(found), None
    rows = [row("FAISS flat (exact)", build, mb, 1.0, seconds)]
    if outlets is not None:  # one selector per outlet, made before anything is timed
        sels = [faiss.IDSelectorBatch(np.flatnonzero(outlets.corpus == o)) for o in range(outlets.count)]
        params = [faiss.SearchParameters(sel=s) for s in sels]
        found, seconds = timed_queries(
            lambda i: flat.search(queries[i:i + 1], k, params=params[outlets.queries[i]])[1][0], len(queries))
        ftruth = np.stack(found)
        rows.append(row("FAISS flat (exact)", build, mb, 1.0, seconds, filtered=True))
    if args.no_faiss_hnsw:
        return rows, truth, ftruth
    faiss.omp_set_num_threads(2)
    t0 = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(data.shape[1], args.m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = args.ef_construction
    hnsw.add(data)
    build = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    mb = faiss.serialize_index(hnsw).nbytes / 2**20
    print(f"FAISS HNSW: build {build:.1f} s, {mb:.0f} MB", file=sys.stderr, flush=True)
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        found, seconds = timed_queries(lambda i: hnsw.search(queries[i:i + 1], k)[1][0], len(queries))
        rows.append(row(f"FAISS HNSW ef_search={ef}", build, mb, recall(found, truth, k), seconds))
        if outlets is not None:
            params = [faiss.SearchParametersHNSW(sel=s, efSearch=ef) for s in sels]
            found, seconds = timed_queries(
                lambda i: hnsw.search(queries[i:i + 1], k, params=params[outlets.queries[i]])[1][0], len(queries))
            rows.append(row(f"FAISS HNSW ef_search={ef}", build, mb, recall(found, ftruth, k), seconds, filtered=True))
    return rows, truth, ftruth


def version_tuple(version: str) -> tuple[int, ...]:
    """'0.6.2' → (0, 6, 2)."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def plan_nodes(conn, sql: str, params: tuple) -> str:
    """The plan's nodes without their conditions (which hold the query vector), e.g. 'Limit > Index Scan …'."""
    lines = [r[0].strip().removeprefix("->").strip() for r in conn.execute("EXPLAIN (COSTS OFF) " + sql, params)]
    return " > ".join(line for line in lines if ": " not in line)


def pg_load(conn, data: np.ndarray, outlets: Outlets | None) -> None:
    """Create ``scale_bench`` (with ``outlet``, its btree and fresh statistics when filtering) and COPY the vectors in."""
    extra = ", outlet smallint NOT NULL" if outlets is not None else ""
    conn.execute("DROP TABLE IF EXISTS scale_bench")
    conn.execute(f"CREATE TABLE scale_bench (id int PRIMARY KEY, v vector({data.shape[1]}) NOT NULL{extra})")
    t0 = time.perf_counter()
    columns = "id, v, outlet" if outlets is not None else "id, v"
    with conn.cursor().copy(f"COPY scale_bench ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "vector", "int2"][: len(columns.split(","))])
        for i, v in enumerate(data):
            copy.write_row([i, v, int(outlets.corpus[i])] if outlets is not None else [i, v])
    print(f"pgvector: COPY of {len(data)} vectors {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    if outlets is not None:
        conn.execute("CREATE INDEX scale_bench_outlet ON scale_bench (outlet)")
        conn.execute("ANALYZE scale_bench")


def pg_index(conn, name: str, column: str, opclass: str, args: argparse.Namespace) -> dict:
    """Build an HNSW index on ``scale_bench``; its build seconds, its size and the table's total size with it."""
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX {name} ON scale_bench USING hnsw ({column} {opclass}) "
                 f"WITH (m = {args.m}, ef_construction = {args.ef_construction})")
    built = {"index": name, "build_s": time.perf_counter() - t0,
             "index_mb": conn.execute("SELECT pg_relation_size(%s::regclass)", (name,)).fetchone()[0] / 2**20,
             "total_mb": conn.execute("SELECT pg_total_relation_size('scale_bench')").fetchone()[0] / 2**20}
    print(f"pgvector: {name} build {built['build_s']:.1f} s; index {built['index_mb']:.0f} MB of "
          f"{built['total_mb']:.0f} MB on disk", file=sys.stderr, flush=True)
    return built


def pg_ids(cursor) -> np.ndarray:
    """The ids a query returned, in order."""
    return np.array([r[0] for r in cursor], dtype=np.int64)


def pg_filtered_row(conn, name: str, order: str, queries: np.ndarray, truth: np.ndarray, k: int, outlets: Outlets,
                    build_s: float, mb: float, prepare: bool | None = None) -> dict:
    """The row of ``ORDER BY {order}`` over the query's outlet only, with the plan PostgreSQL chose for it.

    ``prepare=False``: plan every query afresh (psycopg's prepared statement keeps the plan made under
    the settings of its first executions)."""
    sql = f"SELECT id FROM scale_bench WHERE outlet = %s ORDER BY {order} LIMIT %s"
    args_of = lambda i: (int(outlets.queries[i]), queries[i], k)  # noqa: E731
    found, seconds = timed_queries(lambda i: pg_ids(conn.execute(sql, args_of(i), prepare=prepare)), len(queries))
    return row(name, build_s, mb, recall(found, truth, k), seconds, filtered=True, plan=plan_nodes(conn, sql, args_of(0)))


def pg_measure(conn, label: str, order: str, built: dict, queries: np.ndarray, truths: tuple, k: int,
               efs: list[int], outlets: Outlets | None, iterative: bool) -> list[dict]:
    """Rows per ef_search for ``ORDER BY {order}``: all vectors, and the query's outlet only when filtering."""
    sql = f"SELECT id FROM scale_bench ORDER BY {order} LIMIT %s"
    rows = []
    for ef in efs:
        conn.execute(f"SET hnsw.ef_search = {ef}")
        if iterative:
            conn.execute("SET hnsw.iterative_scan = off")
        found, seconds = timed_queries(lambda i: pg_ids(conn.execute(sql, (queries[i], k))), len(queries))
        rows.append(row(f"{label} ef_search={ef}", built["build_s"], built["total_mb"],
                        recall(found, truths[0], k), seconds))
        if outlets is None:
            continue
        if iterative:
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
        rows.append(pg_filtered_row(conn, f"{label} ef_search={ef}", order, queries, truths[1], k, outlets,
                                    built["build_s"], built["total_mb"]))
    return rows


def pg_exact_filtered(conn, queries: np.ndarray, truth: np.ndarray, k: int, outlets: Outlets) -> dict:
    """Filtered queries without HNSW: the btree on outlet finds the rows, every one is compared (exact)."""
    conn.execute("SET enable_indexscan = off")  # HNSW scans are index scans; the btree's bitmap scan stays
    measured = pg_filtered_row(conn, "pgvector exact (btree on outlet)", "v <#> %s", queries, truth, k, outlets, 0.0, 0.0,
                               prepare=False)
    conn.execute("RESET enable_indexscan")
    return measured


def pgvector_rows(url: str, data: np.ndarray, queries: np.ndarray, truths: tuple, k: int, efs: list[int],
                  args: argparse.Namespace, outlets: Outlets | None) -> tuple[list[dict], dict]:
    """pgvector HNSW rows (float, and halfvec with --halfvec) and what the run learnt about the server."""
    import psycopg
    from pgvector.psycopg import register_vector

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        info = {"pgvector": conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0],
                "postgresql": conn.execute("SHOW server_version").fetchone()[0], "indexes": []}
        version = version_tuple(info["pgvector"])
        print(f"pgvector {info['pgvector']} on PostgreSQL {info['postgresql']}", file=sys.stderr, flush=True)
        pg_load(conn, data, outlets)
        iterative = outlets is not None and version >= (0, 8, 0)
        if outlets is not None:
            info["iterative_scan"] = "relaxed_order" if iterative else None
            info["max_scan_tuples"] = conn.execute(
                "SELECT current_setting('hnsw.max_scan_tuples', true)").fetchone()[0] if iterative else None
            print("filtered pgvector queries: " + (f"SET hnsw.iterative_scan = relaxed_order (hnsw.max_scan_tuples "
                  f"left at its default, {info['max_scan_tuples']})" if iterative else f"pgvector {info['pgvector']} "
                  "< 0.8.0 has no iterative index scans, so they run as they are"), file=sys.stderr, flush=True)
        conn.execute("SELECT set_config('maintenance_work_mem', %s, false)", (args.maintenance_work_mem,))
        conn.execute("SET max_parallel_maintenance_workers = 1")
        info["indexes"].append(pg_index(conn, "scale_bench_hnsw", "v", "vector_ip_ops", args))
        rows = pg_measure(conn, "pgvector HNSW", "v <#> %s", info["indexes"][-1], queries, truths, k, efs,
                          outlets, iterative)
        if outlets is not None:  # the alternative for a selective filter: the outlet's rows by btree, compared exactly
            rows.append(pg_exact_filtered(conn, queries, truths[1], k, outlets))
        if args.halfvec and version < (0, 7, 0):
            info["halfvec"] = f"skipped: pgvector {info['pgvector']} has no halfvec (needs 0.7.0)"
            print(f"--halfvec skipped: the server's pgvector {info['pgvector']} has no halfvec type (it needs "
                  "pgvector ≥ 0.7.0)", file=sys.stderr, flush=True)
        elif args.halfvec:  # the float index goes first, so 'memory' is the table with one HNSW index again
            conn.execute("DROP INDEX scale_bench_hnsw")
            half = f"halfvec({data.shape[1]})"
            info["indexes"].append(pg_index(conn, "scale_bench_halfvec", f"(v::{half})", "halfvec_ip_ops", args))
            rows += pg_measure(conn, "pgvector HNSW halfvec", f"v::{half} <#> %s::{half}", info["indexes"][-1],
                               queries, truths, k, efs, outlets, iterative)
        conn.execute("DROP TABLE scale_bench")
    return rows, info


def print_table(rows: list[dict], args: argparse.Namespace, dims: int, info: dict | None) -> None:
    """The table of all rows (p95/flat: against the flat row of the same kind, filtered or not)."""
    flat_p95 = {r["filtered"]: r["p95_ms"] for r in rows if r["method"].startswith("FAISS flat")}
    width = max([30] + [len(r["method"]) for r in rows])
    print(f"\n{args.size:,} vectors × {dims} dims ({'blends of two ' if args.mix else ''}real sentence vectors "
          f"+ noise {args.noise}), k=10, {args.queries} queries one at a time")
    if info is not None:
        print(f"pgvector {info['pgvector']} on PostgreSQL {info['postgresql']}")
    if args.filter_share:
        print(f"filtered: only the query's outlet, one of {round(1 / args.filter_share)}" + (
              f" (pgvector iterative scan: {info['iterative_scan'] or 'none, pgvector < 0.8'})" if info is not None else ""))
    print(f"{'method':{width}} {'build s':>9} {'memory MB':>10} {'recall@10':>10} {'p50 ms':>8} {'p95 ms':>8} {'p95/flat':>9}")
    for r in rows:
        print(f"{r['method']:{width}} {r['build_s']:>9.1f} {r['memory_mb']:>10.0f} {r['recall@10']:>10.3f} "
              f"{r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p95_ms'] / flat_p95[r['filtered']]:>9.2f}")
    for filtered in sorted({r["filtered"] for r in rows if r["method"].startswith("pgvector")}):
        met = [r for r in rows if r["method"].startswith("pgvector") and r["filtered"] == filtered
               and r["recall@10"] >= 0.95 and r["p95_ms"] <= 50]
        print(f"{'' if filtered else chr(10)}pgvector HNSW{' filtered' if filtered else ''} p95 ≤ 50 ms at "
              f"recall@10 ≥ 0.95: {'met by ' + met[0]['method'] if met else 'not met'} (at {args.size:,} vectors)")


def main() -> int:
    """Parse the options, make the vectors, measure every method and print (and maybe write) the rows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="corpus vectors (the issue's target is 1,000,000)")
    parser.add_argument("--bases", type=int, default=4000, help="real sentences the corpus vectors are made from")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.5, help="norm of the Gaussian noise added to each vector")
    parser.add_argument("--mix", action="store_true", help="blend two real sentence vectors per corpus vector first")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[40, 100, 200])
    parser.add_argument("--m", type=int, default=M, help="HNSW M (FAISS and pgvector)")
    parser.add_argument("--ef-construction", type=int, default=EF_CONSTRUCTION, help="HNSW ef_construction (both)")
    parser.add_argument("--maintenance-work-mem", default="4GB", help="for the pgvector index build")
    parser.add_argument("--filter-share", type=float, default=0.0,
                        help="also measure 'only the query's outlet', one of round(1/F) outlets (0: off)")
    parser.add_argument("--halfvec", action="store_true", help="also a pgvector index on v::halfvec (pgvector ≥ 0.7)")
    parser.add_argument("--no-faiss-hnsw", action="store_true", help="skip the FAISS HNSW build")
    parser.add_argument("--no-pgvector", action="store_true", help="skip pgvector")
    parser.add_argument("--json", type=Path, help="also write the rows and the run's parameters here")
    parser.add_argument("--store", help="a PostgreSQL URL with pgvector (default: a local pgserver)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-scale-bases.npy")
    args = parser.parse_args()
    if args.filter_share and not 0 < args.filter_share <= 1:
        parser.error("--filter-share must be in (0, 1]")
    from rag.store import pglocal

    load_start = os.getloadavg()
    vectors = base_vectors(args.bases + args.queries, args.cache)
    bases, held_out = vectors[: -args.queries], vectors[-args.queries:]
    rng = np.random.default_rng(18)
    data = noisy(rng, bases, args.size, args.noise, args.mix)
    queries = noisy(rng, held_out, args.queries, args.noise)
    outlets = None
    if args.filter_share:
        count, orng = round(1 / args.filter_share), np.random.default_rng(19)
        outlets = Outlets(count, orng.integers(count, size=args.size), orng.integers(count, size=args.queries))
    print(f"{args.size} vectors from {len(bases)} real sentences ({'blends, ' if args.mix else ''}+ noise {args.noise}), {args.queries} queries "
          f"from held-out sentences; load average {load_start[0]:.2f}", file=sys.stderr, flush=True)
    rows, truth, ftruth = faiss_rows(data, queries, 10, args.ef_search, args, outlets)
    info, tmp = None, None
    if not args.no_pgvector:
        if args.store:
            url = args.store
        else:
            tmp = Path(tempfile.mkdtemp(prefix="rag-scale-"))
            tmp.chmod(0o755)
            url = pglocal.start(tmp / "db").url
        try:
            more, info = pgvector_rows(url, data, queries, (truth, ftruth), 10, args.ef_search, args, outlets)
            rows += more
        finally:
            if tmp is not None:
                pglocal.stop(tmp / "db")
                shutil.rmtree(tmp, ignore_errors=True)
    load_end = os.getloadavg()
    print(f"load average at the end {load_end[0]:.2f}", file=sys.stderr)
    print_table(rows, args, data.shape[1], info)
    if args.json:
        params = {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}
        params["store"] = args.store and re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", args.store)
        report = {"parameters": params, "pgvector_version": info and info["pgvector"],
                  "postgresql_version": info and info["postgresql"], "pgvector": info,
                  "loadavg_start": load_start, "loadavg_end": load_end, "rows": rows}
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
