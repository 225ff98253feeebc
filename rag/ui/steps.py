"""The chat's steps as plain functions (no Gradio layout): accept a message, answer it, the ``/ask`` API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Protocol

import gradio as gr

from rag.answer.followup import rewrite_followup
from rag.errors import InvalidQuestionError
from rag.retrieve.query import clean_question
from rag.types import Answer, Article, Quoted
from rag.ui.views import render_answer, render_error, render_partial, render_user

log = logging.getLogger("rag.app")

Messages = list[dict[str, Any]]
INTERNAL_ERROR = "Sorry, something went wrong while answering. The error was logged; please try again."
DEFAULT_K = 5


class AssistantLike(Protocol):
    """What the app needs from ``rag.Assistant``."""

    @property
    def articles(self) -> list[Article]: ...

    def ask(self, question: str, *, k: int = 5, **filters: Any) -> Answer: ...


MODE_CHOICES = [("Written by the language model, checked against the sources", "generate"),
                ("Quoted from the articles", "extract")]


def as_k(k: object) -> object:
    """Turn a slider/JSON number like 5.0 into 5; anything else is passed on for the API to reject."""
    if isinstance(k, float) and k.is_integer():
        return int(k)
    return k


def accept(message: str | None, messages: Messages | None) -> tuple[str, Messages, str]:
    """Show the typed question in the chat and clear the box; blank input changes nothing."""
    messages = list(messages or [])
    text = message if isinstance(message, str) else ""
    if not text.strip():
        return "", messages, ""
    return "", [*messages, {"role": "user", "content": render_user(text)}], text


def filter_kwargs(since: object = None, until: object = None, sources: object = None) -> dict[str, Any]:
    """The chat's filter fields as keyword arguments of ``ask`` (empty fields left out)."""
    found: dict[str, Any] = {}
    if since not in (None, ""):
        found["since"] = since
    if until not in (None, ""):
        found["until"] = until
    if sources:
        found["sources"] = [sources] if isinstance(sources, str) else list(sources)  # type: ignore[call-overload]
    return found


def respond(
    assistant: AssistantLike, pending: str, messages: Messages | None, history: list[str] | None, k: object,
    mode: str = "auto", since: object = None, until: object = None, sources: object = None,
) -> tuple[Messages, list[str], str]:
    """Answer the pending question (rewritten if it is a follow-up) within the filters; errors become chat messages."""
    last = (list(messages or []), list(history or []), "")
    for last in respond_stream(assistant, pending, messages, history, k, mode, since, until, sources):
        pass
    return last


def respond_stream(
    assistant: AssistantLike, pending: str, messages: Messages | None, history: list[str] | None, k: object,
    mode: str = "auto", since: object = None, until: object = None, sources: object = None,
) -> Iterator[tuple[Messages, list[str], str]]:
    """Like ``respond``, showing the quoted answer at once and each checked sentence of a written one above it."""
    messages, history = list(messages or []), list(history or [])
    if not pending or not pending.strip():
        yield messages, history, ""
        return
    question = pending
    try:
        typed = clean_question(pending)  # a too-long question is refused before any other work
        standalone = getattr(assistant, "standalone", None)
        question = (standalone(typed, history) if standalone
                    else rewrite_followup(typed, history, names=getattr(assistant, "names", None)))
        shown = question if question != typed else None
        filters = filter_kwargs(since, until, sources)
        stream = getattr(assistant, "ask_stream", None)
        events = stream(question, k=as_k(k), mode=mode, **filters) if stream else [assistant.ask(question, k=as_k(k), **filters)]  # type: ignore[arg-type]
        sentences: list[str] = []
        answer, quoted = None, None
        for event in events:
            if isinstance(event, Answer):
                answer = event
                continue
            if isinstance(event, Quoted):
                quoted = event.answer
            else:
                sentences.append(event)
            partial = render_partial(sentences, interpreted=shown, quoted=quoted)
            yield [*messages, {"role": "assistant", "content": partial}], history, ""
    except InvalidQuestionError as exc:
        content = render_error(str(exc))
    except Exception:
        log.exception("answering %r failed", question[:200])
        content = render_error(INTERNAL_ERROR)
    else:
        content = render_answer(answer, interpreted=shown)  # type: ignore[arg-type]
        history.append(question)
    yield [*messages, {"role": "assistant", "content": content}], history, ""


def ask_api(assistant: AssistantLike, question: str, k: object = DEFAULT_K, since: object = None,
            until: object = None, sources: object = None) -> dict[str, Any]:
    """One question without conversation, for programmatic use: the answer as a JSON-ready dict."""
    try:
        return assistant.ask(question, k=as_k(k), **filter_kwargs(since, until, sources)).to_dict()  # type: ignore[arg-type]
    except InvalidQuestionError as exc:
        raise gr.Error(str(exc), print_exception=False) from None
    except Exception:
        log.exception("API question %r failed", str(question)[:200])
        raise gr.Error(INTERNAL_ERROR, print_exception=False) from None
