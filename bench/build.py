"""Ingest throughput benchmark: full ``build_index`` vs bare ``SentenceTransformer.encode``.

All in one process; the model is loaded (time printed, not counted) and warmed up first.

* ``ingest``: wall time of ``build_index(..., rebuild=True)`` over a temporary corpus (``seeds/``
  written ``--repeat`` times under new names with slightly altered text): parse + chunk + sentence
  split + embed (passages, plus the term table) + FAISS + fsync'd atomic snapshot write.
* ``bare``: ``SentenceTransformer.encode`` of exactly the texts the build embedded as passages
  (chunks + sentences of the built snapshot, ingest order, ``passage: `` prefix, batch size 32,
  ``normalize_embeddings=True``): the floor for that work.

The two alternate over ``--rounds`` rounds (order flipped each round; no new round once the script
has run ``--budget`` s) and their medians are compared as a ratio (ingest texts/s / bare texts/s,
target >= 0.8): absolute figures on a shared machine are noisy. A pass-through wrapper around the
embedder splits each build into time in ``encode_*`` calls and everything else (``--profile``
cProfiles one more build). Last, an incremental build (one article edited) and a no-change
rebuild are timed against the full build.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rag.config import Settings, default_seeds_dir
from rag.ingest.build import BuildReport, build_index
from rag.ingest.chunking import article_sentences, chunk_article
from rag.ingest.corpus import load_corpus
from rag.ingest.textfile import TextLoader, decode_bytes
from rag.models.embed import Embedder
from rag.store.manifest import read_manifest
from rag.store.snapshot import FaissStore

BATCH_SIZE = 32


def texts_per_copy(seeds: Path, settings: Settings) -> int:
    """How many texts (chunks + sentences) one copy of the corpus yields."""
    arts = load_corpus(seeds).articles
    return sum(len(chunk_article(a, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap))
               + len(article_sentences(a)) for a in arts)


def write_corpus(src: Path, dst: Path, repeat: int) -> list[Path]:
    """Write ``repeat`` renamed copies of every corpus file, each with slightly altered text."""
    dst.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for i in range(repeat):
        for path in sorted(p for p in src.iterdir() if p.suffix in TextLoader.suffixes):
            text, _ = decode_bytes(path.read_bytes(), path.name)
            if i % 2:
                text = text.replace(" und ", " sowie ")
            text = text.rstrip() + f"\n\nNachtrag {i}: Dies ist Fassung Nummer {i + 1} des Berichts.\n"
            out = dst / f"{path.stem}_r{i:03d}{path.suffix}"
            out.write_text(text, encoding="utf-8")
            written.append(out)
    return written


def snapshot_texts(index_dir: Path) -> tuple[list[str], int]:
    """The texts a full build embeds, in ingest order (per article: chunks, then sentences)."""
    snap = FaissStore.open(index_dir, verify=False)
    per_article: dict[str, list[str]] = defaultdict(list)
    for chunk in snap.chunks:
        per_article[chunk.article_id].append(chunk.text)
    for sent in snap.sentences:
        per_article[sent.article_id].append(sent.text)
    return [t for aid in snap.articles for t in per_article[aid]], len(snap.chunks)


class TimedEmbedder:
    """Delegates to an ``Embedder``; notes the seconds and texts of each ``encode_*`` call."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id = inner, inner.model_id
        self.seconds: dict[str, float] = defaultdict(float)
        self.texts: dict[str, int] = defaultdict(int)

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not (name.startswith("encode") and callable(attr)):
            return attr

        def timed(texts: Any, *args: Any, **kwargs: Any) -> np.ndarray:
            start = time.perf_counter()
            try:
                return attr(texts, *args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.texts[name] += len(texts)
        return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir(), help="corpus folder to copy (default: seeds/)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="number of renamed copies of the corpus (default: enough for >= --min-texts texts)")
    parser.add_argument("--min-texts", type=int, default=1000, help="texts to embed when --repeat is not given")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each side (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) before timing")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="start no new round once the script has run this many seconds (default 120)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more full build, print the top functions")
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)

    settings = Settings()
    per_copy = texts_per_copy(args.seeds, settings)
    repeat = args.repeat or max(1, math.ceil(args.min_texts / per_copy))
    embedder = Embedder(settings.model)
    started = time.perf_counter()
    model: Any = embedder._get_model()
    load_s = time.perf_counter() - started
    model.encode([embedder.passage_prefix + "Aufwärmen des Modells."] * 64, batch_size=BATCH_SIZE)

    with tempfile.TemporaryDirectory(prefix="rag-bench-build-") as tmp:
        seeds, index = Path(tmp) / "seeds", Path(tmp) / "index"
        files = write_corpus(args.seeds, seeds, repeat)

        def ingest(embed: Any = embedder, src: Path = seeds) -> tuple[float, BuildReport]:
            t0 = time.perf_counter()
            rep = build_index(src, index, settings=settings, embedder=embed, rebuild=True)
            return time.perf_counter() - t0, rep

        def bare() -> float:
            t0 = time.perf_counter()
            model.encode(texts, batch_size=BATCH_SIZE, show_progress_bar=False,
                         convert_to_numpy=True, normalize_embeddings=True)
            return time.perf_counter() - t0

        # untimed warm-up on one article: first-use imports (langchain, faiss), torch kernels, page cache
        (Path(tmp) / "warm").mkdir()
        shutil.copy(files[0], Path(tmp) / "warm")
        warm_s, _ = ingest(src=Path(tmp) / "warm")
        print(f"model {settings.model}: load {load_s:.2f} s (not counted); torch threads {torch.get_num_threads()}")
        print(f"machine: {os.cpu_count()} cores, 1-min load average {os.getloadavg()[0]:.1f}"
              + (" (busy: expect noise; torch threads > free cores slow down badly, try --threads 1)"
                 if os.getloadavg()[0] > (os.cpu_count() or 1) else ""))
        texts: list[str] = []
        n_chunks = 0
        # ingest runs with a pass-through wrapper that only notes time spent in encode_* calls
        times: dict[str, list[float]] = {"ingest": [], "bare": []}
        parts: dict[str, list[float]] = defaultdict(list)
        for r in range(args.rounds):
            for side in (("ingest", "bare") if r % 2 == 0 else ("bare", "ingest")):
                if side == "bare":
                    times["bare"].append(bare())
                    continue
                timed = TimedEmbedder(embedder)
                seconds, report = ingest(timed)
                times["ingest"].append(seconds)
                for name in ("encode_passages", "encode_queries"):
                    parts[name].append(timed.seconds.get(name, 0.0))
                parts["everything else"].append(seconds - sum(timed.seconds.values()))
                if not texts:  # the first build tells which texts the bare side must encode
                    raw, n_chunks = snapshot_texts(index)
                    texts = [embedder.passage_prefix + t for t in raw]
                    assert len(texts) == report.embedded_texts, (len(texts), report.embedded_texts)
                    n_terms = read_manifest(index).get("counts", {}).get("terms", 0)
                    print(f"corpus: {len(files)} files ({repeat} x {len(files) // repeat}), {report.chunks} "
                          f"chunks + {report.sentences} sentences = {report.embedded_texts} texts (+ {n_terms}"
                          f" terms the build also embeds, not counted in texts); warm-up {warm_s:.2f} s")
            print(f"  round {r + 1}: ingest {times['ingest'][-1]:.2f} s, bare {times['bare'][-1]:.2f} s")
            if time.perf_counter() - t_start > args.budget and r + 1 < args.rounds:
                print(f"  (stopping after {r + 1} rounds: --budget {args.budget:.0f} s used up)")
                break

        n = len(texts)
        print(f"\n{'':8} {'median s':>9} {'min s':>7} {'max s':>7} {'chunks/s':>9} {'texts/s':>8}")
        med = {k: statistics.median(v) for k, v in times.items()}
        for side, vals in times.items():
            print(f"{side:8} {med[side]:9.2f} {min(vals):7.2f} {max(vals):7.2f} "
                  f"{n_chunks / med[side]:9.1f} {n / med[side]:8.1f}")
        ratio = med["bare"] / med["ingest"]
        print(f"ratio ingest/bare (texts/s, medians): {ratio:.3f}  (target >= 0.80: "
              f"{'OK' if ratio >= 0.8 else 'MISSED'}); on the fastest runs: "
              f"{min(times['bare']) / min(times['ingest']):.2f}")
        print("where the ingest time goes (medians over the ingest rounds):")
        for name, vals in parts.items():
            print(f"  {name:16} {statistics.median(vals):7.2f} s ({statistics.median(vals) / med['ingest']:4.0%})")

        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            ingest()
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
            print(out.getvalue())

        t0 = time.perf_counter()
        noop = build_index(seeds, index, settings=settings, embedder=embedder)
        noop_s = time.perf_counter() - t0
        target = files[len(files) // 2]
        target.write_text(target.read_text(encoding="utf-8") + "Ein neuer Satz wurde ergänzt.\n", encoding="utf-8")
        t0 = time.perf_counter()
        inc = build_index(seeds, index, settings=settings, embedder=embedder)
        inc_s = time.perf_counter() - t0
        print(f"\nincremental: edited {target.name}: {inc_s:.2f} s, re-embedded {inc.embedded_texts} of "
              f"{inc.chunks + inc.sentences} texts (changed {inc.changed}, reused {len(inc.reused)}); "
              f"full build median {med['ingest']:.2f} s -> {inc_s / med['ingest']:.2f}x")
        print(f"no-change rebuild: {noop_s:.2f} s, re-embedded {noop.embedded_texts} texts "
              f"-> {noop_s / med['ingest']:.2f}x of full")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
