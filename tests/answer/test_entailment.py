"""The entailment check: its prompt, its calibration file, and its verdict from first-token log-probabilities."""

from __future__ import annotations

import json

import pytest

from rag.answer.entailment import (DEFAULT_PATH, EntailmentCalibration, LLMEntailment, auto_entailment,
                                   load_entailment_calibration, messages)
from rag.errors import RagError


class TopTokens:
    """A log-probability model whose first token is "yes" with the given log-odds over "no"."""

    name = "fake"

    def __init__(self, yes_minus_no: float) -> None:
        self.value, self.prompts = yes_minus_no, []

    def first_token(self, messages, *, top=10):
        self.prompts.append(messages)
        return [("yes", 0.0), ("no", -self.value), ("maybe", -20.0)]


def test_the_prompt_keeps_a_fixed_prefix_and_joins_the_quotes_on_one_line():
    prompt = messages(["Der Rat  stimmte\nzu.", "Am Dienstag."], " The council agreed. ")
    assert prompt[0] == messages(["x"], "y")[0]  # the cached prefix does not depend on the pair
    assert prompt[1]["content"] == ("Quote: Der Rat stimmte zu. Am Dienstag.\n\nStatement: The council agreed.\n\n"
                                    "Does the quote say what the statement says? yes or no?")


@pytest.mark.parametrize(("value", "rejected"), [(3.0, False), (1.0, False), (0.9, True), (-4.0, True)])
def test_a_statement_below_the_threshold_is_rejected_with_its_log_odds(value, rejected):
    check = LLMEntailment(TopTokens(value), EntailmentCalibration(1.0))
    reason = check.rejects(["Der Rat stimmte zu."], "The council agreed.")
    assert bool(reason) is rejected
    if rejected:
        assert reason == f"its quote does not state it (entailment {value:.1f} < 1.0)"


def test_the_shipped_calibration_loads_and_states_how_it_was_fitted():
    calibration = load_entailment_calibration()
    assert calibration == EntailmentCalibration(json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))["threshold"])
    assert calibration.report["fitted_on"] == "xquad dev paragraphs" and calibration.report["dev"]["auc"] > 0.9


def test_a_missing_or_damaged_calibration_names_the_fix(tmp_path):
    with pytest.raises(RagError, match="no entailment calibration .* RAG_ENTAIL=off"):
        load_entailment_calibration(tmp_path / "absent.json")
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"threshold": "high"}', encoding="utf-8")
    with pytest.raises(RagError, match="is damaged .* refit it"):
        load_entailment_calibration(damaged)


def test_auto_entailment_needs_a_log_probability_model_and_the_switch_on():
    assert auto_entailment(None) is None
    assert auto_entailment(object()) is None  # writes but reads no log-probabilities
    assert auto_entailment(TopTokens(1.0), enabled=False) is None
    assert isinstance(auto_entailment(TopTokens(1.0)), LLMEntailment)
