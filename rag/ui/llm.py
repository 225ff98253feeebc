"""`rag llm provision|status`: the local language model that writes generated answers."""

from __future__ import annotations

import argparse


def cmd_llm(args: argparse.Namespace) -> int:
    """Provision the local language model, or say whether it is there."""
    from rag.models.llm import gguf_path, is_provisioned, provision_llm

    if args.action == "provision":
        print(f"model ready: {provision_llm(progress=True)}")
    else:
        state = "provisioned" if is_provisioned() else "not provisioned (run `rag llm provision`)"
        print(f"{gguf_path()}: {state}")
    return 0


def add_llm_command(sub: argparse._SubParsersAction) -> None:
    """Register `rag llm` on the CLI's subcommands."""
    p = sub.add_parser("llm", help="the local language model that writes generated answers")
    p.add_argument("action", choices=["provision", "status"], help="provision: download and verify it (1.1 GB, once)")
    p.set_defaults(func=cmd_llm)
