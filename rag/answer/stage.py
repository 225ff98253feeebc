"""The answering stage: the answerability rules, then the judge, then the answerer quotes or writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rag.answer.base import Answerer, abstention
from rag.answer.calibration import Calibration
from rag.answer.evidence import ScoredSentence, SentenceScorer
from rag.answer.judge import Judge, Ruling, rule
from rag.models.chat import describe
from rag.retrieve.hybrid import Retrieval
from rag.types import Answer, Quoted

if TYPE_CHECKING:
    from rag.answer.answerability import AnswerabilityCheck
    from rag.answer.generative import GenerativeAnswerer

log = logging.getLogger(__name__)
REASON = "the judge rates the best passages {p:.0%} likely to answer (it answers from {t:.0%})"
NOTES = {"en": "The check whether the articles answer could not run ({why}); the answer may not fit the question.",
         "de": "Die Prüfung, ob die Artikel antworten, lief nicht ({why}); die Antwort passt vielleicht nicht."}


class AnswerStage:
    """Composes the answering components for one question (held by ``Assistant``, made per request)."""

    def __init__(self, scorer: SentenceScorer, check: AnswerabilityCheck, answerer: Answerer,
                 writer: GenerativeAnswerer | None = None, judge: Judge | None = None,
                 calibration: Calibration | None = None) -> None:
        if (judge is None) != (calibration is None):
            raise ValueError("a judge needs a calibration, and a calibration a judge")
        self.scorer, self.check, self.answerer, self.writer = scorer, check, answerer, writer
        self.judge, self.calibration = judge, calibration

    def stream(self, retrieval: Retrieval) -> Iterator[Quoted | str | Answer]:
        """Abstain, or yield the quoted answer, the written answer's sentences as they come, then the ``Answer``."""
        verdict = self.check.check(retrieval, self.scorer.score(retrieval))
        if verdict.reason:
            yield abstention(retrieval, verdict.reason)
            return
        candidates, ruling, note = verdict.candidates, None, ""
        if self.judge is not None and self.calibration is not None:
            try:
                ruling = rule(self.judge, self.calibration, retrieval.question, retrieval.hits)
            except Exception as exc:  # noqa: BLE001 - a failing judge leaves the rules' answer, with a note
                log.warning("the judge failed: %s", exc, exc_info=True)
                note = NOTES.get(retrieval.language, NOTES["en"]).format(why=describe(exc))
            else:
                if ruling.abstain:
                    reason = REASON.format(p=ruling.confidence, t=self.calibration.threshold)
                    yield replace(abstention(retrieval, reason), confidence=ruling.confidence)
                    return
                retrieval, candidates = self.judged(retrieval, ruling, candidates)
        events = self.writer.stream(retrieval, candidates) if self.writer else [self.answerer.answer(retrieval, candidates)]
        for event in events:
            if isinstance(event, Quoted):
                event = Quoted(replace(event.answer, confidence=ruling.confidence if ruling else None))
            elif isinstance(event, Answer):
                event = replace(event, confidence=ruling.confidence if ruling else None,
                                note=" ".join(n for n in (event.note, note) if n))
            yield event

    def judged(self, retrieval: Retrieval, ruling: Ruling,
               candidates: Sequence[ScoredSentence]) -> tuple[Retrieval, Sequence[ScoredSentence]]:
        """The retrieval in the judge's order, and the candidate sentences of the passages it accepts."""
        reordered = replace(retrieval, hits=ruling.hits)
        rescored = self.check.check(reordered, self.scorer.score(reordered))
        pool = rescored.candidates if not rescored.reason else tuple(candidates)
        accepted = {h.id for h in ruling.answering}
        return reordered, tuple(c for c in pool if c.hit.id in accepted) or tuple(pool)


def respond(retrieval: Retrieval, scorer: SentenceScorer, check: AnswerabilityCheck, answerer: Answerer) -> Answer:
    """The extractive answer or abstention without a judge (the rules only)."""
    return next(e for e in AnswerStage(scorer, check, answerer).stream(retrieval) if isinstance(e, Answer))
