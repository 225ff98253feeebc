"""SQuAD-format question sets (e.g. XQuAD) for ``rag eval --squad``.

The paragraphs of the main file become a corpus of one-paragraph text files, indexed in a temporary
folder with the normal build. Its questions, and those of every ``--questions`` file matched to
them by question id (the same questions in other languages), become gold items whose key fact and
evidence are the main file's answer spans: a passage is relevant when it comes from the question's
paragraph and contains an answer span; "answer span in the answer" is ``key_fact_match`` (the
normalised answer text contains one of the spans). SQuAD 2.0 questions without answers
(``is_impossible``) become unanswerable items.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import GoldFileError
from rag.evaluate.metrics import normalize_text
from rag.types import Evidence, GoldItem

MAX_SQUAD_BYTES = 200_000_000
_LANGUAGE_SUFFIX = re.compile(r"\.([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)\.json$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class SquadQuestion:
    """One question of a SQuAD file: its id, text, paragraph id and answer spans (none: unanswerable)."""

    id: str
    question: str
    paragraph_id: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class SquadSet:
    """A parsed SQuAD file: a label for its questions (their language), paragraphs by id, questions."""

    path: Path
    label: str
    paragraphs: dict[str, str]
    questions: tuple[SquadQuestion, ...]


def language_label(path: Path | str) -> str:
    """The label of a file's questions: the language code before ``.json`` (``xquad.en.json`` → ``en``), else the stem."""
    name = Path(path).name
    match = _LANGUAGE_SUFFIX.search(name)
    return match.group(1).lower() if match else Path(name).stem


def read_squad(path: Path | str, *, label: str | None = None) -> SquadSet:
    """Read and validate a SQuAD 1.1/2.0 file; raise ``GoldFileError`` naming the file and the place."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SQUAD_BYTES:
            raise GoldFileError(f"{path}: larger than {MAX_SQUAD_BYTES} bytes; split the set into smaller files")
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldFileError(f"{path}: cannot read SQuAD file ({exc}); check the path") from exc
    except json.JSONDecodeError as exc:
        raise GoldFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno}); a SQuAD file is one JSON object") from exc
    data = obj.get("data") if isinstance(obj, dict) else None
    if not isinstance(data, list) or not data:
        raise GoldFileError(f"{path}: expected a JSON object with a non-empty 'data' list (SQuAD format)")
    paragraphs: dict[str, str] = {}
    questions: list[SquadQuestion] = []
    seen: set[str] = set()
    for a, article in enumerate(data):
        where = f"{path}: data[{a}]"
        entries = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(entries, list):
            raise GoldFileError(f"{where} needs a 'paragraphs' list")
        slug = _UNSAFE.sub("_", str(article.get("title", "")))[:40].strip("_") or "untitled"
        for p, paragraph in enumerate(entries):
            context = paragraph.get("context") if isinstance(paragraph, dict) else None
            qas = paragraph.get("qas") if isinstance(paragraph, dict) else None
            if not isinstance(context, str) or not context.strip() or not isinstance(qas, list):
                raise GoldFileError(f"{where}.paragraphs[{p}] needs a non-empty 'context' string and a 'qas' list")
            pid = f"{a:03d}-{p:02d}-{slug}"
            paragraphs[pid] = context
            for q, qa in enumerate(qas):
                questions.append(_question(qa, pid, f"{where}.paragraphs[{p}].qas[{q}]", seen))
    if not questions:
        raise GoldFileError(f"{path}: contains no questions")
    return SquadSet(path, label or language_label(path), paragraphs, tuple(questions))


def _question(qa: Any, pid: str, where: str, seen: set[str]) -> SquadQuestion:
    if not isinstance(qa, dict) or not isinstance(qa.get("id"), str) or not isinstance(qa.get("question"), str):
        raise GoldFileError(f"{where} needs string fields 'id' and 'question'")
    if not qa["question"].strip():
        raise GoldFileError(f"{where} (id {qa['id']!r}) has an empty question")
    if qa["id"] in seen:
        raise GoldFileError(f"{where}: duplicate question id {qa['id']!r}; ids must be unique")
    seen.add(qa["id"])
    answers = qa.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(x, dict) and isinstance(x.get("text"), str) for x in answers):
        raise GoldFileError(f"{where} (id {qa['id']!r}): 'answers' must be a list of objects with a 'text' string")
    texts = tuple(dict.fromkeys(x["text"].strip() for x in answers if x["text"].strip()))
    if not texts and not qa.get("is_impossible", False):
        raise GoldFileError(f"{where} (id {qa['id']!r}) has no answer and is not marked 'is_impossible'")
    return SquadQuestion(qa["id"], qa["question"], pid, () if qa.get("is_impossible", False) else texts)


def gold_items(main: SquadSet, others: Sequence[SquadSet] = ()) -> tuple[list[GoldItem], list[str]]:
    """Gold items for the main file's questions and the matching questions of ``others`` (judged by
    the main file's answers), and a warning per file with questions the main file lacks."""
    by_id = {q.id: q for q in main.questions}
    labels = [main.label, *(o.label for o in others)]
    if len(set(labels)) != len(labels):
        raise GoldFileError(f"question files share a label ({', '.join(labels)}); give each language its own "
                            "file name such as set.de.json, set.en.json")
    items = [_item(q, q.question, main) for q in main.questions]
    warnings = []
    for other in others:
        unmatched = [q.id for q in other.questions if q.id not in by_id]
        items += [_item(by_id[q.id], q.question, other) for q in other.questions if q.id in by_id]
        if unmatched:
            warnings.append(f"{other.path}: {len(unmatched)} of {len(other.questions)} question ids are not in "
                            f"{main.path} and were skipped (first: {unmatched[0]!r})")
    return items, warnings


