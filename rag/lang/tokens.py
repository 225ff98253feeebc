"""Lexical tokens: lemmatized, folded, stop-word-free, Snowball-stemmed words (for BM25 and word overlap)."""

from __future__ import annotations

import importlib.metadata
import threading
from functools import lru_cache
from typing import Any

import simplemma
import Stemmer

from rag.lang.cache import cached
from rag.lang.text import fold, words

STOPWORDS = frozenset(
    fold(w)
    for w in """
    der die das des dem den ein eine einer eines einem einen und oder aber als auch auf aus bei
    bis durch für gegen im in ist sind war waren wird werden wurde wurden hat haben hatte hatten
    mit nach nicht noch nur ob sich sie er es ihr ihre ihren sein seine seinen so über um unter
    vom von vor wie was wer wo wann warum welche welcher welches zu zum zur dass daß diese dieser
    dieses man mehr sei seien soll sollen kann können am an da dann denn doch hier
    the a an of and or but to in on at for with from by about as is are was were be been being
    has have had do does did what who whom when where why how which that this these those it its
    they them their he she his her we you i not no than then there will would can could should
    """.split()
)


TOKEN_CACHE = 4096  # distinct words per tokenizer (LRU); the corpus vocabulary is about 1,200

_SEPARABLE = ("zurück", "auf", "aus", "bei", "ein", "mit", "nach", "vor", "weg", "an", "ab", "zu")
_LEMMA_LANG = {"german": "de", "english": "en"}


@lru_cache(maxsize=1)
def _lemma_strategy() -> Any:
    """simplemma's default strategy over dictionaries cached on disk (decoding one takes ~1.5 s; reading it back ~0.4 s)."""
    try:
        from simplemma.strategies import DefaultStrategy
        from simplemma.strategies.dictionaries.dictionary_factory import (
            DefaultDictionaryFactory,
            MappingStrToByteString,
            _load_dictionary_from_disk,
        )
    except ImportError:  # another simplemma layout: its own loading, uncached
        return None
    version = importlib.metadata.version("simplemma")

    class CachedDictionaries(DefaultDictionaryFactory):
        def _get_dictionary_uncached(self, lang: str) -> Any:
            return MappingStrToByteString(cached(f"simplemma-{lang}", version, lambda: _load_dictionary_from_disk(lang)))

    return DefaultStrategy(dictionary_factory=CachedDictionaries())


def base_verb(lemma: str) -> str:
    """Drop a separable prefix from a German verb lemma: anbieten → bieten (bietet … an)."""
    if lemma[:1].islower() and lemma.endswith(("en", "ern", "eln")):
        for prefix in _SEPARABLE:
            if lemma.startswith(prefix) and len(lemma) - len(prefix) >= 5:
                return lemma[len(prefix):]
    return lemma


class LexicalTokenizer:
    """Words → lemmas (simplemma) → folded, stop-word-free, Snowball-stemmed tokens.

    Lemmas make inflected and separable verbs meet ("angeboten" and "bietet … an" → "bieten"),
    which stemming alone cannot. One LRU cache of ``cache_size`` words holds the whole chain; the
    libraries' own caches are switched off, so memory stays bounded however many new words arrive.
    """

    def __init__(self, language: str = "german", *, cache_size: int = TOKEN_CACHE) -> None:
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {cache_size}")
        self._stemmer = Stemmer.Stemmer(language, 0)
        self._stem_lock = threading.Lock()  # PyStemmer: "must not be called concurrently"
        self._lang = _LEMMA_LANG.get(language)
        strategy = _lemma_strategy() if self._lang else None
        extra = {"lemmatization_strategy": strategy} if strategy is not None else {}
        self._lemmatizer = simplemma.Lemmatizer(cache_max_size=0, **extra) if self._lang else None
        self._token = lru_cache(maxsize=cache_size)(self._word_token)

    def _word_token(self, word: str) -> str | None:
        """The token of one word, or None for a stop word or a lone letter."""
        if fold(word) in STOPWORDS:
            return None
        lemma = self._lemmatizer.lemmatize(word, self._lang) if self._lemmatizer else word
        folded = fold(base_verb(lemma) if self._lang == "de" else lemma)
        if folded in STOPWORDS or (len(folded) <= 1 and not folded.isdigit()):
            return None
        with self._stem_lock:
            return self._stemmer.stemWord(folded)

    def cache_info(self) -> tuple[int, int]:
        """(words cached, capacity) of the word cache."""
        info = self._token.cache_info()
        return info.currsize, info.maxsize or 0

    def __call__(self, text: str) -> list[str]:
        """Tokenize one text."""
        return [t for t in map(self._token, words(text)) if t is not None]
