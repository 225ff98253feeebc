"""Warm question latency benchmark: ``Assistant.ask()`` vs the cost of embedding one query.

What is measured (one process; the model is loaded and warmed up before any timing):

* ``ask``: ``Assistant.ask(q, k=5)`` end to end (validation, embedding the query together with the
  names/words the retriever adds, dense + BM25 ranking, fusion, near-duplicate collapse,
  extractive answer with citations).
* ``search``: ``Assistant.search(q, k=5)`` (retrieval only, no answer composition).
* ``encode_queries``: ``embedder.encode_queries([q])`` - the project's one-query embedding.
* ``st.encode``: raw ``SentenceTransformer.encode(["query: " + q])`` - the floor.
* ``e5 as in ask`` / ``use.encode``: the parts of ask() - the e5 batch it embeds (question plus
  names/words, recorded during warm-up and replayed) and the USE query embedding, if that ranking
  is switched on - to show where ask() spends the time above the floor.

Over a fixed list of 30 EN/DE questions (a few hand-written ones plus gold-set questions), the
four calls are interleaved per question (in a fresh seeded random order each time) for
``--rounds`` rounds (cut short once the script has run ``--budget`` seconds), so that machine noise
hits all of them alike. Reported: p50/p95 per call, the ratios to the encode floor (target: ask p50 <= 3x
encode p50) and the median of the per-question paired ratios ask/encode, which is the figure
least disturbed by other load on the machine. The index is built into a temporary folder from the
project's ``seeds/``; its build time is not part of any figure.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rag.assistant import Assistant
from rag.config import default_seeds_dir
from rag.evaluate.gold import default_gold_path, load_gold

EXTRA_QUESTIONS = [
    ("en", "What security guarantees did the Coalition of the Willing agree on in Paris?"),
    ("de", "Welche Rolle spielt Steve Witkoff bei den Verhandlungen?"),
    ("en", "Who chaired the Paris summit?"),
    ("de", "Was hat Selenskyj über das Dokument mit den USA gesagt?"),
    ("en", "Will US troops be stationed in Ukraine?"),
    ("de", "Wie reagierte Russland auf die Pläne der Koalition?"),
    ("en", "What did Merz say about pressure on Moscow?"),
    ("de", "Wer ist der Chefunterhändler der Ukraine?"),
]
N_QUESTIONS = 30
MIN_SAMPLES = 10


def questions(n: int = N_QUESTIONS) -> list[tuple[str, str]]:
    """``(language, question)``: the hand-written ones plus gold questions, alternating EN/DE."""
    gold = load_gold(default_gold_path())
    by_lang = {lang: [g.question for g in gold if g.language == lang] for lang in ("en", "de")}
    picked = list(EXTRA_QUESTIONS)
    for i in range(max(len(v) for v in by_lang.values())):
        for lang, pool in by_lang.items():
            q = pool[(i * 7) % len(pool)]  # stride 7: spread over the file (splits, unanswerable)
            if len(picked) < n and (lang, q) not in picked:
                picked.append((lang, q))
    return picked


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile of ``values``, in milliseconds."""
    return float(np.percentile(np.asarray(values), q)) * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir(), help="corpus folder (default: seeds/)")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the question list (default 5)")
    parser.add_argument("--budget", type=float, default=150.0,
                        help=f"stop timing once the script has run this many seconds, after at least "
                             f"{MIN_SAMPLES} questions (default 150)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) before timing")
    parser.add_argument("--profile", action="store_true", help="cProfile one pass of ask(), print the top functions")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory(prefix="rag-bench-latency-") as tmp:
        t0 = time.perf_counter()
        assistant = Assistant.load(Path(tmp) / "index", seeds=args.seeds)
        load_s = time.perf_counter() - t0
        embedder = assistant.embedder
        model: Any = embedder._get_model()  # the build into the fresh folder has loaded it already
        prefix = embedder.query_prefix
        labelled = questions()
        qs = [q for _, q in labelled]
        n_de = sum(lang == "de" for lang, _ in labelled)

        def raw(q: str) -> Any:
            return model.encode([prefix + q], show_progress_bar=False, convert_to_numpy=True,
                                normalize_embeddings=True)

        # warm-up: every question through ask() once, noting what it hands to the e5 model
        batches: dict[str, list[list[str]]] = {q: [] for q in qs}
        original, current = embedder.encode_queries, [""]
        embedder.encode_queries = lambda texts: (batches[current[0]].append(list(texts)), original(texts))[1]  # type: ignore[method-assign]
        try:
            for current[0] in qs:
                assistant.ask(current[0], k=5)
        finally:
            del embedder.encode_queries  # back to the class method
        sizes = [len(b) for q in qs for b in batches[q]]

        calls: dict[str, Callable[[str], Any]] = {
            "ask": lambda q: assistant.ask(q, k=5),
            "search": lambda q: assistant.search(q, k=5),
            "encode_queries": lambda q: embedder.encode_queries([q]),
            "st.encode": raw,  # the floor
            "e5 as in ask": lambda q: [embedder.encode_queries(b) for b in batches[q]],
        }
        use = assistant.second_encoder if assistant.retrieval_config.use > 0 else None  # the USE ranking, if on
        if use is not None:
            calls["use.encode"] = lambda q: use.encode([q])
        for q in qs[:5]:
            for fn in calls.values():
                fn(q)

        times: dict[str, list[float]] = {name: [] for name in calls}
        names = list(calls)
        t_all = time.perf_counter()
        rng, done, stop = random.Random(0), 0, False
        while done < args.rounds * len(qs) and not stop:
            for q in qs:
                for name in rng.sample(names, len(names)):  # a fresh order per question
                    t0 = time.perf_counter()
                    calls[name](q)
                    times[name].append(time.perf_counter() - t0)
                done += 1
                stop = time.perf_counter() - started > args.budget and done >= MIN_SAMPLES
                if stop:
                    break
        bench_s = time.perf_counter() - t_all

        print(f"model {embedder.model_id} from {embedder.model_path}; torch threads {torch.get_num_threads()}")
        print(f"machine: {os.cpu_count()} cores, 1-min load average {os.getloadavg()[0]:.1f}"
              + (" (busy: expect noise; torch threads > free cores slow down badly, try --threads 1)"
                 if os.getloadavg()[0] > (os.cpu_count() or 1) else ""))
        print(f"Assistant.load (model load + build of a temporary index, not timed below): {load_s:.2f} s; "
              f"{len(assistant.articles)} articles")
        print(f"{len(qs)} questions ({len(qs) - n_de} EN, {n_de} DE), {done} calls each ({done / len(qs):.1f} rounds), "
              f"{bench_s:.1f} s timed")
        print(f"ask() embeds {np.mean(sizes):.2f} texts/question in {len(sizes) / len(qs):.2f} call(s) (max "
              f"{max(sizes)}): the question plus names/words of it (row 'e5 as in ask' replays exactly that)")
        print(f"\n{'call':16} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'p50/floor':>10}")
        floor = pct(times["st.encode"], 50)
        for name in names:
            p50 = pct(times[name], 50)
            print(f"{name:16} {p50:8.1f} {pct(times[name], 95):8.1f} {np.mean(times[name]) * 1000:8.1f} "
                  f"{p50 / floor:9.2f}x")
        ask50, enc50 = pct(times["ask"], 50), pct(times["encode_queries"], 50)
        ratio = ask50 / enc50
        print(f"\nask_p50 / encode_queries_p50 = {ratio:.2f}x  (target <= 3x: {'OK' if ratio <= 3 else 'MISSED'})")
        print(f"ask_p50 / st.encode_p50      = {ask50 / floor:.2f}x")
        paired = np.median(np.asarray(times["ask"]) / np.asarray(times["encode_queries"]))
        print(f"median of per-question ask/encode_queries (paired, robust to drift) = {paired:.2f}x")
        print(f"ask_p50 - search_p50         = {ask50 - pct(times['search'], 50):.1f} ms (answer composition)")
        parts = [name for name in ("e5 as in ask", "use.encode") if name in times]
        rest = ask50 - sum(pct(times[name], 50) for name in parts)
        print(f"ask_p50 - ({' + '.join(parts)})_p50 = {rest:.1f} ms (ranking, fusion, answer, Python)")

        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for q in qs:
                assistant.ask(q, k=5)
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(20)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
