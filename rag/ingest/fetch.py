"""``rag add URL``: fetch a news page or an RSS/Atom feed over HTTP(S) and store the original in the corpus folder.

The fetched bytes are stored unchanged as ``web/<host>/<name>-<hash>.html`` (or ``.xml`` for a
feed) under the corpus folder, so the index can be rebuilt offline, and the URL is recorded in
the folder's ``.rag-sources.json`` (for pages that do not name their own URL). Fetching uses
httpx with connect/read timeouts, at most 5 redirects, http(s) only, and a size limit that is
enforced while the body streams in (after decompression, so a compressed bomb stops early). A
page is stored only when its loader finds an article in it; everything else is a ``FetchError``
that names the URL, the problem and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from rag import __version__
from rag.errors import CorpusError, RagError
from rag.ingest.corpus import SOURCES_FILE, fetched_sources
from rag.ingest.feed import FeedLoader
from rag.ingest.html import HtmlLoader
from rag.ingest.sniff import binary_kind, sniff

MAX_FETCH_BYTES = 10_000_000
MAX_REDIRECTS = 5
USER_AGENT = f"nachrichten-rag/{__version__} (news question answering; fetches single pages on request)"
ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.1"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class FetchError(RagError):
    """A URL could not be fetched or holds no news page or feed; the message names the URL."""


@dataclass(frozen=True)
class Fetched:
    """What a server sent: the final URL (after redirects), its content type and the body."""

    url: str
    content_type: str
    data: bytes


def check_url(url: str) -> str:
    """The URL stripped, if it is http(s) with a host; ``FetchError`` otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not an http(s) address; give the full address, e.g. https://example.org/article.")
    return url


def fetch(url: str, *, timeout: float = 20.0, max_bytes: int = MAX_FETCH_BYTES) -> Fetched:
    """GET the URL, following at most ``MAX_REDIRECTS`` redirects; refuse bodies over ``max_bytes``."""
    import httpx

    url = check_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, headers=headers,
                          timeout=httpx.Timeout(timeout)) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"{url}: the server answered {response.status_code} {response.reason_phrase}; "
                                 "check the address.")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: {int(declared):,} bytes is more than the {max_bytes:,}-byte limit; "
                                 "save the page yourself and put its text in the corpus folder.")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: the body is larger than the {max_bytes:,}-byte limit; it was not stored.")
                chunks.append(chunk)
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return Fetched(str(response.url), kind, b"".join(chunks))
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects; open it in a browser and use the final address.") from None
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {timeout:g} s; try again later or raise --timeout.") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: cannot be fetched ({type(exc).__name__}: {exc}); check the address and the network.") from None


def classify(fetched: Fetched) -> str:
    """``html`` or ``feed`` by content and declared type; ``FetchError`` for anything else (PDF, images, JSON)."""
    found = binary_kind(fetched.data)
    if found is not None:
        raise FetchError(f"{fetched.url}: is {found[0]} ({fetched.content_type or 'no content type'}), not an HTML "
                         f"page or a feed; {found[1]}.")
    kind = sniff(fetched.data)
    if kind in ("html", "feed"):
        return kind
    if fetched.content_type in _HTML_TYPES:
        return "html"
    if fetched.content_type in _FEED_TYPES and kind == "xml":
        return "feed"
    raise FetchError(f"{fetched.url}: the server sent {fetched.content_type or 'an unknown content type'}, not an "
                     "HTML page or an RSS/Atom feed; only news pages and feeds can be added by URL.")


def file_name(url: str, kind: str) -> str:
    """``web/<host>/<last path segment>-<8 hex digits of the URL>.html|.xml``: stable for a URL, safe on any disk."""
    parts = urlsplit(url)
    host = re.sub(r"[^a-z0-9.-]", "_", (parts.hostname or "site").lower()).strip(".") or "site"
    stem = re.sub(r"\.(?:s?html?|php|aspx?|xml|rss|atom)$", "", parts.path.rstrip("/").rsplit("/", 1)[-1], flags=re.I)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "index"
    digest = hashlib.sha1(url.encode()).hexdigest()[:8]
    return f"web/{host}/{stem}-{digest}{'.html' if kind == 'html' else '.xml'}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fetch-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_into(url: str, seeds_dir: Path, *, timeout: float = 20.0, max_bytes: int = MAX_FETCH_BYTES) -> str:
    """Fetch a page or feed, check that it holds articles, store it under ``seeds_dir``; return its relative path."""
    fetched = fetch(url, timeout=timeout, max_bytes=max_bytes)
    kind = classify(fetched)
    rel = file_name(check_url(url), kind)
    loader = HtmlLoader() if kind == "html" else FeedLoader()
    try:
        articles, _ = loader.load(fetched.data, url, Path(rel).name.split(".")[0])
    except CorpusError as exc:
        raise FetchError(f"{exc} Nothing was stored.") from None
    if not seeds_dir.is_dir():
        raise FetchError(f"Corpus folder {seeds_dir} does not exist; create it or pass --seeds.")
    _write_atomic(seeds_dir / rel, fetched.data)
    sources = fetched_sources(seeds_dir)
    sources[rel] = {"url": url, "final_url": fetched.url, "content_type": fetched.content_type,
                    "articles": len(articles), "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    _write_atomic(seeds_dir / SOURCES_FILE, json.dumps(sources, ensure_ascii=False, indent=1, sort_keys=True).encode())
    return rel
