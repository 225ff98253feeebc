"""Pure HTML rendering for the web chat: answers with numbered sources, abstentions, errors, corpus rows."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from rag.answer.claims import Claim
from rag.types import Answer, Article, Citation, Hit

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "sources": "Sources", "unknown_source": "unknown outlet", "undated": "undated",
        "abstain_title": "Not in the articles", "closest": "Closest passages", "interpreted": "Interpreted as",
        "error_title": "Could not answer", "passage": "Passage",
        "confidence": "confidence {p}%",
        "confidence_help": "How likely the language model judges the best passages to answer the question",
        "writing": "Writing the answer from these quotes …",
    },
    "de": {
        "sources": "Quellen", "unknown_source": "unbekannte Quelle", "undated": "undatiert",
        "abstain_title": "Nicht in den Artikeln", "closest": "Nächstliegende Passagen", "interpreted": "Verstanden als",
        "error_title": "Keine Antwort möglich", "passage": "Passage",
        "confidence": "Konfidenz {p} %",
        "confidence_help": "Wie wahrscheinlich die besten Passagen die Frage laut Sprachmodell beantworten",
        "writing": "Die Antwort wird aus diesen Zitaten geschrieben …",
    },
}
CORPUS_HEADERS = ["Date", "Outlet", "Title", "Words", "Article id", "URL"]
_MARKERS = re.compile(r"((?:\[\d+\])+)")
_NUMBER = re.compile(r"\[(\d+)\]")


def labels(language: str) -> dict[str, str]:
    """The UI strings for ``"en"`` or ``"de"`` (English for anything else)."""
    return LABELS.get(language, LABELS["en"])


def esc(text: str) -> str:
    """Escape article or user text for HTML and keep it on one line (paragraph breaks become <br>)."""
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "<br>".join(html.escape(p, quote=True) for p in parts if p)


def source_line(source: str | None, date: str | None, language: str = "en") -> str:
    """'dpa · 2026-01-08', with 'unknown outlet'/'undated' (or German) for missing values; plain text."""
    words = labels(language)
    return f"{source or words['unknown_source']} · {date[:10] if date else words['undated']}"


def render_markers(line: str) -> str:
    """Escape one answer line and turn its ``[n]`` markers into styled reference badges."""
    out: list[str] = []
    for i, piece in enumerate(_MARKERS.split(line)):
        if i % 2:
            out += [f'<span class="rag-ref">[{n}]</span>' for n in _NUMBER.findall(piece)]
        else:
            out.append(esc(piece))
    return "".join(out)


def quote_span(citation: Citation) -> tuple[int, int] | None:
    """Where the quote lies inside the citation's passage text, or None if it cannot be found."""
    start, end = citation.quote_start - citation.passage_start, citation.quote_end - citation.passage_start
    if 0 <= start <= end <= len(citation.text) and citation.text[start:end] == citation.quote:
        return start, end
    found = citation.text.find(citation.quote) if citation.quote else -1
    return (found, found + len(citation.quote)) if found >= 0 else None


def highlight(text: str, span: tuple[int, int] | None) -> str:
    """Escape a passage and wrap ``text[start:end]`` in <mark>."""
    if span is None:
        return esc(text)
    start, end = span
    return f"{esc(text[:start])} <mark>{esc(text[start:end])}</mark> {esc(text[end:])}".strip()


def _card(number: int, title: str, meta: str, body: str, *, lead: bool, trail: bool, kind: str) -> str:
    dots = ("… " if lead else "", " …" if trail else "")
    return (
        f'<div class="rag-card rag-{kind}"><div class="rag-card-head"><span class="rag-num">{number}</span>'
        f'<span class="rag-title">{esc(title)}</span></div><div class="rag-meta">{esc(meta)}</div>'
        f'<div class="rag-passage">{dots[0]}{body}{dots[1]}</div></div>'
    )


def render_citation(citation: Citation, language: str = "en") -> str:
    """One numbered source card: title, outlet and date, and the passage with the quote highlighted."""
    body = highlight(citation.text, quote_span(citation))
    return _card(citation.number, citation.title, source_line(citation.source, citation.date, language), body,
                 lead=citation.passage_start > 0, trail=not citation.text.rstrip().endswith((".", "!", "?", "“", "\"")),
                 kind="source")


