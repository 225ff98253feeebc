"""The plain-text parser: the seeds parse exactly as before, and the header/footer table of headers.py."""

from __future__ import annotations

import hashlib
import json

import pytest

from rag.ingest.corpus import load_corpus
from rag.ingest.headers import read_footer, read_header, split_byline
from rag.ingest.textfile import parse_article

from conftest import SEEDS

# sha256 of [id, title, body, date, source] of each seed as parsed before the header table existed
SEED_FINGERPRINTS = {
    "000_b85ac6d17a26759f": "f2ea5d2919527d1752b3ff63115683b055b1f8aa990a999250fd784e5837556e",
    "001_839590ddcec05f87": "8f40dbf749193973ca6c8b9e8466cfc4d0b3feeb94a2f465077bea2ea8d542de",
    "002_f336709dc68a55e2": "3f030447267f50a5c22fc69e8ffc41e16b13b505b8db64eac1022795d65b9d1e",
    "003_28df7c288b2227f0": "ba3ae10e8115a08f9769d4b80f7278e92113682a9a7c2ac73646008a9ab905e1",
    "004_3a99068f7abffe5f": "67156a3fa3809f84b093ac55efb129445c0b2befc6295a71ef97c3a060be37c9",
}


def test_the_seeds_parse_exactly_as_before() -> None:
    report = load_corpus(SEEDS)
    assert report.errors == report.warnings == report.skipped == []
    got = {a.id: hashlib.sha256(json.dumps([a.id, a.title, a.body, a.date, a.source], ensure_ascii=False).encode())
           .hexdigest() for a in report.articles}
    assert got == SEED_FINGERPRINTS
    assert all(a.authors == () and a.url is None for a in report.articles)


def test_stand_line_gives_date_and_time_not_a_title() -> None:
    a = parse_article("Stand: 02.02.2026 14:35 Uhr\n\nRathaus wird saniert\n\nDie Sanierung beginnt im Mai.", "x")
    assert (a.date, a.title, a.body) == ("2026-02-02T14:35", "Rathaus wird saniert", "Die Sanierung beginnt im Mai.")


def test_dateline_with_byline_gives_date_and_author() -> None:
    text = "Rathaus wird saniert\n2. Februar 2026, 14:35 Uhr | Von Max Mustermann\n\nDie Sanierung beginnt im Mai."
    a = parse_article(text, "x")
    assert a.date == "2026-02-02T14:35" and a.authors == ("Max Mustermann",)
    assert a.title == "Rathaus wird saniert" and "Mustermann" not in a.body and "2026" not in a.body


@pytest.mark.parametrize("line, found", [
    ("Veröffentlicht am 3. Jänner 2025", {"date": "2025-01-03"}),
    ("Aktualisiert am 14.03.2024 um 09.05 Uhr", {"date": "2024-03-14T09:05"}),
    ("Montag, 7. Okt. 2024", {"date": "2024-10-07"}),
    ("Datum: 2024-05-01", {"date": "2024-05-01"}),
    ("Von Erika Musterfrau und Max Mustermann, dpa", {"authors": ["Erika Musterfrau", "Max Mustermann"], "source": "dpa"}),
    ("Von: AFP/dpa", {"source": "AFP/dpa"}),
    ("Von: Paula Prüfer", {"authors": ["Paula Prüfer"]}),
    ("Quelle: Reuters", {"source": "Reuters"}),
    ("Lesedauer: 3 Minuten", {}),
])
def test_header_forms(line: str, found: dict) -> None:
    result = read_header(line)
    assert result is not None and result[0] == found and result[1] == ""


@pytest.mark.parametrize("line", [
    "Von Nullen und Einsen",  # a headline, not two people
    "Von der Leyen sagte am Montag, die EU werde helfen.",
    "31.02.2026",  # no such day
    "Die Koalition traf sich am 6. Januar 2026 in Paris.",
])
def test_lines_that_are_not_headers(line: str) -> None:
    assert read_header(line) is None


def test_footers() -> None:
    assert read_footer("Quelle: tagesschau.de") == {"source": "tagesschau.de"}
    assert read_footer("© dpa-infocom, dpa:240422-99-1") == {}
    assert read_footer("© dpa 2024") == {"source": "dpa"}
    assert read_footer("Das war ein langer Satz über etwas anderes.") is None
    a = parse_article("Titel der Meldung\n\nErster Absatz mit Inhalt.\n\nQuelle: Beispielkurier", "f")
    assert a.source == "Beispielkurier" and "Quelle" not in a.body


def test_split_byline() -> None:
    assert split_byline("Max Muster, dpa") == (["Max Muster"], ["dpa"])
    assert split_byline("Von: APA/Reuters/dpa") == ([], ["APA", "Reuters", "dpa"])
