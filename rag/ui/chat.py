"""The web chat (Gradio): ``rag serve [--host 127.0.0.1] [--port 7860] [--index DIR] [--seeds DIR]``.

While it serves, it follows the index: after ``rag ingest`` (in any process) it switches to the new
snapshot within ``--reload-interval`` seconds plus the load time, answering from the old one meanwhile.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.types import Article
from rag.ui.examples import examples as example_questions
from rag.ui.quiet import configure_output
from rag.ui.steps import (  # noqa: F401 - respond, respond_stream, filter_kwargs: the chat's steps, re-exported
    DEFAULT_K,
    MODE_CHOICES,
    AssistantLike,
    Messages,
    accept,
    ask_api,
    filter_kwargs,
    respond,
    respond_stream,
)
from rag.ui.views import CORPUS_HEADERS, CSS, corpus_rows

log = logging.getLogger("rag.app")
MAX_SLIDER_K = 10
CONCURRENCY = 2  # two CPU cores: two questions in flight, the rest wait in Gradio's queue
QUEUE_SIZE = 64  # at ~1 s per question, 64 waiting is ~30 s; beyond that a client gets "Queue is full"
RELOAD_INTERVAL = 2.0  # seconds between checks of the index's manifest.json
FONTS = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif")
THEME = gr.themes.Soft(primary_hue="indigo", font=FONTS, font_mono=("ui-monospace", "monospace"))


def _example(sample: object) -> str:
    """The question of a clicked example (Gradio passes the sample row)."""
    if isinstance(sample, (list, tuple)):
        return str(sample[0]) if sample else ""
    return str(sample or "")


def outlets_of(articles: list[Article]) -> list[str]:
    """The outlets of the articles, sorted case-insensitively (the outlet picker's choices)."""
    return sorted({a.source for a in articles if a.source}, key=str.casefold)


def header_html(articles: list[Article]) -> str:
    """The page header, which names the number of indexed articles, their outlets and their dates."""
    days = sorted(a.date[:10] for a in articles if a.date)
    outlets = outlets_of(articles)
    span = f", {days[0]} to {days[-1]}" if days else ""
    return (
        '<div class="rag-header"><h1>Nachrichten-RAG</h1><p>Ask in English or German about '
        f"{len(articles)} news articles from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}{span}. "
        "Every answer quotes and cites its sources; if the articles don't say, it tells you so.</p></div>"
    )


def build_app(assistant: AssistantLike) -> gr.Blocks:
    """The Gradio app: chat, examples, settings (k, corpus table) and the ``/ask`` API endpoint."""
    articles = assistant.articles

    def answer(pending: str, messages: Messages | None, history: list[str] | None, k: object, mode: str,
               since: object, until: object, sources: object) -> Iterator[tuple[Messages, list[str], str]]:
        """The chat step: answer the pending question within the filters, streaming a generated answer."""
        yield from respond_stream(assistant, pending, messages, history, k, mode, since, until, sources)

    with gr.Blocks(title="Nachrichten-RAG", analytics_enabled=False) as demo:
        header = gr.HTML(header_html(articles))
        chatbot = gr.Chatbot(
            show_label=False, elem_id="rag-chat", height="68vh", min_height=420, latex_delimiters=[],
            feedback_options=None, buttons=["copy"], placeholder="Ask a question, or click one of the examples below.",
        )
        with gr.Row(equal_height=True):
            box = gr.Textbox(
                show_label=False, placeholder="Ask a question in English or German … (Enter to send)",
                scale=8, lines=1, max_lines=4, autofocus=True, elem_id="rag-question",
            )
            send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="rag-send")
            clear = gr.Button("Clear chat", variant="secondary", scale=1, min_width=110, elem_id="rag-clear")
        writes = getattr(assistant, "generator", None) is not None  # the toggle only when a language model serves
        mode = gr.Radio(MODE_CHOICES, value="generate" if writes else "extract", show_label=False, container=False,
                        visible=writes, elem_id="rag-mode")
        with gr.Accordion("Filter articles", open=False, elem_id="rag-filters"):
            with gr.Row(equal_height=True):
                outlet = gr.Dropdown(choices=outlets_of(articles), value=[], multiselect=True, label="Outlets",
                                     info="Answer only from these outlets (none picked: all).", scale=3,
                                     elem_id="rag-outlets")
                since = gr.DateTime(include_time=False, type="string", label="From", info="YYYY-MM-DD, inclusive",
                                    scale=1, elem_id="rag-since")
                until = gr.DateTime(include_time=False, type="string", label="To", info="YYYY-MM-DD, inclusive",
                                    scale=1, elem_id="rag-until")
        examples = gr.Dataset(components=[box], samples=[[q] for q in example_questions(articles)], label="Examples",
                              elem_id="rag-examples")
        with gr.Accordion("Settings", open=False, elem_id="rag-settings"):
            k = gr.Slider(1, MAX_SLIDER_K, value=DEFAULT_K, step=1, label="Number of sources (k)",
                          info="How many passages are retrieved and may be cited.")
            corpus = gr.Dataframe(value=corpus_rows(articles), headers=CORPUS_HEADERS, label="Indexed articles",
                                  interactive=False, wrap=True, elem_id="rag-corpus",
                                  column_widths=["10%", "13%", "37%", "6%", "14%", "20%"])
        pending = gr.State("")
        history = gr.State([])

        private: dict[str, Any] = {"api_visibility": "private"}

        def current() -> tuple[str, list[list[str | int]], Any, Any]:
            """Header, corpus table, outlet choices and examples of the index served now (it may have been reloaded)."""
            served = assistant.articles
            return (header_html(served), corpus_rows(served), gr.Dropdown(choices=outlets_of(served)),
                    gr.Dataset(samples=[[q] for q in example_questions(served)]))

        demo.load(current, None, [header, corpus, outlet, examples], queue=False, **private)
        inputs = [pending, chatbot, history, k, mode, since, until, outlet]
        for event in (box.submit, send.click):
            event(accept, [box, chatbot], [box, chatbot, pending], queue=False, **private).then(
                answer, inputs, [chatbot, history, pending], **private
            )
        examples.click(lambda s, m: accept(_example(s), m), [examples, chatbot], [box, chatbot, pending],
                       queue=False, **private).then(answer, inputs, [chatbot, history, pending], **private)
        clear.click(lambda: ([], [], "", ""), None, [chatbot, history, pending, box], queue=False, **private)
        chatbot.clear(lambda: ([], ""), None, [history, pending], queue=False, **private)

        def ask(question: str, k: float = DEFAULT_K, since: str | None = None, until: str | None = None,
                sources: list[str] | None = None) -> dict[str, Any]:
            """Answer one question from the k best passages (optionally only articles from ``since`` to
            ``until``, YYYY-MM-DD, and from the outlets ``sources``); returns the answer dict."""
            return ask_api(assistant, question, k, since, until, sources)

        gr.api(ask, api_name="ask")
    return demo