def render_hit(hit: Hit, number: int, language: str = "en") -> str:
    """One numbered card for a retrieved passage (no highlight)."""
    return _card(number, hit.title, source_line(hit.source, hit.date, language), esc(hit.text),
                 lead=hit.start > 0, trail=not hit.text.rstrip().endswith((".", "!", "?", "“", "\"")), kind="hit")


def _interpreted(question: str | None, language: str) -> str:
    if not question:
        return ""
    return f'<div class="rag-interpreted">↪ {labels(language)["interpreted"]}: <q>{esc(question)}</q></div>'


def _confidence(answer: Answer) -> str:
    """The judge's confidence as a small badge, or nothing when the answer was not judged."""
    if answer.confidence is None:
        return ""
    words = labels(answer.language)
    text = words["confidence"].format(p=round(100 * answer.confidence))
    return f'<span class="rag-confidence" title="{esc(words["confidence_help"])}">{esc(text)}</span>'


def render_answer(answer: Answer, *, interpreted: str | None = None) -> str:
    """The chat message for an answer: lines with [n] badges and the numbered sources; abstentions differ."""
    if answer.abstained or not answer.citations:
        return render_abstention(answer, interpreted=interpreted)
    words = labels(answer.language)
    lines = "".join(f'<p class="rag-line">{render_markers(line)}</p>' for line in answer.text.splitlines() if line.strip())
    cards = "".join(render_citation(c, answer.language) for c in answer.citations)
    note = f'<div class="rag-note">{esc(answer.note)}</div>' if answer.note else ""
    return (
        f'<div class="rag-answer rag-{esc(answer.answerer)}">{_interpreted(interpreted, answer.language)}'
        f'<div class="rag-text">{lines}</div>{note}'
        f'<details class="rag-sources" open><summary>{words["sources"]} ({len(answer.citations)})'
        f'{_confidence(answer)}</summary>'
        f'{cards}</details></div>'
    )


def render_partial(sentences: Sequence[str], *, interpreted: str | None = None, quoted: Answer | None = None) -> str:
    """A written answer on its way: its checked sentences so far (markers left out: the sources shown are still
    the quotes'), above the quoted answer, which stays until the final answer replaces it."""
    language = quoted.language if quoted is not None else "en"
    text = " ".join(esc(Claim(s, ()).bare) for s in sentences)
    writing = (f'<div class="rag-writing"><div class="rag-writing-label">{labels(language)["writing"]}</div>'
               f'<p class="rag-line">{text}<span class="rag-cursor">▍</span></p></div>')
    below = render_answer(quoted) if quoted is not None else ""
    return f'<div class="rag-answer rag-streaming">{_interpreted(interpreted, language)}{writing}{below}</div>'


def render_abstention(answer: Answer, *, interpreted: str | None = None) -> str:
    """The chat message for an abstention: a distinct notice, closest passages in a collapsed section."""
    words = labels(answer.language)
    lines = "".join(f"<p>{esc(line)}</p>" for line in answer.text.splitlines() if line.strip())
    hits = answer.hits or ()
    closest = "".join(render_hit(h, i, answer.language) for i, h in enumerate(hits, 1))
    details = (
        f'<details class="rag-closest"><summary>{words["closest"]} ({len(hits)})</summary>{closest}</details>'
        if hits else ""
    )
    return (
        f'<div class="rag-abstain">{_interpreted(interpreted, answer.language)}'
        f'<div class="rag-abstain-title"><span class="rag-icon">?</span>{words["abstain_title"]}{_confidence(answer)}</div>'
        f"{lines}{details}</div>"
    )


def render_error(message: str, language: str = "en") -> str:
    """The chat message for a failed request (bad input or an internal error); the text is escaped."""
    return (
        f'<div class="rag-error"><div class="rag-error-title"><span class="rag-icon">!</span>'
        f'{labels(language)["error_title"]}</div><p>{esc(message)}</p></div>'
    )


def render_user(question: str, limit: int = 400) -> str:
    """The user's message as shown in the chat: escaped, shortened if very long."""
    text = " ".join(question.split())
    return esc(text if len(text) <= limit else text[:limit].rstrip() + f" … ({len(text)} characters)")


