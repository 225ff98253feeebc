"""``rag eval --calibrate``: judge the dev questions of one corpus, then refit on every corpus collected."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.errors import RagError


def run_calibration(args: argparse.Namespace) -> int:
    """Collect features for ``args.gold``'s dev split over ``args.index``, refit on all feature files, write."""
    from tqdm import tqdm

    from rag.answer.calibration import DEFAULT_PATH
    from rag.answer.judge import LLMJudge
    from rag.assistant import Assistant
    from rag.evaluate.calibrate import ablation, collect, fit, read_rows, write_calibration
    from rag.evaluate.gold import load_gold
    from rag.models.llm_server import open_llm

    items = [i for i in load_gold(args.gold) if i.split == "dev" and set(args.tag) <= set(i.tags)]
    if not items:
        raise RagError(f"{args.gold} has no dev questions: calibration never reads test questions")
    if args.sample:
        items = items[:: max(1, len(items) // args.sample)][: args.sample]
    args.features.mkdir(parents=True, exist_ok=True)
    name = args.corpus_name or Path(args.gold).stem
    chat, server = open_llm()
    if chat is None or not hasattr(chat, "first_token"):
        raise RagError("calibration needs a language model: run `rag llm provision` or set RAG_LLM to a URL")
    try:
        assistant = Assistant.load(args.index, seeds=args.seeds, progress=True, judge=None)
        judge = LLMJudge(chat)  # type: ignore[arg-type]
        for drop in (False, True) if args.drop_gold else (False,):
            out = args.features / f"{name}{'-drop-gold' if drop else ''}.jsonl"
            bar = tqdm(total=len(items), desc=f"judging {out.name}", unit="q", file=sys.stderr)
            collect(assistant, judge, items, out, corpus=name + ("-drop-gold" if drop else ""), k=args.k,
                    drop_gold=drop, on_item=lambda _row: bar.update())
            bar.close()
    finally:
        if server is not None:
            server.stop()
    paths = sorted(args.features.glob("*.jsonl"))
    rows = read_rows(paths)
    calibration = fit(rows)
    calibration.report["judge"] = judge.name
    calibration.report["feature_files"] = [p.name for p in paths]
    calibration.report["rules_ablation"] = ablation(rows)
    write_calibration(calibration, DEFAULT_PATH)
    print(json.dumps(calibration.to_dict(), indent=1, ensure_ascii=False))
    print(f"\nCalibration written to {DEFAULT_PATH}", file=sys.stderr)
    return 0