def _env_port(parser: argparse.ArgumentParser) -> int:
    """``$GRADIO_SERVER_PORT`` as a port number, or 7860."""
    raw = os.environ.get("GRADIO_SERVER_PORT", "").strip()
    if not raw:
        return 7860
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        parser.error(f"GRADIO_SERVER_PORT must be a port number from 1 to 65535, got {raw!r}; fix or unset it")
    return int(raw)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; ``$GRADIO_SERVER_NAME`` and ``$GRADIO_SERVER_PORT`` set the defaults, as in any Gradio app."""
    parser = argparse.ArgumentParser(prog="rag serve", description="Serve the Nachrichten-RAG web chat.")
    host = os.environ.get("GRADIO_SERVER_NAME", "").strip() or "127.0.0.1"
    port = _env_port(parser)
    parser.add_argument("--host", default=host, help=f"interface to listen on (default {host}; $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port}; $GRADIO_SERVER_PORT)")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: the project's index/)")
    parser.add_argument("--seeds", type=Path, default=None,
                        help="corpus folder (default: the one the index was built from, else the project's seeds/)")
    parser.add_argument("--store", default=None, metavar="URL",
                        help="serve the PostgreSQL store at URL instead of the index folder (default $RAG_STORE)")
    parser.add_argument("--reload-interval", type=float, default=RELOAD_INTERVAL, metavar="SECONDS",
                        help=f"check the index for a new build every SECONDS (default {RELOAD_INTERVAL:g}; 0 disables)")
    parser.add_argument("--queue-size", type=int, default=QUEUE_SIZE,
                        help=f"questions that may wait for a worker; more get 'Queue is full' (default {QUEUE_SIZE})")
    args = parser.parse_args(argv)
    if args.reload_interval < 0 or args.queue_size < 1:
        parser.error("--reload-interval must be >= 0 and --queue-size >= 1")
    return args


def main(argv: list[str] | None = None, *, verbose: bool = False) -> None:
    """Load the model and index once, then serve the chat until interrupted."""
    args = parse_args(argv)
    configure_output(verbose, fmt="%(asctime)s %(levelname)s %(name)s: %(message)s", tracebacks=True)
    log.setLevel(logging.INFO)
    logging.getLogger("rag.ui.watch").setLevel(logging.INFO)
    from rag.assistant import Assistant
    from rag.models.llm_server import open_llm
    from rag.ui.watch import IndexWatcher

    print("Loading the model and index …", flush=True)
    # without --seeds: the folder the index was built from (else seeds/), never a rebuild from seeds/
    chat, llm_server = open_llm(fallback=True)
    if getattr(chat, "unavailable", False):
        print(f"The language model is unavailable ({chat.reason}); answers quote the articles, each with a note.",
              flush=True)
    elif chat is not None:
        print(f"Answers are written by {chat!r}" + (f" (local server, pid {llm_server.pid})." if llm_server else "."),
              flush=True)
    assistant = Assistant.load(args.index, seeds=args.seeds, progress=True, llm=chat, store_url=args.store)
    assistant.warm_up()
    print(f"Index ready: {len(assistant.articles)} articles.", flush=True)
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=args.queue_size)
    watcher = IndexWatcher(assistant, interval=args.reload_interval) if args.reload_interval > 0 else None
    _, local_url, _ = demo.launch(
        server_name=args.host, server_port=args.port, prevent_thread_lock=True, quiet=True, ssr_mode=False,
        css=CSS, theme=THEME, footer_links=["api"],
    )
    if watcher is not None:
        watcher.start()
    print(f"Nachrichten-RAG is serving at {local_url}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    finally:
        if watcher is not None:
            watcher.stop()
        if llm_server is not None:
            llm_server.stop()


if __name__ == "__main__":
    main()
