"""`rag llm provision|status|start|stop`: the local language model that writes generated answers."""

from __future__ import annotations

import argparse


def _threads(n: int) -> str:
    return f"{n} thread" + ("" if n == 1 else "s")


def cmd_llm(args: argparse.Namespace) -> int:
    """Provision the local language model, start or stop it as a server for later commands, or say how it stands."""
    from rag.models import llm_daemon
    from rag.models.llm import gguf_path, is_provisioned, provision_llm

    if args.action == "provision":
        print(f"model ready: {provision_llm(progress=True)}")
    elif args.action == "start":
        running = llm_daemon.find_daemon()
        if running is not None:
            hint = (f"; `rag llm stop` first to run it with {_threads(args.threads)}"
                    if args.threads and args.threads != running.threads else "")
            print(f"language model already running at {running.url} (pid {running.pid}, "
                  f"{_threads(running.threads)}){hint}")
            return 0
        print("starting the language model (10-20 s) …", flush=True)
        info = llm_daemon.start_daemon(threads=args.threads)
        print(f"language model serving at {info.url} (pid {info.pid}, {_threads(info.threads)}); "
              "`rag ask --mode generate` and `rag serve` use it; `rag llm stop` ends it")
    elif args.action == "stop":
        stopped = llm_daemon.stop_daemon()
        print(f"stopped the language model (pid {stopped.pid})" if stopped else "no language model was running")
    else:
        state = "provisioned" if is_provisioned() else "not provisioned (run `rag llm provision`)"
        print(f"{gguf_path()}: {state}")
        running = llm_daemon.find_daemon()
        silent = None if running else llm_daemon.read_state()  # a record find_daemon kept: ours, not answering
        if running:
            print(f"language model running at {running.url} (pid {running.pid}, {_threads(running.threads)})")
        elif silent:
            print(f"language model running (pid {silent.pid}) but not answering at {silent.url}; "
                  f"see {llm_daemon.log_path()}, or end it with `rag llm stop`")
        else:
            print("no language model running (`rag llm start` keeps one running for later commands)")
    return 0


def _positive(text: str) -> int:
    value = int(text) if text.strip().isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def add_llm_command(sub: argparse._SubParsersAction) -> None:
    """Register `rag llm` on the CLI's subcommands."""
    p = sub.add_parser("llm", help="the local language model that writes generated answers",
                       description="provision: download and verify the model (1.1 GB, once). start: keep it "
                                   "running on 127.0.0.1, so that `rag ask --mode generate` and `rag serve` skip "
                                   "its 10-20 s start (RAG_LLM_REUSE=off makes them start their own). stop: end "
                                   "it. status: whether it is provisioned and running.")
    p.add_argument("action", choices=["provision", "status", "start", "stop"],
                   help="provision (once), start, stop, or status")
    p.add_argument("--threads", type=_positive, default=None,
                   help="with start: CPU threads (default $RAG_LLM_THREADS, else every core of a quiet machine)")
    p.set_defaults(func=cmd_llm)
