"""Test-split floors: the suite (and so CI) fails when a figure of the default configuration drops below what was measured.

Seeds: the whole test split of ``eval/gold.jsonl`` over the seeds index (the session's assistant).
Fundus: a full index of the 99 pages takes 15–35 min to build on a busy 2-core machine, too slow
for CI, so the test split of ``eval/gold_fundus.jsonl`` is asked over an index of only the 36
pages its questions are about (no distractor pages from the dev split or the 27 pages without
questions). These figures are therefore easier than over the full index and are floors for that
setting only; the README gives the full-index figures. Floors are the figures measured on
2026-12-01 (rounded down; false abstention rounded up); a change that moves one on purpose must
measure again and say so.

With the judge (``RAG_JUDGE=on``: the local language model through the real llama.cpp server,
calibrated on the dev splits): the seeds test split and the adversarial test questions about the
seeds, measured on 2026-12-05; each floor allows one question more to go wrong than measured, as
llama.cpp's log-probabilities move slightly with its thread count. The judged fundus figures
(README) take ~9 min to measure and are left to ``rag eval --judge on``.
In CI (``RAG_CI=1``, set by .ci/run) a missing ../shared fails the fundus floors instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.evaluate.gold import default_gold_path, load_gold
from rag.evaluate.runner import evaluate, summarize
from rag.models.llm import gguf_path, is_provisioned
from rag.types import GoldItem

ROOT = Path(__file__).resolve().parents[2]
FUNDUS = ROOT.parent / "shared" / "corpora" / "fundus-news"
FUNDUS_GOLD = ROOT / "eval" / "gold_fundus.jsonl"
ADVERSARIAL = ROOT / "eval" / "adversarial.jsonl"

# metric → (floor, "min" | "max"): "min" fails below the floor, "max" above it
SEEDS_FLOORS = {"recall@5": (0.916, "min"), "key_fact_accuracy": (0.733, "min"),
                "abstention_recall": (0.714, "min"), "false_abstention_rate": (0.017, "max")}
FUNDUS_FLOORS = {"recall@5": (0.902, "min"), "key_fact_accuracy": (0.646, "min"),
                 "abstention_recall": (0.235, "min"), "false_abstention_rate": (0.086, "max")}

# with the judge: measured 42/60 key facts, 11/14 refusals, 3/60 false refusals; 7/22 adversarial refused
SEEDS_JUDGED_FLOORS = {"key_fact_accuracy": (0.683, "min"), "abstention_recall": (0.714, "min"),
                       "false_abstention_rate": (0.067, "max")}
ADVERSARIAL_JUDGED_FLOORS = {"abstention_recall": (0.272, "min")}


def below(summary: dict[str, float], floors: dict[str, tuple[float, str]]) -> list[str]:
    """The figures that cross their floor, each with the measured value."""
    return [f"{name} {summary[name]:.3f} {'<' if kind == 'min' else '>'} {floor}"
            for name, (floor, kind) in floors.items()
            if (summary[name] < floor if kind == "min" else summary[name] > floor)]


def test_below_names_each_figure_that_crosses_its_floor() -> None:
    floors = {"recall@5": (0.9, "min"), "false_abstention_rate": (0.05, "max")}
    assert below({"recall@5": 0.95, "false_abstention_rate": 0.0}, floors) == []
    assert below({"recall@5": 0.85, "false_abstention_rate": 0.1}, floors) == [
        "recall@5 0.850 < 0.9", "false_abstention_rate 0.100 > 0.05"]


@pytest.mark.slow
def test_seeds_test_split_stays_above_its_floors(assistant) -> None:
    items = [item for item in load_gold(default_gold_path()) if item.split == "test"]
    summary = summarize(evaluate(assistant, items))
    assert summary["n"] == 74
    assert not below(summary, SEEDS_FLOORS), below(summary, SEEDS_FLOORS)


def pages_of_split(gold: list[GoldItem], split: str) -> set[str]:
    """The ids of the pages the questions of a split are about (evidence, or the ``article:`` tag of unanswerable ones)."""
    found: set[str] = set()
    for item in gold:
        if item.split == split:
            found.update(e.article_id for e in item.evidence)
            found.update(t.removeprefix("article:") for t in item.tags if t.startswith("article:"))
    return found


def page_corpus(pages: set[str], target: Path) -> Path:
    """A folder of links to the fundus pages with these ids (the pages stay in ../shared)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(FUNDUS.glob("*/*.html.gz")):
        if path.name.removesuffix(".html.gz") in pages:
            os.symlink(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def fundus_test_assistant() -> Iterator[object]:
    if not FUNDUS.is_dir():
        message = f"{FUNDUS} is absent: the fundus pages live in ../shared beside the repository"
        if os.environ.get("RAG_CI"):
            pytest.fail(message + " (CI must measure the fundus floors: .ci/run sets RAG_CI=1)")
        pytest.skip(message)
    from rag import Assistant

    gold = load_gold(FUNDUS_GOLD)
    work = Path(tempfile.mkdtemp(prefix="rag-fundus-test-"))
    try:
        corpus = page_corpus(pages_of_split(gold, "test"), work / "pages")
        yield Assistant.load(work / "index", seeds=corpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)




@pytest.mark.slow
def test_fundus_test_split_over_its_pages_stays_above_its_floors(fundus_test_assistant) -> None:
    gold = load_gold(FUNDUS_GOLD)
    assert len(pages_of_split(gold, "test")) == 36 and len(fundus_test_assistant.articles) == 36
    items = [item for item in gold if item.split == "test"]
    summary = summarize(evaluate(fundus_test_assistant, items))
    assert summary["n"] == 99
    assert not below(summary, FUNDUS_FLOORS), below(summary, FUNDUS_FLOORS)


@pytest.fixture(scope="module")
def judge_url(tmp_path_factory) -> Iterator[str]:
    """The local language model's server for the judged floors (stopped after the module)."""
    if not is_provisioned():
        pytest.fail("the local language model is not provisioned: run `rag llm provision` (.ci/install does)")
    from rag.models.llm_server import LocalLLMServer

    with LocalLLMServer(gguf_path(), log_path=tmp_path_factory.mktemp("llm") / "server.log") as server:
        yield server.base_url


def judged(assistant, url: str):
    """The same assistant (its loaded store and models shared) with the local model as its judge (quoted answers)."""
    from rag.answer.judge import LLMJudge
    from rag.models.chat import OpenAIChat

    made = assistant.configured(judge=LLMJudge(OpenAIChat(url, timeout=300)))
    assert made.judge is not None and made.calibration is not None
    return made


@pytest.mark.slow
def test_seeds_test_split_with_the_judge_stays_above_its_floors(assistant, judge_url) -> None:
    items = [item for item in load_gold(default_gold_path()) if item.split == "test"]
    summary = summarize(evaluate(judged(assistant, judge_url), items, mode="extract"))
    assert not below(summary, SEEDS_JUDGED_FLOORS), below(summary, SEEDS_JUDGED_FLOORS)


@pytest.mark.slow
def test_adversarial_seed_questions_are_refused_with_the_judge(assistant, judge_url) -> None:
    items = [i for i in load_gold(ADVERSARIAL) if i.split == "test" and "corpus:seeds" in i.tags]
    assert len(items) == 22 and not any(i.answerable for i in items)
    summary = summarize(evaluate(judged(assistant, judge_url), items, mode="extract"))
    assert not below(summary, ADVERSARIAL_JUDGED_FLOORS), below(summary, ADVERSARIAL_JUDGED_FLOORS)
