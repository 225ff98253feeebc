"""Evaluation: summaries on hand-made results, the report renderers, and the ``rag eval`` command."""

from __future__ import annotations

import json
import math

import pytest

from conftest import SEEDS
from rag.evaluate.runner import ItemResult, breakdown, failures, summarize
from rag.evaluate.report import COLUMNS, markdown_report, markdown_table, recall_chart, text_table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
F = False
T = True


def item(id: str, language: str, answerable: bool, relevance: tuple[bool, ...], *, abstained: bool,
         key_fact_ok: bool = False, cp: float | None = None, cr: float | None = None,
         seconds: float = 0.1, split: str = "dev") -> ItemResult:
    return ItemResult(id=id, language=language, split=split, answerable=answerable, tags=(), relevance=relevance,
                      abstained=abstained, key_fact_ok=key_fact_ok, citation_precision=cp, citation_recall=cr,
                      seconds=seconds, answer="…")


# r1: answerable, first relevant passage at rank 2, answered correctly
R1 = item("r1", "en", T, (F, T, F, F, F, F, F, F, F, F), abstained=F, key_fact_ok=T, cp=1.0, cr=0.5, seconds=0.1)
# r2: answerable, first relevant passage at rank 7, abstained (a false abstention)
R2 = item("r2", "de", T, (F, F, F, F, F, F, T, F, F, F), abstained=T, seconds=0.3)
# r3: unanswerable, abstained (correct)
R3 = item("r3", "en", F, (F,) * 10, abstained=T, seconds=0.2)
# r4: unanswerable, answered (wrong)
R4 = item("r4", "de", F, (F,) * 10, abstained=F, seconds=0.4)
RESULTS = [R1, R2, R3, R4]


