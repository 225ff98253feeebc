"""Labelled (quote, statement) pairs for fitting and testing the entailment check, from parallel paragraphs.

A paragraph and its translation (XQuAD's German and English Wikipedia paragraphs) that split into
the same number of sentences of comparable length are aligned sentence by sentence. Entailed:
a sentence and its translation (``translation``), and the translation's first clause, a shortened
restatement like a written answer's (``clause``). Not entailed: another sentence of the same
paragraph, same topic and names but another fact (``neighbour``), and a statement spliced from the
start of one sentence and the end of another (``spliced``: right words, wrong relation).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rag.lang.text import split_sentences

KINDS = {"translation": True, "clause": True, "neighbour": False, "spliced": False}
MIN_WORDS = 6


@dataclass(frozen=True)
class Pair:
    """A quote, a statement, whether the quote states it, how the pair was made and where it came from."""

    source: str
    statement: str
    entailed: bool
    kind: str
    paragraph: str


def sentences(text: str) -> list[str]:
    """The paragraph's sentences."""
    return [text[a:b].strip() for a, b in split_sentences(text)]


def aligned(first: str, second: str, *, ratio: float = 2.0) -> list[tuple[str, str]]:
    """Sentence pairs of a paragraph and its translation, or [] when they do not split alike."""
    a, b = sentences(first), sentences(second)
    if len(a) != len(b) or len(a) < 2:
        return []
    pairs = list(zip(a, b))
    if any(max(len(x), len(y)) > ratio * max(1, min(len(x), len(y))) for x, y in pairs):
        return []
    return pairs


def first_clause(sentence: str) -> str:
    """The sentence up to its first comma, semicolon or dash when that leaves a statement of ``MIN_WORDS``."""
    head = re.split(r"[,;]\s", sentence, maxsplit=1)[0].rstrip(" .")
    if head == sentence.rstrip(" .") or len(head.split()) < MIN_WORDS:
        return ""
    return head + "."


def spliced(start: str, end: str) -> str:
    """The first half of one sentence's words, then the second half of another's."""
    a, b = start.split(), end.split()
    return " ".join(a[: len(a) // 2] + b[len(b) // 2:])


def paragraph_pairs(paragraph: str, quotes: str, statements: str, rng: random.Random) -> list[Pair]:
    """Every kind of pair for one paragraph: quotes in one language, statements in the other."""
    rows = aligned(quotes, statements)
    out: list[Pair] = []
    for i, (quote, statement) in enumerate(rows):
        if len(statement.split()) < MIN_WORDS:
            continue
        other = rows[rng.choice([j for j in range(len(rows)) if j != i])][1]
        out.append(Pair(quote, statement, True, "translation", paragraph))
        clause = first_clause(statement)
        if clause:
            out.append(Pair(quote, clause, True, "clause", paragraph))
        out.append(Pair(quote, other, False, "neighbour", paragraph))
        out.append(Pair(quote, spliced(statement, other), False, "spliced", paragraph))
    return out


def build_pairs(paragraphs: Iterable[tuple[str, str, str]], *, per_kind: int, seed: int = 2026) -> list[Pair]:
    """Up to ``per_kind`` pairs of each kind from ``(paragraph id, quote text, statement text)``, drawn at random."""
    rng = random.Random(seed)
    pool: dict[str, list[Pair]] = {kind: [] for kind in KINDS}
    for paragraph, quotes, statements in paragraphs:
        for pair in paragraph_pairs(paragraph, quotes, statements, rng):
            pool[pair.kind].append(pair)
    return [p for kind in KINDS for p in rng.sample(pool[kind], min(per_kind, len(pool[kind])))]


def threshold_for(scores: Sequence[tuple[float, bool]], budget: float) -> float:
    """The highest log-odds threshold that rejects at most ``budget`` of the entailed pairs."""
    positives = sorted(s for s, entailed in scores if entailed)
    if not positives:
        raise ValueError("a threshold needs entailed pairs")
    allowed = int(budget * len(positives))  # entailed pairs that may fall below the threshold
    return positives[allowed]


def youden_threshold(scores: Sequence[tuple[float, bool]]) -> float:
    """The log-odds threshold (a midpoint between two scores) that best separates labelled sentences:
    the most unsupported ones rejected minus the share of supported ones rejected (Youden's J; ties: the lowest)."""
    supported = [s for s, ok in scores if ok]
    unsupported = [s for s, ok in scores if not ok]
    if not supported or not unsupported:
        raise ValueError("a threshold needs supported and unsupported sentences")
    values = sorted({s for s, _ in scores})
    best, best_j = values[0], -1.0
    for low, high in zip(values, values[1:]):
        cut = (low + high) / 2
        j = sum(s < cut for s in unsupported) / len(unsupported) - sum(s < cut for s in supported) / len(supported)
        if j > best_j + 1e-12:
            best, best_j = cut, j
    return best
