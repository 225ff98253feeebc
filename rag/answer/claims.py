"""Is a generated sentence supported by the passages it cites? Numbers, dates and names must occur there.

Pure functions: the answer writer splits a generated answer into sentences with their ``[n]``
markers and drops every sentence that cites nothing, cites a number the passages do not give
(100.000 = 100,000 = 100 000; 1,5 Milliarden = 1.5 billion), a month or weekday they do not
name (in either language), or a name they never mention (by spelling, transliteration or, for
countries, ISO code). The embedding check (close to a sentence of the cited passage) needs a
model and lives with the answerer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.lang.calendar import MONTHS, NUMBER_WORDS, SCALES, WEEKDAYS
from rag.lang.countries import find_countries
from rag.lang.text import fold, split_sentences, words

def transliterate(word: str) -> str:
    """A rough German/English transliteration key: Tschechow ~ Chekhov, Wolodymyr ~ Volodymyr."""
    w = fold(word)
    for a, b in (("tsch", "ch"), ("sch", "sh"), ("w", "v"), ("z", "s"), ("c", "k"), ("j", "i"), ("ie", "i")):
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


_MARKERS = re.compile(r"\s*((?:\[\d+\]\s*)+)")
_SENTENCE = re.compile(r"(?<=[.!?…])(?:\s*(?:\[\d+\]\s*)+)?\s+(?=[\"„“«A-ZÄÖÜ0-9])|(?<=\])\s+(?=[\"„“«A-ZÄÖÜ])")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,\u202f\u00a0 ]\d{3})+|\d+)(?:([.,])(\d+))?(?![\w])")
# verbs of saying, in the past and present forms news text reports words with
_SAYS = (r"(?:sagte|sagten|sagt|erklärte|erklärten|betonte|betonten|meinte|meinten|warnte|warnten|kündigte|"
         r"bezeichnete|forderte|said|says|stated|explained|added|noted|stressed|told|claimed|argued|warned|"
         r"announced|called)")
_PRONOUNS = frozenset("er sie es man wir ich du ihr he she they we it i you".split())
# a sentence opened by a pronoun and a verb of saying ("Er sagte, …", "He said …") reports someone's words
_PRONOUN_SAYS = re.compile(rf"^(?:{'|'.join(sorted(_PRONOUNS))})\s+(?:\w+\s+)?{_SAYS}\b", re.IGNORECASE)
# a sentence that opens with its speaker ("Merz betonte, …"): that first word is a name, though sentences start capitalized
_SPEAKER = re.compile(rf"([A-ZÄÖÜ][\w'’-]+)\s+{_SAYS}\b")
# what shows that a quote reports words: quotation marks, a verb or preposition of saying, German reported speech
_REPORTED = re.compile(
    r"[„“”\"«»]|\b(?:sag\w*|gesagt|erklär\w*|betont\w*|meint\w*|warnt\w*|kündigt\w*|angekündigt|sprach|spricht|"
    r"äußert\w*|geäußert|bezeichnet\w*|laut|zufolge|so|said|says|say|stated|explained|added|noted|stressed|told|"
    r"claimed|argued|warned|announced|according|sei|seien|habe|werde|könne|müsse|solle|wolle)\b", re.IGNORECASE)
_NOT_NAMES = frozenset("i the a an and but in on at of for to by this that these those it its there".split())


@dataclass(frozen=True)
class Claim:
    """One generated sentence and the citation numbers its markers name."""

    text: str
    markers: tuple[int, ...]

    @property
    def bare(self) -> str:
        """The sentence without its markers."""
        return re.sub(r"\s+([.!?…,;:])", r"\1", " ".join(_MARKERS.sub(" ", self.text).split()))


def split_claims(answer: str) -> list[Claim]:
    """The sentences of a generated answer with the ``[n]`` markers each carries (markers stay in ``text``)."""
    pieces: list[str] = []
    for piece in (p.strip() for p in _SENTENCE.split(answer.strip()) if p and p.strip()):
        if pieces and re.search(r"\b\d{1,2}\.$", pieces[-1]) and piece.split()[0].lower().strip(".,") in MONTHS:
            pieces[-1] += " " + piece  # a German date ("am 6. Jänner") is no sentence end
        else:
            pieces.append(piece)
    claims: list[Claim] = []
    for piece in pieces:
        markers = tuple(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", piece)))
        claims.append(Claim(piece, markers))
    return claims


def numerals(text: str) -> list[tuple[str, set[float]]]:
    """Each numeral of a text with every value it may stand for (both decimal conventions; times a following scale word)."""
    found: list[tuple[str, set[float]]] = []
    lowered = text.lower()
    for m in _NUMBER.finditer(lowered):
        whole, sep, frac = m.group(1), m.group(2), m.group(3)
        digits = re.sub(r"[.,\u202f\u00a0 ]", "", whole)
        values = {float(digits)}
        if re.fullmatch(r"\d{1,3}[.,]\d{3}", whole) and sep is None:  # 1.500 or 1,500: thousands, or a decimal
            values.add(float(whole.replace(",", ".")))
        if sep is not None and frac is not None:
            values = {float(f"{digits}.{frac}")}
            if len(frac) == 3:
                values.add(float(digits + frac))
        after = lowered[m.end():m.end() + 12].split()
        scale = SCALES.get(after[0].strip(".,;:")) if after else None
        found.append((m.group(0), values | ({v * scale for v in values} if scale else set())))
    for word in words(lowered):
        if word in NUMBER_WORDS:
            found.append((word, {float(NUMBER_WORDS[word])}))
    return found


def numbers(text: str) -> set[float]:
    """Every value any numeral of the text may stand for."""
    return set().union(*(values for _, values in numerals(text)))


def calendar_words(text: str) -> set[str]:
    """Months and weekdays a text names, language-neutral (``"m3"`` is March/März, ``"d0"`` Monday/Montag)."""
    out = set()
    for word in words(text.lower()):
        if word in MONTHS:
            out.add(f"m{MONTHS[word]}")
        if word in WEEKDAYS:
            out.add(f"d{WEEKDAYS[word]}")
    return out


def names(sentence: str, *, ordinary: Callable[[str], bool] = lambda word: False) -> list[str]:
    """Runs of capitalized words after the first word ("Eastern Europe"), without ``ordinary`` words, months and numbers."""
    runs: list[list[str]] = []
    previous_end = -2
    for i, match in enumerate(re.finditer(r"\w+(?:[-'’.]\w+)*", _MARKERS.sub(" ", sentence))):
        word = re.sub(r"['’]s?$", "", match.group())
        lowered = word.lower()
        skip = (i == 0 or not word[:1].isupper() or word.isdigit() or fold(word) in _NOT_NAMES or ordinary(word)
                or lowered in MONTHS or lowered in WEEKDAYS or lowered in SCALES or lowered in NUMBER_WORDS)
        if skip:
            previous_end = -2
            continue
        adjacent = sentence[previous_end:match.start()].strip() == "" if previous_end >= 0 else False
        if adjacent and runs:
            runs[-1].append(word)
        else:
            runs.append([word])
        previous_end = match.end()
    return list(dict.fromkeys(" ".join(run) for run in runs))


def mentions(name: str, text: str, *, min_ratio: float = 0.85) -> bool:
    """Whether the text names ``name`` (every word of a run): same folded spelling, a transliteration, a close
    spelling, or part of a compound."""
    if " " in name:
        return all(mentions(part, text, min_ratio=min_ratio) for part in name.split())
    folded = {fold(w) for w in words(text)}
    key = fold(name)
    if key in folded or any(len(key) >= 4 and key in w for w in folded):
        return True
    keys = sorted({transliterate(w) for w in words(text) if w[:1].isupper()})
    return bool(difflib.get_close_matches(transliterate(name), keys, n=1, cutoff=min_ratio))


def unsupported(claim: Claim, passages: Sequence[str], *, question: str = "",
                ordinary: Callable[[str], bool] = lambda word: False,
                similar: Callable[[str, str], bool] = lambda name, text: False) -> str:
    """Why the claim is not supported by the passages it cites ("" when it is).

    ``ordinary`` exempts words that are no names (German common nouns); ``similar`` may accept a
    name the passages give in another language (an embedding neighbour: "European" ~ "EU").
    """
    if not claim.markers:
        return "cites no source"
    if not passages:
        return "cites a source that does not exist"
    evidence = "\n".join(passages)
    given = numbers(evidence) | numbers(question)
    missing = [surface for surface, values in numerals(claim.bare) if not values & given]
    if missing:
        return f"the number {missing[0]} is not in the cited passage"
    dates = calendar_words(claim.bare) - calendar_words(evidence)
    if dates:
        return "a date is not in the cited passage"
    named = {code for m in find_countries(evidence + "\n" + question) for code in m.codes}
    stated = find_countries(claim.bare)
    for mention in stated:
        if not mention.codes & named:
            return f"{mention.text} is not in the cited passage"
    country_words = {fold(w) for m in stated for w in m.text.split()}
    for name in names(claim.bare, ordinary=ordinary):
        if all(fold(part) in country_words for part in name.split()):
            continue  # a country, checked by its code above
        if not mentions(name, evidence) and not mentions(name, question) and not similar(name, evidence):
            return f"{name} is not in the cited passage"
    return ""


def added_speaker(claim: Claim, quotes: Sequence[str]) -> str:
    """Why a sentence that reports someone's words ("Er sagte, …") misquotes quotes that report nobody's ("" if not)."""
    if _PRONOUN_SAYS.match(claim.bare) and quotes and not any(_REPORTED.search(q) for q in quotes):
        return "it reports words as someone's that its quote states as fact"
    return ""


def copies(claim: Claim, quotes: Sequence[str], *, share: float = 0.75, length: float = 1.25) -> bool:
    """Whether the claim is one of its quotes nearly word for word (about as long, mostly its words).

    Such a sentence condenses nothing, and what it changes is the risk ("Gemeinsam mit der Ministerin habe
    er unterzeichnet" → "Die Ministerin hat unterzeichnet"); verbatim words belong in quotation marks.
    """
    said = [fold(w) for w in words(claim.bare)]
    for quote in quotes:
        heard = [fold(w) for w in words(quote)]
        if said and heard and 1 / length <= len(said) / len(heard) <= length:
            vocabulary = set(heard)
            if sum(w in vocabulary for w in said) >= share * len(said):
                return True
    return False


def lost_fact(claim: Claim, quotes: Sequence[str], *, ordinary: Callable[[str], bool] = lambda word: False,
              similar: Callable[[str, str], bool] = lambda name, text: False) -> str:
    """Which number, date or name of the quotes the claim restates it leaves out ("" when it keeps them all).

    The reverse of ``unsupported``, with the same normalisation: 1.500 = 1,500, März = March,
    Deutschland = Germany; a name counts as kept when any of its words is ("Merz" for "Friedrich Merz").
    """
    said = claim.bare
    values = numbers(said)
    said_codes = {code for m in find_countries(said) for code in m.codes}
    for quote in quotes:
        for surface, options in numerals(quote):
            if not options & values:
                return f"the number {surface}"
        if calendar_words(quote) - calendar_words(said):
            return "a date"
        countries = find_countries(quote)
        for mention in countries:
            # a country only inside compounds ("US-Präsident", "Ukraine-Krieg") qualifies a noun: no fact of its own;
            # an adjective keeps it ("German" for Deutschland) by e5 closeness, as names are kept
            if not mention.codes & said_codes and _standalone(mention.text, quote) and not similar(mention.text, said):
                return mention.text
        country_words = {fold(w) for m in countries for w in m.text.split()}
        quote_names = [n for a, b in split_sentences(quote)
                       for n in [*_speaker(quote[a:b], ordinary), *names(quote[a:b], ordinary=ordinary)]]
        for name in dict.fromkeys(quote_names):  # a quote of two sentences has two first words
            parts = [p for p in name.split() if fold(p) not in country_words]
            if parts and not any(mentions(p, said) or similar(p, said) for p in parts):
                return name
    return ""


def _speaker(sentence: str, ordinary: Callable[[str], bool]) -> list[str]:
    """The name a sentence opens with when a verb of saying follows it ("Merz betonte" → Merz), else nothing."""
    found = _SPEAKER.match(sentence.strip())
    word = found.group(1) if found else ""
    return [word] if word and fold(word) not in _PRONOUNS and not ordinary(word) else []


def _standalone(word: str, text: str) -> bool:
    """Whether the word occurs in the text other than as part of a hyphenated compound."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None
