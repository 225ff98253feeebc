"""Markers of a written answer: renumbered 1..n in order of first use, each fact citing all its outlets."""

from __future__ import annotations

import re
from dataclasses import replace

from rag.answer.claims import Claim
from rag.types import Answer, Citation


_MARKER_RUN = re.compile(r"\[\d+\](?:,?\s*\[\d+\])*")


def fact_markers(quoted: Answer) -> dict[int, list[int]]:
    """Each quoted fact's citation numbers (its line's first run of markers, in the frame), keyed by the first."""
    facts: dict[int, list[int]] = {}
    for line in quoted.text.splitlines():
        run = _MARKER_RUN.search(line)
        numbers = [n for n in map(int, re.findall(r"\d+", run.group())) if 1 <= n <= len(quoted.citations)] if run else []
        if numbers:
            facts[numbers[0]] = numbers
    return facts


def group_heads(quoted: Answer) -> list[Citation]:
    """The first citation of each quoted fact (other outlets' versions of it are added to its markers later)."""
    return [quoted.citations[head - 1] for head in fact_markers(quoted)] or list(quoted.citations[:1])


class Numbering:
    """Renumbers markers 1..n in order of first use as sentences arrive; each fact cites all its outlets."""

    def __init__(self, quoted: Answer) -> None:
        self.quoted = quoted
        self.groups = fact_markers(quoted)
        self.order: list[int] = []
        self.quoted_once: set[int] = set()

    def render(self, claim: Claim) -> str:
        """The sentence with its markers, renumbered, before its final punctuation."""
        cited = [n for m in sourced(claim, self.quoted) for n in self.groups.get(m, [m])]
        for number in cited:
            if number not in self.order:
                self.order.append(number)
        markers = "".join(f"[{self.order.index(n) + 1}]" for n in dict.fromkeys(cited))
        body, end = closing(strip_markers(claim.text))
        return f"{body.rstrip()} {markers}{end or '.'}"

    def as_quote(self, claim: Claim) -> str:
        """The quotes the sentence cites, verbatim with their markers (each quote shown once; "" if all were)."""
        heads = [m for m in sourced(claim, self.quoted) if m not in self.quoted_once]
        self.quoted_once.update(heads)
        lines = []
        for head in heads:
            body, end = closing(self.quoted.citations[head - 1].quote.strip())
            lines.append(self.render(Claim(f"„{nested(body.strip())}“{end or '.'}", (head,))))
        return " ".join(lines)

    def unrestated(self) -> list[str]:
        """The quote of each fact of the quoted answer that no shown sentence cites, in the quoted answer's order."""
        return [self.as_quote(Claim("", (head,))) for head in self.groups if head not in self.order]

    def answer(self, lines: list[str], name: str, dropped: tuple[str, ...], text_note: str) -> Answer:
        """The final answer over the rendered sentences."""
        citations = tuple(replace(self.quoted.citations[old - 1], number=new)
                          for new, old in enumerate(self.order, start=1))
        return Answer(self.quoted.question, " ".join(lines), citations, language=self.quoted.language,
                      hits=self.quoted.hits, answerer=name, note=text_note, dropped=dropped)


def sourced(claim: Claim, quoted: Answer) -> list[int]:
    """The claim's markers that name a source of the quoted answer, in order (a marker with none is left out)."""
    return [m for m in claim.markers if 1 <= m <= len(quoted.citations)]


def closing(text: str) -> tuple[str, str]:
    """A sentence split into its body and its closing punctuation ("" if it has none)."""
    return re.match(r"(.*?)([.!?…]*)$", text, re.DOTALL).groups()  # type: ignore[union-attr, return-value]


_INNER = str.maketrans({"„": "‚", "“": "‘", "”": "’", "«": "‹", "»": "›"})


def nested(text: str) -> str:
    """A quote's own quotation marks made single, as inside „…“: „‚Wir helfen‘, sagte sie“."""
    text = text.translate(_INNER)
    return re.sub(r'"([^"]*)"', "‚\\1‘", text)


def strip_markers(text: str) -> str:
    """A sentence without its markers."""
    return re.sub(r"\s*(?:\[\d+\]\s*)+", " ", text).strip()
