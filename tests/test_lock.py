"""The locks (.ci/lock/): installed versions equal them, they agree with each other and with pyproject.toml."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import imported_modules

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / ".ci" / "lock"
PROJECT = "nachrichten-rag"
# the modules of rag that run only with an extra installed; every other module runs on the chat install
EXTRA_MODULES = ("rag/evaluate/", "rag/store/pgschema.py", "rag/store/pglocal.py", "rag/store/postgres.py",
                 "rag/ingest/distributed.py")


def locked(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a lock file written by ``bash .ci/lock/refresh``."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert pins, f"{path} pins nothing"
    return {canonicalize_name(name): pin for name, pin in pins}


def declared() -> dict[str, list[Requirement]]:
    """pyproject.toml's requirements: ``{"app": [...], extra: [...]}``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"app": project["dependencies"], **project["optional-dependencies"]}
    return {group: [Requirement(r) for r in reqs] for group, reqs in groups.items()}


def test_every_locked_package_is_installed_at_its_locked_version():
    wanted = locked(LOCKS / "test.txt")
    wrong = {}
    for name, pin in wanted.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        if installed != pin:
            wrong[name] = f"locked {pin}, installed {installed}"
    assert not wrong, f"the environment differs from .ci/lock/test.txt ({wrong}); run `bash .ci/install --test`"


def test_the_app_lock_is_the_test_lock_at_the_same_versions():
    app, test = locked(LOCKS / "app.txt"), locked(LOCKS / "test.txt")
    assert {name: pin for name, pin in app.items() if test.get(name) != pin} == {}
    assert len(app) < len(test)  # the chat installs without the test, eval, db and ray extras


def test_the_locks_satisfy_pyproject_toml():
    """A change to pyproject.toml regenerates the locks in the same commit (`bash .ci/lock/refresh --keep`)."""
    locks = {"app": locked(LOCKS / "app.txt"), "test": locked(LOCKS / "test.txt")}
    python = {"python_version": f"{sys.version_info.major}.{sys.version_info.minor}"}
    stale = []
    for group, requirements in declared().items():
        lock = locks["app" if group == "app" else "test"]
        for req in requirements:
            name = canonicalize_name(req.name)
            if name == PROJECT or (req.marker is not None and not req.marker.evaluate(python)):
                continue
            pin = lock.get(name)
            if pin is None or not req.specifier.contains(Version(pin), prereleases=True):
                stale.append(f"{req} ({group}): locked {pin}")
    assert not stale, f"the locks do not satisfy pyproject.toml: {stale}; run `bash .ci/lock/refresh --keep`"


def test_the_eval_only_packages_stay_out_of_the_chat_install():
    app = locked(LOCKS / "app.txt")
    assert {"matplotlib", "pytest", "playwright", "ray", "psycopg"}.isdisjoint(app)
    assert app["torch"] == "2.13.0+cpu" and not any(name.startswith("nvidia") for name in app)


def test_the_chat_install_has_every_package_its_modules_import():
    """A package only the test lock has is imported only by modules of an extra (py3langid once broke the chat)."""
    app, test = locked(LOCKS / "app.txt"), locked(LOCKS / "test.txt")
    distributions = packages_distributions()
    wrong = []
    for path in sorted((ROOT / "rag").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if module.startswith(EXTRA_MODULES):
            continue
        for name in {module.split(".")[0] for module in imported_modules(path)}:
            outside = {d for d in map(canonicalize_name, distributions.get(name, [])) if d in test and d not in app}
            wrong += [f"{module} imports {name} ({d})" for d in sorted(outside)]
    assert not wrong, f"the chat install (.ci/lock/app.txt) lacks what these import: {wrong}"
