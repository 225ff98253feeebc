"""The answering contract: its settings, the ``Answerer`` protocol, and the phrases shared by every answerer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rag.retrieve.hybrid import Retrieval
from rag.types import Answer, Hit

if TYPE_CHECKING:
    from rag.answer.evidence import ScoredSentence


@dataclass(frozen=True)
class AnswerConfig:
    """Scoring weights and thresholds of sentence selection, the answerability check and the extractive answerer."""

    lexical_weight: float = 0.0
    rank_weight: float = 0.05
    entity_weight: float = 0.02
    typed_gap: float = 0.05  # how much worse the best "how many"/"when" sentence may be than the best one
    abstain_below: float = 0.82
    entity_cosine: float = 0.885
    entity_translation_ratio: float = 0.6  # share of spelling a translated name keeps with its corpus form ...
    entity_gap: float = 0.03  # ... unless its nearest e5 neighbour stands out this much above the next nine
    check_entities: bool = True
    check_answer_type: bool = True
    second_within: float = 0.05
    continue_within: float = 0.08  # quote the lead sentence's successor too when it scores at most this much below
    max_sentences: int = 3
    same_fact_cosine: float = 0.94
    max_sources_per_fact: int = 3

    def __post_init__(self) -> None:
        if self.max_sentences < 1 or self.max_sources_per_fact < 1:
            raise ValueError("max_sentences and max_sources_per_fact must be at least 1")
        if min(self.lexical_weight, self.rank_weight, self.entity_weight, self.second_within, self.typed_gap,
               self.continue_within) < 0:
            raise ValueError(f"answer weights must be >= 0: {self}")


class Answerer(Protocol):
    """Writes the answer from the retrieval and the candidate sentences that passed the answerability check.

    It is called only when the articles can answer; abstaining is decided before it (``abstention``).
    """

    def answer(self, retrieval: Retrieval, candidates: Sequence[ScoredSentence]) -> Answer: ...


_FRAMES = {
    "en": {"lead": "According to", "unknown": "one report", "and": "and", "also": "Also",
           "abstain": "The articles don't say anything about that. The closest passages are listed as sources."},
    "de": {"lead": "Laut", "unknown": "einem Bericht", "and": "und", "also": "Ebenso",
           "abstain": "Dazu steht in den Artikeln nichts. Die nächstliegenden Passagen sind als Quellen aufgeführt."},
}


def frame(language: str) -> dict[str, str]:
    """The phrases used to frame an answer in the question's language."""
    return _FRAMES.get(language, _FRAMES["en"])


def attribution(hit: Hit, language: str) -> str:
    """'dpa (2026-01-08)' (the day, without a time) or a neutral phrase when the outlet is unknown."""
    who = hit.source or frame(language)["unknown"]
    return f"{who} ({hit.date[:10]})" if hit.date else who


def abstention(retrieval: Retrieval, reason: str) -> Answer:
    """The answer that says the articles don't answer, with the closest passages and the reason."""
    return Answer(retrieval.question, frame(retrieval.language)["abstain"], abstained=True,
                  language=retrieval.language, hits=retrieval.hits, reason=reason)
