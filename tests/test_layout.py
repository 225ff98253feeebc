"""The package layout shows the pipeline: data flows one way, so a stage never imports a later one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import imported_modules

PACKAGE = Path(__file__).resolve().parents[1] / "rag"
# Lower ranks come first; a module may import lower ranks and its own folder only.
RANK = {"types": 0, "errors": 0, "config": 0, "lang": 0, "models": 1, "store": 2, "ingest": 3, "retrieve": 3,
        "answer": 4, "assistant": 5, "evaluate": 6, "ui": 7, "__main__": 8, "__init__": 8}
MAX_LINES = 300


def _part(module: str) -> str:
    """The stage of ``rag.x.y``: its folder, or the top-level module's name."""
    return module.split(".")[1] if "." in module else "__init__"


def _imports(path: Path) -> set[str]:
    """Every ``rag.*`` module the file imports, at the top or inside functions."""
    return {name for name in imported_modules(path) if name.startswith("rag")}


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_folder_and_module_has_a_stage():
    parts = {_part("rag." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in MODULES}
    assert parts <= set(RANK), parts - set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_a_later_one(path):
    source = _part("rag." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    for target in _imports(path):
        if target == "rag":
            continue
        other = _part(target)
        assert other == source or RANK[other] < RANK[source], f"{path.name} ({source}) imports {target} ({other})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
