"""Extractive answers: quote the best candidate sentences, each fact with every outlet that reports it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from rag.answer.answerability import expected_type, satisfies
from rag.answer.base import AnswerConfig, attribution, frame
from rag.answer.evidence import ScoredSentence
from rag.retrieve.hybrid import Retrieval
from rag.types import Answer, Citation, Sentence


class ExtractiveAnswerer:
    """Quotes the best candidate sentences; the same fact from several outlets cites them all."""

    def __init__(self, *, config: AnswerConfig | None = None) -> None:
        self.config = config or AnswerConfig()

    def answer(self, retrieval: Retrieval, candidates: Sequence[ScoredSentence]) -> Answer:
        """Compose the answer text with ``[n]`` markers from the candidates (best first)."""
        cfg = self.config
        ranked = list(candidates)
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
        if "\n" in head.hit.text[head.sentence.end - head.hit.start:nxt.sentence.start - head.hit.start]:
            return None  # nor run on into the next paragraph, which is often another matter
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
            best = max(fitting, key=lambda c: float(c.vector @ vector))
            if all(p.row != best.row for p in picks):
                picks.append(best)
        if not picks:
            return
        others = [g for g in groups if not any(g[0].row == p.row or self._same_fact(g[0], p) for p in picks)]
        merged = ([[p] for p in picks] + others)[: max(self.config.max_sentences, len(picks))]
        groups[:] = sorted(merged, key=lambda g: (-g[0].score, g[0].rank, g[0].row))

    def _same_fact(self, a: ScoredSentence, b: ScoredSentence) -> bool:
        return float(a.vector @ b.vector) >= self.config.same_fact_cosine

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
        quote = hit.text[s.start - hit.start:end - hit.start] if tail else s.text  # the tail lies in the passage too
        return Citation(
            number=number, article_id=hit.article_id, title=hit.title, source=hit.source, date=hit.date,
            text=hit.text, quote=quote, quote_start=s.start, quote_end=end,
            passage_start=hit.start, passage_end=hit.end, score=round(cand.score, 4),
        )
