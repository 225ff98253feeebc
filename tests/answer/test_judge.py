"""The judge: log-odds from first-token log-probabilities, calibration, and the answering stage around it."""

from __future__ import annotations

import json
import math

import pytest

from conftest import make_store
from rag.answer.base import AnswerConfig
from rag.answer.calibration import Calibration, features, load_calibration
from rag.answer.judge import FLOOR, LLMJudge, log_odds, messages, rule
from rag.answer.stage import AnswerStage
from rag.answer.answerability import AnswerabilityCheck
from rag.answer.evidence import SentenceScorer
from rag.answer.extractive import ExtractiveAnswerer
from rag.errors import RagError
from rag.types import Answer

from test_extractive import ARTICLE_A, ARTICLE_B, EMB, HIT_A_PARA1, HIT_B, retrieval

CAL = Calibration((1.0, 0.0), 0.0, 0.5, passages=2)  # probability = sigmoid(best log-odds)


class FakeJudge:
    """Log-odds by a passage's first word."""

    name = "fake"

    def __init__(self, scores: dict[str, float], fail: Exception | None = None) -> None:
        self.scores, self.fail, self.calls = scores, fail, []

    def judge(self, question, evidence):
        if self.fail:
            raise self.fail
        self.calls.append(list(evidence))
        return [self.scores.get(t.split()[0], -5.0) for t in evidence]


@pytest.mark.parametrize("top, expected", [
    ([("yes", math.log(0.8)), ("no", math.log(0.2))], math.log(4)),
    ([(" Yes", math.log(0.3)), ("YES", math.log(0.3)), ("No", math.log(0.4))], math.log(1.5)),
    ([("no", math.log(0.9)), ("maybe", math.log(0.1))], math.log(0.1 / 2) - math.log(0.9)),  # yes bounded by the floor
    ([("The", -0.1), ("A", -3.0)], -FLOOR),  # off script: not answering
    ([("yes", 0.0), ("no", -40.0)], FLOOR),  # clipped
])
def test_log_odds_reads_yes_against_no(top, expected):
    assert log_odds(top) == pytest.approx(expected)


def test_prompt_has_a_stable_prefix_and_squeezes_whitespace():
    a, b = messages("Wer?", "Ein   Text\n\nhier"), messages("Wann?", "Anderes")
    assert a[0] == b[0] and a[0]["role"] == "system"
    assert "Ein Text hier" in a[1]["content"] and a[1]["content"].index("Ein Text") < a[1]["content"].index("Wer?")


def test_llm_judge_asks_one_token_per_passage():
    class Model:
        name = "m"
        asked = []

        def first_token(self, msgs, *, top=10):
            self.asked.append(msgs)
            return [("yes", math.log(0.75)), ("no", math.log(0.25))]

    judge = LLMJudge(Model())
    assert judge.name == "llm:m"
    assert judge.judge("Q?", ["a", "b"]) == [pytest.approx(math.log(3))] * 2
    assert len(Model.asked) == 2


def test_calibration_is_a_logistic_model_over_the_features():
    cal = Calibration((2.0, -1.0), -1.0, 0.4)
    assert features([0.5, 2.0]) == [2.0, 0.5]
    z = -1.0 + 2.0 * 2.0 - 1.0 * 0.5
    assert cal.probability([0.5, 2.0]) == pytest.approx(1 / (1 + math.exp(-z)))
    assert cal.probability([1e9]) == pytest.approx(1.0)  # no overflow
    with pytest.raises(ValueError):
        features([])


@pytest.mark.parametrize("kwargs", [{"weights": (1.0,)}, {"threshold": 1.5}, {"passages": 0}])
def test_calibration_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        Calibration(**{"weights": (1.0, 0.0), "bias": 0.0, "threshold": 0.5, **kwargs})


def test_shipped_calibration_loads_and_round_trips(tmp_path):
    cal = load_calibration()
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cal.to_dict()), encoding="utf-8")
    assert load_calibration(path) == cal
    assert cal.report, "the fit report travels with the weights"


