"""Generated answers: time to first token, to the first shown sentence and to the full answer, next to llama.cpp.

    python bench/generate.py [--questions 12] [--threads 2] [--index DIR]

For each answerable gold question (dev split, both languages) the assistant writes a generated
answer through the local llama.cpp server (``ask_stream``); the script notes when the first
token arrives, when the first checked sentence is shown and when the answer is complete. Then it
sends the very same prompt to the same server again without its prompt cache and reads llama.cpp's
own timings (prompt processing + generation of the same number of tokens): the floor for that
prompt on this machine. Both are measured in the same run, so the ratio holds on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

LOAD = [0.0]
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.assistant import Assistant  # noqa: E402
from rag.evaluate.gold import default_gold_path, load_gold  # noqa: E402
from rag.models.chat import OpenAIChat  # noqa: E402
from rag.models.llm import gguf_path, is_provisioned  # noqa: E402
from rag.models.llm_server import LocalLLMServer  # noqa: E402
from rag.types import Answer, Quoted  # noqa: E402


class Timed:
    """The chat model, noting each request's messages and when its first and last pieces arrived."""

    def __init__(self, inner: OpenAIChat) -> None:
        self.inner, self.name = inner, inner.name
        self.calls: list[dict] = []
        self.checks = 0

    def stream(self, messages, *, max_tokens, temperature=0.0):  # noqa: ANN001, ANN201
        call = {"messages": list(messages), "max_tokens": max_tokens, "start": time.perf_counter(), "first": None,
                "text": ""}
        self.calls.append(call)
        for piece in self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature):
            if call["first"] is None:
                call["first"] = time.perf_counter()
            call["text"] += piece
            yield piece

    def first_token(self, messages, *, top=10):  # noqa: ANN001, ANN201
        self.checks += 1  # the entailment check of a written sentence
        return self.inner.first_token(messages, top=top)


def llama_timings(base_url: str, messages: list[dict], n_predict: int) -> dict:
    """llama.cpp's own timings for the prompt, uncached, generating ``n_predict`` tokens."""
    body = {"messages": messages, "max_tokens": max(n_predict, 1), "temperature": 0, "cache_prompt": False,
            "ignore_eos": True}
    request = urllib.request.Request(f"{base_url}/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as reply:
        return json.load(reply)["timings"]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=12, help="answerable dev questions, half per language")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (default 2)")
    parser.add_argument("--index", type=Path, help="index folder (default: a fresh one over seeds/)")
    args = parser.parse_args()
    LOAD[0] = os.getloadavg()[0]
    if not is_provisioned():
        sys.exit("the local language model is not provisioned: run `rag llm provision`")
    items = [i for i in load_gold(default_gold_path()) if i.split == "dev" and i.answerable]
    half = args.questions // 2
    items = [i for i in items if i.language == "en"][:half] + [i for i in items if i.language == "de"][:args.questions - half]
    index = args.index or Path(tempfile.mkdtemp(prefix="rag-bench-gen-"))
    with LocalLLMServer(gguf_path(), threads=args.threads) as server:
        chat = Timed(OpenAIChat(server.base_url, timeout=600))
        assistant = Assistant.load(index, llm=chat)
        assistant.warm_up()
        assistant.ask("Warm-up: what is this about?", mode="generate")  # loads the model's pages, caches the prefix
        rows = []
        for item in items:
            chat.calls.clear()
            chat.checks = 0
            start = time.perf_counter()
            first_sentence = quoted = None
            answer = None
            for event in assistant.ask_stream(item.question, mode="generate"):
                if isinstance(event, Answer):
                    answer = event
                elif isinstance(event, Quoted):
                    quoted = time.perf_counter() - start
                elif first_sentence is None:
                    first_sentence = time.perf_counter() - start
            total = time.perf_counter() - start
            if not chat.calls or answer is None:
                continue  # abstained before generation
            call = chat.calls[0]
            n_out = max(1, round(len(call["text"]) / 4))  # rough token count; llama.cpp reports the exact one
            floor = llama_timings(server.base_url, call["messages"], n_out)
            rows.append({"id": item.id, "quoted": quoted, "ttft": (call["first"] or time.perf_counter()) - start, "first_sentence": first_sentence,
                         "total": total, "llama_prompt_s": floor["prompt_ms"] / 1000,
                         "llama_total_s": (floor["prompt_ms"] + floor["predicted_ms"]) / 1000,
                         "prompt_tokens": floor["prompt_n"], "generated_tokens": floor["predicted_n"],
                         "tokens_per_s": floor["predicted_per_second"], "answerer": answer.answerer,
                         "checks": chat.checks})
    if not rows:
        sys.exit("no question reached the language model")
    print(f"{len(rows)} generated answers, llama.cpp threads {args.threads}")
    print(f"  load average at the start {LOAD[0]:.2f}, at the end {os.getloadavg()[0]:.2f}")
    for label, key in (("quoted answer shown", "quoted"), ("time to first token", "ttft"), ("time to first shown sentence", "first_sentence"),
                       ("full answer", "total"), ("llama.cpp prompt only (uncached)", "llama_prompt_s"),
                       ("llama.cpp prompt + same tokens", "llama_total_s")):
        values = [r[key] for r in rows if r[key] is not None]
        print(f"  {label:<34} p50 {pct(values, 50):6.2f} s   p95 {pct(values, 95):6.2f} s")
    ratio = statistics.median(r["total"] / r["llama_total_s"] for r in rows)
    print(f"  full answer / llama.cpp for the same prompt and length: median ratio {ratio:.2f}")
    print(f"  prompt tokens p50 {pct([r['prompt_tokens'] for r in rows], 50)}, generated tokens p50 "
          f"{pct([r['generated_tokens'] for r in rows], 50)}, generation {statistics.median(r['tokens_per_s'] for r in rows):.1f} tokens/s")
    print(f"  answers written by the model: {sum(r['answerer'] == 'generative' for r in rows)} of {len(rows)}; "
          f"entailment checks per answer p50 {pct([r['checks'] for r in rows], 50)}, "
          f"{sum(r['checks'] for r in rows)} in all")


if __name__ == "__main__":
    main()
