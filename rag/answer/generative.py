"""Generated answers: a chat model restates the chosen evidence in the asker's language, every sentence checked.

Selection and abstention stay with the retrieval, the answerability rules and (when switched on)
the judge, which reads the model's log-probabilities, never its words: the extractive answerer
picks the quotes, the model rewrites them as a direct answer with ``[n]`` markers, and each
sentence is shown only if its citation supports it (``claims.py``) and it is close to a sentence
of the cited passage in the embedding space. If none survives, or the model cannot be reached,
the extractive answer is shown with a short note.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Protocol

import numpy as np

from rag.answer.base import frame
from rag.answer.claims import Claim, added_speaker, copies, lost_fact, split_claims, unsupported
from rag.answer.evidence import ScoredSentence
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.numbering import Numbering, group_heads, sourced
from rag.errors import LLMError
from rag.lang.identify import identify
from rag.models.base import QueryEncoder
from rag.models.chat import ChatModel, Message, describe
from rag.retrieve.hybrid import Retrieval
from rag.types import Answer, Citation, Quoted

log = logging.getLogger(__name__)


class Entailment(Protocol):
    """Whether a sentence's quotes state what it says (``rag.answer.entailment.LLMEntailment``)."""

    def rejects(self, sources: Sequence[str], statement: str) -> str: ...

LANGUAGE_NAMES = {"en": "English", "de": "German"}
_SYSTEM = (
    "You answer questions about news articles. Use only the numbered sources. Answer in {language}, in one or "
    "two short sentences, translating the sources where needed. End every sentence with the number of its "
    "source in square brackets, like [1]. Keep the names, numbers and dates of the sentences you restate. Do not "
    "add facts that are not in the sources."
)
_EXAMPLE_SOURCES = (
    "Sources:\n[1] Die Stadt will bis 2030 rund 500 neue Wohnungen bauen.\n"
    "[2] Der Stadtrat stimmte dem Plan am Dienstag zu.\n\n"
)
# the worked example is in the question's language: with an English one only, German questions got English answers
_EXAMPLES = {
    "en": ("How many flats does the city want to build?",
           "The city wants to build about 500 new flats by 2030 [1]. The council approved the plan on Tuesday [2]."),
    "de": ("Wie viele Wohnungen will die Stadt bauen?",
           "Die Stadt will bis 2030 rund 500 neue Wohnungen bauen [1]. Der Stadtrat stimmte dem Plan am Dienstag zu [2]."),
}
_REFUSAL = re.compile(
    r"\b(not in the (articles|sources)|(sources|articles) (do not|don't) (say|mention|contain|state)|no information|"
    r"nicht in den (artikeln|quellen)|keine (angaben|informationen))\b", re.IGNORECASE)
NOTES = {
    "en": {"unreachable": "The language model could not answer ({why}); the answer quotes the articles instead.",
           "unchecked": "No generated sentence passed the checks against its source; the answer quotes the articles.",
           "dropped": "{n} generated sentence(s) left out: their sources do not support them.",
           "requoted": "{n} generated sentence(s) lost a number, date or name of their source; its quote is shown.",
           "only_quotes": "No generated sentence kept the facts of its source; the answer quotes the articles.",
           "copied": "{n} generated sentence(s) copied their source nearly word for word: shown as its quote.",
           "only_copies": "The generated sentences only copied their sources; the answer quotes the articles.",
           "unwritten": "{n} quoted fact(s) the written answer did not restate: shown as quotes."},
    "de": {"unreachable": "Das Sprachmodell konnte nicht antworten ({why}); die Antwort zitiert stattdessen die Artikel.",
           "unchecked": "Kein erzeugter Satz bestand die Prüfung an seiner Quelle; die Antwort zitiert die Artikel.",
           "dropped": "{n} erzeugte(r) Satz/Sätze ausgelassen: ihre Quellen belegen sie nicht.",
           "requoted": "{n} erzeugte(r) Satz/Sätze verlor(en) eine Zahl, ein Datum oder einen Namen der Quelle; "
                       "das Zitat wird gezeigt.",
           "only_quotes": "Kein erzeugter Satz behielt die Fakten seiner Quelle; die Antwort zitiert die Artikel.",
           "copied": "{n} erzeugte(r) Satz/Sätze übernahm(en) die Quelle fast wörtlich: als Zitat gezeigt.",
           "only_copies": "Die erzeugten Sätze übernahmen nur ihre Quellen; die Antwort zitiert die Artikel.",
           "unwritten": "{n} zitierte(r) Fakt(en), die die geschriebene Antwort nicht wiedergab: als Zitat gezeigt."},
}


def note(language: str, kind: str, **values: object) -> str:
    """A short note in the answer's language."""
    return NOTES.get(language, NOTES["en"])[kind].format(**values)


