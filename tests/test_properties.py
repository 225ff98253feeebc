"""Property-based tests (hypothesis): odd input never escapes as an undocumented exception.

* ``Assistant.ask`` / ``Assistant.search`` over any Unicode string (control and format characters,
  bidi marks, emoji, RTL scripts, combining marks, NUL, lone surrogates, 10 000 characters) and any
  ``k``: a consistent ``Answer`` / hit list, or ``InvalidQuestionError`` exactly when the documented
  rules say so (``slow``: the real model through the session ``assistant`` fixture).
* The article parser over arbitrary bytes: an ``Article``, a warning, or a ``CorpusError`` naming the
  file; a bad file never drops the good ones.
* Chunking over any text that parses: every chunk's span is its text.

Runs are derandomized (same examples every run, no example database), so CI is reproducible.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from rag.ingest.chunking import SEPARATORS, _split_spans, article_sentences, chunk_article, make_splitter
from rag.config import MAX_K, MAX_QUESTION_CHARS
from rag.ingest.corpus import load_corpus, read_article
from rag.ingest.textfile import parse_article
from rag.errors import CorpusError, InvalidQuestionError
from rag.types import Answer, Article, Hit

# ------------------------------------------------------------------------------------------------
# settings

_COMMON = dict(derandomize=True, database=None, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.data_too_large, HealthCheck.large_base_example])
MODEL_EXAMPLES = 150  # each real ask() costs ~60-100 ms
PARSER_EXAMPLES = 400
CHUNK_EXAMPLES = 300

# ------------------------------------------------------------------------------------------------
# question strategies

REAL_WORDS = [
    "Deutschland", "Ukraine", "Waffenstillstand", "Selenskyj", "Sicherheitsgarantien", "Paris",
    "Koalition der Willigen", "NATO-Gebiet", "Überwachung", "Merz", "Russland", "Trump", "Kiew",
    "What did Germany offer?", "Was hat Deutschland angeboten?", "Who monitors the ceasefire?",
    "Wann?", "the", "der", "und", "?",
]
ODD_CHARS = [
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f",  # Cc (incl. C1)
    "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f",  # Cc that are also whitespace
    "\u00a0", "\u2000", "\u2028", "\u2029", "\u3000", "\u180e",  # Unicode spaces / separators
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
    "\ufeff", "\u00ad", "\u061c",  # Cf: zero-width, bidi controls, BOM, soft hyphen
    "\u0301", "\u0308", "\u0336", "\u20dd",  # combining marks
    "\ud800", "\udfff",  # lone surrogates (valid in a Python str)
    "\ufffd", "\uffff", "\U0010ffff", "\ue000",  # replacement, noncharacters, private use
    "🙂", "👨\u200d👩\u200d👧", "🇩🇪", "👍🏽", "\U0001f9ea",  # emoji, ZWJ sequence, flag, modifier
    "ماذا قدمت ألمانيا", "שלום", "\u05d0\u05b8", "ﷺ", "ﬀ",  # RTL, ligatures
    "德国", "Ä", "ß", "ǅ", "İ", "ﬁ", "Ⅻ", "𝔘𝔨𝔯𝔞𝔦𝔫𝔢",  # case/normalisation oddities
    "[1]", "[0]", "[99]", "<script>", "'; DROP TABLE--", "%s", "{0}", "\\", "\"",
]
_odd_alphabet = st.one_of(
    st.characters(),  # the full Unicode range except surrogates, incl. Cc
    st.characters(categories=["Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "So", "Co", "Cn"]),
    st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic
)
_odd_piece = st.one_of(st.sampled_from(ODD_CHARS), st.text(_odd_alphabet, max_size=6))


@st.composite
def _mixed(draw) -> str:
    """Real words (so some questions retrieve and answer) interleaved with odd characters."""
    parts = draw(st.lists(st.one_of(st.sampled_from(REAL_WORDS), _odd_piece), min_size=1, max_size=12))
    glue = draw(st.sampled_from(["", " ", "\u200b", "\x00", "\n", " \u202e"]))
    return glue.join(parts)


_FILLERS = ["x", "Waffenstillstand ", " ", "\x00", "🙂", "ا", "e\u0301", " \t\n", "\u200b", "\x01 a"]


@st.composite
def _sized(draw) -> str:
    """Strings around the limits: MAX_QUESTION_CHARS (both sides, before/after trimming), 4x, 10 000."""
    length = draw(st.one_of(
        st.sampled_from([MAX_QUESTION_CHARS, MAX_QUESTION_CHARS + 1, 4 * MAX_QUESTION_CHARS,
                         4 * MAX_QUESTION_CHARS + 1, 10_000]),
        st.integers(MAX_QUESTION_CHARS - 3, MAX_QUESTION_CHARS + 3),
    ))
    filler = draw(st.sampled_from(_FILLERS))
    core = (draw(st.sampled_from(REAL_WORDS)) + " " + filler * length)[:length]
    pad = draw(st.sampled_from(["", " ", "\x00", "\n\t", "\u3000"]))
    left, right = draw(st.integers(0, 3 * MAX_QUESTION_CHARS)), draw(st.integers(0, 3))
    return pad * left + core + pad * right


QUESTIONS = st.one_of(
    st.text(),  # any Unicode (hypothesis' default alphabet includes Cc, Cf, emoji, RTL)
    st.text(_odd_alphabet, max_size=40),
    _mixed(),
    _sized(),
    st.sampled_from(REAL_WORDS),
)
KS = st.one_of(
    st.integers(-5, 60),
    st.sampled_from([None, True, False, 5.0, float("nan"), "5", b"5", [5], np.int64(3), np.int32(0),
                     np.int64(MAX_K + 1), np.uint8(7), 2**64, -(2**70)]),
)

# ------------------------------------------------------------------------------------------------
# the documented input rules, stated independently of clean_question / check_k

_CC = "\x00-\x1f\x7f-\x9f"  # Unicode general category Cc is exactly these code points
_TOKEN = re.compile(rf"[^\s{_CC}]+")


def normalized_length(question: str) -> int:
    """Length after the documented normalisation: control characters count as whitespace, runs of
    whitespace collapse to one space, the ends are trimmed (a lone surrogate becomes one "?")."""
    tokens = _TOKEN.findall(question)
    return sum(map(len, tokens)) + max(len(tokens) - 1, 0)


def question_is_valid(question: str) -> bool:
    if len(question) > 4 * MAX_QUESTION_CHARS:  # rejected before normalising
        return False
    return 0 < normalized_length(question) <= MAX_QUESTION_CHARS


def k_is_valid(k: object) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= int(k) <= MAX_K


def _visible(question: str) -> int:
    """Characters that are neither whitespace nor control characters."""
    return sum(1 for ch in question if not ch.isspace() and not ("\x00" <= ch <= "\x1f" or "\x7f" <= ch <= "\x9f"))


def test_the_oracle_agrees_with_plain_cases():
    """Sanity of the rule statement above (independent of the model)."""
    assert question_is_valid("Was hat Deutschland angeboten?")
    assert not question_is_valid("") and not question_is_valid(" \x00\t\x85\u3000")
    assert question_is_valid("\u200b") and question_is_valid("\ud800")  # Cf / surrogate are content
    assert question_is_valid(" " * 100 + "x" * MAX_QUESTION_CHARS + "\x00" * 100)
    assert not question_is_valid("x" * (MAX_QUESTION_CHARS + 1))
    assert not question_is_valid("a" + " " * (4 * MAX_QUESTION_CHARS))
    assert normalized_length("a \x00\x01 b\n\nc") == len("a b c")


# ------------------------------------------------------------------------------------------------
# Assistant.ask / Assistant.search (real model)


@pytest.fixture(scope="module")
def bodies(assistant) -> dict[str, str]:
    return {a.id: a.body for a in assistant.articles}


def _check_hit(hit: Hit, bodies: dict[str, str]) -> None:
    assert isinstance(hit, Hit)
    assert hit.text and bodies[hit.article_id][hit.start:hit.end] == hit.text
    assert isinstance(hit.score, float) and np.isfinite(hit.score)


def _check_answer(answer: Answer, question: str, k: int, bodies: dict[str, str]) -> None:
    assert isinstance(answer, Answer)
    assert answer.question == question.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    assert isinstance(answer.abstained, bool) and isinstance(answer.text, str) and answer.text
    assert answer.language in ("de", "en")
    assert answer.abstained == (answer.citations == ())
    assert bool(answer.reason) == answer.abstained
    assert len(answer.hits) <= k
    for hit in answer.hits:
        _check_hit(hit, bodies)
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers <= set(numbers), (markers, numbers)
    assert set(numbers) <= markers  # every citation is referred to in the text
    for c in answer.citations:
        body = bodies[c.article_id]
        assert c.quote and body[c.quote_start:c.quote_end] == c.quote
        assert body[c.passage_start:c.passage_end] == c.text
        assert c.passage_start <= c.quote_start < c.quote_end <= c.passage_end
    # each fact's line quotes its first citation; other outlets' versions of that fact share its marker run
    for run in re.findall(r"((?:\[\d+\])+): ", answer.text):
        first, *others = (answer.citations[int(n) - 1] for n in re.findall(r"\d+", run))
        assert first.quote in answer.text
        assert all(o.article_id != first.article_id for o in others)
    encoded = json.dumps(answer.to_dict())
    data = json.loads(encoded)
    assert data["text"] == answer.text and data["abstained"] is answer.abstained
    assert len(data["citations"]) == len(answer.citations) and len(data["hits"]) == len(answer.hits)


def _call(method, question: str, k: object):
    try:
        return method(question, k=k), None
    except InvalidQuestionError as exc:
        assert str(exc)  # the message says what to do
        return None, exc


@pytest.mark.slow
@settings(max_examples=MODEL_EXAMPLES, **_COMMON)
@given(question=QUESTIONS, k=st.one_of(st.integers(1, 10), KS))
@example(question="\x00", k=5)
@example(question="\x00 Waffenstillstand \x00", k=5)
@example(question="\u202eWhat did Germany offer?\u202c", k=5)
@example(question="Was hat Deutschland angeboten? 🙂🇩🇪", k=1)
@example(question="Wer hat \ud800 angeboten?", k=5)
@example(question="x" * MAX_QUESTION_CHARS, k=MAX_K)
@example(question="x" * (MAX_QUESTION_CHARS + 1), k=5)
@example(question="\u3000" * 3 * MAX_QUESTION_CHARS + "Ukraine", k=5)
@example(question="Ukraine" + " " * 10_000, k=5)
def test_ask_answers_abstains_or_rejects_the_input(assistant, bodies, question, k):
    answer, error = _call(assistant.ask, question, k)
    valid = question_is_valid(question) and k_is_valid(k)
    assert (error is None) == valid, (question[:80], k, error)
    if valid:
        _check_answer(answer, question, int(k), bodies)
    # plain consequences of the rules, independent of the exact normalisation:
    if _visible(question) == 0 or _visible(question) > MAX_QUESTION_CHARS:
        assert error is not None
    if k_is_valid(k) and 0 < _visible(question) and len(question) <= MAX_QUESTION_CHARS:
        assert error is None


@pytest.mark.slow
@settings(max_examples=MODEL_EXAMPLES, **_COMMON)
@given(question=QUESTIONS, k=st.one_of(st.integers(1, MAX_K), KS))
@example(question="\x00\x00", k=10)
@example(question="\u200f\u200e\u202e", k=10)
@example(question="Waffenstillstand Überwachung", k=MAX_K)
@example(question="Waffenstillstand", k=0)
@example(question="Waffenstillstand", k=MAX_K + 1)
def test_search_returns_ranked_hits_or_rejects_the_input(assistant, bodies, question, k):
    hits, error = _call(assistant.search, question, k)
    valid = question_is_valid(question) and k_is_valid(k)
    assert (error is None) == valid, (question[:80], k, error)
    if not valid:
        return
    assert isinstance(hits, list) and 1 <= len(hits) <= int(k)
    for hit in hits:
        _check_hit(hit, bodies)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.id for h in hits}) == len(hits)
    json.dumps([h.to_dict() for h in hits])


# ------------------------------------------------------------------------------------------------
# the article parser over arbitrary bytes (no model)

SEED_BYTES = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
_SEED_REPORT = load_corpus(SEEDS)
SEED_ARTICLES = {a.id: a for a in _SEED_REPORT.articles}
assert SEED_ARTICLES and not _SEED_REPORT.errors

_BOILERPLATE_LINES = [
    "date 2026-01-08", "Datum: 8.1.2026", "Stand 31.12.2025", "Von: dpa", "Quelle: Reuters", "Quellen",
    "Sources:", "Bearbeitet von: X", "1.234 Ansichten", "⇢ Weiter", "Lesen Sie auch", "Haben Sie einen Fehler",
    "Kiew (dpa) – Text.", "Titel ohne Punkt", "-" * 150, "=" * 200 + " Text.", ", " * 70,
    "Ein Satz. Noch ein Satz!", "", " ", "\t", "•",
]


@st.composite
def _seed_with_garbage(draw) -> bytes:
    """A real seed file (or a slice of it) with garbage bytes spliced in."""
    data = draw(st.sampled_from(SEED_BYTES))
    lo = draw(st.integers(0, len(data)))
    hi = draw(st.integers(lo, len(data)))
    data = data[lo:hi] if draw(st.booleans()) else data
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        junk = draw(st.one_of(st.binary(max_size=8), st.sampled_from(
            [b"\x00", b"\xff", b"\xc3", b"\x81", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\xe2\x80\xae", b"\x9d"])))
        data = data[:at] + junk + data[at:]
    return data


def _encode(text: str, bom: bool, crlf: bool) -> bytes:
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" + data) if bom else data


_utf8_text = st.builds(
    _encode,
    st.one_of(st.text(), _mixed(), st.lists(st.sampled_from(_BOILERPLATE_LINES + REAL_WORDS + ODD_CHARS),
                                            max_size=15).map("\n".join)),
    st.booleans(), st.booleans(),
)
_cp1252 = st.text(st.characters(codec="cp1252"), min_size=1).map(lambda t: t.encode("cp1252"))

FILE_BYTES = st.one_of(
    st.binary(max_size=600),
    st.just(b""),
    st.lists(st.sampled_from([b"\x00", b"a", b" ", b"\n", b"\xff"]), max_size=40).map(b"".join),  # NUL-heavy
    st.lists(st.sampled_from([b" ", b"\n", b"\r\n", b"\t", b"\x0b", b"\x0c", b"\xef\xbb\xbf", b"\xc2\xa0",
                              b"\xe2\x80\x8b", b"\x1c", b"\xc2\x85"]), max_size=20).map(b"".join),  # blank-ish
    _utf8_text,
    _cp1252,
    _seed_with_garbage(),
)
FILE_NAMES = st.sampled_from(["zz_fuzz.txt", "zz_fuzz.md", "zz_fuzz.TXT", "zz Ärger über Zölle.txt",
                              "zz_\u202egnp.txt", "zz_🙂.md", "zz_dup.txt"])


def _check_article(article: Article, stem: str) -> None:
    assert isinstance(article, Article) and article.id == stem
    assert article.body and "\x00" not in article.body
    assert article.title and article.title == article.title.strip(), repr(article.title)
    for line in article.body.split("\n"):
        assert line == line.strip()  # no stray whitespace at line ends
        assert not any("\x00" <= ch <= "\x1f" or "\x7f" <= ch <= "\x9f" for ch in line)  # no control chars
    json.dumps(article.to_dict())


@settings(max_examples=PARSER_EXAMPLES, **_COMMON)
@given(data=FILE_BYTES, name=FILE_NAMES)
@example(data=b"", name="zz_fuzz.txt")
@example(data=b"\xef\xbb\xbf", name="zz_fuzz.txt")
@example(data=b"\x00" * 10, name="zz_fuzz.txt")
@example(data=b"\x81\x8d\x8f\x90\x9d", name="zz_fuzz.txt")
@example(data="Überschrift\r\n\r\nÄrger.".encode("cp1252"), name="zz_fuzz.md")
def test_read_article_returns_an_article_or_names_the_file(data, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            article, warning = read_article(path)
        except CorpusError as exc:
            assert name in str(exc), str(exc)
            return
        _check_article(article, path.stem)
        assert warning is None or name in warning


@settings(max_examples=PARSER_EXAMPLES, **_COMMON)
@given(data=FILE_BYTES, name=FILE_NAMES, with_seeds=st.booleans())
@example(data=b"\x00\x01\x02", name="zz_fuzz.txt", with_seeds=True)
@example(data=b" \n", name="zz_fuzz.txt", with_seeds=True)
def test_load_corpus_reports_a_bad_file_and_keeps_the_good_ones(data, name, with_seeds):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "seeds"
        if with_seeds:
            shutil.copytree(SEEDS, folder)
        else:
            folder.mkdir()
        (folder / name).write_bytes(data)
        if name == "zz_dup.txt":  # a second file with the same stem is itself reported
            (folder / "zz_dup.md").write_bytes(SEED_BYTES[0])
        report = load_corpus(folder)
    stem = Path(name).stem
    fuzzed = [a for a in report.articles if a.id == stem]
    others = {a.id: a for a in report.articles if a.id != stem}
    assert others == (SEED_ARTICLES if with_seeds else {})  # one bad file never drops the good ones
    messages = report.warnings + report.errors
    assert all(isinstance(m, str) and m for m in messages)
    if name == "zz_dup.txt":  # zz_dup.md sorts first and wins the id; the fuzzed file is the duplicate
        assert [a.body for a in fuzzed] == [SEED_ARTICLES[Path(sorted(SEEDS.glob("*.txt"))[0]).stem].body]
        assert any(name in e and "already has the article id" in e for e in report.errors)
    elif fuzzed:
        (article,) = fuzzed
        _check_article(article, stem)
        assert not any(name in e for e in report.errors)
    else:
        assert any(name in m for m in messages), messages


def test_load_corpus_on_a_missing_folder_is_the_documented_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    assert load_corpus(tmp_path).articles == []  # an empty folder is not an error


# ------------------------------------------------------------------------------------------------
# chunking over any text that parses

_SENTENCE_WORDS = st.sampled_from([
    "Die", "Ukraine", "Waffenstillstand", "am", "15.", "Dezember", "z.B.", "Dr.", "Merz", "sagte:",
    "«Frieden»", "„Garantien“", "(dpa)", "–", "3,5", "Mrd.", "Euro", "USA", "NATO-Gebiet", "🙂", "شلوم",
    "a" * 60, "Wort" * 40, "e\u0301", "\u00a0", "\u2028", "\u3000", "\u200b", "\ufeff", ";", ",", "?", "!",
])


@st.composite
def _article_text(draw) -> str:
    sentences = draw(st.lists(
        st.builds(lambda ws, end: " ".join(ws) + end, st.lists(_SENTENCE_WORDS, min_size=1, max_size=25),
                  st.sampled_from([".", "!", "?", "", " …", "."])),
        min_size=1, max_size=30,
    ))
    if draw(st.booleans()) and len(sentences) > 2:  # repeated passages
        sentences += sentences[: draw(st.integers(1, len(sentences)))]
    out = []
    for s in sentences:
        out.append(s)
        out.append(draw(st.sampled_from([" ", " ", "\n", "\n\n", "\r\n", "  ", "\t", "\n \n"])))
    return "".join(out)


CHUNK_TEXT = st.one_of(_article_text(), st.text(min_size=1, max_size=3000),
                       st.sampled_from([b.decode("utf-8-sig") for b in SEED_BYTES]))


@settings(max_examples=CHUNK_EXAMPLES, **_COMMON)
@given(text=CHUNK_TEXT, size=st.integers(50, 1200), overlap_fraction=st.floats(0, 0.9))
@example(text="Gleicher Satz hier. " * 40, size=100, overlap_fraction=0.0)
@example(text="Titel\n\n" + "Gleicher Satz hier. " * 40, size=60, overlap_fraction=0.5)
def test_chunk_spans_equal_their_text(text, size, overlap_fraction):
    try:
        article = parse_article(text, "prop")
    except CorpusError as exc:
        assert "prop" in str(exc)
        return
    overlap = int(size * overlap_fraction)
    chunks = chunk_article(article, chunk_size=size, chunk_overlap=overlap)
    body = article.body
    # the exact offsets, not the text-search fallback, were used: they follow the splitter itself
    assert [c.text for c in chunks] == make_splitter(size, overlap).split_text(body)
    assert [(c.start, c.end) for c in chunks] == _split_spans(body, 0, len(body), SEPARATORS, size, overlap)
    assert chunks
    for i, c in enumerate(chunks):
        assert c.text and body[c.start:c.end] == c.text, (i, c)
        assert c.index == i and c.id == f"prop#{i}"
        assert len(c.text) <= size
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(body[i].isspace() for i in range(len(body)) if i not in covered)
    for s in article_sentences(article):
        assert s.text and body[s.start:s.end] == s.text


# ------------------------------------------------------------------------------------------------
# regressions for what the properties above found


@pytest.mark.parametrize("text, size, overlap, spans", [
    # repeated sentences used to be placed at an earlier copy of their text (0, 20, 40, ...)
    ("Gleicher Satz hier. " * 10, 100, 0, [(0, 99), (100, 199)]),
    # a short last chunk was placed inside the previous one, leaving the end of the body uncovered
    ("Die. Die. Die. Die Die Die Waffenstillstand Die. Die.", 50, 25, [(0, 48), (49, 53)]),
])
def test_repeated_text_gets_the_offsets_it_was_split_from(text, size, overlap, spans):
    chunks = chunk_article(Article("rep", "t", text), chunk_size=size, chunk_overlap=overlap)
    assert [(c.start, c.end) for c in chunks] == spans


def test_chunk_offsets_fall_back_to_text_lookup_if_the_splitter_works_differently(monkeypatch):
    import rag.ingest.chunking

    monkeypatch.setattr(rag.ingest.chunking, "_split_spans", lambda *args: [])  # as if the library changed
    text = "Gleicher Satz hier. " * 10
    chunks = chunk_article(Article("rep", "t", text), chunk_size=100, chunk_overlap=0)
    assert [(c.start, c.end) for c in chunks] == [(0, 99), (100, 199)]


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", "\u3000\u00a0\n".encode()])
def test_a_file_that_decodes_to_blank_text_is_empty(tmp_path, data):
    (tmp_path / "blank.txt").write_bytes(data)
    report = load_corpus(tmp_path)
    assert report.articles == [] and report.errors == []
    assert report.warnings == ["blank.txt: file is empty; skipped."]


@pytest.mark.parametrize("line", ["-" * 200, ", " * 100 + "Ende.", "– " * 80])
def test_a_long_first_line_of_punctuation_still_gives_a_title(line):
    article = parse_article(line + "\n\nText des Artikels.", "p")
    assert article.title.endswith(" …") and article.title == article.title.strip() and len(article.title) > 2


def test_a_file_with_only_boilerplate_is_named_with_its_suffix(tmp_path):
    (tmp_path / "z.md").write_text("6 Ansichten\n\nQuellen\n\n • dpa", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"^z\.md: no article text left"):
        read_article(tmp_path / "z.md")
