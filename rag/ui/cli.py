"""The ``rag`` command line: ingest, ask, search, articles, eval, serve. The only module that prints."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from rag.config import MAX_K, Settings, default_index_dir, default_seeds_dir
from rag.errors import RagError


def _settings(args: argparse.Namespace) -> Settings:
    defaults = Settings()
    return Settings(
        model=args.model or defaults.model,
        chunk_size=args.chunk_size or defaults.chunk_size,
        chunk_overlap=defaults.chunk_overlap if args.chunk_overlap is None else args.chunk_overlap,
    )


def _load(args: argparse.Namespace, llm=None):  # noqa: ANN001, ANN202 - an Assistant, imported lazily
    from rag.assistant import Assistant

    return Assistant.load(args.index, seeds=args.seeds, settings=_settings(args), progress=True, llm=llm)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Build or update the index."""
    from rag.ingest.build import build_index
    from rag.models.embed import Embedder

    settings = _settings(args)
    report = build_index(args.seeds, args.index, settings=settings, embedder=Embedder(settings.model, progress=True),
                         rebuild=args.rebuild, progress=True)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
    kind = "full build" if report.full_rebuild else "incremental update"
    print(f"Index at {report.index_dir} ({kind}, {report.seconds:.1f} s): {report.articles} articles, "
          f"{report.chunks} passages, {report.sentences} sentences; embedded {report.embedded_texts} texts and {report.embedded_terms} vocabulary terms.")
    for label, ids in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if ids and not report.full_rebuild:
            print(f"  {label}: {', '.join(ids)}")
    return 1 if report.errors else 0


def _print_answer(answer, *, streamed: bool = False) -> None:  # noqa: ANN001 - an Answer
    if not streamed:
        print(answer.text)
    if answer.note:
        print(f"({answer.note})")
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
    """Answer one question (a generated answer is printed sentence by sentence as it is written)."""
    from rag.models.llm_server import open_llm

    chat, server = open_llm("off" if args.mode == "extract" else None)
    try:
        assistant = _load(args, llm=chat)
        answer = None
        for event in assistant.ask_stream(args.question, k=args.k, mode=args.mode):
            if isinstance(event, str):
                if not args.json:
                    print(event, flush=True)
            else:
                answer = event
    finally:
        if server is not None:
            server.stop()
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer, streamed=answer.answerer == "generative")
    return 0


def cmd_llm(args: argparse.Namespace) -> int:
    """Provision the local language model, or say whether it is there."""
    from rag.models.llm import gguf_path, is_provisioned, provision_llm

    if args.action == "provision":
        print(f"model ready: {provision_llm(progress=True)}")
    else:
        state = "provisioned" if is_provisioned() else "not provisioned (run `rag llm provision`)"
        print(f"{gguf_path()}: {state}")
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

    serve_main(args.serve_args)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rag`` command."""
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers over German news articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
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

    p = sub.add_parser("ask", help="answer a question with cited sources")
    common(p)
    p.add_argument("question")
    p.add_argument("--k", type=int, default=5, help=f"passages to read (1-{MAX_K}, default 5)")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    p.add_argument("--mode", choices=["auto", "generate", "extract"], default="auto",
                   help="generate: the language model writes the answer (RAG_LLM); extract: quote the articles; "
                        "auto (default): generate when a language model is available")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="show the best passages for a query")
    common(p)
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10, help=f"passages to show (1-{MAX_K}, default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("articles", help="list the indexed articles")
    common(p)
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("llm", help="the local language model that writes generated answers")
    p.add_argument("action", choices=["provision", "status"], help="provision: download and verify it (1.1 GB, once)")
    p.set_defaults(func=cmd_llm)

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
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
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
