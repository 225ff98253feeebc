"""Resolve short follow-up questions ("And France?", "Und Großbritannien?") against the conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.lang.text import detect_language


@dataclass(frozen=True)
class Entity:
    """A country, organisation or person with its English and German surface forms."""

    key: str
    category: str  # "country" | "org" | "person"
    en: str
    de: str
    en_aliases: tuple[str, ...] = ()
    de_aliases: tuple[str, ...] = ()
    en_adj: str = ""
    de_adj: str = ""  # stem; German endings (-e, -en, -er, -es, -em) are kept from the previous question
    en_people: str = ""
    de_people: str = ""


def _country(key: str, en: str, de: str, en_adj: str, de_adj: str, en_people: str, de_people: str,
             en_aliases: tuple[str, ...] = (), de_aliases: tuple[str, ...] = ()) -> Entity:
    return Entity(key, "country", en, de, en_aliases, de_aliases, en_adj, de_adj, en_people, de_people)


def _person(key: str, en: str, de: str, *aliases: str) -> Entity:
    return Entity(key, "person", en, de, aliases, aliases)


ENTITIES: tuple[Entity, ...] = (
    _country("DE", "Germany", "Deutschland", "German", "deutsch", "the Germans", "die Deutschen"),
    _country("FR", "France", "Frankreich", "French", "französisch", "the French", "die Franzosen"),
    _country("GB", "Britain", "Großbritannien", "British", "britisch", "the British", "die Briten",
             ("Great Britain", "the United Kingdom", "United Kingdom", "the UK", "UK"),
             ("Grossbritannien", "das Vereinigte Königreich", "Vereinigte Königreich", "Vereinigten Königreich")),
    _country("US", "the US", "die USA", "American", "amerikanisch", "the Americans", "die Amerikaner",
             ("the United States", "United States", "the USA", "USA", "US", "America"),
             ("USA", "die Vereinigten Staaten", "Vereinigten Staaten", "Vereinigte Staaten", "Amerika")),
    _country("UA", "Ukraine", "die Ukraine", "Ukrainian", "ukrainisch", "the Ukrainians", "die Ukrainer",
             ("the Ukraine", "Kyiv", "Kiev"), ("Ukraine", "Kiew")),
    _country("RU", "Russia", "Russland", "Russian", "russisch", "the Russians", "die Russen", ("Moscow",), ("Moskau",)),
    _country("IT", "Italy", "Italien", "Italian", "italienisch", "the Italians", "die Italiener"),
    _country("PL", "Poland", "Polen", "Polish", "polnisch", "the Poles", "die Polen"),
    _country("CA", "Canada", "Kanada", "Canadian", "kanadisch", "the Canadians", "die Kanadier"),
    _country("TR", "Turkey", "die Türkei", "Turkish", "türkisch", "the Turks", "die Türken", ("Türkiye",), ("Türkei",)),
    _country("NL", "the Netherlands", "die Niederlande", "Dutch", "niederländisch", "the Dutch", "die Niederländer",
             ("Netherlands", "Holland"), ("Niederlande",)),
    Entity("EU", "org", "the EU", "die EU", ("EU", "the European Union", "European Union"),
           ("EU", "die Europäische Union", "Europäische Union", "Europäischen Union")),
    Entity("NATO", "org", "NATO", "die NATO", ("Nato",), ("NATO", "Nato")),
    _person("MERZ", "Merz", "Merz", "Friedrich Merz"),
    _person("MACRON", "Macron", "Macron", "Emmanuel Macron"),
    _person("STARMER", "Starmer", "Starmer", "Keir Starmer"),
    _person("SELENSKYJ", "Zelensky", "Selenskyj", "Zelenskyy", "Zelenskiy", "Selenskyj", "Selenskij",
            "Volodymyr Zelensky", "Wolodymyr Selenskyj"),
    _person("TRUMP", "Trump", "Trump", "Donald Trump"),
    _person("WITKOFF", "Witkoff", "Witkoff", "Steve Witkoff"),
    _person("KUSHNER", "Kushner", "Kushner", "Jared Kushner"),
    _person("RUBIO", "Rubio", "Rubio", "Marco Rubio"),
    _person("UMEROV", "Umerov", "Umjerow", "Rustem Umerov", "Umjerow", "Rustem Umjerow"),
    _person("PUTIN", "Putin", "Putin", "Vladimir Putin", "Wladimir Putin"),
)

# Leading words that mark a follow-up; longest first so "and what about" wins over "and".
_CONNECTORS = sorted(
    [
        "and what about", "what about", "and how about", "how about", "and for", "and in", "and", "also",
        "same for", "same question for", "und was ist mit", "was ist mit", "und wie ist es mit",
        "wie ist es mit", "und wie steht es mit", "und bei", "und für", "und", "auch", "ebenso",
        "dasselbe für", "und was mit",
    ],
    key=len,
    reverse=True,
)
_QUESTION_WORDS = {
    "who", "what", "when", "where", "why", "how", "which", "whom", "whose",
    "wer", "was", "wann", "wo", "warum", "wieso", "weshalb", "wie", "welche", "welcher", "welches", "wem", "wen",
}
_VERBS = {
    "is", "are", "was", "were", "be", "been", "did", "does", "do", "has", "have", "had", "will", "would",
    "can", "could", "should", "shall", "may", "might", "must", "say", "said", "offer", "offered", "want", "wants",
    "ist", "sind", "war", "waren", "hat", "haben", "hatte", "hatten", "wird", "werden", "wurde", "wurden",
    "kann", "können", "soll", "sollen", "wollen", "sagt", "sagte", "bietet", "bot", "gibt",
}
_ARTICLES = {"the", "der", "die", "das", "den", "dem", "des"}
_NOT_NAMES = {"thanks", "thank", "danke", "ok", "okay", "yes", "no", "ja", "nein", "hello", "hi", "hallo", "bye"}
_MAX_FRAGMENT_WORDS = 5


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’.-]+", text)


def _core(question: str) -> str:
    return " ".join(question.split()).rstrip("?!.…").rstrip(" -–—").strip()


def _split_connector(question: str) -> tuple[str, str]:
    """Split ``question`` into (connector, rest); connector is '' when there is none."""
    lowered = question.lower()
    for connector in _CONNECTORS:
        if lowered == connector or lowered.startswith((connector + " ", connector + ",")):
            return connector, question[len(connector):].lstrip(" ,")
    return "", question


def classify(question: str) -> str:
    """'entity' ("And France?"), 'append' ("And why?") or 'standalone' (a question of its own)."""
    connector, fragment = _split_connector(_core(question))
    tokens = [w.lower() for w in _words(fragment)]
    if not tokens or len(tokens) > (_MAX_FRAGMENT_WORDS if connector else 3):
        return "standalone"
    if any(t in _QUESTION_WORDS or t in _VERBS for t in tokens):
        return "append" if connector and len(tokens) <= 2 else "standalone"
    if not connector and (tokens[0] in _NOT_NAMES or not any(w[:1].isupper() for w in _words(fragment))):
        return "standalone"
    return "entity"


def is_followup(question: str) -> bool:
    """True if the question is a short follow-up that only makes sense after an earlier question."""
    return classify(question) != "standalone"


def _strip_article(name: str) -> str:
    head, _, rest = name.partition(" ")
    return rest if rest and head.lower() in _ARTICLES else name


def _alias_table() -> list[tuple[str, Entity, str, str]]:
    """(surface form, entity, language, kind) rows, longest surface form first."""
    rows: list[tuple[str, Entity, str, str]] = []
    for e in ENTITIES:
        rows += [(f, e, "en", "noun") for f in (e.en, *e.en_aliases)]
        rows += [(f, e, "de", "noun") for f in (e.de, *e.de_aliases)]
        rows += [(f, e, lang, kind) for f, lang, kind in (
            (e.en_people, "en", "people"), (e.de_people, "de", "people"),
            (_strip_article(e.en_people), "en", "people"), (_strip_article(e.de_people), "de", "people"),
            (e.en_adj, "en", "adj"), (e.de_adj, "de", "adj"),
        ) if f]
    return sorted(rows, key=lambda row: len(row[0]), reverse=True)


def _pattern(surface: str, kind: str) -> re.Pattern[str]:
    """Whole-word pattern; German adjective stems also match their inflected forms."""
    body = re.escape(surface)
    if kind == "adj" and surface[:1].islower():
        return re.compile(rf"(?<!\w){body}(?:e|en|er|es|em)?(?!\w)", re.IGNORECASE)
    bare_people = kind == "people" and " " not in surface  # "Deutschen" (people) vs "deutschen" (adjective)
    flags = 0 if bare_people or (surface.isupper() and len(surface) <= 4) else re.IGNORECASE
    return re.compile(rf"(?<!\w){body}(?!\w)", flags)


_ALIASES = [(surface, entity, lang, kind, _pattern(surface, kind)) for surface, entity, lang, kind in _alias_table()]


@dataclass(frozen=True)
class Mention:
    """Where a known entity is named in a text, and in which language and form."""

    entity: Entity
    language: str
    kind: str  # "noun" | "adj" | "people"
    start: int
    end: int
    text: str


def find_mentions(text: str) -> list[Mention]:
    """Non-overlapping mentions of known countries, organisations and people, in text order."""
    found: list[Mention] = []
    for _, entity, lang, kind, pattern in _ALIASES:  # longest surface forms first
        for m in pattern.finditer(text):
            if not any(m.start() < f.end and f.start < m.end() for f in found):
                found.append(Mention(entity, lang, kind, m.start(), m.end(), m.group()))
    return sorted(found, key=lambda f: f.start)


def lookup(fragment: str) -> Entity | None:
    """The known entity a follow-up fragment names ("France", "the British", "die USA"), if any."""
    text = " ".join(fragment.split())
    for _, entity, _, _, pattern in _ALIASES:
        if pattern.fullmatch(text):
            return entity
    bare = " ".join(w for w in text.split() if w.lower() not in _ARTICLES)
    return lookup(bare) if bare and bare != text else None


def _form(entity: Entity, old: Mention) -> str:
    """The surface form of ``entity`` that fits where ``old`` stood (language, noun/adjective/people)."""
    de = old.language == "de"
    if old.kind == "adj" and (entity.de_adj if de else entity.en_adj):
        if not de:
            return entity.en_adj
        new = entity.de_adj + old.text[len(old.entity.de_adj):]
        return new[:1].upper() + new[1:] if old.text[:1].isupper() else new
    if old.kind == "people" and entity.en_people:
        new = entity.de_people if de else entity.en_people
    else:
        new = entity.de if de else entity.en
    head, _, rest = new.partition(" ")
    if rest and head.lower() in _ARTICLES and old.text.split(" ", 1)[0].lower() not in _ARTICLES:
        return new if head == "the" else rest  # "Germany" → "the US"; "Deutschland" → "USA"
    return new


def _replace_entity(previous: str, fragment: str, *, gloss: bool) -> str | None:
    """``previous`` with its main entity replaced by ``fragment``; None if no entity is found."""
    mentions = find_mentions(previous)
    if not mentions:
        return _replace_capitalized(previous, fragment)
    new = lookup(fragment)
    same = [m for m in mentions if new is not None and m.entity.category == new.category]
    old = (same or mentions)[0]
    if new is not None and old.entity.key == new.key:
        return None
    replacement = _form(new, old) if new is not None else fragment
    before = previous[: old.start]
    if before.lower().endswith(("the ", "die ", "der ")) and replacement.lower().startswith(("the ", "die ")):
        replacement = replacement.split(" ", 1)[1]
    if gloss and new is not None and old.language == "en" and old.kind != "adj":
        german = _strip_article(new.de)
        if german.lower() not in replacement.lower():
            replacement += f" ({german})"
    end = old.end
    glossed = re.match(r"\s*\(([^()]*)\)", previous[end:])  # drop an earlier gloss: "France (Frankreich)"
    if glossed and lookup(glossed.group(1)) == old.entity:
        end += glossed.end()
    return before + replacement + previous[end:]



def _replace_capitalized(previous: str, fragment: str) -> str | None:
    """For unknown names: replace the only capitalized name (not the first word) of an English question."""
    if detect_language(previous) != "en":
        return None
    spans = [m for m in re.finditer(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*", previous) if m.start() > 0]
    if len(spans) != 1:
        return None
    return previous[: spans[0].start()] + fragment + previous[spans[0].end():]


def rewrite_followup(question: str, history: list[str], *, gloss: bool = True) -> str:
    """Rewrite a short follow-up into a standalone question using the earlier questions (oldest first).

    "And France?" after "What did Germany offer?" becomes "What did France offer?"; "Und Großbritannien?"
    after "Was hat Deutschland angeboten?" becomes "Was hat Großbritannien angeboten?". A known country
    or person is put in the earlier question's language ("And France?" after a German question →
    "Frankreich"). Other follow-ups ("And why?", unknown names in German questions) are appended to the
    earlier question. Standalone questions come back unchanged (whitespace-normalized).

    With ``gloss`` (the default) an English rewrite also names the entity in German, because the
    articles are German and the keyword retriever only matches German words: "And France?" →
    "What did France (Frankreich) offer?", which retrieves France's offer where the plain English
    question does not.
    """
    text = " ".join(question.split())
    previous = next((" ".join(h.split()) for h in reversed(history) if h.strip() and not is_followup(h)), None)
    kind = classify(text)
    if previous is None or kind == "standalone":
        return text
    if kind == "entity":
        rewritten = _replace_entity(previous, _split_connector(_core(text))[1], gloss=gloss)
        if rewritten is not None:
            return rewritten
    return f"{previous} {text}"
