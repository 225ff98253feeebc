"""Run the assistant over gold questions and summarize retrieval, answer and abstention quality."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.answer.claims import split_claims
from rag.evaluate import metrics
from rag.lang.identify import identify
from rag.types import GoldItem

RECALL_KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class ItemResult:
    """What happened on one gold question."""

    id: str
    language: str
    split: str
    answerable: bool
    tags: tuple[str, ...]
    relevance: tuple[bool, ...]
    abstained: bool
    key_fact_ok: bool
    citation_precision: float | None
    citation_recall: float | None
    seconds: float
    answer: str
    answerer: str = "extractive"
    answer_language: str | None = None  # of a generated answer
    sentences_shown: int = 0  # generated sentences shown
    sentences_dropped: int = 0  # generated sentences left out because their citation did not support them
    sentences_written: int = 0  # sentences the language model wrote, each checked, whatever became of them
    sentences_requoted: int = 0  # generated sentences shown with or as their quote because they lost a fact of it
    confidence: float | None = None  # the judge's probability that the articles answer (None: not judged)


def written_language(text: str) -> str:
    """The language a written answer is in: of its own words, leaving out the quotes it shows verbatim („…“),
    unless it is nothing but quotes."""
    own = re.sub(r"„.*?“(?=\s*\[\d+\])", " ", text)  # up to the quote's marker: quotes may quote („…„x“…“)
    return identify(own if re.search(r"[^\W\d_]{3}", re.sub(r"\[\d+\]", " ", own)) else text)


def evaluate_item(assistant: Any, item: GoldItem, *, k: int = 5, depth: int = 10, mode: str | None = None) -> ItemResult:
    """Ask one gold question; judge the ranking (to ``depth``) and the answer (from the best ``k``, in ``mode``),
    both from one retrieval (``Assistant.ask_and_search``)."""
    started = time.perf_counter()
    if mode is None:
        answer, hits = assistant.ask_and_search(item.question, k=k, depth=depth)
    else:
        answer, hits = assistant.ask_and_search(item.question, k=k, depth=depth, mode=mode)
    seconds = time.perf_counter() - started
    relevance = tuple(metrics.is_relevant(h.text, h.article_id, item.evidence) for h in hits)
    generated = getattr(answer, "answerer", "extractive") == "generative" and not answer.abstained
    cited = [(c.article_id, c.text) for c in answer.citations]
    answered = item.answerable and not answer.abstained
    return ItemResult(
        id=item.id, language=item.language, split=item.split, answerable=item.answerable, tags=item.tags,
        relevance=relevance, abstained=answer.abstained,
        key_fact_ok=answered and metrics.key_fact_match(answer.text, item.key_facts),
        citation_precision=metrics.citation_precision(cited, item.evidence) if answered else None,
        citation_recall=metrics.citation_recall(cited, item.evidence) if answered else None,
        seconds=seconds, answer=answer.text, answerer=getattr(answer, "answerer", "extractive"),
        answer_language=written_language(answer.text) if generated else None,
        sentences_shown=len(split_claims(answer.text)) if generated else 0,
        sentences_dropped=len(getattr(answer, "dropped", ())), sentences_written=getattr(answer, "written", 0),
        sentences_requoted=len(getattr(answer, "requoted", ())), confidence=getattr(answer, "confidence", None),
    )


def evaluate(
    assistant: Any,
    items: Sequence[GoldItem],
    *,
    k: int = 5,
    mode: str | None = None,
    on_item: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Evaluate every item in order; ``on_item`` is called after each (for progress bars)."""
    results = []
    for item in items:
        result = evaluate_item(assistant, item, k=k, mode=mode)
        results.append(result)
        if on_item:
            on_item(result)
    return results


def summarize(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Aggregate metrics over a set of item results (see ``rag eval --help`` for definitions)."""
    answerable = [r for r in results if r.answerable]
    out: dict[str, Any] = {"n": len(results), "n_answerable": len(answerable)}
    for k in RECALL_KS:
        out[f"recall@{k}"] = metrics.mean(metrics.recall_at_k(r.relevance, k) for r in answerable)
    out["mrr"] = metrics.mean(metrics.reciprocal_rank(r.relevance) for r in answerable)
    out["ndcg@10"] = metrics.mean(metrics.ndcg_at_k(r.relevance, 10) for r in answerable)
    out["key_fact_accuracy"] = metrics.mean(float(r.key_fact_ok) for r in answerable)
    out["citation_precision"] = metrics.mean(r.citation_precision for r in answerable)
    out["citation_recall"] = metrics.mean(r.citation_recall for r in answerable)
    abst = metrics.abstention_scores([(r.answerable, r.abstained) for r in results])
    out["abstention_precision"] = abst["precision"]
    out["abstention_recall"] = abst["recall"]
    out["false_abstention_rate"] = abst["false_abstention_rate"]
    judged = [r for r in results if r.confidence is not None]
    # the judge's AUC, answerable vs not; a question the rules refused before the judge counts as 0
    out["judge_auc"] = metrics.auc([r.confidence or 0.0 for r in results if r.answerable],
                                   [r.confidence or 0.0 for r in results if not r.answerable]) if judged else None
    generated = [r for r in results if r.answer_language is not None]
    answered = [r for r in results if not r.abstained]
    out["generated_share"] = metrics.mean(float(r.answer_language is not None) for r in answered) if generated else None
    out["language_match"] = metrics.mean(float(r.answer_language == r.language) for r in generated)
    written = sum(r.sentences_written for r in results)  # also those of answers that fell back to the quotes
    out["unsupported_rate"] = sum(r.sentences_dropped for r in results) / written if written else None
    out["requoted_rate"] = sum(r.sentences_requoted for r in results) / written if written else None
    seconds = [r.seconds for r in results]
    out["latency_p50_ms"] = 1000 * metrics.percentile(seconds, 50) if seconds else None
    out["latency_p95_ms"] = 1000 * metrics.percentile(seconds, 95) if seconds else None
    return out


def breakdown(results: Sequence[ItemResult]) -> dict[str, dict[str, Any]]:
    """Summaries overall and per language."""
    table = {"all": summarize(results)}
    for language in sorted({r.language for r in results}):
        table[language] = summarize([r for r in results if r.language == language])
    return table


def failures(results: Sequence[ItemResult]) -> list[dict[str, Any]]:
    """The items that went wrong, for the report: missed retrieval, wrong answer, bad abstention."""
    rows = []
    for r in results:
        problems = []
        if r.answerable and not any(r.relevance[:5]):
            problems.append("no relevant passage in top 5")
        if r.answerable and r.abstained:
            problems.append("abstained on an answerable question")
        elif r.answerable and not r.key_fact_ok:
            problems.append("key fact missing from the answer")
        if not r.answerable and not r.abstained:
            problems.append("answered an unanswerable question")
        if problems:
            rows.append({**asdict(r), "problems": problems})
    return rows
