"""The pure HTML helpers of the web chat."""

from __future__ import annotations

import re
from dataclasses import replace

from rag.ui.views import (
    corpus_rows,
    esc,
    highlight,
    quote_span,
    render_answer,
    render_citation,
    render_error,
    render_markers,
    render_user,
    source_line,
)
from rag.types import Answer, Article, Citation, Hit

BODY = "Einleitung. Deutschland bietet an, Soldaten auf NATO-Gebiet zu stationieren. Mehr <Text> & so."


def citation(number: int = 1, *, source: str | None = "dpa", date: str | None = "2026-01-08",
             title: str = "Gipfel <in> Paris", shift: int = 0) -> Citation:
    passage_start, passage_end = 12, len(BODY)
    quote = "Deutschland bietet an, Soldaten auf NATO-Gebiet zu stationieren."
    qs = BODY.index(quote) + shift
    return Citation(number=number, article_id="a1", title=title, source=source, date=date,
                    text=BODY[passage_start:passage_end], quote=quote, quote_start=qs, quote_end=qs + len(quote),
                    passage_start=passage_start, passage_end=passage_end, score=0.9)


def hit(i: int) -> Hit:
    return Hit(id=f"a{i}#0", score=0.1, text=f"Passage <{i}>\n\nzweiter Absatz", article_id=f"a{i}",
               title=f"Titel {i}", source=None, date=None, start=0, end=20)


