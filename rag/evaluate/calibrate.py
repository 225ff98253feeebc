"""Fit the judge's calibration on dev splits: collect its log-odds per question, then a logistic model.

``collect`` asks the judge about the passages the assistant would read for each dev question
(after the answerability rules, exactly as ``ask`` does) and appends one JSON line per question to
a features file, resumable. ``--drop-gold`` also asks each question with its own article left out
of the passages: an unanswerable question whose topic the corpus shares. ``fit`` reads every
features file, fits ``P(answerable | features)`` with scikit-learn's logistic regression, picks the
highest threshold whose false abstentions stay within the budget on every corpus, and returns the
``Calibration`` with its fit report. Test splits are never read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.answer.calibration import FEATURES, Calibration, features
from rag.answer.judge import Judge
from rag.evaluate import metrics
from rag.types import GoldItem

FALSE_ABSTENTION_BUDGET = 0.05


def rule_variants(assistant: Any) -> dict[str, Any]:
    """The answerability check with each group of rules switched off (for the ablation with the judge on)."""
    from rag.answer.answerability import AnswerabilityCheck

    state, cfg = assistant._state, assistant.answer_config
    changes = {"no-names": {"check_entities": False}, "no-type": {"check_answer_type": False},
               "no-cutoff": {"abstain_below": 0.0},
               "none": {"check_entities": False, "check_answer_type": False, "abstain_below": 0.0}}
    return {name: AnswerabilityCheck(state.store, config=replace(cfg, **change), names=state.names)
            for name, change in changes.items()}


def collect(assistant: Any, judge: Judge, items: Iterable[GoldItem], out: Path, *, corpus: str, passages: int = 2,
            k: int = 5, drop_gold: bool = False, on_item: Callable[[dict], None] | None = None) -> int:
    """Judge the dev ``items``' passages and append their feature rows to ``out``; returns rows written.

    Each row also keeps what every rule variant (``rule_variants``) would have decided."""
    done = set()
    if out.exists():
        done = {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines() if line.strip()}
    state, written, variants = assistant._state, 0, rule_variants(assistant)
    with out.open("a", encoding="utf-8") as sink:
        for item in items:
            if item.split != "dev":
                raise ValueError(f"{item.id} is in split {item.split!r}: calibration reads dev questions only")
            row_id = f"{corpus}:{item.id}" + (":drop-gold" if drop_gold else "")
            if row_id in done:
                continue
            retrieval = state.retriever.retrieve(item.question, k=k + (3 if drop_gold else 0))
            hits, answerable = retrieval.hits, item.answerable
            if drop_gold:
                gold = {e.article_id for e in item.evidence}
                hits, answerable = tuple(h for h in hits if h.article_id not in gold), False
            retrieval = replace(retrieval, hits=hits[:k])
            ranked = state.scorer.score(retrieval)
            verdict = state.check.check(retrieval, ranked)
            judged = list(retrieval.hits[:passages])
            scores = judge.judge(retrieval.question, [h.text for h in judged]) if judged else []
            row = {"id": row_id, "corpus": corpus, "language": item.language, "answerable": answerable,
                   "rules_reason": verdict.reason,
                   "rules": {name: check.check(retrieval, ranked).reason for name, check in variants.items()},
                   "log_odds": scores,
                   "relevant": [answerable and metrics.is_relevant(h.text, h.article_id, item.evidence) for h in judged]}
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            sink.flush()
            written += 1
            if on_item:
                on_item(row)
    return written


def read_rows(paths: Sequence[Path]) -> list[dict]:
    """The feature rows of every file."""
    return [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def with_rules(rows: Sequence[dict], variant: str) -> list[dict]:
    """The rows as if the rules were ``variant`` ("all": the default rules)."""
    if variant == "all":
        return list(rows)
    return [{**r, "rules_reason": r["rules"][variant]} for r in rows]


def _abstains(row: dict, calibration: Calibration) -> bool:
    if row["rules_reason"] or not row["log_odds"]:
        return True
    return calibration.probability(row["log_odds"]) < calibration.threshold


def rates(rows: Sequence[dict], calibration: Calibration | None) -> dict[str, float | int | None]:
    """AbstR and FalseAbst over ``rows`` with the rules and (unless None) the judge."""
    pos = [r for r in rows if r["answerable"]]
    neg = [r for r in rows if not r["answerable"]]
    decide = (lambda r: bool(r["rules_reason"])) if calibration is None else (lambda r: _abstains(r, calibration))
    return {"n": len(rows), "answerable": len(pos),
            "abstention_recall": metrics.mean(float(decide(r)) for r in neg),
            "false_abstention_rate": metrics.mean(float(decide(r)) for r in pos)}


def fit(rows: Sequence[dict], *, passages: int = 2, budget: float = FALSE_ABSTENTION_BUDGET) -> Calibration:
    """The logistic calibration fitted on the rows the rules let through, its threshold and report."""
    from sklearn.linear_model import LogisticRegression

    seen = [r for r in rows if not r["rules_reason"] and r["log_odds"]]
    if len({r["answerable"] for r in seen}) < 2:
        raise ValueError("calibration needs answerable and unanswerable dev questions that pass the rules")
    x = [features(r["log_odds"][:passages]) for r in seen]
    y = [int(r["answerable"]) for r in seen]
    model = LogisticRegression(C=1.0, class_weight="balanced").fit(x, y)
    base = Calibration(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), 0.0, passages)
    corpora = sorted({r["corpus"] for r in rows})
    # a corpus whose rules alone refuse more answerable questions than the budget cannot bound the judge
    over = [c for c in corpora if (rates([r for r in rows if r["corpus"] == c], None)["false_abstention_rate"] or 0.0) > budget]
    bounding = [c for c in corpora if c not in over]
    threshold = 0.0
    for t in sorted({base.probability(r["log_odds"][:passages]) for r in seen}):
        trial = replace(base, threshold=t)
        if all((rates([r for r in rows if r["corpus"] == c], trial)["false_abstention_rate"] or 0.0) <= budget
               for c in bounding):
            threshold = t
    fitted = replace(base, threshold=threshold)
    report: dict[str, Any] = {"features": list(FEATURES), "false_abstention_budget": budget,
                              "threshold_bounded_by": bounding, "rules_alone_over_budget": over, "corpora": {}}
    for c in corpora:
        part = [r for r in rows if r["corpus"] == c]
        scored = [(r["answerable"], fitted.probability(r["log_odds"][:passages]) if not r["rules_reason"]
                   else 0.0) for r in part if r["log_odds"]]
        report["corpora"][c] = {"rules": rates(part, None), "rules+judge": rates(part, fitted),
                                "auc": metrics.auc([p for a, p in scored if a], [p for a, p in scored if not a])}
    return replace(fitted, report=report)


def write_calibration(calibration: Calibration, path: Path) -> None:
    """Write the calibration JSON atomically."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(calibration.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def ablation(rows: Sequence[dict], variants: Sequence[str] = ("all", "no-names", "no-type", "no-cutoff", "none"),
             *, passages: int = 2, budget: float = FALSE_ABSTENTION_BUDGET) -> dict[str, dict]:
    """Per rule variant, refitted with the judge on: each corpus's AbstR and FalseAbst on the dev rows."""
    out = {}
    for variant in variants:
        part = with_rules(rows, variant)
        fitted = fit(part, passages=passages, budget=budget)
        out[variant] = {c: fitted.report["corpora"][c]["rules+judge"] for c in fitted.report["corpora"]}
        out[variant]["threshold"] = fitted.threshold
    return out
