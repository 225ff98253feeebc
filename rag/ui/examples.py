"""The chat's example questions: from the settings (``$RAG_EXAMPLES``) or drawn from the indexed articles."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence

from rag.answer.answerability import satisfies
from rag.answer.followup import find_names
from rag.lang.countries import country_name, find_countries
from rag.lang.text import fold, split_sentences
from rag.lang.tokens import STOPWORDS
from rag.types import Article

ENV = "RAG_EXAMPLES"  # example questions separated by "|": "What did X say?|Was sagte X?"
TEMPLATES = ("What do the articles say about {name}?", "Was berichten die Artikel über {name}?")
MAX_EXAMPLES = 6
_SENTENCES_PER_ARTICLE = 12  # the lead of each article: enough to find what it is about, cheap for 100 pages


def configured_examples(raw: str | None = None) -> list[str]:
    """The example questions set in ``$RAG_EXAMPLES`` (blank entries dropped)."""
    raw = os.environ.get(ENV, "") if raw is None else raw
    return [q.strip() for q in raw.split("|") if q.strip()][:MAX_EXAMPLES]


def _article_names(article: Article) -> set[str]:
    """The names in an article's title and lead, as written (see ``followup.find_names``)."""
    text = f"{article.title}\n{article.body}"
    spans = split_sentences(text)[:_SENTENCES_PER_ARTICLE]
    found: set[str] = set()
    for start, end in spans:
        found.update(m.text for m in find_names(text[start:end], sentence=True) if _topical(m.text))
    return found


def _topical(name: str) -> bool:
    """Not a function word, a date ("Montag", "Januar") or a fragment."""
    return len(name) > 2 and fold(name) not in STOPWORDS and not satisfies(name, "date")


def _in(name: str, language: str) -> str:
    """A country's name in the template's language ("Frankreich" → "France"), other names as written."""
    mentions = find_countries(name)
    if len(mentions) == 1 and mentions[0].text == name and len(mentions[0].codes) == 1:
        return country_name(next(iter(mentions[0].codes)), language) or name
    return name


def corpus_examples(articles: Sequence[Article], count: int = MAX_EXAMPLES) -> list[str]:
    """Questions about the names most articles mention, alternately in English and German.

    A name counts once per article; outlets' names and names of a single article with others to
    choose from are skipped, so the examples cover what the corpus is about.
    """
    outlets = {w.casefold() for a in articles if a.source for w in re.findall(r"\w+", a.source)}
    counts = Counter(n for a in articles for n in _article_names(a) if n.casefold() not in outlets)
    by_count = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # ties by name: the same in every process
    ranked = [n for n, c in by_count if c > 1] or [n for n, _ in by_count]
    seen: set[str] = set()
    ranked = [n for n in ranked if not (_in(n, "en") in seen or seen.add(_in(n, "en")))]  # Germany = Deutschland
    return [TEMPLATES[i % 2].format(name=_in(name, ("en", "de")[i % 2])) for i, name in enumerate(ranked[:count])]


def examples(articles: Sequence[Article]) -> list[str]:
    """The chat's examples: ``$RAG_EXAMPLES`` if set, else drawn from the articles."""
    return configured_examples() or corpus_examples(articles)
