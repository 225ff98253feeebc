"""Ingest benchmark on the fundus news pages: what a build embeds and how fast, next to bare ``encode``.

Until the HTML loader lands, the corpus is the ``text`` (with its title) of each line of
``../shared/corpora/fundus-news/truth.jsonl``, written as temporary ``.txt`` files under /tmp (never
into the project). One process; the model is loaded and warmed up first. Printed, each measured
in this run:

* texts embedded by a full build (passages + sentences + vocabulary terms) / (passages + sentences);
* throughput: full ``build_index`` vs bare ``SentenceTransformer.encode`` of the same passages and
  sentences (``passage: `` prefix, batch 32), as the ratio of their texts per second;
* incremental add of one page (held out of the first build) vs bare ``encode`` of that page's
  passages and sentences.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.ingest.build import build_index
from rag.ingest.chunking import article_sentences, chunk_article
from rag.ingest.corpus import load_corpus
from rag.models.embed import Embedder

TRUTH = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "fundus-news" / "truth.jsonl"


def write_pages(truth: Path, folder: Path) -> list[Path]:
    """One ``.txt`` per page: its title, a blank line, its text."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for line in truth.read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        path = folder / f"{page['id']}.txt"
        path.write_text(f"{page['title']}\n\n{page['text']}\n", encoding="utf-8")
        paths.append(path)
    return paths


def page_texts(folder: Path, settings: Settings) -> list[str]:
    """The passages and sentences a build embeds for the pages in ``folder``."""
    texts: list[str] = []
    for article in load_corpus(folder).articles:
        texts += [c.text for c in chunk_article(article, chunk_size=settings.chunk_size,
                                                chunk_overlap=settings.chunk_overlap)]
        texts += [s.text for s in article_sentences(article)]
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", type=Path, default=TRUTH)
    parser.add_argument("--rounds", type=int, default=1, help="full builds and bare encodes, alternating")
    args = parser.parse_args(argv)
    settings = Settings()
    embedder = Embedder(settings.model)
    model: Any = embedder._get_model()
    model.encode([embedder.passage_prefix + "Aufwärmen des Modells."] * 64, batch_size=32)

    def bare(texts: list[str]) -> float:
        start = time.perf_counter()
        model.encode([embedder.passage_prefix + t for t in texts], batch_size=32, show_progress_bar=False,
                     convert_to_numpy=True, normalize_embeddings=True)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory(prefix="rag-bench-fundus-") as tmp:
        pages, index = Path(tmp) / "pages", Path(tmp) / "index"
        paths = write_pages(args.truth, pages)
        held = Path(tmp) / "held-out"
        held.mkdir()
        extra = paths[len(paths) // 2]
        extra.rename(held / extra.name)
        print(f"corpus: {len(paths)} fundus pages as temporary .txt files under {tmp} (truth.jsonl text; "
              f"no HTML loader yet); {extra.name} held out for the incremental add")
        texts = page_texts(pages, settings)
        full, plain, report = [], [], None
        for r in range(args.rounds):
            for side in (("build", "bare") if r % 2 == 0 else ("bare", "build")):
                if side == "bare":
                    plain.append(bare(texts))
                    continue
                start = time.perf_counter()
                report = build_index(pages, index, settings=settings, embedder=embedder, rebuild=True)
                full.append(time.perf_counter() - start)
            print(f"  round {r + 1}: build {full[-1]:.1f} s, bare encode {plain[-1]:.1f} s")
        assert report is not None and report.embedded_texts == len(texts), (report.embedded_texts, len(texts))
        searched = report.chunks + report.sentences
        embedded = report.embedded_texts + report.embedded_terms
        print(f"full build: {report.articles} articles, {report.chunks} passages + {report.sentences} sentences "
              f"= {searched} texts; embedded {report.embedded_texts} texts + {report.embedded_terms} vocabulary terms")
        ratio_texts = embedded / searched
        print(f"texts embedded / (passages + sentences): {ratio_texts:.2f} (target <= 1.30: "
              f"{'OK' if ratio_texts <= 1.3 else 'MISSED'})")
        throughput = statistics.median(plain) / statistics.median(full)
        print(f"throughput build / bare encode (texts per second, medians {statistics.median(full):.1f} s vs "
              f"{statistics.median(plain):.1f} s): {throughput:.2f} (target >= 0.85: "
              f"{'OK' if throughput >= 0.85 else 'MISSED'})")

        extra_texts = page_texts(held, settings)
        (held / extra.name).rename(extra)
        start = time.perf_counter()
        added = build_index(pages, index, settings=settings, embedder=embedder)
        add_s = time.perf_counter() - start
        bare_s = statistics.median([bare(extra_texts) for _ in range(3)])
        print(f"incremental add of {extra.name}: {add_s:.2f} s (embedded {added.embedded_texts} texts + "
              f"{added.embedded_terms} vocabulary terms; added {added.added}); bare encode of its "
              f"{len(extra_texts)} texts {bare_s:.2f} s -> {add_s / bare_s:.2f}x (target <= 2.0: "
              f"{'OK' if add_s / bare_s <= 2.0 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
