"""Extractive answers: pick the sentences that answer the question, cite them, or abstain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.answerability import EntityChecker, expected_type, satisfies
from rag.countries import mentioned_countries
from rag.lexical import LexicalTokenizer
from rag.nouns import common_nouns
from rag.quotes import build_units
from rag.retriever import Retrieval
from rag.store import Snapshot, all_vectors
from rag.types import Answer, Citation, Hit, Sentence


class Answerer(Protocol):
    """The pluggable answering step: retrieval in, ``Answer`` out (a generative model fits here)."""

    def answer(self, retrieval: Retrieval) -> Answer: ...


@dataclass(frozen=True)
class AnswerConfig:
    """Scoring weights and thresholds of the extractive answerer (tuned on the dev split)."""

    lexical_weight: float = 0.0
    rank_weight: float = 0.05
    entity_weight: float = 0.02
    typed_gap: float = 0.05  # how much worse the best "how many"/"when" sentence may be than the best one
    abstain_below: float = 0.82
    entity_cosine: float = 0.885
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


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate sentence, the passage it came from, and its score."""

    sentence: Sentence
    hit: Hit
    rank: int
    cosine: float
    overlap: float
    score: float
    row: int


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
    """'dpa (2026-01-08)' or a neutral phrase when the outlet is unknown."""
    who = hit.source or frame(language)["unknown"]
    return f"{who} ({hit.date})" if hit.date else who