def build_messages(question: str, language: str, sources: Sequence[Citation]) -> list[Message]:
    """The chat prompt: instructions and a worked example (a stable prefix the server caches), then the sources.

    Sources are the bare quotes: an outlet and date cost ~10 prompt tokens each, read before the first token."""
    listed = "\n".join(f"[{c.number}] {c.quote}" for c in sources)
    name = LANGUAGE_NAMES.get(language, "English")
    example, example_answer = _EXAMPLES.get(language, _EXAMPLES["en"])
    return [
        {"role": "system", "content": _SYSTEM.format(language=name)},
        {"role": "user", "content": f"{_EXAMPLE_SOURCES}Question: {example}\nAnswer in {name}."},
        {"role": "assistant", "content": example_answer},
        {"role": "user", "content": f"Sources:\n{listed}\n\nQuestion: {question}\nAnswer in {name}."},
    ]


def within(sources: Sequence[Citation], chars: int, *, least: int = 2) -> list[Citation]:
    """The ``least`` leading sources, then more while their quotes fit in ``chars`` (prompt tokens delay the first word)."""
    kept: list[Citation] = []
    size = 0
    for source in sources:
        if len(kept) >= least and size + len(source.quote) > chars:
            break
        kept.append(source)
        size += len(source.quote)
    return kept


