"""The judge: does a piece of evidence answer the question? Read from a language model's log-probabilities.

A small model asked to *write* a verdict refuses answerable questions most of the time; the same
model's probability of replying "yes" rather than "no" separates answering from merely related
evidence well. ``LLMJudge`` asks for one token and returns the log-odds ``log P(yes) - log P(no)``
over the most likely first tokens; ``rag.answer.calibration`` turns them into probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rag.answer.calibration import Calibration
from rag.models.chat import LogprobModel, Message
from rag.types import Hit

SYSTEM = "You check whether a news passage answers a question. Reply with one word: yes or no."
USER = "Passage: {evidence}\n\nQuestion: {question}\n\nDoes the passage state the answer to this question? yes or no?"
YES, NO = frozenset({"yes"}), frozenset({"no"})
FLOOR = 12.0  # log-odds when one of the words is absent from the top tokens (it is at most that unlikely)


class Judge(Protocol):
    """Scores how strongly each piece of evidence answers the question (log-odds; higher is more likely)."""

    name: str

    def judge(self, question: str, evidence: Sequence[str]) -> list[float]: ...


def messages(question: str, evidence: str) -> list[Message]:
    """The judge's prompt: a fixed instruction (a prefix the server caches), then the passage and the question."""
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": USER.format(evidence=" ".join(evidence.split()), question=question.strip())}]


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def log_odds(top: Sequence[tuple[str, float]]) -> float:
    """``log P(yes) - log P(no)`` from a first token's top log-probabilities (case and spaces ignored).

    A word missing from the list is bounded by the least likely token listed; when both are
    missing the model is off script and the evidence counts as not answering (``-FLOOR``).
    """
    yes = [lp for token, lp in top if token.strip().lower() in YES]
    no = [lp for token, lp in top if token.strip().lower() in NO]
    if not yes and not no:
        return -FLOOR
    floor = min(lp for _, lp in top) - math.log(2)
    value = _logsumexp(yes or [floor]) - _logsumexp(no or [floor])
    return max(-FLOOR, min(FLOOR, value))


class LLMJudge:
    """A judge over any chat endpoint that returns log-probabilities (one call per piece of evidence)."""

    def __init__(self, model: LogprobModel, *, top: int = 10) -> None:
        self.model = model
        self.name = f"llm:{model.name}"
        self.top = top

    def judge(self, question: str, evidence: Sequence[str]) -> list[float]:
        """The log-odds that each piece of evidence states the answer."""
        return [log_odds(self.model.first_token(messages(question, text), top=self.top)) for text in evidence]


@dataclass(frozen=True)
class Ruling:
    """The judge's verdict on one retrieval: how likely its best passages answer, and their new order."""

    confidence: float  # calibrated probability that the judged passages answer the question
    abstain: bool  # below the calibrated threshold
    hits: tuple[Hit, ...]  # the retrieval's passages, the judged ones first, most likely to answer first
    answering: tuple[Hit, ...]  # the judged passages that clear the threshold on their own
    log_odds: tuple[float, ...]  # of the judged passages, in retrieval order


def rule(judge: Judge, calibration: Calibration, question: str, hits: Sequence[Hit]) -> Ruling:
    """Judge the ``calibration.passages`` best passages and decide whether the articles answer."""
    judged = list(hits[: calibration.passages])
    if not judged:
        return Ruling(0.0, True, tuple(hits), (), ())
    log_odds = judge.judge(question, [h.text for h in judged])
    confidence = calibration.probability(log_odds)
    order = sorted(range(len(judged)), key=lambda i: (-log_odds[i], i))
    answering = tuple(judged[i] for i in order if calibration.probability([log_odds[i]]) >= calibration.threshold)
    ordered = tuple(judged[i] for i in order) + tuple(hits[len(judged):])
    return Ruling(confidence, confidence < calibration.threshold, ordered, answering, tuple(log_odds))


def auto_judge(llm: object, enabled: bool = True) -> Judge | None:
    """An ``LLMJudge`` over ``llm`` when it reads log-probabilities and judging is ``enabled``, else None."""
    if llm is None or not enabled or not hasattr(llm, "first_token"):
        return None
    return LLMJudge(llm)  # type: ignore[arg-type]


def checked_judge(judge: object) -> Judge | None:
    """``judge`` itself when it is a Judge or None; anything else is refused."""
    if judge is not None and not hasattr(judge, "judge"):
        raise ValueError(f"judge must be a Judge, 'auto' or None, got {judge!r}")
    return judge  # type: ignore[return-value]
