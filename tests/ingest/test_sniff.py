"""Content sniffing and bounded gzip inflation: mislabelled files and gzip bombs are caught by name."""

from __future__ import annotations

import gzip

import pytest

from rag.errors import CorpusError
from rag.ingest.sniff import binary_kind, inflate, is_gzip, refuse_binary, sniff


def test_gzip_round_trip_within_the_limit() -> None:
    data = gzip.compress(b"<html><body>Hallo</body></html>")
    assert is_gzip(data) and inflate(data, "a.html.gz", 1000) == b"<html><body>Hallo</body></html>"


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # 50 MB of zeros in ~50 KB
    assert len(bomb) < 100_000
    with pytest.raises(CorpusError, match=r"bomb\.html\.gz: inflates to more than 1,000,000 bytes"):
        inflate(bomb, "bomb.html.gz", 1_000_000)


@pytest.mark.parametrize("data", [b"\x1f\x8b\x08\x00garbage", gzip.compress(b"x" * 1000)[:20]])
def test_broken_or_cut_gzip_is_named(data: bytes) -> None:
    with pytest.raises(CorpusError, match=r"^z\.gz: (broken gzip|the gzip data is cut off)"):
        inflate(data, "z.gz", 10_000)


@pytest.mark.parametrize("data, kind", [
    (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
    (b"\xef\xbb\xbf  <html lang='de'>", "html"),
    (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "feed"),
    (b'<?xml version="1.0"?><!-- c --><feed xmlns="http://www.w3.org/2005/Atom">', "feed"),
    (b'<rdf:RDF xmlns:rdf="x">', "feed"),
    (b'<?xml version="1.0"?><urlset/>', "xml"),
    (b'{"title": "x"}\n', "jsonl"),
    (b"%PDF-1.7 ...", "binary"),
    (b"Schlagzeile\n\nText.", "text"),
])
def test_sniff_names_what_the_bytes_are(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.4", "a PDF document"), (b"PK\x03\x04rest", "a ZIP archive"), (b"\x89PNG\r\n", "a PNG image"),
    (b"\xff\xd8\xff\xe0", "a JPEG image"),
])
def test_binary_files_are_refused_with_what_to_do(data: bytes, words: str) -> None:
    assert binary_kind(data) is not None
    with pytest.raises(CorpusError, match=rf"^x\.html: is {words}.*not what its name says; "):
        refuse_binary(data, "x.html")


def test_text_is_not_binary() -> None:
    refuse_binary("Ärger über Zölle".encode(), "a.txt")
