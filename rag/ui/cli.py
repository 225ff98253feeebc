"""The ``rag`` command line: ingest, ask, search, articles, eval, serve. The only module that prints."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from rag.config import MAX_K, Settings, default_index_dir, default_seeds_dir
from rag.errors import CorruptIndexError, IndexMissingError, RagError, StaleIndexError
from rag.ui.quiet import configure_output


def _settings(args: argparse.Namespace) -> Settings:
    defaults = Settings()
    return Settings(
        model=args.model or defaults.model,
        chunk_size=args.chunk_size or defaults.chunk_size,
        chunk_overlap=defaults.chunk_overlap if args.chunk_overlap is None else args.chunk_overlap,
    )


def _load(args: argparse.Namespace):  # noqa: ANN202 - an Assistant, imported lazily
    """The assistant over a fresh index; a missing, stale or damaged one is built first (unless --no-build)."""
    from rag.assistant import Assistant

    settings = _settings(args)
    try:
        return Assistant.load(args.index, seeds=args.seeds, settings=settings, build=False)
    except (IndexMissingError, StaleIndexError, CorruptIndexError):
        if getattr(args, "no_build", False):
            raise
    from rag.ingest.corpus import corpus_files

    print(f"Building the index ({len(corpus_files(args.seeds))} articles)…", file=sys.stderr, flush=True)
    report = _build(args, settings, rebuild=False)
    _print_report(report, sys.stderr)
    return Assistant.load(args.index, seeds=args.seeds, settings=settings, build=False)


def _build(args: argparse.Namespace, settings: Settings, *, rebuild: bool):  # noqa: ANN202 - a BuildReport
    from rag.ingest.build import build_index
    from rag.models.embed import Embedder

    embedder = Embedder(settings.model, progress=True, verbose=args.verbose)
    return build_index(args.seeds, args.index, settings=settings, embedder=embedder, rebuild=rebuild, progress=True)


def _print_report(report, out: TextIO) -> None:  # noqa: ANN001 - a BuildReport
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
    kind = "full build" if report.full_rebuild else "incremental update"
    print(f"Index at {report.index_dir} ({kind}, {report.seconds:.1f} s): {report.articles} articles, "
          f"{report.chunks} passages, {report.sentences} sentences; embedded {report.embedded_texts} texts "
          f"and {report.embedded_terms} vocabulary terms.", file=out)
    for label, ids in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if ids and not report.full_rebuild:
            print(f"  {label}: {', '.join(ids)}", file=out)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Build or update the index."""
    report = _build(args, _settings(args), rebuild=args.rebuild)
    _print_report(report, sys.stdout)
    return 1 if report.errors else 0


def _print_answer(answer) -> None:
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            who = c.source or "unknown outlet"
            print(f"  [{c.number}] {c.title} — {who}, {c.date or 'undated'} ({c.article_id})")
            print(f"      „{c.quote}“")
    elif answer.hits:
        print("\nClosest passages:")
        for i, h in enumerate(answer.hits[:3], start=1):
            print(f"  {i}. {h.source or 'unknown outlet'}, {h.date or 'undated'}: {h.text[:160]}…")


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question."""
    answer = _load(args).ask(args.question, k=args.k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Print the best passages for a query."""
    hits = _load(args).search(args.query, k=args.k)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    for i, h in enumerate(hits, start=1):
        print(f"{i:>2}. {h.score:.4f}  {h.id}  {h.source or 'unknown outlet'}, {h.date or 'undated'}")
        print(f"    {h.text[:200]}")
    return 0


def cmd_articles(args: argparse.Namespace) -> int:
    """List the indexed articles."""
    for a in _load(args).articles:
        print(f"{a.id}  {a.date or 'undated':<10}  {a.source or 'unknown outlet':<16}  {a.title}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the evaluation (delegates to ``rag.evaluate.cli``)."""
    from rag.evaluate.cli import main as eval_main

    return eval_main(args.eval_args)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web chat (delegates to ``rag.ui.chat``)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from rag.ui.chat import main as serve_main

    serve_main(args.serve_args, verbose=args.verbose)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rag`` command."""
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers over German news articles.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log progress details, with the libraries' own progress bars and warnings")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", type=Path, default=default_index_dir(), help="index folder (default: %(default)s)")
        p.add_argument("--seeds", type=Path, default=default_seeds_dir(), help="corpus folder (default: %(default)s)")
        p.add_argument("--model", help="sentence-transformers model id or path")
        p.add_argument("--chunk-size", type=int, help="passage size in characters")
        p.add_argument("--chunk-overlap", type=int, help="passage overlap in characters")

    p = sub.add_parser("ingest", help="build or update the index from the corpus folder")
    common(p)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything")
    p.set_defaults(func=cmd_ingest)

    def no_build(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-build", action="store_true",
                       help="refuse instead of building a missing, stale or damaged index first")

    p = sub.add_parser("ask", help="answer a question with cited sources")
    common(p)
    no_build(p)
    p.add_argument("question")
    p.add_argument("--k", type=int, default=5, help=f"passages to read (1-{MAX_K}, default 5)")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="show the best passages for a query")
    common(p)
    no_build(p)
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10, help=f"passages to show (1-{MAX_K}, default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("articles", help="list the indexed articles")
    common(p)
    no_build(p)
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("eval", help="score the system on a gold question set (see `rag eval --help`)", add_help=False)
    p.add_argument("eval_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="serve the web chat (see `rag serve --help`)", add_help=False)
    p.add_argument("serve_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rag`` command."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # `eval` and `serve` hand their options to another parser; argparse's REMAINDER does not
    # capture options that come first (`rag serve --port 8000`), so they arrive here as extras.
    if args.command == "eval":
        args.eval_args = extra + args.eval_args
    elif args.command == "serve":
        args.serve_args = extra + args.serve_args
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    configure_output(args.verbose)
    try:
        return int(args.func(args) or 0)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous index (if any) is untouched.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
