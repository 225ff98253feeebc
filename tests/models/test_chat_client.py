"""The OpenAI-compatible chat client against real broken endpoints: closed port, cut-off stream, bad payload."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from rag.errors import LLMError
from rag.models.chat import OpenAIChat, UnavailableChat, describe
from rag.ui.launch import free_port

HELLO = [{"role": "user", "content": "hi"}]


def chunk(text: str) -> bytes:
    """One server-sent event of a streamed chat completion."""
    event = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
             "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(event)}\n\n".encode()


class Broken(http.server.BaseHTTPRequestHandler):
    """Streams one piece of a reply, then misbehaves as ``server.mode`` says."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - the handler's protocol
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in (chunk("The answer"), b"data: {not json\n\n" if self.server.mode == "garbage" else b""):  # type: ignore[attr-defined]
            if event:
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()
        if self.server.mode == "garbage":  # type: ignore[attr-defined]
            self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True  # "cut": the chunked body never ends


@pytest.fixture(params=["cut", "garbage"])
def broken(request: pytest.FixtureRequest) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    server.mode = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_closed_port_is_an_llm_error_that_says_what_to_do():
    chat = OpenAIChat(f"http://127.0.0.1:{free_port()}/v1", timeout=5)
    with pytest.raises(LLMError, match="cannot reach .*RAG_LLM=off"):
        list(chat.stream(HELLO, max_tokens=5))


def test_a_reply_broken_mid_stream_is_an_llm_error_after_the_pieces_that_came(broken):
    pieces: list[str] = []
    with pytest.raises(LLMError, match=r"(broke mid-reply|failed while answering) \(\w+"):
        for piece in OpenAIChat(broken, timeout=10).stream(HELLO, max_tokens=5):
            pieces.append(piece)
    assert pieces == ["The answer"]


def test_the_client_is_built_with_the_installed_openai_s_own_timeout():
    import openai

    client = OpenAIChat("http://127.0.0.1:9/v1", timeout=42, connect_timeout=2)._get()
    assert isinstance(client.timeout, openai.Timeout)
    assert (client.timeout.read, client.timeout.connect) == (42, 2) and client.max_retries == 0


def test_an_unavailable_model_fails_every_request_with_its_reason():
    chat = UnavailableChat("the local LLM server exited with code 1")
    with pytest.raises(LLMError, match="exited with code 1"):
        chat.stream(HELLO, max_tokens=5)
    assert "exited" in repr(chat)


def test_describe_names_the_type_and_the_first_line_shortened():
    assert describe(ValueError("bad\nsecond line")) == "ValueError: bad"
    assert describe(RuntimeError()) == "RuntimeError"
    assert len(describe(KeyError("x" * 500))) == 160
