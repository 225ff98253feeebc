"""Which language a text is in (English or German), with py3langid's model restricted to the two."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    import py3langid.langid as langid

    identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
    identifier.set_languages(["de", "en"])
    return identifier


def identify(text: str) -> str:
    """``"en"`` or ``"de"`` for a text (citation markers and numbers are ignored)."""
    cleaned = re.sub(r"\[\d+\]|\d", " ", text)
    with _lock:  # the identifier keeps per-call state in numpy buffers
        return str(_identifier().classify(cleaned)[0])
