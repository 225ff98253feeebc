"""Resolve short follow-up questions ("And France?", "Und Dortmund?") against the conversation.

A follow-up that names something ("And X?", "Und X?", "What about X?", "Was ist mit X?") is the
earlier question with its subject replaced by X. The subject is found from the earlier question's
structure, with no list of known people or places: its names are runs of capitalised words after
the first word (German nouns from Wiktionary are no names), acronyms and country names (ISO 3166,
``rag.lang.countries``). Of these the one of X's kind (country, acronym, other name) is replaced,
else the first one. With the corpus's name inventory (``rag.lang.names``) a name the articles use
is preferred over one they don't. Follow-ups without a name ("And why?") are appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.lang.countries import find_countries
from rag.lang.names import NameInventory, is_acronym
from rag.lang.nouns import common_nouns
from rag.lang.text import detect_language, fold
from rag.lang.tokens import STOPWORDS

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
    "can", "could", "should", "shall", "may", "might", "must",
    "ist", "sind", "war", "waren", "hat", "haben", "hatte", "hatten", "wird", "werden", "wurde", "wurden",
    "kann", "können", "soll", "sollen", "wollen",
}
_ARTICLES = {"the", "der", "die", "das", "den", "dem", "des"}
_NOT_NAMES = {"thanks", "thank", "danke", "ok", "okay", "yes", "no", "ja", "nein", "hello", "hi", "hallo", "bye"}
_MAX_FRAGMENT_WORDS = 5
_CAPITALISED = re.compile(r"[A-ZÄÖÜ][\w.-]*(?:['’][\w]+)?")


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


@dataclass(frozen=True)
class Mention:
    """A name in a question: where it stands and its kind ("country", "acronym" or "name")."""

    start: int
    end: int
    text: str
    kind: str


def kind_of(name: str) -> str:
    """'country', 'acronym' or 'name' for a name as written ("Frankreich", "CDU", "Dortmund")."""
    if find_countries(name):
        return "country"
    bare = name.split()
    return "acronym" if len(bare) == 1 and is_acronym(bare[0]) else "name"


def find_names(question: str, *, sentence: bool = False) -> list[Mention]:
    """The names of a question, in order: capitalised runs after the first word that are no common German nouns.

    With ``sentence`` (an article's sentence, not a question) the first word counts too, unless it
    is a function word ("Die", "The").
    """
    nouns = common_nouns()
    found: list[Mention] = []
    run: list[tuple[re.Match[str], str]] = []

    def close() -> None:
        if run:
            start, end = run[0][0].start(), run[-1][0].start() + len(run[-1][1])
            text = question[start:end]
            found.append(Mention(start, end, text, kind_of(text)))
            run.clear()

    for i, match in enumerate(_CAPITALISED.finditer(question)):
        word = re.sub(r"['’]s?$", "", match.group()).rstrip(".")
        first = match.start() == 0 or not question[:match.start()].strip(" \"'„“«»(")
        first = first and not (sentence and fold(word) not in STOPWORDS)
        country = bool(find_countries(word))
        if first or (word in nouns and not country) or word.lower() in _QUESTION_WORDS:
            close()
            continue
        if run and question[run[-1][0].end():match.start()].strip():
            close()
        run.append((match, word))
        if match.group() != word or country:  # a possessive or a country ends the run
            close()
    close()
    return [m for m in found if m.text]


def _strip_article(name: str) -> str:
    head, _, rest = name.partition(" ")
    return rest if rest and head.lower() in _ARTICLES else name


def _subject(mentions: list[Mention], new: str, names: NameInventory | None) -> Mention:
    """The mention that ``new`` replaces: of the same kind if possible, in the articles if possible, first."""
    kind = kind_of(new)
    same = [m for m in mentions if m.kind == kind] or mentions
    if names is not None:
        same = [m for m in same if names.known(m.text)] or same
    return same[0]


def _replace_name(previous: str, fragment: str, names: NameInventory | None) -> str | None:
    """``previous`` with its subject replaced by ``fragment``; None if it has no name or already names it."""
    mentions = find_names(previous)
    new = fragment.strip()
    if not mentions or not new:
        return None
    old = _subject(mentions, _strip_article(new), names)
    if old.text.casefold() == _strip_article(new).casefold():
        return None
    before = previous[: old.start]
    if before.split()[-1:] and before.split()[-1].lower() in _ARTICLES:
        new = _strip_article(new)  # "did the CDU get" + "the Greens" → "did the Greens get"
    return before + new + previous[old.end:]


def _gloss(rewritten: str, fragment: str) -> str:
    """An English rewrite names a country in German too, for the keyword retriever over German text."""
    from rag.lang.countries import country_name

    mentions = find_countries(fragment)
    if detect_language(rewritten) != "en" or len(mentions) != 1 or len(mentions[0].codes) != 1:
        return rewritten
    german = country_name(next(iter(mentions[0].codes)), "de")
    if not german or german.casefold() in rewritten.casefold():
        return rewritten
    name = mentions[0].text
    at = rewritten.find(name)
    return rewritten if at < 0 else f"{rewritten[:at + len(name)]} ({german}){rewritten[at + len(name):]}"


def rewrite_followup(question: str, history: list[str], *, gloss: bool = True,
                     names: NameInventory | None = None) -> str:
    """Rewrite a short follow-up into a standalone question using the earlier questions (oldest first).

    "And Dortmund?" after "How much did Bayern pay for Kane?" becomes "How much did Dortmund pay
    for Kane?"; "Und die Grünen?" after "Wie viele Stimmen bekam die CDU?" becomes "Wie viele Stimmen
    bekam die Grünen?". ``names`` (the corpus's inventory) helps pick the subject. Follow-ups
    without a name ("And why?") are appended to the earlier question; standalone questions come
    back unchanged (whitespace-normalized).

    With ``gloss`` (the default) an English rewrite also names a country in German ("What did
    France (Frankreich) offer?"), because the keyword retriever only matches German words.
    """
    text = " ".join(question.split())
    previous = next((" ".join(h.split()) for h in reversed(history) if h.strip() and not is_followup(h)), None)
    kind = classify(text)
    if previous is None or kind == "standalone":
        return text
    if kind == "entity":
        fragment = _split_connector(_core(text))[1]
        previous = re.sub(r"\s*\([^()]*\)", "", previous)  # an earlier gloss: "France (Frankreich)"
        rewritten = _replace_name(previous, fragment, names)
        if rewritten is not None:
            return _gloss(rewritten, fragment) if gloss else rewritten
    return f"{previous} {text}"
