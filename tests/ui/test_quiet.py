"""Quiet output: one line per warning on the terminal, the traceback in the log file made only when needed."""

from __future__ import annotations

import logging
import sys

from rag.ui.quiet import OneLine, _file_handler


def record_with_traceback() -> logging.LogRecord:
    try:
        raise TypeError("Invalid timeout")
    except TypeError:
        return logging.LogRecord("rag.answer.generative", logging.WARNING, __file__, 1, "writer failed: %s",
                                 ("TypeError: Invalid timeout",), sys.exc_info())


def test_the_terminal_gets_one_line_that_points_to_the_traceback(tmp_path):
    record = record_with_traceback()
    text = OneLine("%(message)s", tmp_path / "rag.log").format(record)
    assert text == f"writer failed: TypeError: Invalid timeout (traceback in {tmp_path / 'rag.log'})"
    assert record.exc_info is not None  # left for the next handler
    assert OneLine("%(message)s", None).format(record) == "writer failed: TypeError: Invalid timeout"


def test_the_log_file_and_its_folder_appear_with_the_first_warning_and_keep_the_traceback(tmp_path):
    path = tmp_path / "state" / "nachrichten-rag" / "rag.log"
    handler = _file_handler(path)
    assert handler is not None and not path.parent.exists()  # nothing written by an ordinary command
    for name, level, message in (("rag.x", logging.INFO, "fine"), ("httpx", logging.WARNING, "library chatter")):
        logger = logging.Logger(name)  # not registered: the test leaves logging as it was
        logger.addHandler(handler)
        logger.log(level, message)
    assert not path.exists()
    logger = logging.Logger("rag.answer.generative")
    logger.addHandler(handler)
    logger.handle(record_with_traceback())
    handler.close()
    text = path.read_text(encoding="utf-8")
    assert "WARNING rag.answer.generative: writer failed" in text and "Traceback" in text
    assert "library chatter" not in text and "fine" not in text


def test_an_unwritable_log_file_never_stops_a_command(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    handler = _file_handler(blocker / "rag.log")  # its folder is a file
    assert handler is not None
    handler.handle(record_with_traceback())  # no exception
    handler.close()
