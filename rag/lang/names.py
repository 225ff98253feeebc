"""The corpus's names: which names, acronyms and spelling variants the articles use, and is a name among them?

The inventory is derived from the article texts whenever an index is loaded (one regular-expression
pass: about 0.1 s for 100 news pages), so it never goes stale and the index format does not change.
A question's name counts as "in the articles" when it is

- spelled the same (case, accents, umlauts, y/i folded; German genitive -s dropped),
- an acronym that the articles write as such ("AfD", "NATO"); acronyms are never made up from
  capitalised word runs (initials of whole names would be mostly noise: "Außenminister Sergej
  Lawrow" → "ASL"; 464 such from the 99 fundus pages), and never match another acronym by
  similarity ("FDP" is not "AfD"),
- pronounced the same by the Kölner Phonetik (German-language phonetic code, ``cologne-phonetics``)
  with as many vowel groups and at least ``SOUND_RATIO`` similar in spelling after a rough
  transliteration (RapidFuzz): Meier ~ Mayer, Schmitt ~ Schmidt, Lawrow ~ Lavrov (not Piräus ~ Preuß),
- or one typo away in a name of at least ``TYPO_MIN_LENGTH`` letters (RapidFuzz Levenshtein distance 1).

"Bayer" is not "Bayern" (different code, short word); "Leverkusen" is not "Wolfsburg".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rag.lang.text import fold, without_possessive

SOUND_RATIO = 0.75  # RapidFuzz ratio (0–1) two names with the same Kölner code need in spelling
TYPO_MIN_LENGTH = 7  # names this long may differ by one edit; shorter ones differ in meaning (Bayer, Bayern)
_WORD = re.compile(r"[^\W\d_][\w]*(?:[-'’][^\W\d_]\w*)*")


def is_acronym(word: str) -> bool:
    """A short word of at least two capitals ("AfD", "NATO", "EU", "G7"), not an all-capital ordinary word."""
    letters = word.replace("-", "")
    return 2 <= len(letters) <= 6 and word[:1].isupper() and sum(c.isupper() for c in letters) >= 2 and \
        letters.isalnum()


def _stem(folded: str) -> str:
    """Drop a German genitive -s ("Bayerns" → "bayern"); short words keep theirs."""
    return folded[:-1] if len(folded) > 4 and folded.endswith("s") and not folded.endswith("ss") else folded


def spelling_key(word: str) -> str:
    """A rough German/English transliteration key for comparing spellings: Lawrow ~ Lavrov, Tschechow ~ Chekhov."""
    w = fold(word)
    for a, b in (("tsch", "ch"), ("sch", "sh"), ("kh", "k"), ("w", "v"), ("z", "s"), ("c", "k"), ("j", "i"),
                 ("ie", "i")):
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


def syllables(word: str) -> int:
    """Vowel groups of a folded word: the Kölner code ignores vowels, so "Piräus" ~ "Preuß" needs this too."""
    return len(re.findall(r"[aeiou]+", fold(word)))


def sound(word: str) -> str:
    """The Kölner Phonetik code of a word ("" if it has no letters the code knows)."""
    import cologne_phonetics

    results = cologne_phonetics.encode(word.replace("-", " "), concat=True)
    return results[0][1] if results else ""


@dataclass(frozen=True)
class NameInventory:
    """The names of a corpus: folded words, acronyms, capitalised words by Kölner code."""

    words: frozenset[str] = frozenset()  # every folded word (and its stem) of 2+ letters
    acronyms: frozenset[str] = frozenset()  # upper-cased, as the articles write them
    names: frozenset[str] = frozenset()  # folded capitalised words (names, and in German nouns too)
    sounds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # Kölner code → folded names

    def __len__(self) -> int:
        return len(self.names) + len(self.acronyms)

    def match(self, name: str) -> str | None:
        """The corpus form of ``name`` (folded), by spelling, acronym, sound or a typo; None if it is not there."""
        parts = [p for p in re.split(r"[\s]+", name.strip()) if p]
        if len(parts) > 1:
            found = [self.match(p) for p in parts]
            return " ".join(f for f in found if f) if all(found) else None
        if not parts:
            return None
        word = parts[0]
        folded = fold(word)
        if is_acronym(word):
            return folded if word.upper() in self.acronyms or folded in self.words else None
        for key in (folded, _stem(folded)):
            if key in self.words:
                return key
        return self._similar(folded, word)

    def _similar(self, folded: str, word: str) -> str | None:
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import Levenshtein

        code = sound(word)
        if code:
            heard = [n for n in self.sounds.get(code, ()) if syllables(n) == syllables(folded)]
            best = process.extractOne(spelling_key(folded), {n: spelling_key(n) for n in heard}, scorer=fuzz.ratio,
                                      score_cutoff=100 * SOUND_RATIO)
            if best:
                return str(best[2])
        if len(folded) >= TYPO_MIN_LENGTH:
            near = process.extractOne(folded, [n for n in self.names if n[:1] == folded[:1]],
                                      scorer=Levenshtein.distance, score_cutoff=1)
            if near:
                return str(near[0])
        return None

    def known(self, name: str) -> bool:
        """True if the articles use ``name`` (or a variant of it, see the module)."""
        return self.match(name) is not None


_CAPITAL_RUN = re.compile(r"[A-ZÄÖÜ][\w-]*(?:[ \t]+(?:(?:und|für|der|des|of|and|for|the)[ \t]+)?[A-ZÄÖÜ][\w-]*)+")


def spelled_out(acronym: str, text: str) -> bool:
    """True if ``text`` writes out ``acronym`` as the initials of consecutive capitalised words.

    Used only on the passages retrieved for a question ("According to the SWP …" over a passage
    naming the "Stiftung Wissenschaft und Politik"), never to fill the inventory: over a whole
    corpus such initials are mostly noise.
    """
    wanted = acronym.upper()
    for run in _CAPITAL_RUN.finditer(text):
        letters = "".join(w[0] for w in run.group().split() if w[:1].isupper()).upper()
        if len(wanted) >= 2 and wanted in letters:
            return True
    return False


def build_inventory(texts: Iterable[str]) -> NameInventory:
    """The name inventory of some article texts (titles and bodies)."""
    words: set[str] = set()
    acronyms: set[str] = set()
    names: set[str] = set()
    for text in texts:
        for token in _WORD.findall(text):
            bare = without_possessive(token)  # as questions are read: "NASA's" names NASA, "Merkel's" Merkel
            for part in {token, bare, *bare.split("-")}:
                if len(part) < 2:
                    continue
                folded = fold(part)
                words.update((folded, _stem(folded)))
                if is_acronym(part):
                    acronyms.add(part.upper())
                elif part[:1].isupper():
                    names.add(folded)
    by_sound: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names):
        code = sound(name)
        if code:
            by_sound[code].append(name)
    return NameInventory(frozenset(words), frozenset(acronyms), frozenset(names),
                         {code: tuple(found) for code, found in by_sound.items()})


def is_ordinary_english(word: str) -> bool:
    """An English word that is no name in itself ("New" of "New Year", "White" of "White House"): the lemmatizer knows it in lower case."""
    import simplemma

    lower = word.lower()
    return len(lower) > 2 and simplemma.is_known(lower, lang="en") and simplemma.lemmatize(lower, lang="en") == lower
