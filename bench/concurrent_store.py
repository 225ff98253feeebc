"""Two web-chat replicas on one PostgreSQL store answer concurrently while `rag ingest` adds articles.

    python bench/concurrent_store.py [--clients 4] [--pages 2] [--store URL]

Starts a local pgserver PostgreSQL (unless --store names one; its database is then rebuilt), ingests
the 5 seed articles, starts two `app.py` replicas with RAG_STORE and a 1 s reload interval, and lets
--clients threads (half per replica) ask questions without pause. Meanwhile `rag ingest` adds
--pages real news pages from ../shared/corpora/fundus-news (other topics than the seeds). Counted:
requests, errors (exceptions, non-answers), latency; after the ingest, each replica is asked the
fundus gold questions (dev split) about the new pages until it cites them (the reload lag), and
finally each question is asked of both replicas: both must cite the new page. Exit code 1 on any
error or missing citation. Not a test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNDUS = ROOT.parent / "shared" / "corpora" / "fundus-news"
SEED_QUESTIONS = ["Was hat Deutschland angeboten?", "Who will lead the ceasefire monitoring?",
                  "What did Britain offer?", "Wer soll den Waffenstillstand überwachen?"]


def new_pages(count: int) -> list[tuple[Path, list[str]]]:
    """Fundus pages with answerable dev-split gold questions, and those questions (at most 2 per page)."""
    by_page: dict[str, list[str]] = {}
    for line in (ROOT / "eval" / "gold_fundus.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line) if line.strip() and not line.startswith("#") else None
        if item and item.get("split") == "dev" and item.get("answerable") and len(item["evidence"]) == 1:
            by_page.setdefault(item["evidence"][0]["article_id"], []).append(item["question"])
    pages = []
    for article_id, questions in sorted(by_page.items(), key=lambda kv: -len(kv[1])):
        found = next(FUNDUS.glob(f"*/{article_id}.html.gz"), None)
        if found is not None:
            pages.append((found, questions[:2]))
        if len(pages) == count:
            break
    return pages


def cited(answer: object) -> set[str]:
    return {c["article_id"] for c in answer.get("citations", [])} if isinstance(answer, dict) else set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--store", help="an existing store URL (its content is replaced); default: a local server")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for a replica to start")
    args = parser.parse_args()
    from gradio_client import Client

    from rag.store import pglocal
    from rag.ui.launch import running_app

    pages = new_pages(args.pages)
    if len(pages) < args.pages:
        raise SystemExit(f"need {args.pages} fundus pages with dev questions under {FUNDUS}")
    tmp = Path(tempfile.mkdtemp(prefix="rag-concurrent-"))
    tmp.chmod(0o755)
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    db = None if args.store else pglocal.start(tmp / "db")
    url = args.store or db.url  # type: ignore[union-attr]
    env = {**os.environ, "RAG_STORE": url, "HF_HUB_OFFLINE": "1"}
    rag = [sys.executable, "-m", "rag"]
    try:
        started = time.perf_counter()
        subprocess.run([*rag, "ingest", "--seeds", str(corpus), "--rebuild"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        print(f"initial ingest (5 seeds): {time.perf_counter() - started:.1f} s", flush=True)
        os.environ["RAG_STORE"] = url  # the replicas read it from the environment, never from argv
        with ExitStack() as stack:
            urls = [stack.enter_context(running_app(ROOT / "app.py", ["--reload-interval", "1"], tmp / f"app{i}.log",
                                                    timeout=args.timeout)) for i in range(2)]
            print(f"replicas serving at {urls}", flush=True)
            results: list[tuple[int, float, str]] = []
            stop = threading.Event()

            def user(i: int) -> None:
                client = Client(urls[i % 2], verbose=False)
                questions = SEED_QUESTIONS + [q for _, qs in pages for q in qs]
                n = 0
                while not stop.is_set():
                    question = questions[(i + n) % len(questions)]
                    n += 1
                    t0 = time.perf_counter()
                    try:
                        answer = client.predict(question, 5, api_name="/ask")
                        error = "" if isinstance(answer, dict) and answer.get("text") else f"no answer: {answer!r}"[:200]
                    except Exception as exc:  # noqa: BLE001 - counted and reported
                        error = f"{type(exc).__name__}: {exc}"[:200]
                    results.append((i % 2, time.perf_counter() - t0, error))

            threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(args.clients)]
            for t in threads:
                t.start()
            time.sleep(5)
            for page, _ in pages:
                shutil.copy(page, corpus / page.name)
            started = time.perf_counter()
            subprocess.run([*rag, "ingest", "--seeds", str(corpus)], env=env, check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            ingest_s = time.perf_counter() - started
            during = len(results)
            lags = []
            clients = [Client(u, verbose=False) for u in urls]
            for client in clients:
                t0 = time.perf_counter()
                page, questions = pages[0][0], pages[0][1]
                while page.name.removesuffix(".html.gz") not in cited(client.predict(questions[0], 5, api_name="/ask")):
                    if time.perf_counter() - t0 > 60:
                        break
                    time.sleep(0.5)
                lags.append(time.perf_counter() - t0)
            stop.set()
            for t in threads:
                t.join(timeout=120)
            checks = []
            for page, questions in pages:
                for question in questions:
                    for r, client in enumerate(clients):
                        ok = page.name.removesuffix(".html.gz") in cited(client.predict(question, 5, api_name="/ask"))
                        checks.append((r, question, ok))
        errors = [e for _, _, e in results if e]
        latencies = sorted(s for _, s, e in results if not e)
        print(f"\nrequests while the ingest ran and after: {len(results)} ({during} until the ingest returned), "
              f"per replica {[sum(1 for r, _, _ in results if r == i) for i in (0, 1)]}")
        print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in errors[:5]))
        if latencies:
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            print(f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        print(f"ingest of {len(pages)} new pages (incremental): {ingest_s:.1f} s; "
              f"after it returned, replicas cited the new page within {[round(x, 1) for x in lags]} s")
        for r, question, ok in checks:
            print(f"  replica {r}: {'cites' if ok else 'MISSES'} the new page for {question!r}")
        missing = sum(not ok for _, _, ok in checks)
        print(f"new pages cited by both replicas: {len(checks) - missing}/{len(checks)} answers")
        return 1 if errors or missing else 0
    finally:
        if db is not None:
            pglocal.stop(db.data)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
