"""The served app under change and load: `rag ingest` while clients ask, bounded questions, k and queue."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import running_app

ROOT = Path(__file__).resolve().parents[2]
import rag.ui.chat as app
import rag.ui.steps as steps
from rag.ui.examples import examples as example_questions
from rag.config import MAX_K, MAX_QUESTION_CHARS
from rag.types import Answer, Article
from rag.ui.watch import manifest_stamp

QUEUE_SIZE = 5  # > the most requests this module has waiting at once (3 users + 1 probe, 2 in progress)
RELOAD_INTERVAL = 1.0
CLIENTS = 3
THINK = 0.2  # seconds each user pauses between questions, so the ingest gets some CPU on 2 cores
# three of the five articles (Germany's offer, the monitoring): the builds dominate this module's runtime
SEEDS = ["000_b85ac6d17a26759f.txt", "001_839590ddcec05f87.txt", "002_f336709dc68a55e2.txt"]
SWAP_BOUND = 45.0  # seconds from the end of `rag ingest` until the new article is cited
QUESTIONS = ["What did Germany offer?", "Was hat Deutschland angeboten?",
             "Who will lead the ceasefire monitoring?", "Wer soll den Waffenstillstand überwachen?"]
NEW_QUESTIONS = ["How many soldiers will Spain send?", "Wie viele Soldaten will Spanien schicken?"]
NEW_ID = "005_spanien"
NEW_ARTICLE = (
    "date 2026-01-09 Von: Testagentur\n\n"
    "Spanien sagt 1.250 Soldaten für Ukraine-Mission zu\n\n"
    "Madrid (Testagentur) – Spanien will nach einem Waffenstillstand 1.250 Soldaten in die Ukraine schicken. "
    "Das kündigte die Regierung in Madrid am Freitag an. Die spanischen Truppen sollen unter dem Kommando von "
    "General Tomás Arbeloa Minen räumen und Sanitätsstationen im Westen des Landes betreiben. "
    "Der Einsatz trägt den Namen «Operation Brisa».\n"
)


# --- in-process, with a stub assistant (fast) -----------------------------------------------------


class StubAssistant:
    """Answers everything the same way; records what it was asked."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        self.asked: list[str] = []

    def ask(self, question: str, *, k: int = 5) -> Answer:
        self.asked.append(question)
        return Answer(question=question, text="The articles don't say anything about that.", abstained=True)


def _article(n: int) -> Article:
    return Article(id=f"{n:03d}_a", title=f"Titel {n}", body="Text.", date="2026-01-06", source="dpa")


