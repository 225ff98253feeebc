"""What the ``rag`` command prints: build reports, answers with their sources."""

from __future__ import annotations

import sys
from typing import TextIO


def print_report(report, out: TextIO) -> None:  # noqa: ANN001 - a BuildReport
    """A build's counts and what it added, changed or removed (to ``out``); its problems to stderr."""
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
    kind = "full build" if report.full_rebuild else "incremental update"
    print(f"Index at {report.store or report.index_dir} ({kind}, {report.seconds:.1f} s): {report.articles} articles, "
          f"{report.chunks} passages, {report.sentences} sentences; embedded {report.embedded_texts} texts "
          f"and {report.embedded_terms} vocabulary terms.", file=out)
    for label, ids in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if ids and not report.full_rebuild:
            print(f"  {label}: {', '.join(ids)}", file=out)


def day(date: str | None) -> str:
    """The day of an ISO date, or "undated"."""
    return date[:10] if date else "undated"


def print_event(event) -> None:  # noqa: ANN001 - a Quoted or a written sentence (str)
    """A streamed event at once: the quoted answer as "> " lines (markers left out), or a written sentence."""
    if isinstance(event, str):
        print(event, flush=True)
        return
    from rag.answer.claims import Claim  # not at import: every `rag` command imports this module

    for line in event.answer.text.splitlines():
        if line.strip():
            print("> " + Claim(line, ()).bare, flush=True)
    print(flush=True)


def print_answer(answer, *, streamed: bool = False) -> None:  # noqa: ANN001 - an Answer
    """The answer's text (unless ``streamed`` already printed it) and its note, then its sources (or, for an
    abstention, the closest passages)."""
    if not streamed:
        print(answer.text)
    if answer.note:
        print(f"({answer.note})")
    if getattr(answer, "confidence", None) is not None:
        print(f"(judged {answer.confidence:.0%} likely to answer the question)")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            who = c.source or "unknown outlet"
            print(f"  [{c.number}] {c.title} — {who}, {day(c.date)} ({c.article_id})")
            print(f"      „{c.quote}“")
    elif answer.hits:
        print("\nClosest passages:")
        for i, h in enumerate(answer.hits[:3], start=1):
            print(f"  {i}. {h.source or 'unknown outlet'}, {day(h.date)}: {h.text[:160]}…")
