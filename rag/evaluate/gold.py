"""Load and validate gold question files (JSON Lines, one question per line)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import rag
from rag.errors import GoldFileError
from rag.types import Evidence, GoldItem

LANGUAGES: frozenset[str] = frozenset({"en", "de"})
SPLITS: frozenset[str] = frozenset({"dev", "test"})
REQUIRED_FIELDS: tuple[str, ...] = (
    "id",
    "split",
    "language",
    "question",
    "answerable",
    "reference_answer",
    "key_facts",
    "evidence",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("tags",)


def default_gold_path() -> Path:
    """Return the path of the project's shipped gold file, ``<project root>/eval/gold.jsonl``."""
    return Path(rag.__file__).resolve().parents[1] / "eval" / "gold.jsonl"


def load_gold(path: Path | str) -> list[GoldItem]:
    """Read, validate and return the items of a gold file; raise ``GoldFileError`` naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldFileError(f"{path}: cannot read gold file ({exc}); check the path") from exc

    items: list[GoldItem] = []
    first_line_of: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        item = parse_gold_line(stripped, where=f"{path}:{lineno}")
        if item.id in first_line_of:
            raise GoldFileError(
                f"{path}:{lineno}: duplicate id {item.id!r} "
                f"(first used on line {first_line_of[item.id]}); ids must be unique"
            )
        first_line_of[item.id] = lineno
        items.append(item)
    if not items:
        raise GoldFileError(f"{path}: contains no gold items (only blank or # comment lines)")
    return items


def parse_gold_line(line: str, where: str = "<line>") -> GoldItem:
    """Parse one JSON line into a ``GoldItem``; ``where`` (e.g. ``file:3``) prefixes error messages."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldFileError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise GoldFileError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    return _item_from_dict(obj, where)


def unmatched_evidence(
    items: list[GoldItem], bodies: Mapping[str, str]
) -> list[tuple[str, Evidence]]:
    """Return ``(item id, evidence)`` pairs whose span is not in the article body (whitespace-normalized)."""
    normalized = {aid: " ".join(body.split()) for aid, body in bodies.items()}
    missing: list[tuple[str, Evidence]] = []
    for item in items:
        for ev in item.evidence:
            body = normalized.get(ev.article_id)
            if body is None or " ".join(ev.span.split()) not in body:
                missing.append((item.id, ev))
    return missing


def _item_from_dict(obj: dict[str, Any], where: str) -> GoldItem:
    missing = [name for name in REQUIRED_FIELDS if name not in obj]
    if missing:
        raise GoldFileError(f"{where}: missing required field(s) {', '.join(missing)}")
    unknown = sorted(set(obj) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise GoldFileError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)}"
        )

    item_id = _nonempty_str(obj, "id", where)
    where = f"{where} (id {item_id!r})"
    question = _nonempty_str(obj, "question", where)
    language = _nonempty_str(obj, "language", where)
    if language not in LANGUAGES:
        raise GoldFileError(f"{where}: language must be one of {sorted(LANGUAGES)}, got {language!r}")
    split = _nonempty_str(obj, "split", where)
    if split not in SPLITS:
        raise GoldFileError(f"{where}: split must be one of {sorted(SPLITS)}, got {split!r}")
    answerable = obj["answerable"]
    if not isinstance(answerable, bool):
        raise GoldFileError(f"{where}: field 'answerable' must be true or false, got {answerable!r}")
    reference_answer = obj["reference_answer"]
    if not isinstance(reference_answer, str):
        raise GoldFileError(f"{where}: field 'reference_answer' must be a string")

    key_facts = _key_facts(obj["key_facts"], where)
    evidence = _evidence(obj["evidence"], where)
    tags = _tags(obj.get("tags", []), where)

    if answerable:
        if not key_facts:
            raise GoldFileError(f"{where}: an answerable item needs at least one key fact")
        if not evidence:
            raise GoldFileError(f"{where}: an answerable item needs at least one evidence span")
        if not reference_answer.strip():
            raise GoldFileError(f"{where}: an answerable item needs a non-empty reference_answer")
    elif key_facts or evidence:
        raise GoldFileError(
            f"{where}: an unanswerable item must have empty 'key_facts' and 'evidence'"
        )

    return GoldItem(
        id=item_id,
        question=question,
        language=language,
        answerable=answerable,
        reference_answer=reference_answer,
        key_facts=key_facts,
        evidence=evidence,
        split=split,
        tags=tags,
    )


def _nonempty_str(obj: Mapping[str, Any], name: str, where: str) -> str:
    value = obj[name]
    if not isinstance(value, str):
        raise GoldFileError(f"{where}: field {name!r} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise GoldFileError(f"{where}: field {name!r} must not be empty")
    return value


def _key_facts(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise GoldFileError(
            f"{where}: field 'key_facts' must be a list of lists of strings, "
            f"got {type(value).__name__}"
        )
    groups: list[tuple[str, ...]] = []
    for i, group in enumerate(value):
        if not isinstance(group, list) or not group:
            raise GoldFileError(
                f"{where}: key_facts[{i}] must be a non-empty list of alternative strings"
            )
        for alt in group:
            if not isinstance(alt, str) or not alt.strip():
                raise GoldFileError(
                    f"{where}: key_facts[{i}] contains {alt!r}; alternatives must be non-empty strings"
                )
        groups.append(tuple(group))
    return tuple(groups)


def _evidence(value: Any, where: str) -> tuple[Evidence, ...]:
    if not isinstance(value, list):
        raise GoldFileError(
            f"{where}: field 'evidence' must be a list of objects, got {type(value).__name__}"
        )
    result: list[Evidence] = []
    for i, ev in enumerate(value):
        if not isinstance(ev, dict) or set(ev) != {"article_id", "span"}:
            raise GoldFileError(
                f"{where}: evidence[{i}] must be an object with exactly 'article_id' and 'span'"
            )
        for name in ("article_id", "span"):
            if not isinstance(ev[name], str) or not ev[name].strip():
                raise GoldFileError(f"{where}: evidence[{i}].{name} must be a non-empty string")
        if "\n" in ev["span"]:
            raise GoldFileError(f"{where}: evidence[{i}].span must not contain a line break")
        result.append(Evidence(article_id=ev["article_id"], span=ev["span"]))
    return tuple(result)


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise GoldFileError(f"{where}: field 'tags' must be a list of non-empty strings")
    return tuple(value)
