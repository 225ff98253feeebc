"""Pure text helpers: sentence spans, lexical tokens with spelling-variant folding, language guess."""

from __future__ import annotations

import re
import unicodedata

from rag.lang.calendar import AUSTRIAN_MONTHS, MONTH_ABBREVIATIONS

# Abbreviations after which a period does not end a sentence (German and English news usage).
_ABBREVIATIONS = frozenset(
    """
    dr prof bzw ca etc evtl ggf inkl usw vgl z b d h u a o.ä zb nr str st abs art bd jh jhd mio mrd
    tsd min max mr mrs ms jr sr gen col lt sgt gov sen rep hr fr frl dipl ing mag vs no approx
    """.split()
) | frozenset(MONTH_ABBREVIATIONS)  # "15. Jan. 2026"
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”“»«)\]]*(?=\s+)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'„“«»(\[]*[A-ZÄÖÜ0-9]")
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)

# Regional or transliteration variants → one canonical spelling (Austrian month names etc.).
_VARIANT_WORDS = dict(AUSTRIAN_MONTHS)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences in ``text`` (paragraph breaks always split)."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        base, chunk = para.start(), para.group()
        start = 0
        for m in _SENTENCE_END.finditer(chunk):
            end = m.end()
            if not _NEXT_STARTS_SENTENCE.match(chunk, end):
                continue
            if m.group().startswith(".") and _is_abbreviation_or_ordinal(chunk[:m.start()]):
                continue
            _append(spans, chunk, base, start, end)
            start = end
        _append(spans, chunk, base, start, len(chunk))
    return spans


def _append(spans: list[tuple[int, int]], chunk: str, base: int, start: int, end: int) -> None:
    piece = chunk[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((base + start + lead, base + start + lead + len(stripped)))


def _is_abbreviation_or_ordinal(before: str) -> bool:
    word = re.search(r"([\w.]+)$", before)
    if not word:
        return False
    token = word.group(1).lower()
    if token.isdigit():
        return len(token) <= 2  # "15. Dezember", "am 3. Jänner": ordinals, not sentence ends
    if len(token) == 1 and token.isalpha():
        return True  # initials: "Alexus G. Grynkewich"
    return token.rstrip(".") in _ABBREVIATIONS or "." in token


def fold(word: str) -> str:
    """Fold a word so that spelling variants meet: case, accents, umlauts, y/i, j-clusters."""
    w = word.lower().replace("ß", "ss")
    w = _VARIANT_WORDS.get(w, w)
    w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    w = w.replace("y", "i")
    w = re.sub(r"ij\b", "i", w)  # Slavic surnames: -skyj / -skij → -ski
    return w


_POSSESSIVE = re.compile(r"['’]s?$")


def without_possessive(word: str) -> str:
    """The word without an English possessive ending: "Poland's" → "Poland", "NASA’s" → "NASA"."""
    return _POSSESSIVE.sub("", word)


def words(text: str) -> list[str]:
    """The word tokens of a text, unchanged."""
    return _WORD.findall(text)


_EN_MARKERS = frozenset(
    "the a of and what who when where why how which did does do is are were will would "
    "to in on for with from about by has have had offer offered say said many much there their "
    "it its this that these those they he she his her be been than or not".split()
)
_DE_MARKERS = frozenset(
    "der die das des dem den ein eine einer eines und was wer wann wo warum wie welche welcher "
    "welches hat haben hatte ist sind war waren wird werden wurde wurden zu im in auf für mit von "
    "über bei nach soll sollen nicht auch sich es sie er ihr gibt gab viele wieviele an sagte "
    "bietet".split()
)


def detect_language(text: str) -> str:
    """Guess ``"de"`` or ``"en"``: by function words and umlauts when they differ by two, else by dictionaries.

    "was" and "an" are words in both languages; they count as German, so that short German
    questions ("Was sagte Müller?") are recognised. Umlauts count in the first word and the
    lower-case ones, not in names ("Börte"). Below that margin the lemmatizer's dictionaries decide
    (loading the German one takes 0.8 s, so only then), voted by the lower-case words and the first
    of several: German capitalizes its nouns, English its names ("Who is Merz?" is English, "In
    welchem Jahr starb Goethe?" German). English wins what is left of a tie.
    """
    tokens = words(text)
    lowered = [t.lower() for t in tokens]
    plain = [t for i, t in enumerate(tokens) if i == 0 or not t[:1].isupper()]
    de = sum(t in _DE_MARKERS for t in lowered) + 2 * len(re.findall(r"[äöüßÄÖÜ]", "".join(plain)))
    en = sum(t in _EN_MARKERS for t in lowered)
    voters = [t.lower() for t in plain if len(tokens) > 1 or not t[:1].isupper()]
    if abs(de - en) < 2 and voters:
        import simplemma

        shares = dict(simplemma.langdetect(" ".join(voters), lang=("de", "en")))
        german, english = shares.get("de", 0.0), shares.get("en", 0.0)
        if german != english:
            return "de" if german > english else "en"
    return "de" if de > en else "en"


def load_dictionaries() -> None:
    """Load the lemmatizer's German and English dictionaries now (about a second), not at the first question."""
    import simplemma

    simplemma.langdetect("die the", lang=("de", "en"))


_TERM = re.compile(r"\b[A-ZÄÖÜ][\w]*(?:-[\wÄÖÜäöü]+)*")


def terms(text: str) -> set[str]:
    """The vocabulary: words of 3+ letters, capitalized ones (names, nouns) with their hyphen parts, acronyms as written."""
    found: set[str] = {w for w in _WORD.findall(text) if len(w) > 2 and w.isalpha()}
    for match in _TERM.finditer(text):
        word = match.group().strip("-")
        found.add(word)
        found.update(part for part in word.split("-") if len(part) > 1 and part[0].isupper())
    return {t for t in found if len(t) > 1}
