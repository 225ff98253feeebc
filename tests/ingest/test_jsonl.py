"""JSON Lines exports: the accepted field names, ids, and bad lines reported by number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.errors import CorpusError
from rag.ingest.jsonl import JsonlLoader, record_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "news"


def load(data: bytes):
    return JsonlLoader().load(data, "export.jsonl", "export")


def test_field_names_and_bad_lines() -> None:
    articles, warnings = load((FIXTURES / "export.jsonl").read_bytes())
    assert [a.title for a in articles] == ["Stadtbibliothek verlängert Öffnungszeiten", "Wochenmarkt zieht auf den Rathausplatz"]
    first, second = articles
    assert (first.date, first.source, first.authors, first.language) == (
        "2025-09-18T11:20:00+02:00", "Wochenkurier Beispiel", ("Paula Prüfer", "Ben Beispiel"), "de")
    assert first.url == "https://wochenkurier.example/bibliothek-sonntags" and first.body.count("\n\n") == 1
    assert (second.date, second.source, second.authors) == ("2025-09-20", "Wochenkurier Beispiel", ("Ben Beispiel",))
    assert warnings == ["export.jsonl: line 3 is not valid JSON (Expecting value, column 1); skipped.",
                        "export.jsonl: line 4 has no text (fields text, body, content, article, maintext); skipped."]


def test_ids_come_from_the_record_id_then_url_then_line() -> None:
    assert record_id("f", {"id": "wk-001", "url": "u"}, 9) == record_id("f", {"id": "wk-001"}, 1)
    assert record_id("f", {"url": "https://x"}, 1) == record_id("f", {"link": "https://x"}, 7)
    assert record_id("f", {}, 1) != record_id("f", {}, 2)


def test_duplicates_html_text_and_utf8_problems() -> None:
    rows = [{"id": 1, "text": "<p>Erster Absatz.</p><p>Zweiter Absatz.</p>", "title": "T"}, {"id": 1, "text": "Noch einmal."}]
    articles, warnings = load("\n".join(json.dumps(r) for r in rows).encode())
    assert [a.body for a in articles] == ["Erster Absatz.\n\nZweiter Absatz."]
    assert warnings == ["export.jsonl: line 2 has the same id or url as line 1; skipped."]


@pytest.mark.parametrize("data", [b"", b"[1, 2]\n", b"{\"title\": \"x\"}\n", b"\x00\x01"])
def test_files_without_articles_are_named(data: bytes) -> None:
    with pytest.raises(CorpusError, match=r"^export\.jsonl: "):
        load(data)
