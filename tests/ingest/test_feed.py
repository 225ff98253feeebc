"""RSS/Atom feeds: one article per entry, full content preferred, stable ids, XML bombs refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import CorpusError
from rag.ingest.feed import FeedLoader, fragment_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "news"


def load(name: str, data: bytes | None = None):
    return FeedLoader().load(data if data is not None else (FIXTURES / name).read_bytes(), name, Path(name).stem)


def test_rss_entries_with_full_content_else_summary() -> None:
    articles, warnings = load("feed.xml")
    assert warnings == [] and len(articles) == 2
    bridge, school = articles
    assert bridge.title == "Brücke über die Ahrbach wird im Juli gesperrt"
    assert bridge.body.startswith("Die Brücke über die Ahrbach") and "Kurzfassung" not in bridge.body
    assert bridge.body.count("\n\n") == 1 and bridge.meta["full_content"] is True  # two <p>, two paragraphs
    assert (bridge.date, bridge.source, bridge.authors) == ("2025-05-05T07:15:00+02:00", "Talbote Beispiel", ("Lena Testerin",))
    assert bridge.url == "https://talbote.example/verkehr/bruecke-gesperrt" and bridge.language == "de"
    assert school.body.startswith("Die Musikschule Beispieltal wird 50") and school.meta["full_content"] is False


def test_atom_entry() -> None:
    (entry,), _ = load("atom.xml")
    assert (entry.title, entry.date, entry.authors) == (
        "Neue Seilbahn auf den Probeberg eröffnet", "2025-09-09T10:00:00+02:00", ("Tom Muster",))
    assert entry.source == "Bergblatt Beispiel" and entry.body.endswith("Der Bau hat 24 Millionen Euro gekostet.")


def test_ids_are_stable_and_follow_the_guid_not_the_position() -> None:
    data = (FIXTURES / "feed.xml").read_bytes()
    first = [a.id for a in load("feed.xml", data)[0]]
    start, end = data.index(b"<item>"), data.index(b"</item>") + len(b"</item>")
    reordered = data[:start] + data[end:].replace(b"</channel>", data[start:end] + b"</channel>")
    assert sorted(a.id for a in load("feed.xml", reordered)[0]) == sorted(first)
    assert all(i.startswith("feed-") and len(i) == len("feed-") + 10 for i in first)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>t</title><description>&x;</description></item></channel></rss>"""


@pytest.mark.parametrize("data", [BOMB, EXTERNAL, BOMB.replace(b"</rss>", b"<broken")])
def test_entity_declarations_are_refused_unexpanded(data: bytes) -> None:
    with pytest.raises(CorpusError, match=r"^bomb\.xml: the XML declares entities"):
        load("bomb.xml", data)


@pytest.mark.parametrize("data, problem", [
    (b"<?xml version='1.0'?><urlset><url><loc>x</loc></url></urlset>", "no feed entries found"),
    (b"<rss version='2.0'><channel><item><title>Nur Titel</title></item></channel></rss>", "none of its 1 entries"),
    (b"", "file is empty"),
])
def test_feeds_without_articles_are_named(data: bytes, problem: str) -> None:
    with pytest.raises(CorpusError, match=rf"^f\.xml: {problem}"):
        load("f.xml", data)


def test_fragment_text() -> None:
    assert fragment_text("<p>Eins <b>zwei</b></p><p>Drei<br>Vier</p><script>x()</script>") == "Eins zwei\n\nDrei\n\nVier"
    assert fragment_text("Nur Text") == "Nur Text"
