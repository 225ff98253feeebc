"""The header and footer lines of German news text: datelines, "Stand:", bylines, "Quelle:" — one table.

Every form the text parser recognises is a row of ``HEADER_FORMS`` (tried on the first lines of an
article) or ``FOOTER_FORMS`` (tried on its last lines). Each row is a name, a regular expression
anchored at the line start, and what it yields; a row whose ``rest`` is True leaves the text after
the match on the line (``date 2026-01-08 Nach dem Gipfel …``), otherwise the match must cover the
whole line, which is then removed. The date and time forms follow what htmldate/trafilatura accept
in German pages (``02.02.2026``, ``2. Februar 2026``, ``2. Feb. 2026``, ``2026-02-02``, with
``14:35 Uhr``/``14.35 Uhr``/``um 14:35``), not any one outlet.

| name | example | yields |
|---|---|---|
| ``iso_prefix`` | ``date 2026-01-08 Text …`` | date; the text stays |
| ``labelled_date`` | ``Stand: 02.02.2026 14:35 Uhr``, ``Veröffentlicht am 2. Februar 2026`` | date (+ time) |
| ``date_line`` | ``Montag, 2. Februar 2026, 14:35 Uhr \\| Von Max Mustermann`` | date (+ time), byline |
| ``byline_colon`` | ``Von: APA/Reuters/dpa``, ``Quelle: Reuters`` | outlet (agencies) or authors |
| ``byline`` | ``Von Max Mustermann und Erika Musterfrau`` | authors (agencies → outlet) |
| ``reading_time`` | ``Lesedauer: 3 Minuten`` | nothing (dropped) |
| footer ``source`` | ``Quelle: tagesschau.de`` | outlet |
| footer ``copyright`` | ``© dpa-infocom, dpa:240422-99-…`` | outlet when it names an agency |
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from rag.lang.calendar import MONTH_ABBREVIATIONS, MONTHS, WEEKDAY_ABBREVIATIONS, WEEKDAYS, alternation

# News agencies of the German-speaking press: a byline naming only these names the outlet, not authors.
AGENCIES = frozenset(a.casefold() for a in (
    "dpa", "AFP", "Reuters", "AP", "APA", "KNA", "epd", "SDA", "Keystone-SDA", "dts", "ddp", "sid", "SID",
    "ots", "Bloomberg", "ANSA", "EFE", "Xinhua", "TASS", "Ukrinform", "dpa-AFX", "AWP", "idea", "KAP",
))
_MONTHS = MONTHS | MONTH_ABBREVIATIONS  # a dateline may abbreviate: "2. Feb. 2026"
_MONTH = alternation(_MONTHS)
_WEEKDAY = rf"(?:(?:{alternation(w.capitalize() for w in WEEKDAYS | WEEKDAY_ABBREVIATIONS)})\.?,?\s+)?"
_DATE = (rf"(?:(?P<d1>\d{{1,2}})\.\s?(?P<m1>\d{{1,2}})\.\s?(?P<y1>\d{{4}})"
         rf"|(?P<d2>\d{{1,2}})\.\s*(?P<mon>(?i:{_MONTH}))\.?\s+(?P<y2>\d{{4}})"
         rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))")
_TIME = r"(?:\s*(?:,|um|-|–|\|)?\s*(?P<H>[01]?\d|2[0-3])[:.](?P<M>[0-5]\d)(?:\s*Uhr)?)?"
_LABEL = (r"(?:Datum|Stand|Veröffentlicht(?:\s+am)?|Publiziert(?:\s+am)?|Erschienen(?:\s+am)?|Erstellt(?:\s+am)?|"
          r"(?:Zuletzt\s+)?[Aa]ktualisiert(?:\s+am)?)")
_PARTICLES = frozenset({"von", "van", "de", "del", "der", "den", "zu", "di", "da", "le", "la"})


@dataclass(frozen=True)
class Form:
    """One row of the table: a name, a pattern anchored at the line start, and whether text may follow it."""

    name: str
    pattern: re.Pattern[str]
    rest: bool = False


HEADER_FORMS: tuple[Form, ...] = (
    Form("iso_prefix", re.compile(r"\s*(?:date|datum|Datum|Date)\s*:?\s*(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})\b\s*"),
         rest=True),
    Form("labelled_date", re.compile(rf"\s*{_LABEL}\s*:?\s*{_WEEKDAY}{_DATE}{_TIME}\b\s*"
                                     rf"(?:\|\s*(?P<by>.+?))?\s*$")),
    Form("labelled_date_prefix", re.compile(r"\s*(?:Datum|Stand)\s*:?\s*(?P<d1>\d{1,2})\.(?P<m1>\d{1,2})\.(?P<y1>\d{4})\b\s*"),
         rest=True),
    Form("date_line", re.compile(rf"\s*{_WEEKDAY}{_DATE}{_TIME}\s*(?:\|\s*(?P<by>.+?))?\s*$")),
    Form("byline_colon", re.compile(r"\s*(?P<label>Von|Quelle)\s*:\s*(?P<by>.+?)\s*$")),
    Form("byline", re.compile(r"\s*(?:Von|Ein Beitrag von|Text:)\s+(?P<by>[A-ZÄÖÜ][^.!?:;]{2,120}?)\s*$")),
    Form("reading_time", re.compile(r"\s*(?:Lesedauer|Lesezeit)\s*:?\s*(?:ca\.\s*)?\d+\s*(?:Minuten|Minute|Min\.?)\s*$",
                                    re.IGNORECASE)),
)
FOOTER_FORMS: tuple[Form, ...] = (
    Form("source", re.compile(r"\s*(?:Quelle|Quellen)\s*:\s*(?P<by>[^!?]{2,80}?)\s*$")),
    Form("copyright", re.compile(r"\s*(?:©|\(c\)|Copyright)\s*(?P<by>[\w-]+).{0,120}$", re.IGNORECASE)),
)
HEADER_LINES = 4  # header forms are tried on this many lines at the top


def _date(m: re.Match[str]) -> str | None:
    """The ISO date (with ``THH:MM`` when a time was matched) of a match, or None if it is no calendar day."""
    groups = m.groupdict()
    if groups.get("y1"):
        y, mo, d = int(groups["y1"]), int(groups["m1"]), int(groups["d1"])
    elif groups.get("y2"):
        y, mo, d = int(groups["y2"]), _MONTHS[groups["mon"].lower()], int(groups["d2"])
    elif groups.get("y3"):
        y, mo, d = int(groups["y3"]), int(groups["m3"]), int(groups["d3"])
    else:
        return None
    try:
        day = datetime.date(y, mo, d).isoformat() if 1900 <= y <= 2200 else None
    except ValueError:  # 31.02.2026
        day = None
    if day is None:
        return None
    return f"{day}T{int(groups['H']):02d}:{groups['M']}" if groups.get("H") else day


def is_person(name: str) -> bool:
    """Whether a byline part looks like a person's name: 2-5 words, each capitalized but for particles (von, de)."""
    words = name.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() or w in _PARTICLES for w in words) and words[0][:1].isupper()