def test_summarize_hand_computed():
    s = summarize(RESULTS)
    assert s["n"] == 4 and s["n_answerable"] == 2
    assert s["recall@1"] == 0.0  # neither answerable item has a relevant passage at rank 1
    assert s["recall@3"] == 0.5 and s["recall@5"] == 0.5  # only r1 (rank 2)
    assert s["recall@10"] == 1.0  # r2's relevant passage is at rank 7
    assert s["mrr"] == pytest.approx((1 / 2 + 1 / 7) / 2)  # 0.3214
    assert s["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(8)) / 2)  # (0.6309 + 0.3333) / 2
    assert s["key_fact_accuracy"] == 0.5
    assert s["citation_precision"] == 1.0 and s["citation_recall"] == 0.5  # None (r2) is skipped
    # abstentions: r2 (answerable, wrong) and r3 (unanswerable, right)
    assert s["abstention_precision"] == 0.5 and s["abstention_recall"] == 0.5
    assert s["false_abstention_rate"] == 0.5
    # latency over [0.1, 0.2, 0.3, 0.4] s: p50 at position 1.5 -> 0.25 s; p95 at 2.85 -> 0.385 s
    assert s["latency_p50_ms"] == pytest.approx(250.0)
    assert s["latency_p95_ms"] == pytest.approx(385.0)


def test_breakdown_by_language_hand_computed():
    table = breakdown(RESULTS)
    assert list(table) == ["all", "de", "en"]
    assert table["all"] == summarize(RESULTS)
    en, de = table["en"], table["de"]
    assert (en["n"], en["n_answerable"], de["n"], de["n_answerable"]) == (2, 1, 2, 1)
    assert (en["recall@1"], en["recall@3"], en["mrr"]) == (0.0, 1.0, 0.5)
    assert (de["recall@5"], de["recall@10"]) == (0.0, 1.0) and de["mrr"] == pytest.approx(1 / 7)
    assert en["key_fact_accuracy"] == 1.0 and de["key_fact_accuracy"] == 0.0
    assert de["citation_precision"] is None and de["citation_recall"] is None  # its only answerable item abstained
    # en: one abstention, on the unanswerable r3; de: one abstention, on the answerable r2
    assert (en["abstention_precision"], en["abstention_recall"], en["false_abstention_rate"]) == (1.0, 1.0, 0.0)
    assert (de["abstention_precision"], de["abstention_recall"], de["false_abstention_rate"]) == (0.0, 0.0, 1.0)
    assert en["latency_p50_ms"] == pytest.approx(150.0) and de["latency_p50_ms"] == pytest.approx(350.0)


def test_summarize_without_answerable_items():
    s = summarize([R3, R4])
    assert s["n"] == 2 and s["n_answerable"] == 0
    for key in ("recall@1", "recall@3", "recall@5", "recall@10", "mrr", "ndcg@10", "key_fact_accuracy",
                "citation_precision", "citation_recall", "false_abstention_rate"):
        assert s[key] is None, key
    assert s["abstention_precision"] == 1.0 and s["abstention_recall"] == 0.5
    assert s["latency_p50_ms"] == pytest.approx(300.0)


def test_summarize_of_nothing():
    s = summarize([])
    assert s["n"] == 0 and s["n_answerable"] == 0
    assert all(value is None for key, value in s.items() if key not in ("n", "n_answerable"))
    assert breakdown([]) == {"all": s}


def test_failures_name_each_problem():
    r5 = item("r5", "en", T, (T,) + (F,) * 9, abstained=F, key_fact_ok=F, cp=1.0, cr=1.0)
    rows = failures([*RESULTS, r5])
    assert [r["id"] for r in rows] == ["r2", "r4", "r5"]  # r1 and r3 went right
    problems = {r["id"]: r["problems"] for r in rows}
    assert problems["r2"] == ["no relevant passage in top 5", "abstained on an answerable question"]
    assert problems["r4"] == ["answered an unanswerable question"]
    assert problems["r5"] == ["key fact missing from the answer"]
    assert rows[0]["language"] == "de" and rows[0]["relevance"] == R2.relevance  # the item's fields are kept
    assert failures([R1, R3]) == []


# --- report ------------------------------------------------------------------------------------


@pytest.fixture
def tables():
    return {"default": breakdown(RESULTS), "bm25": breakdown([R3, R4])}


def test_text_table_lists_configs_slices_and_metrics(tables):
    text = text_table(tables)
    lines = text.splitlines()
    assert len(lines) == 2 + 3 + 3  # header, rule, default x (all, de, en), bm25 x (all, de, en)
    for label in ("config", "slice", "R@1", "R@5", "R@10", "MRR", "nDCG@10", "KeyFact", "AbstP", "p95 ms"):
        assert label in lines[0]
    default_all = lines[2].split()
    assert default_all[:3] == ["default", "all", "4"]
    assert default_all[3:] == ["0.000", "0.500", "0.500", "1.000", "0.321", "0.482", "0.500", "1.000", "0.500",
                               "0.500", "0.500", "0.500", "250", "385"]
    bm25_all = lines[5].split()
    assert bm25_all[:3] == ["bm25", "all", "2"] and bm25_all[3] == "–"  # None renders as a dash
    # columns line up: every line has the same width
    assert len({len(line.rstrip()) for line in lines[:3]}) == 1


def test_markdown_table_hand_checked_row(tables):
    md = markdown_table(tables)
    lines = md.splitlines()
    shown = [label for key, label in COLUMNS if key not in ("generated_share", "language_match", "unsupported_rate", "requoted_rate",
                                                             "judge_auc")]
    assert lines[0] == "| config | slice | n | " + " | ".join(shown) + " |"  # no generated or judged answers: no such columns
    assert lines[1] == "|" + "---|" * (3 + len(shown))
    assert lines[2] == ("| default | all | 4 | 0.000 | 0.500 | 0.500 | 1.000 | 0.321 | 0.482 | 0.500 | 1.000 | "
                        "0.500 | 0.500 | 0.500 | 0.500 | 250 | 385 |")
    assert any(line.startswith("| bm25 | en | 1 | – |") for line in lines)


def test_recall_chart_writes_a_png(tables, tmp_path):
    path = recall_chart(tables, tmp_path / "nested" / "recall.png")
    assert path == tmp_path / "nested" / "recall.png"
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000


def test_recall_chart_with_only_the_all_slice(tmp_path):
    path = recall_chart({"default": {"all": summarize(RESULTS)}}, tmp_path / "all.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_markdown_report(tables, tmp_path):
    chart = tmp_path / "recall_dev.png"
    report = markdown_report(tables, title="Evaluation (dev split)", details={"split": "dev", "k": 5},
                             failures=failures(RESULTS), chart=chart)
    assert report.startswith("# Evaluation (dev split)\n")
    assert "- **split**: dev" in report and "- **k**: 5" in report
    assert markdown_table(tables) in report
    assert "](recall_dev.png)" in report
    assert "- `r2` (de, dev): no relevant passage in top 5; abstained on an answerable question" in report
    assert "- `r4` (de, dev): answered an unanswerable question" in report
    clean = markdown_report(tables, title="T", details={}, failures=[], chart=None)
    assert "None." in clean and "![" not in clean


# --- the rag eval command ----------------------------------------------------------------------


def _gold_line(id: str, split: str = "dev") -> str:
    return json.dumps({
        "id": id, "split": split, "language": "en", "question": "What did Germany offer?", "answerable": True,
        "reference_answer": "Soldiers on NATO territory.", "key_facts": [["NATO-Gebiet"]],
        "evidence": [{"article_id": "001_839590ddcec05f87", "span": "benachbartem NATO-Gebiet"}],
    })


def test_malformed_gold_file_exits_2_naming_the_line(tmp_path, capsys):
    from rag.evaluate.cli import main

    gold = tmp_path / "gold.jsonl"
    gold.write_text("# comment\n" + _gold_line("q1") + "\n{not json\n", encoding="utf-8")
    code = main(["--gold", str(gold), "--split", "dev", "--index", str(tmp_path / "idx"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{gold}:3" in err and "invalid JSON" in err
    assert "Traceback" not in err
    assert not (tmp_path / "idx").exists() and not (tmp_path / "out").exists()  # nothing was built or written


def test_gold_file_without_the_split_exits_2(tmp_path, capsys):
    from rag.evaluate.cli import main

    gold = tmp_path / "gold.jsonl"
    gold.write_text(_gold_line("q1", split="test") + "\n", encoding="utf-8")
    code = main(["--gold", str(gold), "--split", "dev", "--index", str(tmp_path / "idx"), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "split 'dev'" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_dev_split_json_and_report(assistant, tmp_path, capsys):
    from rag.evaluate.cli import main

    out = tmp_path / "results"
    # reuse the session index (built from the shipped seeds with the default settings)
    code = main(["--split", "dev", "--index", str(assistant.index_dir), "--seeds", str(SEEDS), "--out", str(out),
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    default = data["results"]["default"]
    assert set(default) >= {"all", "en", "de"}
    assert 0.0 <= default["all"]["recall@5"] <= 1.0
    assert default["all"]["recall@1"] <= default["all"]["recall@5"] <= default["all"]["recall@10"]
    assert default["all"]["n"] == data["details"]["questions"] and data["details"]["split"] == "dev"
    assert default["all"]["n"] == default["en"]["n"] + default["de"]["n"]
    assert isinstance(data["failures"], list)
    report = (out / "report_dev.md").read_text(encoding="utf-8")
    assert report.startswith("# Evaluation (dev split)") and "| default | all |" in report
    assert (out / "recall_dev.png").read_bytes()[:8] == PNG_SIGNATURE
    assert json.loads((out / "results_dev.json").read_text(encoding="utf-8"))["results"] == data["results"]


def test_a_missing_eval_extra_is_named_with_its_install_command(tmp_path, capsys, monkeypatch):
    import importlib.util

    from rag.evaluate.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    gold = tmp_path / "gold.jsonl"
    gold.write_text(_gold_line("q1") + "\n", encoding="utf-8")
    code = main(["--gold", str(gold), "--split", "dev", "--index", str(tmp_path / "idx"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "needs matplotlib from the eval extra" in err and "pip install -e '.[eval]'" in err
    assert "--no-report" in err and not (tmp_path / "idx").exists()


def test_judge_auc_counts_rule_refusals_as_zero_and_is_absent_without_a_judge():
    from dataclasses import replace as change

    base = RESULTS[0]
    judged = [change(base, answerable=True, confidence=0.9), change(base, answerable=True, confidence=None),
              change(base, answerable=False, confidence=0.2), change(base, answerable=False, confidence=0.95)]
    # positives 0.9 and 0 (refused by the rules) against negatives 0.2 and 0.95: 1 of 4 pairs won
    assert summarize(judged)["judge_auc"] == pytest.approx(0.25)
    assert summarize([change(r, confidence=None) for r in judged])["judge_auc"] is None


def test_dropped_and_requoted_shares_are_of_every_sentence_the_model_wrote_fallbacks_included():
    from dataclasses import replace as change

    base = RESULTS[0]
    # a written answer: 3 sentences written, 1 dropped, 1 requoted; a fallback to the quotes: 2 written, both copies
    results = [change(base, sentences_written=3, sentences_dropped=1, sentences_requoted=1, sentences_shown=3),
               change(base, sentences_written=2, sentences_requoted=2, sentences_shown=0), change(base)]
    summary = summarize(results)
    assert summary["unsupported_rate"] == pytest.approx(1 / 5) and summary["requoted_rate"] == pytest.approx(3 / 5)
    assert summarize([change(base)])["requoted_rate"] is None  # the model wrote nothing


@pytest.mark.parametrize("text, language", [
    ("Germany offered to station soldiers on NATO territory [1]. „Deutschland bietet an, Soldaten zu stationieren“ [2].",
     "en"),
    ("„Deutschland bietet an, Soldaten auf NATO-Gebiet zu stationieren, sagte der Kanzler am Dienstag“ [1].", "de"),
    ("The coalition has 35 members [1]. „Die 35 Nationen umfassende „Koalition der Willigen“ traf sich am Dienstag in "
     "Paris, um die endgültigen Sicherheitsgarantien für die Ukraine zu finalisieren“ [1].", "en"),
])
def test_a_written_answer_is_in_the_language_of_its_own_words_unless_it_only_quotes(text, language):
    from rag.evaluate.runner import written_language

    assert written_language(text) == language


def test_eval_over_an_index_without_seeds_keeps_the_corpus_the_index_was_built_from(tmp_path, monkeypatch):
    from rag.assistant import Assistant
    from rag.evaluate.cli import main

    asked = {}

    def load(index, **kw):
        asked.update(kw, index=index)
        raise RuntimeError("stop here")

    monkeypatch.setattr(Assistant, "load", staticmethod(load))
    gold = tmp_path / "gold.jsonl"
    gold.write_text(_gold_line("q1", split="test") + "\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="stop here"):
        main(["--gold", str(gold), "--index", str(tmp_path / "fundus"), "--no-report"])
    # None: Assistant.load reads the corpus folder from the index's manifest instead of rebuilding it from seeds/
    assert asked["index"] == tmp_path / "fundus" and asked["seeds"] is None
