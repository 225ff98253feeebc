"""Refit the entailment threshold on the writer's own dev sentences, labelled by hand.

    python eval/entailment_writer_fit.py [--labels eval/calibration/entailment-writer-dev.jsonl] [--write]

``eval/entailment_calibrate.py --fit`` sets a first threshold from XQuAD translations (rejecting at
most 5 % of them). The writer's real sentences score lower than translations, and on the dev
questions that threshold let through sentences their quotes do not state (a name taken from the
question, a number given another meaning). This script reads the written sentences shown on dev
questions with their log-odds and a hand label (``supported``), picks the threshold with the best
Youden's J (``rag.evaluate.entailment_pairs.youden_threshold``), prints the rates at the old and new
thresholds and, with ``--write``, stores it in ``rag/answer/entailment_calibration.json`` beside the
XQuAD report. Run it again after a new XQuAD fit. Test questions are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer.entailment import DEFAULT_PATH  # noqa: E402
from rag.evaluate.entailment_pairs import youden_threshold  # noqa: E402

LABELS = Path(__file__).resolve().parent / "calibration" / "entailment-writer-dev.jsonl"


def rates(scores: list[tuple[float, bool]], threshold: float) -> dict:
    """Shares of supported and unsupported sentences below ``threshold`` (dropped)."""
    supported = [s for s, ok in scores if ok]
    unsupported = [s for s, ok in scores if not ok]
    return {"threshold": round(threshold, 4),
            "dropped_supported": round(sum(s < threshold for s in supported) / len(supported), 3),
            "dropped_unsupported": round(sum(s < threshold for s in unsupported) / len(unsupported), 3)}


def main() -> None:
    """Fit, print and (with ``--write``) store the threshold."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--write", action="store_true", help="store the threshold in the shipped calibration")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    scores = [(float(r["log_odds"]), bool(r["supported"])) for r in rows]
    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    xquad = float(data["report"].get("dev", {}).get("threshold", data["threshold"]))
    fitted = youden_threshold(scores)
    report = {"fitted_on": f"{len(rows)} written sentences shown on dev questions, "
                           f"{sum(not ok for _, ok in scores)} unsupported (hand labels, {args.labels.name})",
              "rule": "Youden's J", "xquad": rates(scores, xquad), "fitted": rates(scores, fitted)}
    print(json.dumps(report, indent=2))
    if args.write:
        data["threshold"] = fitted
        data["report"]["writer_dev"] = report
        DEFAULT_PATH.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {DEFAULT_PATH}")


if __name__ == "__main__":
    main()
