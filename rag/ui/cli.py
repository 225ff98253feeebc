"""The ``rag`` command line: ingest, ask, search, articles, eval, serve. The only module that prints."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rag.config import MAX_K, Settings, default_index_dir, default_seeds_dir
from rag.errors import CorruptIndexError, IndexMissingError, RagError, StaleIndexError
from rag.retrieve.filtering import make_filters, no_match
from rag.types import Answer
from rag.ui.printing import day, print_answer, print_event, print_report
from rag.ui.llm import add_llm_command
from rag.ui.quiet import configure_output
from rag.ui.target import corpus_folder, manifest_of, print_ray_report, ray_embedding, ray_options, store_url


def _settings(args: argparse.Namespace) -> Settings:
    defaults = Settings()
    return Settings(
        model=args.model or defaults.model,
        chunk_size=args.chunk_size or defaults.chunk_size,
        chunk_overlap=defaults.chunk_overlap if args.chunk_overlap is None else args.chunk_overlap,
    )


def _load(args: argparse.Namespace, llm=None):  # noqa: ANN001, ANN202 - an Assistant, imported lazily
    """The assistant over a fresh index; a missing, stale or damaged one is built first (unless --no-build)."""
    from rag.assistant import Assistant

    settings, seeds = _settings(args), corpus_folder(args)
    try:
        return Assistant.load(args.index, seeds=seeds, settings=settings, build=False,
                              store_url=store_url(args), llm=llm)
    except (IndexMissingError, StaleIndexError, CorruptIndexError):
        if getattr(args, "no_build", False):
            raise
    from rag.ingest.corpus import corpus_files

    print(f"Building the index ({len(corpus_files(seeds))} article files)…", file=sys.stderr, flush=True)
    report = _build(args, settings, rebuild=False)
    print_report(report, sys.stderr)
    return Assistant.load(args.index, seeds=seeds, settings=settings, build=False,
                          store_url=store_url(args), llm=llm)


def _build(args: argparse.Namespace, settings: Settings, *, rebuild: bool):  # noqa: ANN202 - a BuildReport
    from rag.ingest.build import build_index
    from rag.models.embed import Embedder

    embedder = Embedder(settings.model, progress=True, verbose=args.verbose)
    embed = ray_embedding(args, settings)
    report = build_index(corpus_folder(args), args.index, settings=settings, embedder=embedder, rebuild=rebuild,
                         progress=True, exclude=_excludes(args), store_url=store_url(args), embed=embed)
    print_ray_report(embed)
    return report


def cmd_ingest(args: argparse.Namespace) -> int:
    """Build or update the index."""
    report = _build(args, _settings(args), rebuild=args.rebuild)
    print_report(report, sys.stdout)
    return 1 if report.errors else 0


def _excludes(args: argparse.Namespace) -> list[str]:
    """--exclude globs, else those the index was built with from the same corpus folder."""
    if getattr(args, "exclude", None):
        return list(args.exclude)
    from rag.ingest.freshness import excludes_of

    try:
        manifest = manifest_of(args)
    except RagError:
        return []
    same = Path(str(manifest.get("corpus", {}).get("dir", ""))).resolve() == corpus_folder(args).resolve()
    return excludes_of(manifest) if same else []


def _filters(args: argparse.Namespace) -> dict:
    """The --since/--until/--source options as keyword arguments of ask/search."""
    return {"since": args.since, "until": args.until, "sources": args.source or None}


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question (a generated answer is printed sentence by sentence as it is written)."""
    from rag.models.llm_server import judging, open_llm

    # quoted answers need the language model only as the judge
    chat, server = open_llm("off" if args.mode == "extract" and not judging() else None, fallback=True)
    try:
        assistant = _load(args, llm=chat)
        answer = None
        for event in assistant.ask_stream(args.question, k=args.k, mode=args.mode, **_filters(args)):
            if isinstance(event, Answer):
                answer = event
            elif not args.json:
                print_event(event)  # the quotes at once, then each written sentence as it comes
    finally:
        if server is not None:
            server.stop()
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer, streamed=answer.answerer == "generative")  # quotes after a failed writer: with markers
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Print the best passages for a query."""
    assistant = _load(args)
    hits = assistant.search(args.query, k=args.k, **_filters(args))
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    filters = make_filters(args.since, args.until, args.source or None)
    if not hits and filters is not None:
        print(no_match(filters, assistant.store.articles))
        return 0
    for i, h in enumerate(hits, start=1):
        print(f"{i:>2}. {h.score:.4f}  {h.id}  {h.source or 'unknown outlet'}, {day(h.date)}")
        print(f"    {h.text[:200]}")
    return 0


def cmd_articles(args: argparse.Namespace) -> int:
    """List the indexed articles (those passing --since/--until/--source): id, date, outlet, title, url."""
    filters = make_filters(args.since, args.until, args.source or None)
    articles = [a for a in _load(args).articles if filters is None or filters.admits(a)]
    if args.json:
        print(json.dumps([a.to_dict() for a in articles], ensure_ascii=False, indent=2))
        return 0
    for a in articles:
        print(f"{a.id}  {day(a.date):<10}  {a.source or 'unknown outlet':<20}  {a.title}  {a.url or ''}".rstrip())
    if filters is not None and not articles:
        print("No indexed article matches the filter; `rag articles` without filters lists them all.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Fetch pages or feeds by URL into the corpus folder, then update the index."""
    from rag.ingest.fetch import FetchError, fetch_into

    failed = 0
    for url in args.urls:
        try:
            saved = fetch_into(url, corpus_folder(args), timeout=args.timeout)
        except FetchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"saved {url} as {saved}")
    if failed == len(args.urls):
        return 2
    if args.no_ingest:
        return 1 if failed else 0
    status = cmd_ingest(args)
    return 1 if failed else status


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
        p.add_argument("--seeds", type=Path, default=None,
                       help=f"corpus folder (default: the one the index was built from, else {default_seeds_dir()})")
        p.add_argument("--model", help="sentence-transformers model id or path")
        p.add_argument("--chunk-size", type=int, help="passage size in characters")
        p.add_argument("--chunk-overlap", type=int, help="passage overlap in characters")
        p.add_argument("--store", metavar="URL", help="a postgresql:// store instead of the index folder "
                       "(default $RAG_STORE; `rag db start` runs a local one)")

    def filtering(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after this day")
        p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before this day")
        p.add_argument("--source", action="append", metavar="OUTLET",
                       help="only articles from this outlet (repeatable; see `rag articles`)")

    def building(p: argparse.ArgumentParser) -> None:
        p.add_argument("--rebuild", action="store_true", help="re-embed everything")
        p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="corpus files that are no articles, e.g. --exclude truth.jsonl (repeatable; "
                            "also read from the corpus folder's .ragignore; remembered by the index)")

    p = sub.add_parser("ingest", help="build or update the index from the corpus folder")
    common(p)
    building(p)
    ray_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("add", help="fetch web pages or RSS/Atom feeds into the corpus folder and index them")
    common(p)
    building(p)
    p.add_argument("urls", nargs="+", metavar="URL", help="http(s) address of a news page or feed")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a server (default 20)")
    p.add_argument("--no-ingest", action="store_true", help="only fetch and store; index later with `rag ingest`")
    p.set_defaults(func=cmd_add)

    def no_build(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-build", action="store_true",
                       help="refuse instead of building a missing, stale or damaged index first")

    p = sub.add_parser("ask", help="answer a question with cited sources")
    common(p)
    no_build(p)
    p.add_argument("question")
    p.add_argument("--k", type=int, default=5, help=f"passages to read (1-{MAX_K}, default 5)")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    p.add_argument("--mode", choices=["auto", "generate", "extract"], default="auto",
                   help="generate: the language model writes the answer (RAG_LLM); extract: quote the articles; "
                        "auto (default): generate when a language model is available")
    filtering(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="show the best passages for a query")
    common(p)
    no_build(p)
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10, help=f"passages to show (1-{MAX_K}, default 10)")
    p.add_argument("--json", action="store_true")
    filtering(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("articles", help="list the indexed articles: id, date, outlet, title, url")
    common(p)
    p.add_argument("--json", action="store_true", help="print every field of every article as JSON")
    filtering(p)
    no_build(p)
    p.set_defaults(func=cmd_articles)

    add_llm_command(sub)

    from rag.ui.db import add_db_parser

    add_db_parser(sub)

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