class ExtractiveAnswerer:
    """Scores the sentences of the retrieved passages against the question and quotes the best."""

    def __init__(self, snapshot: Snapshot, *, config: AnswerConfig | None = None) -> None:
        self.snapshot = snapshot
        self.config = config or AnswerConfig()
        self.tokenize = LexicalTokenizer()
        self.entities = EntityChecker(
            snapshot.terms, all_vectors(snapshot.term_index), min_cosine=self.config.entity_cosine,
            countries=mentioned_countries([f"{a.title}\n{a.body}" for a in snapshot.articles.values()]),
            common_nouns=common_nouns(),
        )
        self.units = build_units(snapshot, self.tokenize)

    def candidates(self, retrieval: Retrieval) -> list[ScoredSentence]:
        """Every quotable sentence inside a retrieved passage, scored, best first."""
        cfg, units = self.config, self.units
        qtokens = set(self.tokenize(" ".join([retrieval.question, *retrieval.expansions])))
        qvec = retrieval.query_vector
        etokens = set(self.tokenize(" ".join([*retrieval.entities, *retrieval.expansions])))
        seen: dict[int, ScoredSentence] = {}
        for rank, hit in enumerate(retrieval.hits):
            for row in units.by_article.get(hit.article_id, []):
                s = units.units[row]
                if row in seen or not s.lies_in(hit):
                    continue
                cosine = float(units.vectors[row] @ qvec)
                overlap = len(qtokens & units.tokens[row]) / len(qtokens) if qtokens else 0.0
                coverage = len(etokens & units.tokens[row]) / len(etokens) if etokens else 0.0
                score = cosine + cfg.lexical_weight * overlap + cfg.rank_weight / (rank + 1)
                score += cfg.entity_weight * coverage
                seen[row] = ScoredSentence(s, hit, rank, cosine, overlap, score, row)
        return sorted(seen.values(), key=lambda c: (-c.score, c.rank, c.row))

    def answer(self, retrieval: Retrieval) -> Answer:
        """Compose the answer text with ``[n]`` markers, or abstain."""
        cfg = self.config
        lang = retrieval.language
        ranked = self.candidates(retrieval)
        reason = self._unanswerable(retrieval, ranked)
        if cfg.check_answer_type and not retrieval.parts:  # compound questions: checked per part
            wanted = expected_type(retrieval.question)
            typed = [c for c in ranked if satisfies(c.sentence.text, wanted)]
            if not typed and not reason:
                reason = f"no retrieved sentence contains the kind of answer asked for ({wanted})"
            elif typed and typed[0].score < ranked[0].score - cfg.typed_gap and not reason:
                reason = f"the sentences that best match the question give no {wanted}"
            ranked = typed
        if not reason and (not ranked or ranked[0].score < cfg.abstain_below):
            reason = self._why(ranked)
        if reason:
            return Answer(retrieval.question, frame(lang)["abstain"], abstained=True, language=lang,
                          hits=retrieval.hits, reason=reason)
        groups: list[list[ScoredSentence]] = []
        for cand in ranked:
            if cand.score < ranked[0].score - cfg.second_within and groups:
                break
            if any(self._same_fact(g[0], cand) for g in groups):
                continue  # another outlet's version of a chosen fact: cited by _add_other_outlets
            if len(groups) < cfg.max_sentences:
                groups.append([cand])
        if retrieval.parts:
            self._cover_parts(groups, ranked, retrieval.parts)
        self._add_other_outlets(groups, ranked)
        return self._compose(retrieval, groups, self._continuation(groups, ranked))

    def _continuation(self, groups: list[list[ScoredSentence]], ranked: list[ScoredSentence]) -> Sentence | None:
        """The sentence after the lead one, where it scores nearly as well: news text often puts the
        detail asked for (who said it, where, how it was judged) right after the sentence that
        restates the question."""
        if not self.config.continue_within or not groups:
            return None
        head = groups[0][0]
        heads = {g[0].row for g in groups}
        nxt = next((c for c in ranked if c.row == head.row + 1), None)
        if (nxt is None or nxt.row in heads or nxt.sentence.index != head.sentence.index + 1
                or not nxt.sentence.lies_in(head.hit)):
            return None  # the quote must stay inside the passage it cites
        return nxt.sentence if nxt.score >= head.score - self.config.continue_within else None

    def _cover_parts(
        self, groups: list[list[ScoredSentence]], ranked: list[ScoredSentence], parts: Iterable[tuple[str, np.ndarray]]
    ) -> None:
        """Make sure each sub-question of a compound question ("X, and when Y?") gets its best sentence."""
        picks: list[ScoredSentence] = []
        for text, vector in parts:
            wanted = expected_type(text) if self.config.check_answer_type else None
            fitting = [c for c in ranked if satisfies(c.sentence.text, wanted)]
            if not fitting:
                continue
            best = max(fitting, key=lambda c: float(self.units.vectors[c.row] @ vector))
            if all(p.row != best.row for p in picks):
                picks.append(best)
        if not picks:
            return
        others = [g for g in groups if not any(g[0].row == p.row or self._same_fact(g[0], p) for p in picks)]
        merged = ([[p] for p in picks] + others)[: max(self.config.max_sentences, len(picks))]
        groups[:] = sorted(merged, key=lambda g: (-g[0].score, g[0].rank, g[0].row))

    def _same_fact(self, a: ScoredSentence, b: ScoredSentence) -> bool:
        return float(self.units.vectors[a.row] @ self.units.vectors[b.row]) >= self.config.same_fact_cosine

    def _add_other_outlets(self, groups: list[list[ScoredSentence]], ranked: list[ScoredSentence]) -> None:
        """Let one fact cite every outlet that reports it (near-identical sentences elsewhere)."""
        for group in groups:
            for cand in ranked:
                if len(group) >= self.config.max_sources_per_fact:
                    break
                if all(c.hit.article_id != cand.hit.article_id for c in group) and self._same_fact(group[0], cand):
                    group.append(cand)

    def _compose(self, retrieval: Retrieval, groups: list[list[ScoredSentence]], tail: Sentence | None) -> Answer:
        words = frame(retrieval.language)
        citations: list[Citation] = []
        parts: list[str] = []
        for g, group in enumerate(groups):
            markers, first = [], len(citations)
            for i, cand in enumerate(group):
                citations.append(self._cite(len(citations) + 1, cand, tail if g == i == 0 else None))
                markers.append(f"[{len(citations)}]")
            who = f" {words['and']} ".join(dict.fromkeys(attribution(c.hit, retrieval.language) for c in group))
            lead = words["lead"] if g == 0 else f"{words['also']} {words['lead'].lower()}"
            parts.append(f"{lead} {who} {''.join(markers)}: {citations[first].quote}")
        return Answer(retrieval.question, "\n".join(parts), tuple(citations), abstained=False,
                      language=retrieval.language, hits=retrieval.hits)

    def _cite(self, number: int, cand: ScoredSentence, tail: Sentence | None = None) -> Citation:
        hit, s = cand.hit, cand.sentence
        end = tail.end if tail else s.end
        quote = self.snapshot.articles[hit.article_id].body[s.start:end] if tail else s.text
        return Citation(
            number=number, article_id=hit.article_id, title=hit.title, source=hit.source, date=hit.date,
            text=hit.text, quote=quote, quote_start=s.start, quote_end=end,
            passage_start=hit.start, passage_end=hit.end, score=round(cand.score, 4),
        )

    def _unanswerable(self, retrieval: Retrieval, ranked: list[ScoredSentence]) -> str:
        if self.config.check_entities:
            unknown = self.entities.unknown(retrieval.entities, question=retrieval.question,
                                           language=retrieval.language)
            if unknown:
                return "the articles never mention " + ", ".join(unknown)
        return ""

    @staticmethod
    def _why(ranked: list[ScoredSentence]) -> str:
        if not ranked:
            return "no passage was retrieved"
        return f"best sentence score {ranked[0].score:.3f} is below the abstention threshold"
