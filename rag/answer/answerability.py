"""Can the corpus answer this question at all? Unknown names and missing answer types say no."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.base import AnswerConfig
from rag.answer.evidence import ScoredSentence
from rag.lang.calendar import MONTHS, NUMBER_WORDS, QUANTITY_WORDS, SCALES, WEEKDAYS, alternation
from rag.lang.countries import capitals_and_demonyms, find_countries, mentioned_countries
from rag.lang.names import NameInventory, build_inventory, is_acronym, is_ordinary_english, spelled_out
from rag.lang.nouns import common_nouns, is_compound_noun, is_nominalised_verb, noun_tables
from rag.lang.text import fold
from rag.retrieve.hybrid import Retrieval
from rag.store.base import Store

_QUANTITY = re.compile(
    r"\b(how (many|much)|what (number|percentage|share|amount)|wie ?viele?|wieviele?|"
    r"welche (zahl|anzahl|summe)|wie (groß|hoch|stark) (ist|war|sind|waren|soll|sollen)\b)",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(when|what date|which date|what day|which day|in which year|in what year|"
    r"wann|an welchem (tag|datum)|welches datum|in welchem jahr|seit wann|bis wann)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = alternation(NUMBER_WORDS.keys() | SCALES.keys() | QUANTITY_WORDS)
_NUMBER = re.compile(rf"\d|\b({_NUMBER_WORDS})\b|\b\w*(tausend|hundert)(e|en)?\b", re.IGNORECASE)
_MONTHS = alternation(MONTHS)
_WEEKDAYS = alternation(WEEKDAYS)
_DATE_EXPR = re.compile(
    rf"\b({_MONTHS}|{_WEEKDAYS}|(19|20)\d\d|gestern|heute|neujahr\w*|silvester|jahresende)\b|\b("
    r"\d{1,2}\.\s?\d{1,2}\.(?!\d))",
    re.IGNORECASE,
)
# Calendar numbers are no answer to "how many": "6. Januar", "15.12.2025", "von 1994", "Dezember 2025".
_CALENDAR = re.compile(
    rf"\b\d{{1,2}}\.\s?(?:{_MONTHS})\b|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{2,4}})?|"
    rf"\b(?:von|vom|seit|bis|im|in|ab|jahr|jahres|of|since|until|by|from|year|ende|anfang|mitte|{_MONTHS})\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)


_WH = (r"(?:what|which|who|whom|whose|how|when|where|why|was|wer|wen|wem|wessen|wie|wieviele?|wann|wo|woher|"
       r"wohin|womit|wofür|worüber|wozu|worum|wodurch|wovon|woran|worauf|warum|weshalb|wieso|welche[rsmn]?)")
# The question's leading question words, coordinated ones included ("When and how many …?").
_LEAD = re.compile(rf"^.*?\b{_WH}\b(?:\s*(?:,|and|und|or|oder)\s*{_WH}\b)*", re.IGNORECASE | re.DOTALL)


def expected_type(question: str) -> str | None:
    """``"quantity"`` or ``"date"`` when the question asks for one, else None.

    Only the leading question words decide: in "Which action did the mayor mention when …?" the
    "when" joins two clauses and asks for no date.
    """
    lead = _LEAD.match(question)
    end = lead.end() if lead else len(question)
    for kind, pattern in (("quantity", _QUANTITY), ("date", _DATE)):
        found = pattern.search(question)
        if found and found.start() < end:
            return kind
    return None


def satisfies(sentence: str, expected: str | None) -> bool:
    """Whether a sentence can answer a question of the expected type."""
    if expected == "quantity":
        return bool(_NUMBER.search(_CALENDAR.sub(" ", sentence)))
    if expected == "date":
        return bool(_DATE_EXPR.search(sentence))
    return True


def _dated(word: str, question: str) -> bool:
    """A noun that qualifies a month or year ("Mitte Dezember", "Ende 2025"): a date, not a name."""
    return bool(re.search(rf"\b{re.escape(word)}\s+(?:{_MONTHS}|(?:19|20)\d\d)\b", question, re.IGNORECASE))


def _other_word(a: str, b: str) -> bool:
    """One word is the other plus three or more letters: another name on the same stem (Olympiakos, Olimpia)."""
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) >= 3 and long.startswith(short)


_ADJECTIVE = re.compile(r"[a-z](?:ern|ian|ish|ese|ean|an|ic)$")  # English adjectives: Western, Russian, Nordic


class EntityChecker:
    """Knows the corpus's names; tells which question entities it never mentions.

    ``names`` (see ``rag.lang.names``) decides by spelling, acronym, sound and typo. A name the
    inventory lacks may still be a translation ("Moscow" of "Moskau"): it counts when one of the
    corpus's names has an e5 cosine of at least ``min_cosine`` with it and either is its nearest
    neighbour by a margin (cosine at least ``min_gap`` above the mean of the next nine: a rule
    relative to the name's own score distribution; Moscow ~ Moskau 0.064, Munich ~ München 0.073,
    Bavaria ~ Bayern 0.049, but Aiwanger ~ agieren 0.014, Amnesty ~ Emanzipation 0.026) or keeps at
    least ``min_translation_ratio`` of its spelling (RapidFuzz ratio: Protestant ~ protestantisch),
    since e5 puts any two club, city or person names close together (Leverkusen ~ Wolfsburg
    0.888); never when one is the other plus three or more letters (Olympiakos ~ Olimpia 0.939:
    another name on the same stem). Weekday and month names are never unknown names.
    ``countries`` (ISO codes the corpus names, see ``rag.lang.countries``) turns on the check by
    name for countries, whose embeddings are too close to one another to tell them apart.
    ``common_nouns`` (see ``rag.lang.nouns``) are never unknown in a German question: a German noun the
    articles do not use ("Vorrang") is a choice of words, not a name they never mention. English
    capitalizes only names, so there "Cup" in "World Cup" stays a name. ``noun_tables`` (see
    ``rag.lang.nouns.noun_tables``) mark German nouns that are names too ("Mitte") and compounds of
    nouns the dictionary lacks ("Nordatlantikpakt"): in German questions their e5 neighbours count
    whatever the spelling, since they are words of the language rather than names; so do, in
    English questions, capitalised ordinary English words ("New" of "New Year", "White" of "White
    House", by the lemmatizer's English dictionary).
    ``terms`` are the corpus words with a vector (not acronyms).
    """

    def __init__(self, terms: Sequence[str], vectors: np.ndarray, *, names: NameInventory, min_cosine: float = 0.885,
                 min_translation_ratio: float = 0.6, min_gap: float = 0.03, countries: frozenset[str] | None = None,
                 common_nouns: frozenset[str] = frozenset(),
                 noun_tables: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())) -> None:
        if not 0 < min_cosine <= 1 or not 0 <= min_translation_ratio <= 1 or min_gap < 0:
            raise ValueError("min_cosine must be in (0, 1], min_translation_ratio in [0, 1] and min_gap >= 0")
        # A name's neighbours are names and nouns; acronyms match by spelling alone (their
        # embeddings are noisy neighbours of any name).
        self._acronyms = np.asarray([is_acronym(t) for t in terms], dtype=bool)
        rows = [i for i, t in enumerate(terms) if t[:1].isupper() and not self._acronyms[i]]
        self.vectors = vectors[rows] if len(vectors) else vectors
        self._neighbours = [fold(terms[i]) for i in rows]
        # An ordinary word's neighbour may be any word: an English corpus writes its nouns in lower case.
        self._words = vectors  # not copied: the vocabulary of a large corpus is large
        self.min_cosine, self.min_translation_ratio, self.min_gap = min_cosine, min_translation_ratio, min_gap
        self.names = names
        self._lower = sorted(w for w in names.words if w not in names.names)
        self.countries = countries
        self.common_nouns = common_nouns
        self.noun_forms, self.dictionary = noun_tables

    def _ordinary(self, word: str, language: str) -> bool:
        """A word of the question's language rather than a name: matched by meaning alone."""
        return self.noun_like(word) if language == "de" else is_ordinary_english(word)

    def noun_like(self, word: str) -> bool:
        """A German noun that may also be a name ("Mitte"), a compound or an infinitive ("Einlenken") the dictionary lacks."""
        return word in self.noun_forms or (word not in self.dictionary and (
            is_compound_noun(word, self.noun_forms) or is_nominalised_verb(word)))

    def known(self, entity: str, vector: np.ndarray | None, *, strict: bool = True) -> bool:
        """True if the corpus mentions the entity: by name (spelling, acronym, sound, typo) or a translation.

        Not ``strict``: any e5 neighbour counts, whatever its spelling or case (for German nouns, whose
        neighbours are synonyms: "Nordatlantikpakt" ~ "Nato", or in an English corpus lower-case
        translations: "Werbekampagne" ~ "campaign").
        """
        if self.names.known(entity):
            return True
        if self.countries is not None and capitals_and_demonyms().get(fold(entity), frozenset()) & self.countries:
            return True  # "Washington" for the US government, "Russian" for Russia, when the corpus names the country
        if _ADJECTIVE.search(entity) and any(w.startswith(fold(entity)[:max(4, len(entity) // 2)])
                                             for w in self._lower):
            return True  # an English adjective of a German one: "Western" ~ "westlichen"
        if vector is None or is_acronym(entity):
            return False
        if not strict:
            return bool(len(self._words)) and bool(np.any((self._words @ vector >= self.min_cosine) & ~self._acronyms))
        if not len(self.vectors):
            return False
        from rapidfuzz import fuzz

        scores = self.vectors @ vector
        order = np.argsort(-scores)[:10]
        close = [int(i) for i in order if scores[i] >= self.min_cosine]
        if not close:
            return False
        gap = float(scores[order[0]] - scores[order[1:]].mean()) if len(order) > 1 else 1.0
        folded = fold(entity)
        return any(not _other_word(folded, self._neighbours[i]) and (
            (i == order[0] and gap >= self.min_gap)
            or fuzz.ratio(folded, self._neighbours[i]) >= 100 * self.min_translation_ratio) for i in close)

    def unknown(self, entities: Mapping[str, np.ndarray | None], *, question: str = "",
                language: str = "en") -> list[str]:
        """The entities (and countries named in the question) that the corpus never mentions."""
        nouns = self.common_nouns if language == "de" else frozenset()
        missing: list[str] = []
        decided: set[str] = set()
        if self.countries is not None:
            for mention in find_countries(question):
                folded = {fold(w) for w in mention.text.split()}  # the name's words, as find_countries joined them
                if not folded <= self.names.words and not mention.codes & self.countries:
                    missing.append(mention.text)
                decided |= folded
        decided |= {fold(e) for e in entities if (e in self.noun_forms and _dated(e, question)) or satisfies(e, "date")}
        return missing + [e for e, v in entities.items() if fold(e) not in decided and e not in nouns
                          and not self.known(e, v, strict=not self._ordinary(e, language))]


@dataclass(frozen=True)
class Verdict:
    """Whether the articles answer: ``reason`` says why not ("" if they do); ``candidates`` may be quoted."""

    reason: str
    candidates: tuple[ScoredSentence, ...]


class AnswerabilityCheck:
    """The step before any answerer: unknown names, a missing answer type, or no close sentence mean "not in the articles"."""

    def __init__(self, store: Store, *, config: AnswerConfig | None = None, names: NameInventory | None = None) -> None:
        self.config = config or AnswerConfig()
        texts = [f"{a.title}\n{a.body}" for a in store.articles.values()]
        self.entities = EntityChecker(
            store.terms, store.vectors("terms"), names=names or build_inventory(texts),
            min_cosine=self.config.entity_cosine, min_translation_ratio=self.config.entity_translation_ratio,
            min_gap=self.config.entity_gap,
            countries=mentioned_countries(texts), common_nouns=common_nouns(), noun_tables=noun_tables(),
        )

    def check(self, retrieval: Retrieval, ranked: Sequence[ScoredSentence]) -> Verdict:
        """The verdict on a retrieval whose candidate sentences are ``ranked`` best first."""
        cfg = self.config
        reason = ""
        if cfg.check_entities:
            unknown = self.entities.unknown(retrieval.entities, question=retrieval.question, language=retrieval.language)
            passages = "\n".join(h.text for h in retrieval.hits)
            unknown = [u for u in unknown if not (is_acronym(u) and spelled_out(u, passages))]
            if unknown:
                reason = "the articles never mention " + ", ".join(unknown)
        usable = list(ranked)
        if cfg.check_answer_type and not retrieval.parts:  # compound questions: checked per part by the answerer
            wanted = expected_type(retrieval.question)
            typed = [c for c in ranked if satisfies(c.sentence.text, wanted)]
            if not typed and not reason:
                reason = f"no retrieved sentence contains the kind of answer asked for ({wanted})"
            elif typed and typed[0].score < ranked[0].score - cfg.typed_gap and not reason:
                reason = f"the sentences that best match the question give no {wanted}"
            usable = typed
        if not reason and not usable:
            reason = "no passage was retrieved"
        elif not reason and usable[0].score < cfg.abstain_below:
            reason = f"best sentence score {usable[0].score:.3f} is below the abstention threshold"
        return Verdict(reason, tuple(usable))
