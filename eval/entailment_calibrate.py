"""Fit (dev) and test the entailment check on XQuAD's parallel German/English paragraphs.

    python eval/entailment_calibrate.py --split dev --out /tmp/entail-dev.jsonl --fit
    python eval/entailment_calibrate.py --split test --out /tmp/entail-test.jsonl

Pairs come from ``rag.evaluate.entailment_pairs`` (quotes German, statements English, and the
other way round for a third of them); paragraphs are split dev/test as for the judge
(``eval/xquad_prepare.split_of``). ``--fit`` sets the threshold on dev pairs only: the highest
whose rejections of entailed pairs stay within ``--budget``, and writes
``rag/answer/entailment_calibration.json`` with its report. A test run reads that threshold and
reports rejection rates per kind; it never changes it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rag.answer.entailment import DEFAULT_PATH, EntailmentCalibration, LLMEntailment, messages  # noqa: E402
from rag.evaluate import metrics  # noqa: E402
from rag.evaluate.entailment_pairs import KINDS, Pair, build_pairs, threshold_for  # noqa: E402
from rag.evaluate.squad import read_squad  # noqa: E402
from xquad_prepare import XQUAD, split_of  # noqa: E402


def pairs(split: str, per_kind: int) -> list[Pair]:
    """The split's pairs: two thirds with German quotes and English statements, one third the reverse."""
    german, english = read_squad(XQUAD / "xquad.de.json"), read_squad(XQUAD / "xquad.en.json")
    ids = [p for p in german.paragraphs if p in english.paragraphs and split_of(p) == split]
    random.Random(7).shuffle(ids)
    cut = 2 * len(ids) // 3
    rows = [(p, german.paragraphs[p], english.paragraphs[p]) for p in ids[:cut]]
    rows += [(p, english.paragraphs[p], german.paragraphs[p]) for p in ids[cut:]]
    return build_pairs(rows, per_kind=per_kind)


def score(split: str, per_kind: int, out: Path, threads: int) -> list[dict]:
    """Each pair's log-odds, appended to ``out`` (resumable)."""
    from rag.models.llm_server import open_llm

    done = {}
    if out.exists():
        done = {(r["source"], r["statement"]): r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    todo = [p for p in pairs(split, per_kind) if (p.source, p.statement) not in done]
    if todo:
        chat, server = open_llm(threads=threads)
        if chat is None:
            raise SystemExit("no language model: provision it (bash .ci/install) or start one (rag llm start)")
        check = LLMEntailment(chat, EntailmentCalibration(0.0))
        start = time.perf_counter()
        try:
            with out.open("a", encoding="utf-8") as sink:
                for n, pair in enumerate(todo, 1):
                    row = {**asdict(pair), "split": split, "log_odds": check.log_odds([pair.source], pair.statement)}
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                    sink.flush()
                    if n % 50 == 0:
                        rate = n / (time.perf_counter() - start)
                        print(f"{n}/{len(todo)} pairs, {rate:.2f}/s", file=sys.stderr)
        finally:
            if server is not None:
                server.stop()
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary(rows: list[dict], threshold: float) -> dict:
    """AUC and the share of each kind rejected at ``threshold``."""
    yes = [r["log_odds"] for r in rows if r["entailed"]]
    no = [r["log_odds"] for r in rows if not r["entailed"]]
    out: dict = {"pairs": len(rows), "auc": metrics.auc(yes, no), "threshold": threshold}
    for kind in KINDS:
        values = [r["log_odds"] for r in rows if r["kind"] == kind]
        out[f"rejected_{kind}"] = sum(v < threshold for v in values) / len(values) if values else None
        out[f"n_{kind}"] = len(values)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=["dev", "test"], required=True)
    p.add_argument("--out", type=Path, required=True, help="scores (JSON lines, resumable)")
    p.add_argument("--per-kind", type=int, default=100)
    p.add_argument("--budget", type=float, default=0.05, help="share of entailed pairs the threshold may reject")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--fit", action="store_true", help="set the threshold from these (dev) pairs and write it")
    args = p.parse_args()
    if args.fit and args.split != "dev":
        raise SystemExit("--fit reads dev pairs only")
    rows = score(args.split, args.per_kind, args.out, args.threads)
    if args.fit:
        threshold = threshold_for([(r["log_odds"], r["entailed"]) for r in rows], args.budget)
        report = {"fitted_on": "xquad dev paragraphs", "budget": args.budget, "prompt": messages(["{quote}"], "{statement}"),
                  "dev": summary(rows, threshold)}
        tmp = DEFAULT_PATH.with_suffix(".tmp")
        tmp.write_text(json.dumps(EntailmentCalibration(threshold, report).to_dict(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(DEFAULT_PATH)
    else:
        threshold = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))["threshold"]
    print(json.dumps(summary(rows, threshold), indent=1))


if __name__ == "__main__":
    main()
