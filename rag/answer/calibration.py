"""The judge's calibration: log-odds of the judged passages → the probability that the articles answer.

The weights are fitted on dev splits (``rag eval --calibrate``) and read from a data file that
carries its fit report; nothing here is set by hand.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError

DEFAULT_PATH = Path(__file__).resolve().parent / "judge_calibration.json"
# Measured on the dev splits and left out: the retrieval scores and the judge's answer to the question
# without any passage (its bias towards "yes" for that question) did not raise the AUC.
FEATURES = ("max_log_odds", "first_log_odds")


def features(log_odds: Sequence[float]) -> list[float]:
    """The fitted model's inputs from the judged passages' log-odds (best retrieved first)."""
    if not log_odds:
        raise ValueError("features need at least one judged passage")
    return [max(log_odds), log_odds[0]]


@dataclass(frozen=True)
class Calibration:
    """A logistic model over ``features()`` and the probability below which the assistant abstains."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    passages: int = 2  # how many of the best retrieved passages are judged
    report: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"a calibration needs {len(FEATURES)} weights ({', '.join(FEATURES)}), got {len(self.weights)}")
        if not 0.0 <= self.threshold <= 1.0 or self.passages < 1:
            raise ValueError(f"threshold must lie in [0, 1] and passages be >= 1: {self.threshold}, {self.passages}")

    def probability(self, log_odds: Sequence[float]) -> float:
        """The fitted probability that passages with these log-odds answer the question."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(log_odds)))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_dict(self) -> dict:
        """The JSON form written by ``rag eval --calibrate``."""
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "passages": self.passages, "report": self.report}


def load_calibration(path: Path | None = None) -> Calibration:
    """The calibration in ``path`` (default: the one fitted for the local model, shipped with the package)."""
    path = path or DEFAULT_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("features") != list(FEATURES):
            raise ValueError(f"features {data.get('features')} are not {list(FEATURES)}")
        return Calibration(tuple(float(w) for w in data["weights"]), float(data["bias"]), float(data["threshold"]),
                           int(data.get("passages", 2)), data.get("report", {}))
    except FileNotFoundError as exc:
        raise RagError(f"no judge calibration at {path}; run `rag eval --calibrate` or set RAG_JUDGE=off") from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RagError(f"the judge calibration {path} is damaged ({exc}); refit it with `rag eval --calibrate` "
                       "or set RAG_JUDGE=off") from exc
