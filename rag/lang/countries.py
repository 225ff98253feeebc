"""Country names in English and German (ISO 3166 via pycountry, plus common short forms), found in text.

Embeddings place every country name near every other one, so "Does the corpus mention Japan?"
is answered by name instead: a question about a country the articles never name cannot be
answered from them.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.lang.text import fold

# Short and everyday forms that ISO 3166 leaves out (codes are ISO 3166-1 alpha-2).
ALIASES: dict[str, tuple[str, ...]] = {
    "GB": ("Britain", "Great Britain", "England", "Scotland", "Wales", "Großbritannien", "Schottland"),
    "US": ("America", "Amerika", "United States", "Vereinigte Staaten"),
    "RU": ("Russia", "Russland"),
    "BY": ("Weißrussland", "Belarus"),
    "KR": ("Korea", "South Korea", "Südkorea"),
    "KP": ("Korea", "North Korea", "Nordkorea"),
    "TR": ("Turkey", "Türkei"),
    "CZ": ("Czech Republic", "Tschechien"),
    "MD": ("Moldova", "Moldawien", "Moldau"),
    "VA": ("Vatican", "Vatikan"),
    "NL": ("Holland",),
    "VN": ("Vietnam",),
    "LA": ("Laos",),
    "CI": ("Ivory Coast", "Elfenbeinküste"),
    "PS": ("Palestine", "Palästina"),
    "SY": ("Syria", "Syrien"),
    "CV": ("Cape Verde", "Kap Verde"),
    "MM": ("Burma", "Birma"),
    "SZ": ("Swaziland", "Swasiland"),
    "XK": ("Kosovo",),
}
# Acronyms match only in capitals ("US", not the English pronoun "us").
ACRONYMS: dict[str, str] = {"US": "US", "USA": "US", "UK": "GB", "VAE": "AE", "UAE": "AE", "DDR": "DE", "BRD": "DE"}
MAX_WORDS = 6
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class CountryMention:
    """A country name found in a text: the words as written and the countries they may mean."""

    text: str
    codes: frozenset[str]


def _key(word: str) -> str:
    """Fold a word and drop German case endings, so that Russlands ~ Russland, Vereinigten ~ Vereinigte."""
    w = fold(word)
    if len(w) > 4 and w.endswith("s"):
        w = w[:-1]
    if len(w) > 4 and w.endswith("en"):
        w = w[:-1]
    return w


def _names(name: str) -> list[str]:
    """A pycountry name and its short form: "Iran, Islamic Republic of" → also "Iran"."""
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    return [name, name.split(",")[0].strip()] if "," in name else [name]


@lru_cache(maxsize=1)
def country_table() -> dict[tuple[str, ...], frozenset[str]]:
    """Keyed word sequence → ISO codes, from every English and German name (built once, read-only)."""
    import pycountry

    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    table: dict[tuple[str, ...], set[str]] = {}

    def add(name: str, code: str) -> None:
        key = tuple(_key(w) for w in _LETTERS.findall(name))
        if key and len(key) <= MAX_WORDS:
            table.setdefault(key, set()).add(code)

    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                for name in _names(value) + _names(german.gettext(value)):
                    add(name, country.alpha_2)
    for code, names in ALIASES.items():
        for name in names:
            add(name, code)
    return {key: frozenset(codes) for key, codes in table.items()}


def find_countries(text: str) -> list[CountryMention]:
    """Country names in a text, longest match first, each word used once."""
    table = country_table()
    tokens = _LETTERS.findall(text)
    keys = [_key(t) for t in tokens]
    found: list[CountryMention] = []
    i = 0
    while i < len(tokens):
        if tokens[i] in ACRONYMS:
            found.append(CountryMention(tokens[i], frozenset({ACRONYMS[tokens[i]]})))
            i += 1
            continue
        for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
            codes = table.get(tuple(keys[i:i + n]))
            if codes and tokens[i][:1].isupper():  # "turkey" and "china" in lower case are not countries
                found.append(CountryMention(" ".join(tokens[i:i + n]), codes))
                i += n
                break
        else:
            i += 1
    return found


def mentioned_countries(texts: list[str]) -> frozenset[str]:
    """Every ISO code named anywhere in the texts."""
    return frozenset(code for text in texts for mention in find_countries(text) for code in mention.codes)


@lru_cache(maxsize=4)
def _names_by_code(language: str) -> dict[str, str]:
    import pycountry

    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    found: dict[str, str] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        found[country.alpha_2] = _names(german.gettext(name) if language == "de" else name)[-1]
    return found


def country_name(code: str, language: str) -> str:
    """The short ISO 3166 name of a country in English ("en") or German ("de"); "" for an unknown code."""
    return _names_by_code("de" if language == "de" else "en").get(code, "")


@lru_cache(maxsize=1)
def capitals_and_demonyms() -> dict[str, frozenset[str]]:
    """Folded English capital names and demonyms → ISO codes ("washington" → US, "russian" → RU), from countryinfo."""
    from countryinfo import CountryInfo

    try:
        records = CountryInfo.all()  # countryinfo 1.x: a class method
    except TypeError:
        records = CountryInfo().all()  # 0.1.x (Python 3.10): an instance method
    table: dict[str, set[str]] = {}
    for info in records.values():  # raw records: the same keys in both
        code = str((info.get("ISO") or {}).get("alpha2") or "")
        for name in (str(info.get("capital") or "").replace(" D.C.", ""), str(info.get("demonym") or "")):
            if name.strip() and code:
                table.setdefault(fold(name.strip()), set()).add(code)
    return {name: frozenset(codes) for name, codes in table.items()}
