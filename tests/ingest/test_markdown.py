"""Markdown: markup stripped from what the model sees, header lines and front matter read, offsets valid."""

from __future__ import annotations

from rag.ingest.chunking import article_sentences, chunk_article
from rag.ingest.markdown import MarkdownLoader, front_matter

TEXT = """# Neue **Fähre** nach Inselhausen

2. Februar 2026, 14:35 Uhr | Von Max Mustermann

Die [Reederei Beispiel](https://example.org) setzt ab *März* eine neue Fähre ein. Sie fasst `400` Fahrgäste.

## Fahrplan

- Täglich um 8 Uhr
- Sonntags um 10 Uhr

> „Wir sind stolz“, sagte die Chefin.

<div class="ad">Anzeige</div>

![Die neue Fähre im Hafen](bild.jpg)
"""


def test_markup_is_stripped_and_the_header_read() -> None:
    (a,), warnings = MarkdownLoader().load(TEXT.encode(), "faehre.md", "faehre")
    assert warnings == [] and a.title == "Neue Fähre nach Inselhausen"
    assert (a.date, a.authors) == ("2026-02-02T14:35", ("Max Mustermann",))
    assert a.body.startswith("Die Reederei Beispiel setzt ab März eine neue Fähre ein. Sie fasst 400 Fahrgäste.")
    for markup in ("**", "](", "#", "`", "<div", "Anzeige", "- Täglich", "> „"):
        assert markup not in a.body, markup
    assert "Fahrplan" in a.body and "Täglich um 8 Uhr" in a.body and "„Wir sind stolz“" in a.body
    assert "Die neue Fähre im Hafen" in a.body  # an image's alt text is text


def test_offsets_point_into_the_stored_body() -> None:
    (a,), _ = MarkdownLoader().load(TEXT.encode(), "faehre.md", "faehre")
    for chunk in chunk_article(a, chunk_size=80, chunk_overlap=10):
        assert a.body[chunk.start:chunk.end] == chunk.text
    for sentence in article_sentences(a):
        assert a.body[sentence.start:sentence.end] == sentence.text


def test_front_matter() -> None:
    meta, rest = front_matter("---\ntitle: \"Titel\"\ndate: 2025-01-02\noutlet: Kurier\nauthors:\n  - A B\n  - C D\n---\nText")
    assert meta == {"title": "Titel", "date": "2025-01-02", "source": "Kurier", "authors": ["A B", "C D"]} and rest == "Text"
    (a,), _ = MarkdownLoader().load(b"---\ntitle: Titel\nsource: Kurier\nurl: https://k.example/a\n---\nDer Text.", "k.md", "k")
    assert (a.title, a.source, a.url, a.body) == ("Titel", "Kurier", "https://k.example/a", "Der Text.")