def test_esc_escapes_and_keeps_one_line() -> None:
    assert esc('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert esc("a\n\n  b\nc") == "a<br>b c"
    assert "\n" not in esc("x\n" * 5)


def test_source_line_fills_in_missing_outlet_and_date() -> None:
    assert source_line("dpa", "2026-01-08") == "dpa · 2026-01-08"
    assert source_line(None, None) == "unknown outlet · undated"
    assert source_line(None, None, "de") == "unbekannte Quelle · undatiert"


def test_markers_become_badges_and_text_is_escaped() -> None:
    html = render_markers("According to dpa (2026-01-08) [1][2]: a < b [3]")
    assert html.count('class="rag-ref"') == 3
    assert "[1]</span>" in html and "[3]</span>" in html
    assert "a &lt; b" in html


def test_quote_span_uses_offsets_and_falls_back_to_search() -> None:
    c = citation()
    start, end = quote_span(c)  # type: ignore[misc]
    assert c.text[start:end] == c.quote
    shifted = citation(shift=3)  # inconsistent offsets: found by searching
    assert quote_span(shifted) == (start, end)
    missing = Citation(**{**c.to_dict(), "quote": "nicht da", "quote_start": 0, "quote_end": 8})
    assert quote_span(missing) is None


def test_highlight_marks_exactly_the_quote() -> None:
    text = "A <b> quote here. Rest & more."
    html = highlight(text, (6, 17))
    assert re.search(r"<mark>(.*?)</mark>", html).group(1) == "quote here."  # type: ignore[union-attr]
    assert "A &lt;b&gt;" in html and "Rest &amp; more." in html
    assert "<mark>" not in highlight(text, None)


def test_citation_card_shows_title_outlet_date_and_highlighted_passage() -> None:
    html = render_citation(citation(2))
    assert '<span class="rag-num">2</span>' in html
    assert "Gipfel &lt;in&gt; Paris" in html and "<in>" not in html
    assert "dpa · 2026-01-08" in html
    assert "<mark>Deutschland bietet an, Soldaten auf NATO-Gebiet zu stationieren.</mark>" in html
    assert "Mehr &lt;Text&gt; &amp; so." in html
    assert html.count("…") == 1 and "… <mark>Deutschland" in html  # the passage starts mid-article
    assert "unbekannte Quelle · undatiert" in render_citation(citation(source=None, date=None), "de")


def test_answer_message_has_lines_badges_and_numbered_sources_in_order() -> None:
    answer = Answer(question="What did Germany offer?", language="en",
                    text="According to dpa (2026-01-08) [1]: Deutschland bietet an.\nAlso according to one report [2]: X.",
                    citations=(citation(1), citation(2, source=None, date=None, title="Zweiter")))
    html = render_answer(answer, interpreted="What did Germany offer? (rewritten)")
    assert html.startswith('<div class="rag-answer rag-extractive">')
    assert "\n" not in html  # one HTML block: markdown must not touch it
    assert html.count('<p class="rag-line">') == 2
    assert "Sources (2)" in html and "<details class=\"rag-sources\" open>" in html
    assert html.index('rag-num">1<') < html.index('rag-num">2<')
    assert "unknown outlet · undated" in html
    assert "Interpreted as" in html and "(rewritten)" in html
    assert "Interpreted as" not in render_answer(answer)


def test_abstention_looks_different_and_hides_closest_passages() -> None:
    answer = Answer(question="Which team lifted the football cup in Lisbon?", language="en", abstained=True,
                    text="The articles don't say anything about that.", hits=(hit(1), hit(2)))
    html = render_answer(answer)
    assert 'class="rag-abstain"' in html and "rag-answer" not in html
    assert "Not in the articles" in html and "The articles don&#x27;t say anything about that." in html
    assert '<details class="rag-closest">' in html and "open" not in html.split("rag-closest")[1][:5]
    assert "Closest passages (2)" in html
    assert "Passage &lt;1&gt;<br>zweiter Absatz" in html
    de = render_answer(Answer(question="?", text="Dazu steht in den Artikeln nichts.", abstained=True, language="de"))
    assert "Nicht in den Artikeln" in de and "rag-closest" not in de


def test_answer_without_citations_is_shown_as_abstention() -> None:
    assert "rag-abstain" in render_answer(Answer(question="q", text="Nothing.", abstained=False))


def test_error_and_user_messages_are_escaped() -> None:
    html = render_error("k must be <= 50")
    assert "rag-error" in html and "k must be &lt;= 50" in html
    assert render_user("<b>hi</b>") == "&lt;b&gt;hi&lt;/b&gt;"
    long = render_user("x" * 3000)
    assert len(long) < 500 and "(3000 characters)" in long


def test_corpus_rows_newest_first_then_undated() -> None:
    articles = [
        Article(id="b", title="B", body="eins zwei drei", date=None, source=None),
        Article(id="a", title="A", body="eins", date="2026-01-06", source="APA"),
        Article(id="c", title="C", body="eins zwei", date="2026-01-08", source="dpa"),
    ]
    rows = corpus_rows(articles)
    assert [r[4] for r in rows] == ["c", "a", "b"]
    assert rows[0] == ["2026-01-08", "dpa", "C", 2, "c", ""]
    dated = corpus_rows([Article(id="d", title="D", body="x", date="2024-04-22T15:26:46+00:00", source="BR",
                                 url="https://br.example/d")])
    assert dated == [["2024-04-22", "BR", "D", 1, "d", "https://br.example/d"]]  # the day, and the url
    assert rows[2][:2] == ["undated", "unknown outlet"]


def test_the_judges_confidence_is_shown_discreetly_only_when_judged() -> None:
    answered = Answer(question="q", text="Laut dpa [1]: x", citations=(citation(),), language="de", confidence=0.873)
    html = render_answer(answered)
    badge = re.search(r'<span class="rag-confidence" title="([^"]+)">([^<]+)</span>', html)
    assert badge and badge.group(2) == "Konfidenz 87 %" and "Sprachmodell" in badge.group(1)
    assert html.index("rag-confidence") > html.index("rag-sources")  # beside the sources, not in the answer text
    refused = render_answer(Answer(question="q", text="No.", abstained=True, language="en", confidence=0.12))
    assert "confidence 12%" in refused and "rag-abstain" in refused
    assert "rag-confidence" not in render_answer(replace(answered, confidence=None))


def test_a_partial_answer_writes_above_the_quoted_answer_in_the_question_language() -> None:
    from rag.ui.views import render_partial

    quoted = Answer("Was bietet Deutschland?", "Laut dpa [1]: Deutschland bietet an …", (citation(),), language="de")
    page = render_partial(["Deutschland bietet Soldaten an [1]."], quoted=quoted)
    assert "Die Antwort wird aus diesen Zitaten geschrieben" in page
    assert page.index("Deutschland bietet Soldaten an.") < page.index("rag-card")  # written text first, no marker
    assert "rag-cursor" in page and render_partial([], quoted=None).count("rag-card") == 0
    assert "&lt;script&gt;" in render_partial(["<script>x</script> [1]."], quoted=quoted)