def test_a_huge_chat_question_is_refused_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = StubAssistant([_article(0)])
    monkeypatch.setattr(steps, "rewrite_followup", lambda *a, **kw: pytest.fail("rewrote an over-long question"))
    for size in (MAX_QUESTION_CHARS + 1, 10**6):
        messages, history, pending = app.respond(stub, "Warum? " * (size // 7 + 1), [], ["q"], 5)
        assert "rag-error" in messages[-1]["content"] and f"the limit is {MAX_QUESTION_CHARS}" in messages[-1]["content"]
        assert history == ["q"] and pending == ""
    assert stub.asked == []


def test_bounds_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = app.parse_args([])
    assert (args.reload_interval, args.queue_size) == (app.RELOAD_INTERVAL, app.QUEUE_SIZE) == (2.0, 64)
    assert app.parse_args(["--reload-interval", "0", "--queue-size", "3"]).reload_interval == 0
    for bad in (["--reload-interval", "-1"], ["--queue-size", "0"]):
        with pytest.raises(SystemExit):
            app.parse_args(bad)
    assert "--queue-size >= 1" in capsys.readouterr().err
    import gradio as gr

    demo = app.build_app(StubAssistant([_article(0)]))
    (slider,) = [b for b in demo.blocks.values() if isinstance(b, gr.Slider)]
    assert (slider.minimum, slider.maximum, slider.step) == (1, app.MAX_SLIDER_K, 1) and app.MAX_SLIDER_K <= MAX_K


def test_a_page_load_shows_the_index_served_now() -> None:
    stub = StubAssistant([_article(0)])
    demo = app.build_app(stub)
    (load,) = [f for f in demo.fns.values() if any(event == "load" for _, event in f.targets)]
    stub.articles = [_article(0), _article(1), Article("002_b", "Titel 2", "Text.", date="2026-01-09", source="APA")]
    header, rows, outlets, examples = load.fn()  # what the page shows after a reload
    assert "about 3 news articles from 2 outlets, 2026-01-06 to 2026-01-09" in header and len(rows) == 3
    assert [choice[0] for choice in outlets.choices] == ["APA", "dpa"]  # the outlet picker follows the index
    assert examples.samples == [[q] for q in example_questions(stub.articles)]  # so do the examples


# --- the real app in a subprocess -------------------------------------------------------------------


@dataclass
class Server:
    """A running ``app.py`` over a private corpus and index."""

    url: str
    seeds: Path
    index: Path
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python app.py`` (small queue, fast index polling) over a copy of some seeds; builds its index on start."""
    tmp = tmp_path_factory.mktemp("reload")
    seeds, index = tmp / "seeds", tmp / "index"
    seeds.mkdir()
    for name in SEEDS:
        shutil.copy(ROOT / "seeds" / name, seeds / name)
    log_path = tmp / "app.log"
    args = ["--index", str(index), "--seeds", str(seeds),
            "--reload-interval", str(RELOAD_INTERVAL), "--queue-size", str(QUEUE_SIZE)]
    with running_app(args, log_path, timeout=300) as url:
        yield Server(url, seeds, index, log_path)


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def _key(answer: dict[str, Any]) -> tuple:
    """What must not change between two answers from the same index (scores left out)."""
    return (answer["text"], answer["abstained"], tuple((c["article_id"], c["quote"]) for c in answer["citations"]),
            tuple(h["id"] for h in answer["hits"]))


def _cites_new(answer: dict[str, Any]) -> bool:
    return any(c["article_id"] == NEW_ID for c in answer["citations"])


@dataclass
class Request:
    """One /ask request as a client saw it (wall-clock times)."""

    question: str
    start: float
    end: float
    answer: dict[str, Any] | None = None
    error: str = ""


def _swap_time(log_path: Path) -> float:
    """When the app logged that it serves the new snapshot (logged right after the swap), as epoch seconds."""
    match = re.search(r"^(\S+ \S+) INFO rag\.ui\.watch: Now serving", log_path.read_text(), re.MULTILINE)
    assert match, f"no reload logged:\n{log_path.read_text()[-3000:]}"
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp() + 0.001  # asctime drops µs


@pytest.mark.slow
def test_ingest_while_serving_swaps_atomically_without_failed_requests(server: Server) -> None:
    first = _client(server.url)
    before = {q: first.predict(q, 5, api_name="/ask") for q in QUESTIONS + NEW_QUESTIONS}
    assert not any(_cites_new(before[q]) for q in NEW_QUESTIONS)
    requests: list[Request] = []
    lock, stop = threading.Lock(), threading.Event()

    def ask(client: Any, question: str) -> Request:
        start = time.time()
        try:
            answer = client.predict(question, 5, api_name="/ask")
        except Exception as exc:  # noqa: BLE001 - counted and asserted below
            request = Request(question, start, time.time(), error=f"{type(exc).__name__}: {exc}"[:300])
        else:
            request = Request(question, start, time.time(), answer)
        with lock:
            requests.append(request)
        return request

    def user(n: int) -> None:
        client = first if n == 0 else _client(server.url)
        for i in range(n, 10**6):
            if stop.is_set():
                return
            ask(client, QUESTIONS[i % len(QUESTIONS)])
            time.sleep(THINK)

    manifest_changed: list[float] = []

    def watch_manifest() -> None:  # when the build published its manifest: no swap can come earlier
        stamp = manifest_stamp(server.index)
        while not stop.is_set() and not manifest_changed:
            if manifest_stamp(server.index) != stamp:
                manifest_changed.append(time.time())
            time.sleep(0.005)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=watch_manifest))
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        (server.seeds / f"{NEW_ID}.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        ingest_start = time.time()
        ingest = subprocess.run([sys.executable, "-m", "rag", "ingest", "--index", str(server.index),
                                 "--seeds", str(server.seeds)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        ingest_end = time.time()
        assert ingest.returncode == 0, ingest.stderr[-2000:]
        assert manifest_changed, "the ingest did not publish a new manifest"
        probe, served_new = _client(server.url), None
        while served_new is None and time.time() - ingest_end < SWAP_BOUND:
            for q in NEW_QUESTIONS:
                got = ask(probe, q)
                if got.answer is not None and _cites_new(got.answer):
                    served_new = got.end
            time.sleep(0.2)
        time.sleep(1)  # some more load on the new index
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert served_new is not None, f"the new article was not cited within {SWAP_BOUND:.0f} s after the ingest"
    published, swapped = manifest_changed[0], _swap_time(server.log)
    after = {q: first.predict(q, 5, api_name="/ask") for q in QUESTIONS + NEW_QUESTIONS}
    assert all(_cites_new(after[q]) and "1.250" in after[q]["text"] for q in NEW_QUESTIONS)

    failed = [r for r in requests if r.error]
    assert failed == [], failed[:3]
    for r in requests:
        assert r.answer is not None
        got, old, new = _key(r.answer), _key(before[r.question]), _key(after[r.question])
        if r.end < published:
            assert got == old, f"{r.question!r} changed before the new index was published"
        elif r.start > swapped:
            assert got == new, f"{r.question!r} answered from the old index after the swap"
        else:
            assert got in (old, new), f"{r.question!r}: an answer from neither index"
    during_ingest = sum(ingest_start <= r.end <= ingest_end for r in requests)
    assert during_ingest > 0, "no request was served while `rag ingest` ran"
    print(f"\nrequests: {len(requests)}, failed: {len(failed)}; served during the {ingest_end - ingest_start:.1f} s "
          f"ingest: {during_ingest}; new index served {served_new - ingest_end:.1f} s after the ingest ended "
          f"(swap logged {swapped - published:.1f} s after the manifest changed)")


@pytest.mark.slow
def test_api_rejects_oversized_questions_and_k(server: Server) -> None:
    client = _client(server.url)
    for question in ("x" * (MAX_QUESTION_CHARS + 1), "x" * 200_000):
        with pytest.raises(Exception, match=f"the limit is {MAX_QUESTION_CHARS}"):
            client.predict(question, 5, api_name="/ask")
    for k in (0, MAX_K + 1, 2.5, 10**9):
        with pytest.raises(Exception, match=f"k must be a whole number from 1 to {MAX_K}"):
            client.predict("What did Germany offer?", k, api_name="/ask")
    assert len(client.predict("What did Germany offer?", MAX_K, api_name="/ask")["hits"]) <= MAX_K


@pytest.mark.slow
def test_a_flood_gets_queue_full_errors_and_the_app_serves_on(server: Server) -> None:
    from gradio_client.utils import QueueError

    client = _client(server.url)
    jobs = [client.submit(QUESTIONS[i % len(QUESTIONS)], 5, api_name="/ask") for i in range(3 * QUEUE_SIZE)]
    answered, full, other = 0, 0, []
    for job in jobs:
        try:
            answered += isinstance(job.result(timeout=180), dict)
        except QueueError as exc:
            full += "Queue is full" in str(exc)
        except Exception as exc:  # noqa: BLE001 - asserted below
            other.append(repr(exc))
    assert other == [] and full > 0 and answered >= QUEUE_SIZE and answered + full == len(jobs)
    assert not client.predict("What did Germany offer?", 5, api_name="/ask")["abstained"]
