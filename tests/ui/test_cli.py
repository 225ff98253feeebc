"""The ``rag`` command line: ingest, ask (human and JSON), search, articles, and error exits."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from rag.ui import cli
from rag.ui.cli import main
from rag.ingest.corpus import load_corpus

pytestmark = pytest.mark.slow

QUESTION = "What did Germany offer?"


@pytest.fixture(scope="module")
def cli_index(assistant, tmp_path_factory) -> Path:
    """A copy of the session's index of the shipped corpus (built once per run), for this module."""
    index = tmp_path_factory.mktemp("cli") / "index"
    shutil.copytree(assistant.index_dir, index)
    return index


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop anything printed before
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_of_an_unchanged_corpus_reembeds_nothing(cli_index, capsys):
    manifest = json.loads((cli_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["articles"] == 5
    # a second ingest is an incremental update that re-embeds nothing
    code, out, err = run(capsys, "ingest", "--index", str(cli_index), "--seeds", str(SEEDS))
    assert code == 0, err
    assert re.search(rf"Index at .*\(incremental update, [\d.]+ s\): 5 articles, {manifest['counts']['chunks']} "
                     rf"passages, {manifest['counts']['sentences']} sentences; embedded 0 texts and 0 vocabulary terms\.",
                     out), out


def test_ask_json(cli_index, capsys):
    code, out, err = run(capsys, "ask", QUESTION, "--index", str(cli_index), "--seeds", str(SEEDS), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["question"] == QUESTION
    assert isinstance(data["text"], str) and data["text"]
    assert data["abstained"] is False
    assert data["citations"] and len(data["hits"]) == 5
    for n, c in enumerate(data["citations"], start=1):
        assert c["number"] == n and f"[{n}]" in data["text"]
        assert {"text", "quote", "article_id", "title", "source", "date", "score"} <= set(c)
        assert c["quote"] in c["text"]


def test_ask_prints_numbered_sources_with_outlet_and_date(cli_index, capsys):
    code, out, err = run(capsys, "ask", QUESTION, "--index", str(cli_index), "--seeds", str(SEEDS), "--json")
    assert code == 0, err
    citations = json.loads(out)["citations"]
    code, out, err = run(capsys, "ask", QUESTION, "--index", str(cli_index), "--seeds", str(SEEDS))
    assert code == 0, err
    text, _, sources = out.partition("\nSources:\n")
    assert sources, out
    assert "[1]" in text
    for c in citations:
        line = (f"  [{c['number']}] {c['title']} — {c['source'] or 'unknown outlet'}, "
                f"{c['date'] or 'undated'} ({c['article_id']})")
        assert line in sources.splitlines()
        assert f"„{c['quote']}“" in sources
    # at least one source names a real outlet and date
    assert re.search(r"^  \[\d+\] .+ — (?!unknown outlet).+, \d{4}-\d{2}-\d{2} \(", sources, re.MULTILINE), sources


def test_ask_abstention_lists_the_closest_passages(cli_index, capsys):
    code, out, err = run(capsys, "ask", "What did China offer?", "--index", str(cli_index), "--seeds", str(SEEDS))
    assert code == 0, err
    assert "don't say" in out
    assert "\nClosest passages:\n" in out and "Sources:" not in out
    assert re.search(r"^  1\. .+, (\d{4}-\d{2}-\d{2}|undated): ", out, re.MULTILINE)


def test_search(cli_index, capsys):
    code, out, err = run(capsys, "search", "Waffenstillstand Überwachung", "--k", "4", "--index", str(cli_index),
                         "--seeds", str(SEEDS))
    assert code == 0, err
    ranked = re.findall(r"^ ?(\d+)\. (\d\.\d{4})  (\S+)  (.+), (\d{4}-\d{2}-\d{2}|undated)$", out, re.MULTILINE)
    assert [int(r[0]) for r in ranked] == [1, 2, 3, 4], out
    scores = [float(r[1]) for r in ranked]
    assert scores == sorted(scores, reverse=True)
    code, out, err = run(capsys, "search", "Waffenstillstand Überwachung", "--k", "4", "--index", str(cli_index),
                         "--seeds", str(SEEDS), "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert [h["id"] for h in hits] == [r[2] for r in ranked]


def test_articles(cli_index, capsys):
    code, out, err = run(capsys, "articles", "--index", str(cli_index), "--seeds", str(SEEDS))
    assert code == 0, err
    lines = out.splitlines()
    articles = sorted(load_corpus(SEEDS).articles, key=lambda a: a.id)
    assert len(lines) == len(articles) == 5
    for line, a in zip(lines, articles):
        assert line.startswith(a.id)
        assert (a.date or "undated") in line and (a.source or "unknown outlet") in line
        assert line.rstrip().endswith(a.title)
    assert sum(bool(re.search(r"\d{4}-\d{2}-\d{2}", line)) for line in lines) >= 2


@pytest.mark.parametrize("argv", [["ask", ""], ["ask", "   "], ["search", ""], ["ask", "Waffenstillstand", "--k", "0"],
                                  ["search", "Waffenstillstand", "--k", "51"]])
def test_invalid_input_exits_2_with_a_message(cli_index, capsys, argv):
    code, out, err = run(capsys, *argv, "--index", str(cli_index), "--seeds", str(SEEDS))
    assert code == 2
    assert err.startswith("error: ") and out == ""


@pytest.fixture(scope="module")
def empty_question_run(cli_index) -> subprocess.CompletedProcess:
    """``rag ask ""`` in a new process, run once for the tests that read its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "rag", "ask", "", "--index", str(cli_index), "--seeds", str(SEEDS)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False,
    )


def test_empty_question_in_a_subprocess_has_no_traceback(empty_question_run):
    proc = empty_question_run
    assert proc.returncode == 2
    assert "error: The question is empty" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_error_output_is_only_the_error_message(empty_question_run):
    assert empty_question_run.stderr == "error: The question is empty: type a question about the articles.\n"


HEAVY = ("torch", "transformers", "sentence_transformers")
COLD_ASK = """
import json, sys
from rag.ui.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in %r)}, fh)
""" % (HEAVY,)


def test_ask_on_a_fresh_index_is_quiet_and_imports_no_torch(cli_index, tmp_path):
    record = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", COLD_ASK, str(record), "ask", QUESTION, "--index", str(cli_index), "--seeds", str(SEEDS)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600, check=False,
    )
    seen = json.loads(record.read_text())
    assert seen == {"code": 0, "heavy": []}, proc.stderr[-2000:]
    assert proc.stderr == ""  # no progress bars, no library warnings, no log lines
    assert "[1]" in proc.stdout and "Sources:" in proc.stdout


def test_no_build_refuses_a_missing_index_and_names_the_fix(tmp_path, capsys):
    missing = tmp_path / "no-index"
    code, out, err = run(capsys, "ask", QUESTION, "--index", str(missing), "--seeds", str(SEEDS), "--no-build")
    assert code == 2 and out == ""
    assert err.startswith("error: No index in") and "rag ingest" in err
    assert not (missing / "manifest.json").exists()


def test_ask_on_a_stale_index_builds_it_first_and_shows_the_report(cli_index, seeds_copy, tmp_path, capsys):
    index = tmp_path / "index"
    shutil.copytree(cli_index, index)
    (seeds_copy / "005_new.txt").write_text(
        "Spanien schickt Minenräumer\n\nSpanien will nach einem Waffenstillstand Minenräumer in die Ukraine "
        "schicken, sagte die Verteidigungsministerin am Montag.\n", encoding="utf-8")
    code, out, err = run(capsys, "ask", "Was will Spanien schicken?", "--index", str(index), "--seeds", str(seeds_copy))
    assert code == 0
    assert err.startswith("Building the index (6 article files)…\n")
    assert "incremental update" in err and "6 articles" in err and "added: 005_new" in err
    assert "Minenräumer" in out and "005_new" in out


@pytest.mark.parametrize("argv, key, expected", [
    (["serve", "--port", "7861"], "serve_args", ["--port", "7861"]),
    (["serve", "--host", "0.0.0.0", "--port", "1"], "serve_args", ["--host", "0.0.0.0", "--port", "1"]),
    (["eval", "--compare", "--split", "dev"], "eval_args", ["--compare", "--split", "dev"]),
    (["eval", "--help"], "eval_args", ["--help"]),
])
def test_serve_and_eval_pass_their_options_on_in_order(monkeypatch, argv, key, expected):
    seen = {}
    monkeypatch.setattr(cli, "cmd_serve", lambda args: seen.setdefault("args", args.serve_args) and 0)
    monkeypatch.setattr(cli, "cmd_eval", lambda args: seen.setdefault("args", args.eval_args) and 0)
    assert cli.main(argv) == 0
    assert seen["args"] == expected


def test_unknown_option_of_a_normal_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["articles", "--bogus"])
    assert exc.value.code == 2
    assert "--bogus" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["-m", "rag", "serve", "--help"], [str(ROOT / "app.py"), "--help"]])
def test_serve_help_names_rag_serve_from_the_package_and_the_app_shim(argv):
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: rag serve") and "--port" in done.stdout and "--reload-interval" in done.stdout


# --- filters, the article list, rag add, and a real news folder --------------------------------------


def test_ask_and_search_with_filters(cli_index, capsys):
    common = ["--index", str(cli_index), "--seeds", str(SEEDS)]
    code, out, err = run(capsys, "ask", QUESTION, *common, "--source", "dpa", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["citations"] and {c["source"] for c in data["citations"]} == {"dpa"}
    code, out, err = run(capsys, "search", "Waffenstillstand", *common, "--since", "2026-01-07")
    assert code == 0, err
    days = re.findall(r"^ ?\d+\. \d\.\d{4}  \S+  .+, (\d{4}-\d{2}-\d{2}|undated)$", out, re.MULTILINE)
    assert days and set(days) == {"2026-01-08"}, out
    code, out, err = run(capsys, "ask", QUESTION, *common, "--until", "2025-12-31")
    assert code == 0 and out.startswith("No indexed article matches the filter (up to 2025-12-31).")
    code, out, err = run(capsys, "ask", QUESTION, *common, "--since", "8.1.2026")
    assert code == 2 and "since='8.1.2026' is not a date; write it as YYYY-MM-DD" in err


def test_articles_json_and_filtered(cli_index, capsys):
    common = ["--index", str(cli_index), "--seeds", str(SEEDS)]
    code, out, err = run(capsys, "articles", *common, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 5 and all({"id", "title", "date", "source", "authors", "url", "language", "body"} <= set(r) for r in rows)
    code, out, err = run(capsys, "articles", *common, "--source", "APA/Reuters/dpa")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == ["001_839590ddcec05f87"]


def test_add_fetches_a_page_from_a_local_server_and_indexes_it(tmp_path, capsys):
    import http.server
    import threading

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "news"
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(fixtures), **kw)  # noqa: E731
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    seeds, index = tmp_path / "corpus", tmp_path / "index"
    seeds.mkdir()
    try:
        code, out, err = run(capsys, "add", f"{base}/hafen.html", f"{base}/feed.xml", f"{base}/missing.html",
                             "--seeds", str(seeds), "--index", str(index))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert code == 1  # one URL failed; the others were stored and indexed
    assert f"error: {base}/missing.html: the server answered 404" in err
    assert re.search(r"^saved .*/hafen\.html as web/127\.0\.0\.1/hafen-\w{8}\.html$", out, re.MULTILINE), out
    assert re.search(r"Index at .*: 3 articles", out), out
    code, out, err = run(capsys, "articles", "--seeds", str(seeds), "--index", str(index))
    assert "Nordkurier Beispiel" in out and "https://nordkurier.example/lokales/hafenfest-lockt-besucher" in out
    assert out.count("Talbote Beispiel") == 2


FUNDUS = ROOT.parent / "shared" / "corpora" / "fundus-news"


@pytest.mark.skipif(not (FUNDUS / "truth.jsonl").is_file(), reason=f"the fundus-news corpus is not at {FUNDUS}")
def test_real_news_pages_from_the_shared_folder(tmp_path, capsys):
    """The Austrian pages of fundus-news (de/ and ch/ excluded to keep CI short), read from ../shared."""
    index = tmp_path / "index"
    code, out, err = run(capsys, "ingest", "--seeds", str(FUNDUS), "--index", str(index),
                         "--exclude", "de/", "--exclude", "ch/*", "--exclude", "truth.jsonl")
    assert code == 0, err
    assert re.search(r": 6 articles, ", out), out
    for line in ("skipped: README.md: documentation, not an article", "skipped: truth.jsonl: excluded by 'truth.jsonl'",
                 "skipped: 86 files excluded by 'de/': de/AFPFaktencheck_2026_05_24.html.gz, de/BR_2024_04_22.html.gz, "
                 "de/BR_2024_08_27.html.gz, … (83 more)"):
        assert line in err.splitlines(), err
    code, out, err = run(capsys, "ingest", "--seeds", str(FUNDUS), "--index", str(index))  # the excludes are kept
    assert code == 0 and re.search(r"incremental update.*: 6 articles, .*embedded 0 texts", out), out + err
    code, out, err = run(capsys, "ask", "Wer soll nach dem Rückzug von Gaetz Justizministerin werden?", "--index", str(index), "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert not answer["abstained"] and "Bondi" in answer["text"], answer["text"]
    assert answer["citations"][0]["article_id"] == "ORF_2024_11_22"
    assert all(c["source"] and c["date"] for c in answer["citations"])
    code, out, err = run(capsys, "articles", "--index", str(index), "--json")
    assert {a["id"] for a in json.loads(out)} == {p.name.split(".")[0] for p in (FUNDUS / "at").iterdir()}


def ask_in_a_process(cli_index: Path, *options: str, env: dict[str, str], question: str = QUESTION
                     ) -> subprocess.CompletedProcess:
    """``rag ask QUESTION`` in a new process with the given environment added."""
    return subprocess.run(
        [sys.executable, "-m", "rag", "ask", question, "--index", str(cli_index), "--seeds", str(SEEDS), *options],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env}, timeout=900,
        check=False,
    )


def test_ask_with_an_unreachable_model_quotes_with_a_note_and_keeps_the_traceback_in_the_log(cli_index, tmp_path):
    from rag.ui.launch import free_port

    log = tmp_path / "logs" / "rag.log"
    proc = ask_in_a_process(cli_index, env={"RAG_LLM": f"http://127.0.0.1:{free_port()}/v1", "RAG_LOG_FILE": str(log)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("> ") and "[1]" not in proc.stdout.split("\n\n")[0]  # the quotes first, unmarked
    assert "[1]" in proc.stdout and "Sources:" in proc.stdout
    assert "(The language model could not answer (cannot reach the language model" in proc.stdout
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert f"traceback in {log}" in proc.stderr
    assert "Traceback" in log.read_text() and "APIConnectionError" in log.read_text()


def test_ask_generate_writes_a_checked_answer_with_the_real_local_model(cli_index, tmp_path):
    # (to "What did Germany offer?" the model's one sentence fails the entailment check: that answer is quoted)
    proc = ask_in_a_process(cli_index, "--mode", "generate", "--json", question="What did Germany offer to station, and where?",
                            env={"RAG_LLM": "local", "RAG_LOG_FILE": str(tmp_path / "rag.log")})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["answerer"] == "generative", (data["note"], data["dropped"])
    assert "could not" not in data["note"] and "quotes the articles" not in data["note"], data["note"]
    assert "NATO" in data["text"] and re.search(r"\[1\]", data["text"]) and data["citations"]
    assert proc.stderr == ""
