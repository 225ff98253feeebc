"""The embedding stages of a build: texts sorted by length into batches, one progress bar per stage."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

BATCH = 32  # texts per model batch (sentence-transformers' default)
BATCHES_PER_STEP = 2  # model batches between two progress-bar updates (a small corpus still shows progress)

Encode = Callable[[list[str]], np.ndarray]


class _NoBar:
    def update(self, n: int = 1) -> None:
        return None


@contextmanager
def stage(label: str, total: int, unit: str, enabled: bool) -> Iterator[Any]:
    """One progress bar for one stage of a build (counts and rate), or nothing when not ``enabled``."""
    if not enabled or total <= 0:
        yield _NoBar()
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=label, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=True) as bar:
        yield bar


def encode_sorted(encode: Encode, texts: Sequence[str], *, bar: Any = None,
                  step: int = BATCH * BATCHES_PER_STEP) -> np.ndarray:
    """Encode texts longest first in slices of ``step`` (batches of similar length pad little); rows in input order."""
    order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))
    out: np.ndarray | None = None
    for start in range(0, len(order), step):
        rows = order[start:start + step]
        vectors = np.asarray(encode([texts[i] for i in rows]), dtype=np.float32)
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[rows] = vectors
        if bar is not None:
            bar.update(len(rows))
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def select_terms(vocabulary: Sequence[str]) -> list[str]:
    """The vocabulary terms that get a vector: all but acronyms.

    Term vectors serve the English-question expansion and the unknown-name check; both skip
    acronyms, which are matched by spelling only (their vectors are noisy neighbours of any name).
    Leaving out more (stop words, rare words) changed answers on the dev split: see the README.
    """
    return [t for t in vocabulary if not t.isupper()]
