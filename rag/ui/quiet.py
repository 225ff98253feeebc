"""Quiet by default: the libraries' progress bars, warnings and log chatter off unless ``-v`` asks for them."""

from __future__ import annotations

import logging
import os
import warnings

# Read by huggingface_hub/transformers when they are imported; a value the user set wins.
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar, hub downloads
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",  # else tokenizers warns after a fork
}


class _OwnWarnings(logging.Filter):
    """Lets this package's warnings through and only errors from the libraries."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == "rag" or record.name.startswith("rag.") or record.levelno >= logging.ERROR


def configure_output(verbose: bool, *, fmt: str = "%(message)s") -> None:
    """Set up logging for a command: ``verbose`` logs progress details and lets libraries speak."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=fmt)
    if verbose:
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_OwnWarnings())
