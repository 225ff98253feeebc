"""Memory over 1 000 consecutive questions: does ``Assistant.ask()`` keep resident memory flat?

Usage: ``python bench/memory.py [--questions 1000] [--k K] [--index DIR] [--check]``

What is measured (one process; the model is loaded and the index built before anything else):

* Warm-up: ``--warmup`` questions (default 50) of the same mix as below, so that lazy parts (the
  USE model and its chunk vectors, torch kernels and thread pools, simplemma dictionaries) are
  loaded before the baseline sample. Then the tokenizers' word caches (LRU, fixed capacity) are
  filled with made-up words, so that the passes measure the steady state, in which each new word
  evicts one (``--no-fill`` leaves them to fill during the passes, about 0.8 new words per question).
* Pass 1 (RSS as the OS sees it, latency): ``--questions`` consecutive ``ask()`` calls. Before the
  first one and after every ``--every`` questions: ``gc.collect()``, then the current resident set
  size from ``/proc/self/status`` (``VmRSS``; not ``ru_maxrss``, which only ever rises).
* Pass 2 (what stays alive): as many questions again, same mix, freshly drawn odd inputs. Before each
  sample: ``gc.collect()`` and glibc ``malloc_trim(0)``, then ``VmRSS`` ("trimmed RSS") split into
  ``RssAnon`` and ``RssFile``, and the ``tracemalloc`` Python heap (tracing started at the beginning
  of pass 2, so the figure is Python memory allocated since then and still alive; memory of C
  libraries - torch, oneDNN, FAISS, bm25s, tokenizers - is not traced, RSS covers it). tracemalloc
  slows every Python allocation down, which is why latency comes from pass 1 only. At the end: the
  code lines whose live Python allocations grew the most, the mapped files whose resident pages
  grew, and the sizes of the per-word caches of the lexical tokenizer.

Why anonymous trimmed RSS decides. Raw RSS: glibc keeps freed memory in its (per-thread) arenas for
reuse and gives it back to the OS only on ``malloc_trim``; torch's intermediate tensors for
questions of different lengths make raw RSS swing by tens of MB between samples (+-40 KB/question
over 500 questions), reuse capacity bounded by the peak, not growth. File-backed RSS: the model's
``model.safetensors`` is memory-mapped, and a question with a token id never seen before pages in
that token's embedding row; those pages are clean, bounded by the file size, shared with other
processes mapping it and dropped by the kernel under memory pressure - not something a process
accumulates. Anonymous trimmed RSS is what is really held: live objects, caches, fragmentation.

The questions cycle through a fixed schedule: gold questions (``eval/gold.jsonl``, EN and DE
alternating), random words from the corpus, gold questions with typos (new words each time),
questions just under the length limit, emoji/RTL/control-character/combining-mark strings, and a
share that ``ask()`` rejects with ``InvalidQuestionError`` (empty, whitespace or control characters
only, over the length limit, over 4x the limit, not a string). ``k`` is drawn from 1 to 10 per
question unless ``--k`` fixes it. All inputs are generated before the baseline sample (they stay
alive throughout, so they cannot show up as growth); no answers are kept.

Reported: a table (questions asked; pass 1 RSS MB; pass 2 trimmed RSS, anonymous and file-backed
MB, Python heap MB), RSS growth from warm-up to the end in MB and as a ratio, least-squares slopes
over the second half of each pass in KB per question, p50/p95 ask latency, and how many questions
were answered, abstained or rejected (per kind of input). Verdict "memory flat" when the
second-half slopes of anonymous trimmed RSS and of the Python heap are both below ``--threshold``
KB/question (default 1): 1 MB per 1 000 questions, 100 MB after 100 000 - less than keeping one
query vector (384 float32 = 1.5 KB) or one answer per question would cost, so any per-question
retention fails it. Bounded caches that are still filling (the tokenizers' word caches, LRU of
``rag.lang.tokens.TOKEN_CACHE`` words each; oneDNN's primitive cache - one entry per new input shape, LRU with a fixed capacity; set
``ONEDNN_PRIMITIVE_CACHE_CAPACITY=0`` to tell it apart) count as growth here too. ``--check`` exits 1
when not flat.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import linecache
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rag.assistant import Assistant
from rag.config import MAX_QUESTION_CHARS, default_seeds_dir
from rag.errors import InvalidQuestionError
from rag.evaluate.gold import default_gold_path, load_gold
from rag.lang.text import words

MB = 1024.0 * 1024.0

# One cycle of the question schedule (20 slots): what kind of input each slot gets.
SCHEDULE = (
    "gold", "gold", "corpus-words", "gold", "unicode", "gold", "typos", "gold", "rejected", "long",
    "gold", "gold", "corpus-words", "gold", "unicode", "gold", "typos", "gold", "rejected", "gold",
)
EMOJI = ["🤔", "🇺🇦", "🇩🇪", "🇪🇺", "💣", "🕊️", "👍🏽", "👨‍👩‍👧", "🔥", "📰", "❓", "✅"]
RTL = ["ما هو موقف ألمانيا من أوكرانيا؟", "מי נפגש בפריז?", "زيلينسكي وميرتس في باريس",
       "آیا سربازان آلمانی در اوکراین مستقر می‌شوند؟"]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\u200b", "\u200d", "\u202e", "\u202c", "\ufeff", "\r", "\t", "\x7f"]


@dataclass(frozen=True)
class Item:
    """One input to ``ask()``: its kind, the question (not always a string) and ``k``."""

    kind: str
    question: object
    k: int


def memory_status() -> dict[str, float]:
    """``VmRSS``, ``RssAnon`` and ``RssFile`` of this process from ``/proc/self/status``, in bytes."""
    found: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "RssAnon", "RssFile"):
                found[key] = float(line.split()[1]) * 1024
    if "VmRSS" not in found:
        raise RuntimeError("no VmRSS line in /proc/self/status (not Linux?)")
    return found


def file_rss() -> Counter[str]:
    """Resident bytes per mapped file (``/proc/self/smaps``)."""
    found: Counter[str] = Counter()
    path = ""
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head = line.split(None, 5)
            if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:  # a mapping's header line
                path = head[5].strip() if len(head) > 5 and head[5].startswith("/") else ""
            elif path and line.startswith("Rss:"):
                found[path] += int(line.split()[1]) * 1024
    return found


def rss_bytes() -> int:
    """Current resident set size of this process (``VmRSS``; not ``ru_maxrss``, the peak)."""
    return int(memory_status()["VmRSS"])


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


_TRIM = _malloc_trim()
trim_ok = _TRIM is not None


def trim() -> None:
    """Give memory glibc holds for reuse back to the OS (no-op without glibc)."""
    if _TRIM is not None:
        _TRIM(0)


def progress(line: str) -> None:
    """A progress line on stderr (the report itself goes to stdout)."""
    print(line, file=sys.stderr, flush=True)


def cache_sizes(assistant: Assistant) -> dict[str, int]:
    """Entries in the per-input caches known to live across questions (diagnostics; private attributes)."""
    sizes: dict[str, int] = {}
    state = assistant._state
    for name, owner in (("store's BM25", getattr(state.store, "_lexical", None)), ("sentence scorer", state.scorer)):
        tokenize = getattr(owner, "tokenize", None)
        if hasattr(tokenize, "cache_info"):
            size, capacity = tokenize.cache_info()
            sizes[f"rag.lang.tokens LexicalTokenizer word cache of the {name} (LRU, capacity {capacity})"] = size
    return sizes


def fill_word_caches(assistant: Assistant, rng: random.Random) -> int:
    """Put as many new made-up words through each tokenizer as its LRU word cache holds.

    A full cache stays the same size: every new word evicts one. Filled before the baseline, the
    caches cannot show up as growth; filled again right after tracemalloc starts, every entry that
    pass 2 evicts was traced, so evictions count as frees instead of leaving new entries looking
    like growth. Returns the number of words used.
    """
    state = assistant._state
    capacity = 0
    tokenizers = [getattr(getattr(state.store, "_lexical", None), "tokenize", None), getattr(state.scorer, "tokenize", None)]
    tokenizers = [t for t in tokenizers if hasattr(t, "cache_info")]
    for tokenize in tokenizers:
        capacity = max(capacity, tokenize.cache_info()[1])
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    made_up = {"".join(rng.choice(letters) for _ in range(rng.randint(6, 12))) for _ in range(capacity)}
    for tokenize in tokenizers:
        tokenize(" ".join(made_up))
    return len(made_up)


def slope_kb(xs: list[int], ys: list[float]) -> float:
    """Least-squares slope of ``ys`` (bytes) over ``xs`` (questions), in KB per question."""
    if len(xs) < 2:
        return float("nan")
    return float(np.polyfit(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), 1)[0]) / 1024.0


def second_half(samples: list[tuple[int, float]], n: int) -> tuple[list[int], list[float]]:
    """The samples taken at or after question ``n / 2`` (at least the last two)."""
    kept = [(x, y) for x, y in samples if x >= n / 2]
    if len(kept) < 2:
        kept = samples[-2:]
    return [x for x, _ in kept], [y for _, y in kept]


class Inputs:
    """Generates the question mix; ``rng`` decides the odd inputs, gold questions cycle in order."""

    def __init__(self, gold: list[tuple[str, str]], corpus_words: list[str], rng: random.Random) -> None:
        self.gold, self.vocab, self.rng = gold, corpus_words, rng
        self._gold_at = 0

    def _next_gold(self) -> str:
        q = self.gold[self._gold_at % len(self.gold)][1]
        self._gold_at += 1
        return q

    def _typo(self, word: str) -> str:
        if len(word) < 4:
            return word
        i = self.rng.randrange(1, len(word) - 1)
        op = self.rng.randrange(3)
        if op == 0:  # swap two letters
            return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]
        if op == 1:  # drop one
            return word[:i] + word[i + 1:]
        return word[:i] + self.rng.choice("abcdefghijklmnopqrstuvwxyzäöüß") + word[i:]  # insert one

    def _corpus_words(self, n: int) -> str:
        return " ".join(self.rng.choice(self.vocab) for _ in range(n))

    def _unicode(self) -> str:
        r = self.rng
        pick = r.randrange(5)
        base = self._next_gold()
        if pick == 0:  # emoji sprinkled between words
            return " ".join(w + (r.choice(EMOJI) if r.random() < 0.4 else "") for w in base.split())
        if pick == 1:  # right-to-left text, alone or mixed with a German name
            return r.choice(RTL) + (" " + r.choice(self.vocab) if r.random() < 0.5 else "")
        if pick == 2:  # control and invisible characters inside a question
            return "".join(ch + (r.choice(CONTROL) if r.random() < 0.15 else "") for ch in base)
        if pick == 3:  # combining marks and a lone surrogate
            return "".join(ch + ("\u0301" if r.random() < 0.2 else "") for ch in base) + "\ud800?"
        return "".join(r.choice(EMOJI) for _ in range(r.randrange(1, 12)))  # emoji only

    def _long(self) -> str:
        target = MAX_QUESTION_CHARS - self.rng.randrange(1, 60)
        parts: list[str] = [self._next_gold()]
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(self.rng.choice(self.vocab))
        return " ".join(parts)[:target]

    def _rejected(self) -> object:
        r = self.rng
        pick = r.randrange(6)
        if pick == 0:
            return ""
        if pick == 1:
            return "".join(r.choice(" \t\n\r\u3000\u00a0") for _ in range(r.randrange(1, 40)))
        if pick == 2:
            controls = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9f"]
            return "".join(r.choice(controls) for _ in range(r.randrange(1, 20)))
        if pick == 3:  # just over the limit after normalising (corpus words have no inner whitespace)
            return self._corpus_words(MAX_QUESTION_CHARS // 4)[: MAX_QUESTION_CHARS + r.randrange(0, 200)] + "?"
        if pick == 4:  # far over the raw limit: rejected before normalising
            return "Wer " * (MAX_QUESTION_CHARS * 2 + r.randrange(1, 100))
        return r.choice([None, 42, b"Wer ist Merz?", ["Wer ist Merz?"]])

    def make(self, i: int, fixed_k: int | None) -> Item:
        """The ``i``-th input of the schedule."""
        kind = SCHEDULE[i % len(SCHEDULE)]
        k = fixed_k or self.rng.randint(1, 10)
        if kind == "gold":
            return Item(kind, self._next_gold(), k)
        if kind == "corpus-words":
            return Item(kind, self._corpus_words(self.rng.randrange(1, 15)), k)
        if kind == "typos":
            return Item(kind, " ".join(self._typo(w) for w in self._next_gold().split()), k)
        if kind == "unicode":
            return Item(kind, self._unicode(), k)
        if kind == "long":
            return Item(kind, self._long(), k)
        return Item(kind, self._rejected(), k)


def ask_once(assistant: Assistant, item: Item) -> str:
    """``answered``, ``abstained`` or ``rejected``; the answer itself is dropped at once."""
    try:
        answer = assistant.ask(item.question, k=item.k)  # type: ignore[arg-type]
    except InvalidQuestionError:
        return "rejected"
    return "abstained" if answer.abstained else "answered"


def run(assistant: Assistant, items: list[Item], every: int, sample: Callable[[int], None],
        latencies: np.ndarray | None, outcomes: Counter[tuple[str, str]] | None) -> None:
    """Ask every item in order; ``sample(count)`` before the first and after every ``every`` questions."""
    sample(0)
    for i, item in enumerate(items, start=1):
        t0 = time.perf_counter()
        outcome = ask_once(assistant, item)
        if latencies is not None:
            latencies[i - 1] = time.perf_counter() - t0 if outcome != "rejected" else np.nan
        if outcomes is not None:
            outcomes[item.kind, outcome] += 1
        if i % every == 0 or i == len(items):
            sample(i)


@contextmanager
def index_dir(given: Path | None) -> Iterator[Path]:
    """The index folder: ``--index`` as given, else a fresh temporary one (built from the seeds)."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="rag-bench-memory-") as tmp:
        yield Path(tmp) / "index"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1000, help="questions per pass (default 1000)")
    parser.add_argument("--k", type=int, default=None, help="fixed k for every ask (default: random 1..10)")
    parser.add_argument("--index", type=Path, default=None,
                        help="index folder (built/updated if needed; default: a temporary one from --seeds)")
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir(), help="corpus folder (default: seeds/)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed questions before the baseline (default 50)")
    parser.add_argument("--no-fill", action="store_true",
                        help="do not fill the bounded word caches before each pass (watch them fill instead)")
    parser.add_argument("--every", type=int, default=100, help="sample memory every N questions (default 100)")
    parser.add_argument("--threshold", type=float, default=1.0,
                        help="flat means second-half slopes below this many KB/question (default 1)")
    parser.add_argument("--heap-questions", type=int, default=None,
                        help="questions in pass 2 (trimmed RSS, tracemalloc; default: --questions; 0 skips it)")
    parser.add_argument("--top", type=int, default=5, help="code lines with the most Python heap growth (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the odd inputs (default 0)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) before asking")
    parser.add_argument("--check", action="store_true", help="exit 1 when memory is not flat")
    args = parser.parse_args(argv)
    if args.questions < 2 or args.every < 1 or args.warmup < 0 or (args.heap_questions or 0) < 0:
        parser.error("--questions must be >= 2, --every >= 1, --warmup and --heap-questions >= 0")
    if args.threads:
        torch.set_num_threads(args.threads)
    n = args.questions

    with index_dir(args.index) as where:
        t0 = time.perf_counter()
        assistant = Assistant.load(where, seeds=args.seeds if args.index is None else None)
        load_s = time.perf_counter() - t0
        gold_items = load_gold(default_gold_path())
        by_lang = {lang: [g.question for g in gold_items if g.language == lang] for lang in ("en", "de")}
        gold = [(lang, pool[i]) for i in range(max(map(len, by_lang.values())))
                for lang, pool in by_lang.items() if i < len(pool)]  # EN/DE alternating
        vocab = sorted({w for a in assistant.articles for w in words(a.title + " " + a.body) if len(w) > 1})

        warm = Inputs(gold, vocab, random.Random(args.seed + 1000))
        for i in range(args.warmup):
            ask_once(assistant, warm.make(i, args.k))
        fill_rng = random.Random(args.seed + 2000)
        filled = 0 if args.no_fill else fill_word_caches(assistant, fill_rng)
        gen1, gen2 = Inputs(gold, vocab, random.Random(args.seed)), Inputs(gold, vocab, random.Random(args.seed + 1))
        items1 = [gen1.make(i, args.k) for i in range(n)]
        n2 = n if args.heap_questions is None else args.heap_questions
        items2 = [gen2.make(i, args.k) for i in range(n2)]
        del warm, gen1, gen2

        # pass 1: RSS and latency
        rss1: list[tuple[int, float]] = []
        latencies = np.zeros(n)
        outcomes: Counter[tuple[str, str]] = Counter()

        def sample_rss(count: int) -> None:
            gc.collect()
            rss1.append((count, float(rss_bytes())))
            progress(f"pass 1: {count}/{n} questions, RSS {rss1[-1][1] / MB:.1f} MB")

        caches = [("after warm-up", cache_sizes(assistant))]
        t_pass = time.perf_counter()
        run(assistant, items1, args.every, sample_rss, latencies, outcomes)
        pass1_s = time.perf_counter() - t_pass
        caches.append(("after pass 1", cache_sizes(assistant)))

        # pass 2: what stays alive - trimmed RSS and the Python heap under tracemalloc
        rss2: list[tuple[int, float]] = []
        anon2: list[tuple[int, float]] = []
        file2: list[tuple[int, float]] = []
        heap2: list[tuple[int, float]] = []
        growth: list[tracemalloc.StatisticDiff] = []
        file_growth: list[tuple[str, int]] = []
        pass2_s = 0.0
        if items2:
            del items1
            files_before = file_rss()
            tracemalloc.start(1)
            if not args.no_fill:
                fill_word_caches(assistant, fill_rng)
            first: list[tracemalloc.Snapshot] = []

            def sample_heap(count: int) -> None:
                gc.collect()
                heap2.append((count, float(tracemalloc.get_traced_memory()[0])))
                trim()
                status = memory_status()
                rss2.append((count, status["VmRSS"]))
                anon2.append((count, status.get("RssAnon", float("nan"))))
                file2.append((count, status.get("RssFile", float("nan"))))
                progress(f"pass 2: {count}/{n2} questions, trimmed RSS {rss2[-1][1] / MB:.1f} MB "
                         f"(anon {anon2[-1][1] / MB:.1f}, file {file2[-1][1] / MB:.1f}), "
                         f"Python heap {heap2[-1][1] / MB:.3f} MB")
                if count == 0:
                    first.append(tracemalloc.take_snapshot())

            t_pass = time.perf_counter()
            run(assistant, items2, args.every, sample_heap, None, None)
            pass2_s = time.perf_counter() - t_pass
            caches.append(("after pass 2", cache_sizes(assistant)))
            gc.collect()
            last = tracemalloc.take_snapshot()
            tracemalloc.stop()
            files_after = file_rss()
            file_growth = sorted(((path, files_after[path] - files_before.get(path, 0)) for path in files_after
                                  if files_after[path] - files_before.get(path, 0) >= MB), key=lambda x: -x[1])
            skip = [tracemalloc.Filter(False, name) for name in (tracemalloc.__file__, linecache.__file__, __file__)]
            growth = [d for d in last.filter_traces(skip).compare_to(first[0].filter_traces(skip), "lineno")
                      if d.size_diff > 0][: args.top]

    print(f"model {assistant.embedder.model_id}; torch threads {torch.get_num_threads()}; "
          f"{len(assistant.articles)} articles; Assistant.load {load_s:.1f} s")
    print(f"machine: {os.cpu_count()} cores, 1-min load average {os.getloadavg()[0]:.1f}")
    print(f"warm-up {args.warmup} questions; pass 1 (RSS, latency): {n} questions in {pass1_s:.1f} s"
          + (f"; pass 2 (trimmed RSS, tracemalloc): {n2} questions in {pass2_s:.1f} s" if heap2 else "")
          + f"; k {'= ' + str(args.k) if args.k else 'random 1..10'}")
    print(f"word caches filled with {filled} made-up words after the warm-up and again when tracing starts"
          if filled else "word caches not filled beforehand (--no-fill): their filling counts as growth")

    print(f"\n{'questions':>9} {'RSS MB':>8} | {'trimmed RSS MB':>14} {'anon MB':>8} {'file MB':>8} "
          f"{'Python heap MB':>14}")
    print(f"{'':9} {'(pass 1)':>8} | {'(pass 2)':>14} {'':>8} {'':>8} {'(pass 2)':>14}")
    nan = float("nan")
    p1 = dict(rss1)
    p2 = {c: (r, a, f, h) for (c, r), (_, a), (_, f), (_, h) in zip(rss2, anon2, file2, heap2)}
    for count in sorted(set(p1) | set(p2)):
        r2, a2, f2, h2 = p2.get(count, (nan, nan, nan, nan))
        print(f"{count:9d} {p1.get(count, nan) / MB:8.1f} | {r2 / MB:14.1f} {a2 / MB:8.1f} {f2 / MB:8.1f} "
              f"{h2 / MB:14.3f}")

    base, end = rss1[0][1], rss1[-1][1]
    rss_slope = slope_kb(*second_half(rss1, n))
    print(f"\npass 1 RSS after warm-up {base / MB:.1f} MB, after {n} questions {end / MB:.1f} MB: "
          f"growth {(end - base) / MB:+.1f} MB, ratio {end / base:.3f}; second-half slope {rss_slope:+.3f} "
          f"KB/question (raw RSS, includes memory glibc holds for reuse)")
    slopes: dict[str, float] = {}
    if heap2:
        def line(label: str, series: list[tuple[int, float]]) -> float:
            slope = slope_kb(*second_half(series, n2))
            print(f"pass 2 {label} {series[0][1] / MB:.1f} MB -> {series[-1][1] / MB:.1f} MB "
                  f"({(series[-1][1] - series[0][1]) / MB:+.1f} MB, ratio {series[-1][1] / series[0][1]:.3f}); "
                  f"second-half slope {slope:+.3f} KB/question ({slope * 1000 / 1024:+.2f} MB per 1000 questions)")
            return slope

        line("trimmed RSS", rss2)
        slopes["anonymous RSS"] = line("  of it anonymous", anon2)
        line("  of it file-backed", file2)
        for path, grown in file_growth[: args.top]:
            print(f"    {grown / MB:+7.1f} MB file-backed RSS of {path}")
        if not trim_ok:
            print("  (malloc_trim unavailable: not glibc; the figures are untrimmed)")
        slopes["Python heap"] = slope_kb(*second_half(heap2, n2))
        print(f"pass 2 Python heap {heap2[0][1] / MB:.3f} MB -> {heap2[-1][1] / MB:.3f} MB "
              f"({(heap2[-1][1] - heap2[0][1]) / MB:+.3f} MB); second-half slope {slopes['Python heap']:+.3f} "
              f"KB/question")
        if growth:
            print(f"largest live Python allocation growth over pass 2 (top {len(growth)}):")
            for d in growth:
                frame = d.traceback[0]
                print(f"  {d.size_diff / 1024:+9.1f} KB {d.count_diff:+7d} blocks  {frame.filename}:{frame.lineno}")
    else:
        slopes["RSS"] = rss_slope
    onednn = os.environ.get("ONEDNN_PRIMITIVE_CACHE_CAPACITY") or os.environ.get("DNNL_PRIMITIVE_CACHE_CAPACITY")
    print(f"oneDNN primitive cache capacity: {onednn or 'default (1024)'}")
    for name in caches[0][1]:
        print(f"cache {name}: " + ", ".join(f"{when} {sizes.get(name, 0)}" for when, sizes in caches) + " entries")

    asked = latencies[~np.isnan(latencies)]
    print(f"\nask latency (pass 1, {len(asked)} accepted questions): p50 {np.percentile(asked, 50) * 1000:.1f} ms, "
          f"p95 {np.percentile(asked, 95) * 1000:.1f} ms")
    totals: Counter[str] = Counter()
    for (_, outcome), count in outcomes.items():
        totals[outcome] += count
    print(f"outcomes (pass 1): answered {totals['answered']}, abstained {totals['abstained']}, "
          f"rejected (InvalidQuestionError) {totals['rejected']}")
    for kind in dict.fromkeys(SCHEDULE):
        row = ", ".join(f"{o} {outcomes[kind, o]}" for o in ("answered", "abstained", "rejected") if outcomes[kind, o])
        print(f"  {kind:13} {row}")

    flat = all(v < args.threshold for v in slopes.values())
    print(f"\n{'memory flat' if flat else 'memory NOT flat'}: second-half slope "
          + ", ".join(f"{name} {v:+.3f}" for name, v in slopes.items())
          + f" KB/question; threshold {args.threshold:g} KB/question")
    return 1 if args.check and not flat else 0


if __name__ == "__main__":
    raise SystemExit(main())
