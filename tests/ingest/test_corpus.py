"""The article parser on every quirk of the scraped files, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.corpus import load_corpus
from rag.ingest.textfile import decode_bytes, parse_article
from rag.errors import CorpusError

from conftest import SEEDS

BOILERPLATE = ("Bearbeitet von", "Ansichten", "Quellen", "LExpress.fr", "Haben Sie einen Fehler",
               "⇢", "Weitere Details", "finden Sie auf", "date 2026", "Von: APA")


@pytest.fixture(scope="module")
def articles():
    report = load_corpus(SEEDS)
    assert report.errors == [] and report.warnings == []
    return {a.id: a for a in report.articles}


def test_all_seed_articles_load(articles):
    assert len(articles) == 5
    assert all(len(a.body) > 1500 for a in articles.values())


@pytest.mark.parametrize(
    "article_id, date, source",
    [
        ("000_b85ac6d17a26759f", "2026-01-08", "dpa"),  # date prefix + agency in the dateline
        ("001_839590ddcec05f87", "2026-01-06", "APA/Reuters/dpa"),  # date prefix + "Von:" byline
        ("002_f336709dc68a55e2", None, None),  # no metadata at all: never invented
        ("003_28df7c288b2227f0", None, None),  # date only in the text ("6. Januar 2026"): not taken
        ("004_3a99068f7abffe5f", None, None),
    ],
)
def test_dates_and_outlets(articles, article_id, date, source):
    assert articles[article_id].date == date
    assert articles[article_id].source == source


def test_headline_line_becomes_title(articles):
    a = articles["003_28df7c288b2227f0"]
    assert a.title == "Koalition der Willigen vereinbart bedingte Sicherheitsgarantien für Ukraine in Paris"
    assert not a.body.startswith("Koalition der Willigen vereinbart")
    assert a.meta["title_derived"] is False


def test_title_derived_from_lead_when_no_headline(articles):
    assert articles["000_b85ac6d17a26759f"].title.startswith("Nach dem Gipfel der «Koalition der Willigen»")
    assert articles["000_b85ac6d17a26759f"].meta["title_derived"] is True
    assert all(len(a.title) <= 125 for a in articles.values())


@pytest.mark.parametrize("needle", BOILERPLATE)
def test_boilerplate_removed(articles, needle):
    for a in articles.values():
        assert needle not in a.body, (a.id, needle)


def test_content_and_paragraphs_kept(articles):
    a = articles["003_28df7c288b2227f0"]
    assert a.body.endswith("um die Dynamik weiter zu festigen.")
    assert "\n\n" in a.body
    b = articles["004_3a99068f7abffe5f"]
    assert b.body.endswith("Sicherheit der am Konflikt beteiligten Nationen.")
    # a subheading stays attached to its paragraph (single newline)
    assert "Frühere Gespräche und Deutschland\nBereits am 15. Dezember 2025" in b.body
    assert "Kiew (dpa) – Der ukrainische Präsident" in articles["000_b85ac6d17a26759f"].body


def test_bom_and_crlf():
    text = "\ufeffÜberschrift ohne Punkt\r\n\r\nErster Absatz. Zweiter Satz.\r\nZweiter Absatz.\r\n"
    decoded, warning = decode_bytes(text.encode("utf-8"), "x.txt")
    assert warning is None
    a = parse_article(decoded, "x")
    assert a.title == "Überschrift ohne Punkt"
    assert a.body == "Erster Absatz. Zweiter Satz.\n\nZweiter Absatz."
    assert "\r" not in a.body and "\ufeff" not in a.title


def test_windows_1252_fallback_warns():
    decoded, warning = decode_bytes("Größere Truppen für die Ukraine.".encode("cp1252"), "legacy.txt")
    assert decoded == "Größere Truppen für die Ukraine."
    assert warning and "legacy.txt" in warning and "Windows-1252" in warning


def test_undecodable_and_binary_files_are_rejected_with_name():
    with pytest.raises(CorpusError, match="bin.txt"):
        decode_bytes(b"abc\x00def", "bin.txt")
    with pytest.raises(CorpusError, match="odd.txt"):
        decode_bytes(b"\x81\x8d\x8f\x90\x9d \xff\xfe", "odd.txt")


def test_german_date_prefix_and_byline():
    a = parse_article("Datum: 08.01.2026\nVon: Reuters\n\nTitelzeile\n\nText des Artikels.", "y")
    assert (a.date, a.source, a.title, a.body) == ("2026-01-08", "Reuters", "Titelzeile", "Text des Artikels.")


def test_only_boilerplate_is_an_error():
    with pytest.raises(CorpusError, match="z"):
        parse_article("6 Ansichten\n\nQuellen\n\n • dpa", "z")


def test_one_bad_file_never_stops_the_others(tmp_path: Path):
    (tmp_path / "good.txt").write_text("Titel\n\nEin guter Artikel über Frieden.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "legacy.md").write_bytes("Überschrift\n\nÄrger über Zölle.".encode("cp1252"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    (tmp_path / "good.md").write_text("Same id as good.txt", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert sorted(a.id for a in report.articles) == ["good", "legacy"]
    assert any("empty.txt" in w for w in report.warnings)
    assert any("legacy.md" in w for w in report.warnings)
    assert any("binary.txt" in e for e in report.errors)
    assert any("good.txt" in e or "good.md" in e for e in report.errors)


def test_missing_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


# --- folders of real news: recursion, exclusions, other formats ---------------------------------------

NEWS = Path(__file__).resolve().parents[1] / "fixtures" / "news"


def test_folders_are_read_recursively_and_every_skipped_file_is_named(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(NEWS, tmp_path / "news")
    shutil.copy(SEEDS / "000_b85ac6d17a26759f.txt", tmp_path / "top.txt")
    (tmp_path / "news" / "scan.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "news" / "letter.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "notes.xyz").write_text("x", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("MIT", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.txt").write_text("ref: main", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert report.files["top"] == "top.txt" and report.files["hafen"] == "news/hafen.html"
    assert len(report.articles) == 8 and not any(a.id == "HEAD" for a in report.articles)
    skipped = "\n".join(report.skipped)
    for rel, why in [("news/README.md", "documentation"), ("LICENSE", "documentation"), ("news/scan.pdf", "pdftotext"),
                     ("news/letter.docx", "Word documents are not read"), ("photo.png", "no loader reads .png"),
                     ("notes.xyz", "no loader reads .xyz")]:
        assert any(line.startswith(rel + ":") and why in line for line in report.skipped), (rel, skipped)


def test_exclude_globs_and_the_ragignore_file(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(NEWS, tmp_path, dirs_exist_ok=True)
    (tmp_path / ".ragignore").write_text("# feeds are fetched again daily\n*.xml\n", encoding="utf-8")
    report = load_corpus(tmp_path, exclude=["export.jsonl"])
    assert sorted(a.id for a in report.articles) == ["hafen", "radweg"]
    assert "export.jsonl: excluded by 'export.jsonl'" in report.skipped and "2 files excluded by '*.xml': atom.xml, feed.xml" in report.skipped


def test_the_same_article_in_two_files_is_indexed_once_and_reported(tmp_path: Path) -> None:
    import json as _json
    import shutil

    shutil.copy(NEWS / "hafen.html", tmp_path / "hafen.html")
    row = {"title": "Hafenfest lockt 40.000 Besucher an", "text": "Rund 40.000 Menschen kamen zum Fest.",
           "url": "https://nordkurier.example/lokales/hafenfest-lockt-besucher/?ref=rss"}
    other = {"title": "Anderes", "text": "Ein anderer Artikel.", "url": "https://nordkurier.example/lokales/anderes"}
    (tmp_path / "zz_export.jsonl").write_text("\n".join(_json.dumps(r) for r in (row, other)), encoding="utf-8")
    report = load_corpus(tmp_path)
    assert sorted(report.files.values()) == ["hafen.html", "zz_export.jsonl"]
    assert any(w.startswith("zz_export.jsonl: 1 of 2 articles have the url of an article already read (first: hafen")
               and "--exclude zz_export.jsonl" in w for w in report.warnings), report.warnings
