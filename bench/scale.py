"""Vector search at scale: FAISS flat (exact) vs FAISS HNSW vs pgvector HNSW on the same vectors.

    nice -n 10 python bench/scale.py --size 100000 [--bases 4000] [--queries 200] [--noise 0.5] [--store URL]

Vectors with real structure: e5 passage vectors of real sentences (the fundus pages' reference texts
in ../shared and the seeds), each corpus vector one of them plus Gaussian noise (norm ≈ --noise)
and normalised; queries are e5 vectors of other real sentences (held out) plus noise. Ground truth
is FAISS flat. Prints, per method: build time, memory (FAISS: serialized index; pgvector: index +
table on disk), recall@10 against exact, p50/p95 latency of one query at a time (pgvector: through
psycopg on loopback, so a round trip is included; FAISS: one thread). Each HNSW with M=16,
ef_construction=64 (the store's settings), at several ef_search. Starts a local pgserver
PostgreSQL unless --store names one (a table ``scale_bench`` is made and dropped there).
Not a test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FUNDUS = ROOT.parent / "shared" / "corpora" / "fundus-news" / "truth.jsonl"
M, EF_CONSTRUCTION = 16, 64


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


def timed_queries(search, queries: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    found, seconds = [], []
    for q in queries:
        t0 = time.perf_counter()
        found.append(search(q))
        seconds.append(time.perf_counter() - t0)
    return found, seconds


def recall(found: list[np.ndarray], truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k].tolist()) & set(t[:k].tolist())) / k for f, t in zip(found, truth)]))


def row(name: str, build: float, mb: float, rec: float, seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"method": name, "build_s": build, "memory_mb": mb, "recall@10": rec,
            "p50_ms": statistics.median(ms), "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))]}


def faiss_rows(data: np.ndarray, queries: np.ndarray, k: int, efs: list[int]) -> tuple[list[dict], np.ndarray]:
    import faiss

    faiss.omp_set_num_threads(1)
    t0 = time.perf_counter()
    flat = faiss.IndexFlatIP(data.shape[1])
    flat.add(data)
    build = time.perf_counter() - t0
    found, seconds = timed_queries(lambda q: flat.search(q.reshape(1, -1), k)[1][0], queries)
    truth = np.stack(found)
    rows = [row("FAISS flat (exact)", build, faiss.serialize_index(flat).nbytes / 2**20, 1.0, seconds)]
    faiss.omp_set_num_threads(2)
    t0 = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(data.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = EF_CONSTRUCTION
    hnsw.add(data)
    build = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    mb = faiss.serialize_index(hnsw).nbytes / 2**20
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        found, seconds = timed_queries(lambda q: hnsw.search(q.reshape(1, -1), k)[1][0], queries)
        rows.append(row(f"FAISS HNSW ef_search={ef}", build, mb, recall(found, truth, k), seconds))
    return rows, truth


def pgvector_rows(url: str, data: np.ndarray, queries: np.ndarray, truth: np.ndarray, k: int,
                  efs: list[int]) -> list[dict]:
    import psycopg
    from pgvector.psycopg import register_vector

    dim = data.shape[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute("DROP TABLE IF EXISTS scale_bench")
        conn.execute(f"CREATE TABLE scale_bench (id int PRIMARY KEY, v vector({dim}) NOT NULL)")
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY scale_bench (id, v) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "vector"])
            for i, v in enumerate(data):
                copy.write_row([i, v])
        loaded = time.perf_counter() - t0
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")
        t0 = time.perf_counter()
        conn.execute(f"CREATE INDEX scale_bench_hnsw ON scale_bench USING hnsw (v vector_ip_ops) "
                     f"WITH (m = {M}, ef_construction = {EF_CONSTRUCTION})")
        build = time.perf_counter() - t0
        mb = conn.execute("SELECT pg_total_relation_size('scale_bench')").fetchone()[0] / 2**20
        index_mb = conn.execute("SELECT pg_relation_size('scale_bench_hnsw')").fetchone()[0] / 2**20
        rows = []
        for ef in efs:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            sql = "SELECT id FROM scale_bench ORDER BY v <#> %s LIMIT %s"
            found, seconds = timed_queries(
                lambda q: np.array([r[0] for r in conn.execute(sql, (q, k))], dtype=np.int64), queries)
            rows.append(row(f"pgvector HNSW ef_search={ef}", build, mb, recall(found, truth, k), seconds))
        conn.execute("DROP TABLE scale_bench")
    print(f"pgvector: COPY of {len(data)} vectors {loaded:.1f} s; HNSW build {build:.1f} s; "
          f"index {index_mb:.0f} MB of {mb:.0f} MB on disk", file=sys.stderr)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="corpus vectors (the issue's target is 1,000,000)")
    parser.add_argument("--bases", type=int, default=4000, help="real sentences the corpus vectors are made from")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.5, help="norm of the Gaussian noise added to each vector")
    parser.add_argument("--mix", action="store_true", help="blend two real sentence vectors per corpus vector first")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[40, 100, 200])
    parser.add_argument("--store", help="a PostgreSQL URL with pgvector (default: a local pgserver)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-scale-bases.npy")
    args = parser.parse_args()
    from rag.store import pglocal

    vectors = base_vectors(args.bases + args.queries, args.cache)
    bases, held_out = vectors[: -args.queries], vectors[-args.queries:]
    rng = np.random.default_rng(18)
    data = noisy(rng, bases, args.size, args.noise, args.mix)
    queries = noisy(rng, held_out, args.queries, args.noise)
    print(f"{args.size} vectors from {len(bases)} real sentences ({'blends, ' if args.mix else ''}+ noise {args.noise}), {args.queries} queries "
          f"from held-out sentences", file=sys.stderr, flush=True)
    rows, truth = faiss_rows(data, queries, 10, args.ef_search)
    tmp = None
    if args.store:
        url = args.store
    else:
        tmp = Path(tempfile.mkdtemp(prefix="rag-scale-"))
        tmp.chmod(0o755)
        url = pglocal.start(tmp / "db").url
    try:
        rows += pgvector_rows(url, data, queries, truth, 10, args.ef_search)
    finally:
        if tmp is not None:
            pglocal.stop(tmp / "db")
            shutil.rmtree(tmp, ignore_errors=True)
    flat_p95 = rows[0]["p95_ms"]
    print(f"\n{args.size:,} vectors × {data.shape[1]} dims ({'blends of two ' if args.mix else ''}real sentence vectors "
          f"+ noise {args.noise}), k=10, {args.queries} queries one at a time")
    print(f"{'method':30} {'build s':>9} {'memory MB':>10} {'recall@10':>10} {'p50 ms':>8} {'p95 ms':>8} {'p95/flat':>9}")
    for r in rows:
        print(f"{r['method']:30} {r['build_s']:>9.1f} {r['memory_mb']:>10.0f} {r['recall@10']:>10.3f} "
              f"{r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p95_ms'] / flat_p95:>9.2f}")
    met = [r for r in rows if r["method"].startswith("pgvector") and r["recall@10"] >= 0.95 and r["p95_ms"] <= 50]
    print(f"\npgvector HNSW p95 ≤ 50 ms at recall@10 ≥ 0.95: {'met by ' + met[0]['method'] if met else 'not met'} "
          f"(at {args.size:,} vectors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