class GenerativeAnswerer:
    """Writes a short answer with a chat model from the quotes the extractive answerer picks, and checks it."""

    name = "generative"

    def __init__(self, chat: ChatModel, encoder: QueryEncoder, *, extractive: ExtractiveAnswerer | None = None,
                 ordinary: Callable[[str, str], bool] = lambda word, language: False, min_cosine: float = 0.8,
                 name_cosine: float = 0.9, max_tokens: int = 96, prompt_chars: int = 320, prompt_least: int = 2,
                 entailment: Entailment | None = None) -> None:
        self.chat = chat
        self.encoder = encoder
        self.extractive = extractive or ExtractiveAnswerer()
        self.ordinary = ordinary
        self.min_cosine = min_cosine
        self.name_cosine = name_cosine
        self.max_tokens = max_tokens
        # the prompt's quotes: the best ``prompt_least``, then more within ``prompt_chars``; the rest follow verbatim
        self.prompt_chars, self.prompt_least = prompt_chars, prompt_least
        self.entailment = entailment
        self._words = lru_cache(maxsize=256)(self._word_vectors)

    def answer(self, retrieval: Retrieval, candidates: Sequence[ScoredSentence]) -> Answer:
        """The checked answer (the stream, consumed)."""
        final: Answer | None = None
        for event in self.stream(retrieval, candidates):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(self, retrieval: Retrieval, candidates: Sequence[ScoredSentence]) -> Iterator[Quoted | str | Answer]:
        """The quoted answer at once (``Quoted``), checked sentences as the model completes them, then the ``Answer``.

        Whatever fails on the way (client, server, stream, parsing, checking) ends in the quoted
        answer with a note naming the cause, logged once with its traceback; never in an error.
        """
        quoted = self.extractive.answer(retrieval, candidates)
        yield Quoted(quoted)
        try:
            yield from self._write(retrieval, candidates, quoted)
        except Exception as exc:  # noqa: BLE001 - the quotes are a complete answer whatever the writer did
            why = str(exc).split(";")[0] if isinstance(exc, LLMError) else describe(exc)
            log.warning("the language model's answer failed, quoting instead: %s", why, exc_info=True)
            yield replace(quoted, note=note(retrieval.language, "unreachable", why=why))

    def _write(self, retrieval: Retrieval, candidates: Sequence[ScoredSentence], quoted: Answer) -> Iterator[str | Answer]:
        """The model's sentences, each checked, then the final ``Answer`` (exceptions propagate)."""
        sources = within(group_heads(quoted), self.prompt_chars, least=self.prompt_least)
        lang = retrieval.language
        numbering = Numbering(quoted)
        shown: list[str] = []
        dropped: list[str] = []
        requoted: list[str] = []
        copied: list[str] = []
        own_words = wrote = 0  # sentences shown in the model's own words (not only as their quote); all it wrote
        buffer = ""

        def settle(claims: Sequence[Claim]) -> Iterator[str]:
            """Each finished sentence: shown (renumbered; with or as its quote if it lost a fact or copies it), or dropped."""
            nonlocal own_words, wrote
            for claim in claims:
                wrote += 1
                cited = [quoted.citations[m - 1] for m in sourced(claim, quoted)]
                verdict = self._check(claim, retrieval, cited, candidates)
                if verdict:
                    dropped.append(f"{claim.text} ({verdict})")
                    continue
                lost, quote_language = self._lost(claim, cited)
                quotes = [c.quote for c in cited]
                if not lost and copies(claim, quotes):
                    copied.append(f"{claim.text} (copies its quote)")  # verbatim words belong in quotation marks
                    if line := numbering.as_quote(claim):
                        shown.append(line)
                        yield line
                    continue
                own = not lost or quote_language != lang  # in another language the quote alone would not answer
                verdict = "" if not own or self.entailment is None else self.entailment.rejects(quotes, claim.bare)
                if verdict and not lost:
                    dropped.append(f"{claim.text} ({verdict})")
                    continue
                own_words += own and not verdict
                if lost:
                    requoted.append(f"{claim.text} (lost {lost})")
                    line = " ".join(filter(None, [numbering.render(claim) if own and not verdict else "",
                                                  numbering.as_quote(claim)]))
                else:
                    line = numbering.render(claim)
                if line:
                    shown.append(line)
                    yield line

        for piece in self.chat.stream(build_messages(retrieval.question, lang, sources), max_tokens=self.max_tokens):
            buffer += piece
            claims = split_claims(buffer)
            yield from settle(claims[:-1])  # the last one may still grow
            buffer = buffer[buffer.rfind(claims[-1].text):] if claims else buffer
        yield from settle(split_claims(buffer))
        if not shown and any(_REFUSAL.search(d) for d in dropped):
            yield Answer(retrieval.question, frame(lang)["abstain"], abstained=True, language=lang,
                         hits=retrieval.hits, reason="the language model found no answer in the sources",
                         answerer=self.name, dropped=tuple(dropped), written=wrote)
            return
        if not own_words:  # nothing in the model's words: the quoted answer quotes more than those quotes
            kind = "unchecked" if not shown else "only_copies" if copied and not requoted else "only_quotes"
            yield replace(quoted, note=note(lang, kind), dropped=tuple(dropped), requoted=(*requoted, *copied),
                          written=wrote)
            return
        unwritten = numbering.unrestated()  # facts of the quoted answer the model left out stay, as quotes
        for line in unwritten:
            shown.append(line)
            yield line
        notes = ([note(lang, "dropped", n=len(dropped))] if dropped else []) + (
            [note(lang, "requoted", n=len(requoted))] if requoted else []) + (
            [note(lang, "copied", n=len(copied))] if copied else []) + (
            [note(lang, "unwritten", n=len(unwritten))] if unwritten else [])
        yield replace(numbering.answer(shown, self.name, tuple(dropped), " ".join(notes)), requoted=(*requoted, *copied),
                      written=wrote)

    def _lost(self, claim: Claim, cited: Sequence[Citation]) -> tuple[str, str]:
        """The number, date or name of its cited quotes that a supported sentence leaves out, and that quote's language."""
        for quote in (c.quote for c in cited):
            language = identify(quote)  # the quote's nouns are of its own language, not the question's
            lost = lost_fact(claim, [quote], ordinary=lambda word: self.ordinary(word, language), similar=self._similar)
            if lost:
                return lost, language
        return "", ""

    def _check(self, claim: Claim, retrieval: Retrieval, cited: Sequence[Citation],
               candidates: Sequence[ScoredSentence]) -> str:
        """Why a generated sentence may not be shown ("" if it may), given the citations its markers name."""
        if _REFUSAL.search(claim.text):
            return "says the sources do not answer"
        reason = unsupported(claim, [c.text for c in cited], question=retrieval.question,
                             ordinary=lambda word: self.ordinary(word, retrieval.language), similar=self._similar)
        reason = reason or added_speaker(claim, [c.quote for c in cited])
        if reason:
            return reason
        inside = [s.vector for s in candidates if any(
            s.sentence.article_id == c.article_id and c.passage_start <= s.sentence.start and s.sentence.end <= c.passage_end
            for c in cited)]
        if not inside:
            return "its passage has no sentence to compare with"
        vector = self.encoder.encode_queries([claim.bare])[0]
        best = float(np.max(np.stack(inside) @ vector))
        return "" if best >= self.min_cosine else f"too far from its passage (cosine {best:.2f})"

    def _word_vectors(self, text: str) -> np.ndarray:
        words = sorted({w for w in re.findall(r"\w+", text) if len(w) > 1 and w[:1].isalpha()})
        return self.encoder.encode_queries(words) if words else np.zeros((0, 1), np.float32)

    def _similar(self, name: str, text: str) -> bool:
        """Whether a word of the text is the name's embedding neighbour (a translation: "European" ~ "EU")."""
        vectors = self._words(text)
        if not len(vectors):
            return False
        return float(np.max(vectors @ self.encoder.encode_queries([name])[0])) >= self.name_cosine