def _item(gold: SquadQuestion, question: str, source: SquadSet) -> GoldItem:
    return GoldItem(
        id=f"{source.label}:{gold.id}", question=question, language=source.label, answerable=bool(gold.answers),
        reference_answer=gold.answers[0] if gold.answers else "", key_facts=(gold.answers,) if gold.answers else (),
        evidence=tuple(Evidence(gold.paragraph_id, a) for a in gold.answers), split="all", tags=(),
    )


def write_corpus(squad: SquadSet, folder: Path) -> None:
    """One text file per paragraph, on one line: the text loader keeps a one-line file whole as the
    body, while a short first line without final punctuation would be taken for a headline."""
    folder.mkdir(parents=True, exist_ok=True)
    for pid, context in squad.paragraphs.items():
        (folder / f"{pid}.txt").write_text(" ".join(context.split()) + "\n", encoding="utf-8")


def altered_paragraphs(squad: SquadSet, bodies: dict[str, str]) -> list[str]:
    """Paragraph ids whose indexed body is missing or differs from the paragraph as the metrics
    compare text (``normalize_text``: whitespace runs, typographic variants, zero-width spaces)."""
    return [pid for pid, context in squad.paragraphs.items()
            if normalize_text(bodies.get(pid, "")) != normalize_text(context)]


def evaluate_squad(
    main_path: Path,
    question_paths: Sequence[Path] = (),
    *,
    k: int = 5,
    progress: bool = False,
    on_total: Callable[[int], None] | None = None,
    on_item: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """Index the main file's paragraphs in a temporary folder and score the default configuration and
    bare e5 dense retrieval on every question; return tables, details and per-item results."""
    from rag.assistant import Assistant
    from rag.evaluate.runner import breakdown, evaluate
    from rag.retrieve.hybrid import retriever_variants

    main = read_squad(main_path)
    items, warnings = gold_items(main, [read_squad(p) for p in question_paths])
    with tempfile.TemporaryDirectory(prefix="rag-squad-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        write_corpus(main, corpus)
        assistant = Assistant.load(index, seeds=corpus, progress=progress)
        altered = altered_paragraphs(main, {a.id: a.body for a in assistant.articles})
        configs = {"default": assistant, "e5": assistant.configured(retrieval=retriever_variants()["e5"])}
        if on_total:
            on_total(len(items) * len(configs))
        results = {name: evaluate(cfg, items, k=k, on_item=on_item) for name, cfg in configs.items()}
    details = {
        "squad file": str(main.path), "question files": [str(p) for p in question_paths],
        "paragraphs": len(main.paragraphs), "questions": {lab: sum(i.language == lab for i in items)
                                                          for lab in dict.fromkeys(i.language for i in items)},
        "paragraphs altered by the loader": len(altered), "k": k, "model": assistant.settings.model,
        "chunking": assistant.settings.chunking(), "warnings": warnings,
    }
    return {"details": details, "tables": {name: breakdown(r) for name, r in results.items()}, "results": results}
