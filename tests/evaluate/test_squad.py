"""SQuAD-format sets: parsing, matching questions across languages, the paragraph corpus, and ``rag eval --squad``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.errors import GoldFileError
from rag.evaluate.metrics import is_relevant, key_fact_match
from rag.evaluate.squad import altered_paragraphs, gold_items, language_label, read_squad, write_corpus
from rag.ingest.corpus import load_corpus
from rag.ingest.textfile import parse_article

# Hand-written paragraphs on three unrelated topics; the second has a line break inside a formula
# right after a short first line, as XQuAD's chemistry paragraphs do ("O\n2").
RHEIN = ("Der Rhein ist ein Strom in Mitteleuropa. Er ist rund 1230 Kilometer lang und mündet bei Rotterdam "
         "in die Nordsee. Die größte Stadt an seinem Ufer ist Köln.")
WASSER = ("Wasserstoff und Sauerstoff bilden zusammen Wasser, chemisch H\n2O. Ein Wassermolekül besteht aus zwei "
          "Wasserstoffatomen und einem Sauerstoffatom. Bei 100 Grad Celsius siedet Wasser unter Normaldruck.")
BIENEN = ("Honigbienen leben in Völkern mit einer Königin. Ein Volk zählt im Sommer bis zu 50.000 Tiere.\u200b "
          "Die Arbeiterinnen sammeln Nektar und Pollen.")  # the loader drops zero-width spaces, as XQuAD has them

DE_QUESTIONS = [
    ("q1", "Wie lang ist der Rhein?", "1230 Kilometer", RHEIN),
    ("q2", "In welches Meer mündet der Rhein?", "Nordsee", RHEIN),
    ("q3", "Bei welcher Temperatur siedet Wasser?", "100 Grad Celsius", WASSER),
    ("q4", "Wie viele Tiere zählt ein Bienenvolk im Sommer?", "50.000", BIENEN),
]
EN_QUESTIONS = {
    "q1": "How long is the Rhine?",
    "q2": "Which sea does the Rhine flow into?",
    "q3": "At what temperature does water boil?",
    "q4": "How many bees live in a colony in summer?",
    "zz": "A question whose id the German file does not have?",
}


def squad(questions: dict[str, str] | None = None, *, impossible: bool = True) -> dict[str, Any]:
    """The tiny set in SQuAD layout: German answers, or English questions with the same ids."""
    def qas(context: str) -> list[dict[str, Any]]:
        out = []
        for qid, question, answer, ctx in DE_QUESTIONS:
            if ctx is context and (questions is None or qid in questions):
                text = questions[qid] if questions else question
                out.append({"id": qid, "question": text,
                            "answers": [{"text": answer, "answer_start": context.index(answer)}]})
        return out

    data = [{"title": "Rhein", "paragraphs": [{"context": RHEIN, "qas": qas(RHEIN)}]},
            {"title": "Wasser & Bienen", "paragraphs": [{"context": WASSER, "qas": qas(WASSER)},
                                                        {"context": BIENEN, "qas": qas(BIENEN)}]}]
    if questions is None and impossible:
        data[0]["paragraphs"][0]["qas"].append(
            {"id": "q5", "question": "Wer hat den Rhein entdeckt?", "answers": [], "is_impossible": True})
    if questions is not None and "zz" in questions:
        data[1]["paragraphs"][1]["qas"].append({"id": "zz", "question": questions["zz"], "answers": [{"text": "x"}]})
    return {"version": "1.1", "data": data}


def write(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "tiny.de.json", squad()), write(tmp_path / "tiny.en.json", squad(EN_QUESTIONS))


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "label"), [
    ("xquad.de.json", "de"), ("xquad.en.json", "en"), ("/a/b/set.pt-BR.json", "pt-br"),
    ("dev-v1.1.json", "dev-v1.1"), ("questions.json", "questions"),
])
def test_language_label(name: str, label: str) -> None:
    assert language_label(name) == label


def test_read_squad(files: tuple[Path, Path]) -> None:
    de = read_squad(files[0])
    assert de.label == "de"
    assert list(de.paragraphs) == ["000-00-Rhein", "001-00-Wasser_Bienen", "001-01-Wasser_Bienen"]
    assert de.paragraphs["001-00-Wasser_Bienen"] == WASSER
    assert [(q.id, q.paragraph_id, q.answers) for q in de.questions] == [
        ("q1", "000-00-Rhein", ("1230 Kilometer",)), ("q2", "000-00-Rhein", ("Nordsee",)),
        ("q5", "000-00-Rhein", ()), ("q3", "001-00-Wasser_Bienen", ("100 Grad Celsius",)),
        ("q4", "001-01-Wasser_Bienen", ("50.000",)),
    ]


def test_questions_of_another_language_are_judged_by_the_main_files_answers(files: tuple[Path, Path]) -> None:
    de, en = read_squad(files[0]), read_squad(files[1])
    items, warnings = gold_items(de, [en])
    assert [i.id for i in items] == ["de:q1", "de:q2", "de:q5", "de:q3", "de:q4", "en:q1", "en:q2", "en:q3", "en:q4"]
    by_id = {i.id: i for i in items}
    assert by_id["en:q4"].question == "How many bees live in a colony in summer?"
    assert by_id["en:q4"].key_facts == (("50.000",),)
    assert [(e.article_id, e.span) for e in by_id["en:q4"].evidence] == [("001-01-Wasser_Bienen", "50.000")]
    assert by_id["de:q5"].answerable is False and by_id["de:q5"].key_facts == () and by_id["de:q5"].evidence == ()
    assert len(warnings) == 1 and "1 of 5 question ids" in warnings[0] and "'zz'" in warnings[0]
    # relevance and "answer span in the answer" use the ordinary metrics on these items
    assert is_relevant(BIENEN, "001-01-Wasser_Bienen", by_id["en:q4"].evidence)
    assert not is_relevant(BIENEN, "000-00-Rhein", by_id["en:q4"].evidence)
    assert key_fact_match("Laut einem Bericht [1]: Ein Volk zählt im Sommer bis zu 50.000 Tiere.", by_id["en:q4"].key_facts)


def test_two_files_with_one_label_are_refused(files: tuple[Path, Path], tmp_path: Path) -> None:
    de = read_squad(files[0])
    with pytest.raises(GoldFileError, match="share a label"):
        gold_items(de, [read_squad(write(tmp_path / "other.de.json", squad(EN_QUESTIONS)))])


@pytest.mark.parametrize(("content", "fragment"), [
    ("{not json", "not JSON"),
    (json.dumps([1, 2]), "'data' list"),
    (json.dumps({"data": []}), "'data' list"),
    (json.dumps({"data": [{"title": "x"}]}), "data[0] needs a 'paragraphs' list"),
    (json.dumps({"data": [{"paragraphs": [{"context": " ", "qas": []}]}]}), "paragraphs[0] needs a non-empty 'context'"),
    (json.dumps({"data": [{"paragraphs": [{"context": "Text.", "qas": [{"id": 1, "question": "?"}]}]}]}), "'id' and 'question'"),
    (json.dumps({"data": [{"paragraphs": [{"context": "Text.", "qas": [{"id": "a", "question": " "}]}]}]}), "empty question"),
    (json.dumps({"data": [{"paragraphs": [{"context": "T.", "qas": [{"id": "a", "question": "Q?", "answers": "T"}]}]}]}), "'answers' must be a list"),
    (json.dumps({"data": [{"paragraphs": [{"context": "T.", "qas": [{"id": "a", "question": "Q?", "answers": []}]}]}]}), "is_impossible"),
    (json.dumps({"data": [{"paragraphs": [{"context": "T.", "qas": [
        {"id": "a", "question": "Q?", "answers": [{"text": "T"}]}, {"id": "a", "question": "R?", "answers": [{"text": "T"}]}]}]}]}),
     "duplicate question id 'a'"),
    (json.dumps({"data": [{"paragraphs": [{"context": "T.", "qas": []}]}]}), "no questions"),
])
def test_malformed_files_name_the_problem(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldFileError) as info:
        read_squad(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GoldFileError, match="cannot read"):
        read_squad(tmp_path / "nope.json")


# --- the paragraph corpus ---------------------------------------------------------------------


def test_the_text_loader_would_cut_a_paragraph_with_a_short_first_line() -> None:
    """Why paragraphs are written on one line: as a multi-line file the first line is taken for a headline."""
    article = parse_article(WASSER, "p")
    assert article.title == "Wasserstoff und Sauerstoff bilden zusammen Wasser, chemisch H"
    assert not article.body.startswith("Wasserstoff")


def test_every_paragraph_is_indexed_whole(files: tuple[Path, Path], tmp_path: Path) -> None:
    de = read_squad(files[0])
    write_corpus(de, tmp_path / "corpus")
    report = load_corpus(tmp_path / "corpus")
    assert report.errors == [] and report.warnings == []
    bodies = {a.id: a.body for a in report.articles}
    assert set(bodies) == set(de.paragraphs)
    assert altered_paragraphs(de, bodies) == []
    assert altered_paragraphs(de, {**bodies, "000-00-Rhein": bodies["000-00-Rhein"][10:]}) == ["000-00-Rhein"]


# --- the command, with the real models ----------------------------------------------------------


@pytest.mark.slow
def test_rag_eval_squad_scores_both_configurations_per_language(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.evaluate.cli import main

    assert main(["--squad", str(files[0]), "--questions", str(files[1]), "--out", str(tmp_path / "out"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    details, tables = out["details"], out["results"]
    assert details["paragraphs"] == 3 and details["questions"] == {"de": 5, "en": 4}
    assert details["paragraphs altered by the loader"] == 0
    assert len(details["warnings"]) == 1
    assert set(tables) == {"default", "e5"}
    for config in tables.values():
        assert set(config) == {"all", "de", "en"}
        assert config["de"]["n"] == 5 and config["de"]["n_answerable"] == 4 and config["en"]["n"] == 4
        for summary in config.values():
            assert summary["recall@10"] == 1.0  # three paragraphs: every relevant passage is among the ten
            assert summary["recall@1"] >= 0.75  # unrelated topics: the question's paragraph ranks first
            assert 0.0 <= summary["key_fact_accuracy"] <= 1.0
    assert tables["default"]["de"]["key_fact_accuracy"] >= 0.5
    assert (tmp_path / "out" / "report_squad.md").read_text(encoding="utf-8").count("| default |") == 3
    assert json.loads((tmp_path / "out" / "results_squad.json").read_text(encoding="utf-8"))["results"] == tables


def test_questions_without_squad_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    from rag.evaluate.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--questions", "x.en.json"])
    assert info.value.code == 2 and "--questions needs --squad" in capsys.readouterr().err
