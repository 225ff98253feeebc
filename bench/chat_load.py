"""Load check of the web chat: N concurrent gradio_client users ask EN/DE questions; prints latency and errors.

    python bench/chat_load.py                      # starts app.py on a free loopback port (temp index)
    python bench/chat_load.py --url http://127.0.0.1:7860/ --clients 20 --per-client 2

Every answer is checked (e.g. "What did Germany offer?" must mention NATO-Gebiet, the football cup question
must abstain). Afterwards one more request checks that the app still serves. Exit code 1 if anything failed.
Not a test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag.ui.launch import AppStartError, running_app

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CLIENTS = 64
MAX_PER_CLIENT = 10


def mentions(*patterns: str) -> Callable[[dict[str, Any]], bool]:
    """Check: an answer (not an abstention) whose text matches one of the patterns."""
    return lambda a: not a["abstained"] and any(re.search(p, a["text"], re.IGNORECASE) for p in patterns)


def abstains(a: dict[str, Any]) -> bool:
    """Check: the assistant abstained."""
    return bool(a["abstained"])


QUESTIONS: list[tuple[str, str, Callable[[dict[str, Any]], bool]]] = [
    ("What did Germany offer?", "mentions NATO-Gebiet", mentions(r"nato-gebiet")),
    ("Was hat Deutschland angeboten?", "mentions NATO-Gebiet", mentions(r"nato-gebiet")),
    ("Who will lead the ceasefire monitoring?", "names the USA", mentions(r"\bUSA\b", r"US-")),
    ("Wer soll den Waffenstillstand überwachen?", "names the USA", mentions(r"\bUSA\b", r"US-")),
    ("What did Britain offer?", "mentions Britain", mentions(r"brit", r"großbritannien")),
    ("Was hat Großbritannien angeboten?", "mentions Britain", mentions(r"brit", r"großbritannien")),
    ("Which team lifted the football cup in Lisbon?", "abstains", abstains),
    ("Wer hat die Fußball-WM 2026 gewonnen?", "abstains", abstains),
]


@dataclass
class Result:
    """One request: which question, how long it took, and what went wrong (if anything)."""

    question: str
    seconds: float
    error: str = ""
    wrong: str = ""


@contextmanager
def started_app(index: Path | None, timeout: float) -> Iterator[str]:
    """Run ``app.py`` on a free loopback port until the block ends; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="chat-load-") as tmp:
        args = ["--index", str(index or Path(tmp) / "index"), "--seeds", str(ROOT / "seeds")]
        try:
            with running_app(ROOT / "app.py", args, Path(tmp) / "app.log", timeout=timeout) as url:
                print(f"started app.py at {url}", flush=True)
                yield url
        except AppStartError as exc:
            raise SystemExit(str(exc)) from None


def one_request(client: Any, question: str, check: Callable[[dict[str, Any]], bool], expect: str, k: int) -> Result:
    """Ask one question through the /ask endpoint and check the answer."""
    start = time.perf_counter()
    try:
        answer = client.predict(question, k, api_name="/ask")
    except Exception as exc:  # noqa: BLE001 - counted and reported
        return Result(question, time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}"[:200])
    seconds = time.perf_counter() - start
    if not isinstance(answer, dict) or not check(answer):
        text = answer.get("text", "") if isinstance(answer, dict) else repr(answer)
        return Result(question, seconds, wrong=f"expected: {expect}; got: {text[:160]!r}")
    return Result(question, seconds)


def drive(url: str, clients: int, per_client: int, k: int) -> tuple[list[Result], float]:
    """``clients`` threads, each with its own gradio_client, all start asking at the same moment."""
    from gradio_client import Client

    barrier = threading.Barrier(clients)

    def user(i: int) -> list[Result]:
        client = Client(url, verbose=False)
        barrier.wait()
        picks = [QUESTIONS[(i + j) % len(QUESTIONS)] for j in range(per_client)]
        return [one_request(client, q, check, expect, k) for q, expect, check in picks]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = [r for batch in pool.map(user, range(clients)) for r in batch]
    return results, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(results: list[Result], wall: float) -> int:
    """Print the figures; return the number of failed requests (errors + wrong answers)."""
    times = [r.seconds for r in results if not r.error]
    errors = [r for r in results if r.error]
    wrong = [r for r in results if r.wrong]
    print(f"requests: {len(results)} in {wall:.1f} s  ({len(results) / wall:.2f} req/s)")
    if times:
        print(f"latency: p50 {percentile(times, 50):.2f} s   p95 {percentile(times, 95):.2f} s   "
              f"max {max(times):.2f} s   mean {statistics.mean(times):.2f} s")
    print(f"errors: {len(errors)}   wrong answers: {len(wrong)}")
    for r in errors[:5]:
        print(f"  error   {r.question!r}: {r.error}")
    for question in sorted({r.question for r in wrong}):
        sample = next(r for r in wrong if r.question == question)
        count = sum(r.question == question for r in wrong)
        print(f"  wrong x{count} {question!r}: {sample.wrong}")
    return len(errors) + len(wrong)


def main(argv: list[str] | None = None) -> int:
    """Run the load check and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app on this machine (default: start app.py)")
    parser.add_argument("--index", type=Path, help="index dir for the started app (default: a temp dir)")
    parser.add_argument("--clients", type=int, default=20, help=f"concurrent clients (default 20, max {MAX_CLIENTS})")
    parser.add_argument("--per-client", type=int, default=2, help=f"questions per client (default 2, max {MAX_PER_CLIENT})")
    parser.add_argument("--k", type=int, default=5, help="passages per question (default 5)")
    parser.add_argument("--start-timeout", type=float, default=600, help="seconds to wait for app.py (default 600)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.per_client <= MAX_PER_CLIENT:
        parser.error(f"--clients must be 1..{MAX_CLIENTS} and --per-client 1..{MAX_PER_CLIENT}")
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        parser.error("--url must point at this machine (127.0.0.1 / localhost)")

    def run(url: str) -> int:
        print(f"{args.clients} clients x {args.per_client} questions (k={args.k}) against {url}", flush=True)
        results, wall = drive(url, args.clients, args.per_client, args.k)
        failed = report(results, wall)
        question, expect, check = QUESTIONS[0]
        from gradio_client import Client

        after = one_request(Client(url, verbose=False), question, check, expect, args.k)
        served = f"FAILED: {after.error}" if after.error else f"served in {after.seconds:.2f} s"
        checked = f"; answer check FAILED ({after.wrong})" if after.wrong else "; answer ok"
        print(f"after the load: {question!r} -> {served}{'' if after.error else checked}")
        return 1 if failed or after.error or after.wrong else 0

    if args.url:
        return run(args.url)
    with started_app(args.index, args.start_timeout) as url:
        return run(url)


if __name__ == "__main__":
    sys.exit(main())
