"""Quiet by default: the libraries' progress bars, warnings and log chatter off unless ``-v`` asks for them.

A warning that carries a traceback (say, a language model that failed mid-answer) shows as one
line on the terminal; the traceback goes to the log file (``rag.config.log_file()``).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import warnings
from pathlib import Path

from rag.config import log_file

# Read by huggingface_hub/transformers when they are imported; a value the user set wins.
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar, hub downloads
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",  # else tokenizers warns after a fork
}
LOG_BYTES, LOG_BACKUPS = 1_000_000, 2


class _OwnWarnings(logging.Filter):
    """Lets this package's warnings through and only errors from the libraries."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == "rag" or record.name.startswith("rag.") or record.levelno >= logging.ERROR


class OneLine(logging.Formatter):
    """Formats a record without its traceback, pointing to the file that has it."""

    def __init__(self, fmt: str, details: Path | None) -> None:
        super().__init__(fmt)
        self.details = details

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            text = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        return text + (f" (traceback in {self.details})" if saved[0] and self.details else "")


class _LogFile(logging.handlers.RotatingFileHandler):
    """A rotating log file made (with its folder) only when the first record arrives."""

    def _open(self):  # noqa: ANN202 - the stream
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:  # an unwritable log file never stops a command
        pass


def _file_handler(path: Path) -> logging.Handler | None:
    """A rotating log file for warnings with their tracebacks (None if it cannot be opened)."""
    try:
        handler = _LogFile(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_OwnWarnings())
    return handler


def _terminal(handler: logging.Handler) -> bool:
    """Whether the handler is the terminal's, as ``logging.basicConfig`` made it (not a test's capture, not a file)."""
    return type(handler) is logging.StreamHandler


def configure_output(verbose: bool, *, fmt: str = "%(message)s", tracebacks: bool = False) -> None:
    """Set up logging for a command: ``verbose`` logs progress details and lets libraries speak;
    ``tracebacks`` keeps them on the terminal (a server's log), else they go to the log file."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=fmt)
    if verbose:
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore")
    root = logging.getLogger()
    if tracebacks:  # one log, the terminal's: no file beside it (``rag serve`` after ``rag``'s own set-up)
        for handler in list(root.handlers):
            if isinstance(handler, logging.handlers.RotatingFileHandler):
                root.removeHandler(handler)
                handler.close()
            elif _terminal(handler):
                handler.setFormatter(logging.Formatter(fmt))
    else:
        extra = _file_handler(log_file())
        if extra is not None and not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
            root.addHandler(extra)
        for handler in root.handlers:
            if _terminal(handler):
                handler.setFormatter(OneLine(fmt, Path(extra.baseFilename) if extra is not None else None))
    for handler in root.handlers:
        if not any(isinstance(f, _OwnWarnings) for f in handler.filters):
            handler.addFilter(_OwnWarnings())
