"""Chat models behind one small protocol: any OpenAI-compatible chat-completions endpoint.

The local llama.cpp server (``rag.models.llm_server``), Ollama, vLLM or a hosted API all speak
``/v1/chat/completions``; the key comes from the environment (``RAG_LLM_API_KEY``) and is never
logged. Settings: ``RAG_LLM`` = ``local`` | ``off`` | a base URL, ``RAG_LLM_MODEL``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from rag.errors import LLMError

API_KEY_ENV = "RAG_LLM_API_KEY"
Message = dict[str, str]


class ChatModel(Protocol):
    """Streams the reply to a list of chat messages, piece by piece."""

    name: str

    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]: ...


class OpenAIChat:
    """A chat-completions endpoint (``base_url`` ends in ``/v1``); errors become ``LLMError``s that say what to do."""

    def __init__(self, base_url: str, *, model: str = "local", api_key: str | None = None, timeout: float = 30.0,
                 connect_timeout: float = 3.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the LLM endpoint must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self._key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        self._client: Any = None

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIChat({self.base_url!r}, model={self.name!r})"

    def first_token(self, messages: Sequence[Message], *, top: int = 10) -> list[tuple[str, float]]:
        """The ``top`` most likely first tokens of the reply with their log-probabilities."""
        return first_token(self, messages, top=top)

    def _get(self) -> Any:
        if self._client is None:
            import openai

            # the client's own Timeout type: openai 1-2 build it on httpx, 3.x on httpx2, which rejects httpx's
            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=self._key or "not-needed", max_retries=0,
                timeout=openai.Timeout(self.timeout, connect=self.connect_timeout),
            )
        return self._client

    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """The reply's text pieces as they arrive."""
        import openai

        received = False
        try:
            chunks = self._get().chat.completions.create(
                model=self.name, messages=list(messages), stream=True, max_tokens=max_tokens,
                temperature=temperature,
            )
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    received = True
                    yield chunk.choices[0].delta.content
        except openai.APITimeoutError as exc:
            raise LLMError(f"the language model at {self.base_url} did not answer within {self.timeout:.0f} s; "
                           "try again, or set RAG_LLM=off to answer by quoting") from exc
        except openai.APIConnectionError as exc:
            if received:
                raise LLMError(f"the connection to the language model at {self.base_url} broke mid-reply "
                               f"({describe(exc.__cause__ or exc)}); try again") from exc
            raise LLMError(f"cannot reach the language model at {self.base_url}; start it, check RAG_LLM, "
                           "or set RAG_LLM=off to answer by quoting") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"the language model at {self.base_url} refused the request (HTTP {exc.status_code}); "
                           f"check RAG_LLM_MODEL and {API_KEY_ENV}") from exc
        except Exception as exc:  # noqa: BLE001 - a reply cut off or garbled mid-stream surfaces as another library's error
            raise LLMError(f"the language model at {self.base_url} failed while answering ({describe(exc)}); "
                           "try again, or set RAG_LLM=off to answer by quoting") from exc


class LogprobModel(Protocol):
    """Gives the log-probabilities of the most likely first tokens of the reply (what a judge reads)."""

    name: str

    def first_token(self, messages: Sequence[Message], *, top: int = 10) -> list[tuple[str, float]]: ...


def first_token(chat: OpenAIChat, messages: Sequence[Message], *, top: int = 10) -> list[tuple[str, float]]:
    """The ``top`` most likely first tokens of the reply with their log-probabilities (one token generated)."""
    import openai

    try:
        reply = chat._get().chat.completions.create(
            model=chat.name, messages=list(messages), max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=top,
        )
    except openai.APITimeoutError as exc:
        raise LLMError(f"the language model at {chat.base_url} did not answer within {chat.timeout:.0f} s") from exc
    except openai.APIConnectionError as exc:
        raise LLMError(f"cannot reach the language model at {chat.base_url}; start it, check RAG_LLM, "
                       "or set RAG_LLM=off") from exc
    except openai.APIStatusError as exc:
        raise LLMError(f"the language model at {chat.base_url} refused the request (HTTP {exc.status_code}); "
                       f"check RAG_LLM_MODEL and {API_KEY_ENV}") from exc
    choice = reply.choices[0] if reply.choices else None
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content or not getattr(content[0], "top_logprobs", None):
        raise LLMError(f"the language model at {chat.base_url} returns no log-probabilities; the judge needs an "
                       "endpoint that does (llama.cpp's server, vLLM, OpenAI) or RAG_JUDGE=off")
    return [(t.token, float(t.logprob)) for t in content[0].top_logprobs]


class UnavailableChat:
    """A chat model that could not be started: every request fails with the reason, so answers quote instead."""

    unavailable = True

    def __init__(self, reason: str, name: str = "unavailable") -> None:
        self.reason, self.name = reason, name

    def __repr__(self) -> str:
        return f"UnavailableChat({self.reason!r})"

    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """Fails at once with the reason the model could not be started."""
        raise LLMError(self.reason)


def describe(exc: BaseException, limit: int = 160) -> str:
    """An exception as ``Type: first line of its message``, shortened: a cause fit for a note."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
