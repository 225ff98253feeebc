"""Entailment: does the quote a written sentence cites state what the sentence says? Read from log-probabilities.

The claim checks (numbers, dates, names) and the embedding check do not read meaning: "X won the
cup [1]" passes them when quote [1] names X, the cup and the year in another story. The same local
model that judges the evidence is asked for one token, whether the quote says what the sentence
says, and ``judge.log_odds`` turns its top tokens into ``log P(yes) - log P(no)``. A sentence below
the threshold fitted on dev pairs (``entailment_calibration.json``, ``eval/entailment_calibrate.py``)
is dropped like any unsupported sentence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.answer.judge import log_odds
from rag.errors import RagError
from rag.models.chat import LogprobModel, Message

DEFAULT_PATH = Path(__file__).resolve().parent / "entailment_calibration.json"
SYSTEM = ("You check whether a news quote supports a statement. The two may be in different languages. "
          "Reply with one word: yes or no.")
USER = "Quote: {source}\n\nStatement: {statement}\n\nDoes the quote say what the statement says? yes or no?"


def messages(sources: Sequence[str], statement: str) -> list[Message]:
    """The prompt: a fixed instruction (a prefix the server caches), then the quotes and the statement."""
    source = " ".join(" ".join(s.split()) for s in sources)
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": USER.format(source=source, statement=" ".join(statement.split()))}]


@dataclass(frozen=True)
class EntailmentCalibration:
    """The log-odds below which a written sentence counts as not stated by its quotes, with its fit report."""

    threshold: float
    report: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """The JSON form written by ``eval/entailment_calibrate.py``."""
        return {"threshold": self.threshold, "report": self.report}


def load_entailment_calibration(path: Path | None = None) -> EntailmentCalibration:
    """The calibration in ``path`` (default: the one fitted for the local model, shipped with the package)."""
    path = path or DEFAULT_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return EntailmentCalibration(float(data["threshold"]), data.get("report", {}))
    except FileNotFoundError as exc:
        raise RagError(f"no entailment calibration at {path}; run eval/entailment_calibrate.py or set "
                       "RAG_ENTAIL=off") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RagError(f"the entailment calibration {path} is damaged ({exc}); refit it with "
                       "eval/entailment_calibrate.py or set RAG_ENTAIL=off") from exc


class LLMEntailment:
    """Entailment read from a chat endpoint that returns log-probabilities (one short call per sentence)."""

    def __init__(self, model: LogprobModel, calibration: EntailmentCalibration | None = None, *, top: int = 10) -> None:
        self.model = model
        self.calibration = calibration or load_entailment_calibration()
        self.top = top

    def log_odds(self, sources: Sequence[str], statement: str) -> float:
        """``log P(yes) - log P(no)`` that the quotes state the statement."""
        return log_odds(self.model.first_token(messages(sources, statement), top=self.top))

    def rejects(self, sources: Sequence[str], statement: str) -> str:
        """Why the quotes do not state the statement ("" if they do)."""
        value = self.log_odds(sources, statement)
        threshold = self.calibration.threshold
        return "" if value >= threshold else f"its quote does not state it (entailment {value:.1f} < {threshold:.1f})"


def auto_entailment(llm: object, enabled: bool = True) -> LLMEntailment | None:
    """An ``LLMEntailment`` over ``llm`` when it reads log-probabilities and the check is ``enabled``, else None."""
    if llm is None or not enabled or not hasattr(llm, "first_token"):
        return None
    return LLMEntailment(llm)  # type: ignore[arg-type]