def corpus_rows(articles: Sequence[Article], language: str = "en") -> list[list[str | int]]:
    """One table row per indexed article: day, outlet, title, word count, id and url, newest first."""
    words = labels(language)
    ordered = sorted((a for a in articles if a.date), key=lambda a: (a.date or "", a.id), reverse=True)
    ordered += sorted((a for a in articles if not a.date), key=lambda a: a.id)
    return [
        [a.date[:10] if a.date else words["undated"], a.source or words["unknown_source"], a.title,
         len(a.body.split()), a.id, a.url or ""]
        for a in ordered
    ]


CSS = """
#rag-corpus table, #rag-corpus td, #rag-corpus th { font-family: var(--font); font-size: .9em; }
.rag-header h1 { margin: 0 0 .2rem 0; font-size: 1.6rem; }
.rag-header p { margin: 0; opacity: .8; }
.rag-answer, .rag-abstain, .rag-error { line-height: 1.5; }
.rag-text p.rag-line { margin: 0 0 .5rem 0; }
.rag-ref { display: inline-block; font-size: .75em; font-weight: 600; padding: 0 .35em; margin: 0 .1em;
  border-radius: .6em; background: #e0e7ff; color: #3730a3; vertical-align: super; line-height: 1.4; }
.rag-confidence { font-size: .78em; opacity: .6; margin-left: .6rem; font-weight: normal; }
.rag-note { font-size: .82em; opacity: .75; margin: .2rem 0 .4rem 0; font-style: italic; }
.rag-cursor { opacity: .5; margin-left: .15em; }
.rag-writing { border-left: 3px solid #a5b4fc; padding: .1rem 0 .1rem .6rem; margin-bottom: .5rem; }
.rag-writing-label { font-size: .8em; opacity: .65; font-style: italic; }
.rag-streaming .rag-generative, .rag-streaming .rag-extractive { opacity: .85; }
.rag-interpreted { font-size: .85em; opacity: .75; margin-bottom: .4rem; font-style: italic; }
details.rag-sources, details.rag-closest { margin-top: .6rem; }
details.rag-sources > summary, details.rag-closest > summary { cursor: pointer; font-weight: 600;
  font-size: .9em; margin-bottom: .4rem; }
.rag-card { border: 1px solid var(--border-color-primary, #e5e7eb); border-left: 4px solid #6366f1;
  border-radius: 8px; padding: .55rem .75rem; margin: .45rem 0; background: var(--background-fill-secondary, #f9fafb); }
.rag-card.rag-hit { border-left-color: #9ca3af; }
.rag-card-head { display: flex; gap: .5rem; align-items: baseline; }
.rag-num { flex: none; font-size: .75em; font-weight: 700; color: #fff; background: #6366f1; border-radius: 999px;
  min-width: 1.5em; height: 1.5em; display: inline-flex; align-items: center; justify-content: center; }
.rag-hit .rag-num { background: #9ca3af; }
.rag-title { font-weight: 600; }
.rag-meta { font-size: .8em; opacity: .7; margin: .1rem 0 .35rem 0; }
.rag-passage { font-size: .9em; }
.rag-passage mark { background: #fef08a; color: inherit; padding: 0 .1em; border-radius: 3px; }
.rag-abstain { border: 1px solid #f59e0b; background: #fffbeb; color: #78350f; border-radius: 10px; padding: .6rem .8rem; }
.rag-abstain p { margin: .2rem 0; }
.rag-abstain .rag-card { color: var(--body-text-color, #111827); }
.rag-error { border: 1px solid #ef4444; background: #fef2f2; color: #7f1d1d; border-radius: 10px; padding: .6rem .8rem; }
.rag-error p { margin: .2rem 0 0 0; }
.rag-abstain-title, .rag-error-title { font-weight: 700; display: flex; align-items: center; gap: .45rem; }
.rag-icon { display: inline-flex; width: 1.4em; height: 1.4em; border-radius: 999px; align-items: center;
  justify-content: center; color: #fff; font-size: .85em; background: #f59e0b; }
.rag-error .rag-icon { background: #ef4444; }
"""