@pytest.mark.parametrize("text", ["{", '{"features": ["x"], "weights": [1], "bias": 0, "threshold": 0.5}', "[]"])
def test_damaged_or_missing_calibration_names_the_fix(tmp_path, text):
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RagError, match="rag eval --calibrate"):
        load_calibration(path)
    with pytest.raises(RagError, match="RAG_JUDGE=off"):
        load_calibration(tmp_path / "missing.json")


def test_rule_orders_the_judged_passages_and_keeps_the_rest():
    judge = FakeJudge({"Deutschland": -2.0, "Frankreich": 3.0})
    ruling = rule(judge, CAL, "Q?", [HIT_A_PARA1, HIT_B])
    assert [h.article_id for h in ruling.hits] == ["b", "a"]
    assert ruling.answering == (HIT_B,) and not ruling.abstain
    assert ruling.confidence == pytest.approx(1 / (1 + math.exp(-3.0)))
    assert judge.calls == [[HIT_A_PARA1.text, HIT_B.text]]
    only_first = rule(FakeJudge({"Frankreich": 3.0}), Calibration((1.0, 0.0), 0.0, 0.5, passages=1),
                      "Q?", [HIT_A_PARA1, HIT_B])
    assert only_first.abstain and only_first.hits == (HIT_A_PARA1, HIT_B)  # B was not judged
    assert rule(judge, CAL, "Q?", []).abstain


@pytest.fixture(scope="module")
def hand():
    return make_store([ARTICLE_A, ARTICLE_B], EMB)


def stage(store, judge, **config):
    cfg = AnswerConfig(**{"check_entities": False, "abstain_below": 0.0, **config})
    return AnswerStage(SentenceScorer(store, config=cfg), AnswerabilityCheck(store, config=cfg),
                       ExtractiveAnswerer(config=cfg), judge=judge, calibration=CAL if judge else None)


def final(s: AnswerStage, r) -> Answer:
    return [e for e in s.stream(r) if isinstance(e, Answer)][-1]


def test_judge_abstains_below_the_threshold_with_its_confidence(hand):
    r = retrieval("Was bietet Deutschland an?", (HIT_A_PARA1, HIT_B))
    answer = final(stage(hand, FakeJudge({"Deutschland": -1.0, "Frankreich": -3.0})), r)
    assert answer.abstained and answer.confidence == pytest.approx(1 / (1 + math.exp(1.0)))
    assert "judge" in answer.reason and answer.hits == r.hits


def test_judge_picks_the_evidence_it_accepts(hand):
    r = retrieval("Was bietet Deutschland an?", (HIT_A_PARA1, HIT_B))
    without = final(stage(hand, None), r)
    assert not without.abstained and without.citations[0].article_id == "a" and without.confidence is None
    judged = final(stage(hand, FakeJudge({"Deutschland": -4.0, "Frankreich": 2.0})), r)
    assert not judged.abstained and {c.article_id for c in judged.citations} == {"b"}
    assert judged.confidence == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_rules_refuse_before_the_judge_is_asked(hand):
    judge = FakeJudge({"Deutschland": 5.0})
    answer = final(stage(hand, judge, abstain_below=1.01), retrieval("Was bietet Deutschland an?", (HIT_A_PARA1,)))
    assert answer.abstained and judge.calls == [] and answer.confidence is None


@pytest.mark.parametrize("language, word", [("de", "Prüfung"), ("en", "check")])
def test_a_failing_judge_leaves_the_rules_answer_with_a_note(hand, language, word):
    judge = FakeJudge({}, fail=ConnectionError("refused"))
    answer = final(stage(hand, judge), retrieval("Was bietet Deutschland an?", (HIT_A_PARA1,), language=language))
    assert not answer.abstained and word in answer.note and "refused" in answer.note and answer.confidence is None


def test_a_judge_needs_a_calibration(hand):
    cfg = AnswerConfig()
    with pytest.raises(ValueError):
        AnswerStage(SentenceScorer(hand, config=cfg), AnswerabilityCheck(hand, config=cfg),
                    ExtractiveAnswerer(config=cfg), judge=FakeJudge({}))
