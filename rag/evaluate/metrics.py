"""Pure evaluation metrics: relevance, ranking, answer correctness, citations, abstention.

Nothing here does I/O or touches a model; every function is deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from rag.types import Evidence

# Typographic variants mapped to their ASCII forms before comparing text.
_CHAR_MAP: dict[int, str] = {
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033"},
    **{ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2039\u203a\u2032\u00b4`"},
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
    **{ord(c): " " for c in "\u00a0\u2007\u2009\u202f\u200a"},
    **{ord(c): "" for c in "\u00ad\u200b\u200c\u200d\ufeff"},
}
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Case-fold, unify typographic quotes/dashes/spaces and collapse whitespace runs to one space."""
    return _WS.sub(" ", text.translate(_CHAR_MAP)).strip().casefold()


def is_relevant(passage_text: str, article_id: str, evidence: Iterable[Evidence]) -> bool:
    """True if some evidence span of the same article occurs in the passage (normalized comparison)."""
    passage = normalize_text(passage_text)
    return any(
        ev.article_id == article_id and normalize_text(ev.span) in passage for ev in evidence
    )


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")


def recall_at_k(relevance: Sequence[bool], k: int) -> float:
    """Success@k: 1.0 if any of the top-k ranked items is relevant, else 0.0 (empty ranking: 0.0).

    Several evidence spans usually state the same fact in different outlets, so "found at
    least one supporting passage" is the meaningful per-question recall; averaged over
    questions it is the share of questions with a relevant passage in the top k.
    """
    _check_k(k)
    return 1.0 if any(relevance[:k]) else 0.0


def reciprocal_rank(relevance: Sequence[bool]) -> float:
    """1 / (1-based rank of the first relevant item); 0.0 when no item is relevant."""
    for rank, rel in enumerate(relevance, start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevance: Sequence[bool], k: int) -> float:
    """Binary-gain nDCG@k; the ideal ranking puts all relevant items of the list first.

    The ideal DCG uses ``min(number of relevant items in the whole ranking, k)`` gains,
    so each position counts on its own (duplicate hits of one passage both count).
    Returns 0.0 when the ranking contains no relevant item (including an empty ranking).
    """
    _check_k(k)
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(relevance[:k]) if rel)
    n_ideal = min(sum(1 for rel in relevance if rel), k)
    if n_ideal == 0:
        return 0.0
    idcg = sum(1.0 / math.log2(i + 2) for i in range(n_ideal))
    return dcg / idcg


_THOUSANDS = re.compile(r"(?<=\d)[.,\u202f\u00a0 ](?=\d{3}(?!\d))")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def normalize_numbers(text: str) -> str:
    """One spelling for numbers in either convention: 100.000 = 100,000 = 100 000 → 100000; 1,5 → 1.5."""
    return _DECIMAL_COMMA.sub(".", _THOUSANDS.sub("", text))


def key_fact_match(answer_text: str, key_facts: Iterable[Iterable[str]]) -> bool:
    """True if every key-fact group has some alternative contained in the answer (normalized, numbers too).

    An empty list of key facts is vacuously matched (True); callers score unanswerable
    questions by abstention instead.
    """
    answer = normalize_numbers(normalize_text(answer_text))
    return all(
        any(normalize_numbers(normalize_text(alt)) in answer for alt in group) for group in key_facts
    )


def citation_precision(
    cited: Sequence[tuple[str, str]], evidence: Iterable[Evidence]
) -> float | None:
    """Share of cited ``(article_id, passage_text)`` pairs that are relevant; None if nothing cited."""
    if not cited:
        return None
    evidence = tuple(evidence)
    good = sum(1 for article_id, text in cited if is_relevant(text, article_id, evidence))
    return good / len(cited)


def citation_recall(cited: Sequence[tuple[str, str]], evidence: Iterable[Evidence]) -> float:
    """Share of evidence items whose span occurs in some citation of the same article.

    Raises ValueError when there is no evidence (unanswerable items): the ratio is undefined,
    so compute citation recall only for answerable questions.
    """
    evidence = tuple(evidence)
    if not evidence:
        raise ValueError("citation_recall is undefined without evidence (unanswerable item)")
    covered = sum(
        1 for ev in evidence if any(is_relevant(text, aid, (ev,)) for aid, text in cited)
    )
    return covered / len(evidence)


def abstention_scores(pairs: Sequence[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """Score abstention from ``(answerable, abstained)`` pairs.

    Abstaining on an unanswerable question is a true positive. Returned keys:
    ``precision`` (tp / abstentions; None if the system never abstained),
    ``recall`` (tp / unanswerable questions; None if there are none),
    ``f1`` (None if precision or recall is None; 0.0 if both are 0),
    ``false_abstention_rate`` (abstentions on answerable / answerable; None if none answerable),
    and the counts ``n``, ``n_answerable``, ``n_unanswerable``, ``n_abstained``.
    """
    tp = sum(1 for answerable, abstained in pairs if not answerable and abstained)
    fp = sum(1 for answerable, abstained in pairs if answerable and abstained)
    n_unanswerable = sum(1 for answerable, _ in pairs if not answerable)
    n_answerable = len(pairs) - n_unanswerable
    n_abstained = tp + fp
    precision = tp / n_abstained if n_abstained else None
    recall = tp / n_unanswerable if n_unanswerable else None
    f1: float | None
    if precision is None or recall is None:
        f1 = None
    elif precision + recall == 0:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_abstention_rate": fp / n_answerable if n_answerable else None,
        "n": len(pairs),
        "n_answerable": n_answerable,
        "n_unanswerable": n_unanswerable,
        "n_abstained": n_abstained,
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 <= q <= 100) with linear interpolation, like numpy's default."""
    if not values:
        raise ValueError("percentile of an empty sequence is undefined")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100, got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def mean(values: Iterable[float | None]) -> float | None:
    """Arithmetic mean ignoring None entries; None when no (non-None) value is given."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return sum(present) / len(present)


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Area under the ROC curve: the chance that a random positive scores above a random negative (ties: half)."""
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))
