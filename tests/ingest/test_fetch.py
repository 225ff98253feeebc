"""`rag add URL`: fetching from a real HTTP server on loopback (the fixture pages), and every way it can fail."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.ingest.corpus import SOURCES_FILE, load_corpus
from rag.ingest.fetch import FetchError, check_url, fetch_into, file_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "news"
PAGE = (FIXTURES / "radweg.html").read_bytes()
ROUTES: dict[str, tuple[int, str, bytes, dict[str, str]]] = {
    "/radweg": (200, "text/html; charset=utf-8", PAGE, {}),
    "/feed": (200, "application/rss+xml", (FIXTURES / "feed.xml").read_bytes(), {}),
    "/mislabelled-feed": (200, "text/plain", (FIXTURES / "feed.xml").read_bytes(), {}),
    "/report.pdf": (200, "application/pdf", b"%PDF-1.7\n...", {}),
    "/data.json": (200, "application/json", b'{"a": 1}', {}),
    "/empty-page": (200, "text/html", b"<html><body><nav>Start</nav></body></html>", {}),
    "/big": (200, "text/html", b"<html>" + b" " * 2_000_000, {}),
    "/gzip-bomb": (200, "text/html", gzip.compress(b" " * 30_000_000), {"Content-Encoding": "gzip"}),
    "/moved": (301, "text/html", b"", {"Location": "/radweg"}),
    "/loop": (302, "text/html", b"", {"Location": "/loop"}),
    "/gone": (404, "text/html", b"not here", {}),
}


class Handler(BaseHTTPRequestHandler):
    """Serves ROUTES; /slow waits longer than the client's timeout."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/slow":
            time.sleep(3)
        status, kind, body, headers = ROUTES.get(self.path, (200, "text/html", PAGE, {}))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 (loopback only), stopped after the module."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_is_stored_under_the_corpus_folder_and_read_offline(server: str, tmp_path: Path) -> None:
    rel = fetch_into(f"{server}/radweg", tmp_path)
    assert rel.startswith("web/127.0.0.1/radweg-") and rel.endswith(".html")
    assert (tmp_path / rel).read_bytes() == PAGE  # the original, unchanged
    sources = json.loads((tmp_path / SOURCES_FILE).read_text(encoding="utf-8"))
    assert sources[rel]["url"] == f"{server}/radweg" and sources[rel]["articles"] == 1
    (article,) = load_corpus(tmp_path).articles
    assert article.title == "Stadtrat beschließt neuen Radweg" and article.url == f"{server}/radweg"
    assert fetch_into(f"{server}/radweg", tmp_path) == rel  # fetched again: the same file, replaced


def test_feeds_redirects_and_mislabelled_content(server: str, tmp_path: Path) -> None:
    assert fetch_into(f"{server}/feed", tmp_path).endswith(".xml")
    assert fetch_into(f"{server}/mislabelled-feed", tmp_path).endswith(".xml")  # the bytes say feed
    assert fetch_into(f"{server}/moved", tmp_path).endswith(".html")
    report = load_corpus(tmp_path)
    assert len(report.articles) == 2 + 1 and report.errors == []  # the same feed twice: its entries once
    assert any("2 of 2 articles have the url of an article already read" in w for w in report.warnings)


@pytest.mark.parametrize("path, message", [
    ("/report.pdf", "is a PDF document (application/pdf), not an HTML page or a feed"),
    ("/data.json", "the server sent application/json, not an HTML page or an RSS/Atom feed"),
    ("/empty-page", "no article text found on this page"),
    ("/big", "2,000,006 bytes is more than the 1,000,000-byte limit"),
    ("/gzip-bomb", "larger than the 1,000,000-byte limit"),
    ("/loop", "more than 5 redirects"),
    ("/gone", "the server answered 404 Not Found"),
    ("/slow", "no answer within 1 s"),
])
def test_failures_are_clear_and_store_nothing(server: str, tmp_path: Path, path: str, message: str) -> None:
    with pytest.raises(FetchError, match=r"^" + f"{server}{path}: ".replace(".", r"\.") + ".*" + message.replace("(", r"\(").replace(")", r"\)")):
        fetch_into(f"{server}{path}", tmp_path, timeout=1, max_bytes=1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_and_non_http_addresses(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="cannot be fetched .*ConnectError"):
        fetch_into("http://127.0.0.1:9/x", tmp_path, timeout=2)
    for url in ("ftp://example.org/a", "file:///etc/passwd", "example.org/a", "http://"):
        with pytest.raises(FetchError, match="is not an http\\(s\\) address"):
            check_url(url)


def test_file_names_are_stable_and_safe() -> None:
    name = file_name("https://www.example.org/politik/artikel-123.html?x=1", "html")
    assert name == file_name("https://www.example.org/politik/artikel-123.html?x=1", "html")
    assert name.startswith("web/www.example.org/artikel-123-") and name.endswith(".html")
    assert file_name("https://example.org/../../etc/", "feed").startswith("web/example.org/etc-")
    assert ".." not in file_name("https://example.org/..%2F..%2Fx", "html")