def split_byline(text: str) -> tuple[list[str], list[str]]:
    """A byline's names split into (authors, agencies): ``Max Muster, dpa`` → (["Max Muster"], ["dpa"])."""
    text = re.sub(r"^(?:Von|Quelle)\s*:?\s+", "", text.strip())
    parts = [p.strip(" .") for p in re.split(r"\s*(?:,|/|&|\bund\b|\band\b)\s*", text) if p.strip(" .")]
    agencies = [p for p in parts if p.casefold() in AGENCIES]
    return [p for p in parts if p.casefold() not in AGENCIES], agencies


def read_header(line: str) -> tuple[dict[str, object], str] | None:
    """Match one header line against the table: (what it yields, the text left on the line), or None."""
    for form in HEADER_FORMS:
        m = form.pattern.match(line)
        if m is None:
            continue
        found: dict[str, object] = {}
        date = _date(m)
        if date:
            found["date"] = date
        elif form.name in ("iso_prefix", "labelled_date", "labelled_date_prefix", "date_line"):
            continue  # 31.02.2026 or 99.99.2026: not a date, so not this form
        by = m.groupdict().get("by")
        if by and form.name == "byline_colon" and m.group("label") == "Quelle":
            found["source"] = by
        elif by and form.name == "byline_colon":
            authors, agencies = split_byline(by)
            found.update({"source": by} if not authors else {"authors": authors})
        elif by:
            authors, agencies = split_byline(by)
            if not all(is_person(a) for a in authors):
                if form.name == "byline":
                    continue  # "Von Nullen und Einsen" is a headline, not two people: a byline names first and last names
                authors = []
            if authors:
                found["authors"] = authors
            if agencies:
                found["source"] = "/".join(agencies)
        return found, line[m.end():] if form.rest else ""
    return None


def read_footer(line: str) -> dict[str, object] | None:
    """Match one footer line against the table: what it yields (maybe nothing), or None if it is text."""
    for form in FOOTER_FORMS:
        m = form.pattern.match(line)
        if m is None:
            continue
        by = m.group("by")
        if form.name == "copyright":
            return {"source": by} if by.casefold() in AGENCIES else {}
        return {"source": by}
    return None
