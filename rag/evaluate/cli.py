"""``rag eval`` / ``python -m rag.evaluate.cli``: score the assistant on a gold question file.

Metrics (answerable questions unless noted): Recall@k = share of questions with a passage
containing an evidence span in the top k; MRR; nDCG@10 (binary gains); KeyFact = share of
answers containing every key fact; CitP/CitR = citation precision/recall; AbstP/AbstR =
precision/recall of abstaining on unanswerable questions (all questions); FalseAbst = share of
answerable questions abstained on; p50/p95 = latency of answering (one retrieval to depth 10,
then the answer from the best k).

With ``--judge on`` (or ``RAG_JUDGE=on``) the language model (``RAG_LLM``, the local one when
provisioned) judges whether the best passages answer and the answers are also scored without it
("no judge"); JudgeAUC = how well its probability separates answerable from unanswerable questions
(a question the rules refuse counts as 0). ``--calibrate`` refits the judge on the gold file's
**dev** split (features cached in ``--features``; ``--drop-gold`` adds each question with its own
article left out, as unanswerable) and writes the calibration with its fit report.

``--squad FILE [--questions FILE ...]`` scores a SQuAD-format set instead (e.g. XQuAD): FILE's
paragraphs are indexed in a temporary folder, its questions and those of each --questions file
(matched by id, judged by FILE's answer spans) are asked with the default configuration and with
bare e5 dense retrieval; SpanInAnswer = share of answers containing an answer span.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from rag.config import default_index_dir, default_seeds_dir
from rag.errors import RagError


def build_parser() -> argparse.ArgumentParser:
    """Arguments of the evaluation command."""
    from rag.evaluate.gold import default_gold_path

    p = argparse.ArgumentParser(prog="rag eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gold", type=Path, default=default_gold_path(), help="gold JSONL file (default: %(default)s)")
    p.add_argument("--split", choices=["dev", "test", "all"], default="test", help="which split to score (default: test)")
    p.add_argument("--tag", action="append", default=[], metavar="TAG",
                   help="only questions with this tag (repeatable: all of them), e.g. corpus:seeds")
    p.add_argument("--k", type=int, default=5, help="passages the answerer reads (default 5)")
    p.add_argument("--compare", action="store_true", help="also evaluate the retrieval variants side by side")
    p.add_argument("--mode", choices=["extract", "generate", "both"], default="extract",
                   help="extract (default): quoted answers; generate: answers written by the language model "
                        "(RAG_LLM, default the local one); both: side by side")
    p.add_argument("--judge", choices=["auto", "on", "off"], default="auto",
                   help="auto (default): the language model judges when RAG_JUDGE=on; on: judge (needs the "
                        "language model), and score the rules alone beside it; off: the rules alone")
    p.add_argument("--calibrate", action="store_true",
                   help="collect the judge's features on the dev split, refit and write the calibration")
    p.add_argument("--features", type=Path, default=Path("eval/calibration"),
                   help="with --calibrate: folder of cached feature files (one per corpus; all are fitted)")
    p.add_argument("--corpus-name", default=None, help="with --calibrate: the features file's name "
                   "(default: the gold file's name)")
    p.add_argument("--sample", type=int, default=0, metavar="N", help="with --calibrate: a spread sample of N dev "
                   "questions (every n-th) instead of all")
    p.add_argument("--drop-gold", action="store_true", help="with --calibrate: also ask each question without its "
                   "own article (unanswerable)")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    p.add_argument("--out", type=Path, default=Path("eval/results"), help="folder for the Markdown report and chart")
    p.add_argument("--no-report", action="store_true", help="do not write the report files")
    p.add_argument("--squad", type=Path, metavar="FILE", help="score a SQuAD-format set (its paragraphs are the corpus)")
    p.add_argument("--questions", type=Path, metavar="FILE", action="append", default=[],
                   help="with --squad: the same questions in another language (repeatable)")
    p.add_argument("--index", type=Path, default=default_index_dir())
    p.add_argument("--store", default=None, metavar="URL", help="evaluate over the PostgreSQL store at URL "
                   "(built from --seeds if needed; default $RAG_STORE) instead of the index folder")
    p.add_argument("--seeds", type=Path, default=None,  # never rebuild an index of another corpus from the seeds
                   help=f"corpus folder (default: the one the index was built from, else {default_seeds_dir()})")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; print a table (or JSON) and write the report."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.questions and args.squad is None:
        parser.error("--questions needs --squad FILE (the file whose paragraphs and answers it is matched to)")
    try:
        require_extra(args)
        if args.calibrate:
            from rag.evaluate.calibrate_cli import run_calibration

            return run_calibration(args)
        return _run_squad(args) if args.squad is not None else _run(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def require_extra(args: argparse.Namespace) -> None:
    """Raise ``RagError`` naming the fix when a package of the ``eval`` extra that this run needs is missing."""
    import importlib.util

    needed = []
    if args.squad is None and not args.no_report and not args.calibrate:
        needed.append("matplotlib")  # the Recall@k chart
    if args.calibrate:
        needed.append("sklearn")  # the logistic calibration
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise RagError(f"this evaluation needs {', '.join(missing)} from the eval extra: run "
                       "`.venv/bin/pip install -e '.[eval]'` (bash .ci/install --test installs it)"
                       + (", or pass --no-report to skip the chart" if missing == ["matplotlib"] else ""))


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.assistant import Assistant
    from rag.evaluate.runner import breakdown, evaluate, failures
    from rag.evaluate.gold import load_gold
    from rag.evaluate.report import markdown_report, recall_chart, text_table
    from rag.retrieve.hybrid import retriever_variants

    items = [i for i in load_gold(args.gold) if (args.split == "all" or i.split == args.split)
             and set(args.tag) <= set(i.tags)]
    if not items:
        raise RagError(f"{args.gold} has no questions in split {args.split!r}"
                       + (f" tagged {', '.join(args.tag)}" if args.tag else "") + "; use --split all or other tags.")
    from rag.answer.judge import LLMJudge
    from rag.models.llm_server import judging as judge_setting, open_llm

    judging = args.judge == "on" or (args.judge == "auto" and judge_setting())
    chat, server = open_llm("off" if args.mode == "extract" and not judging else None)
    if args.mode != "extract" and chat is None:
        raise RagError("--mode generate needs a language model: run `rag llm provision` or set RAG_LLM to a URL.")
    if args.judge == "on" and chat is None:
        raise RagError("--judge on needs a language model: run `rag llm provision` or set RAG_LLM to a URL.")
    try:
        judge = LLMJudge(chat) if judging and chat is not None and hasattr(chat, "first_token") else None
        assistant = Assistant.load(args.index, seeds=args.seeds, progress=not args.json, llm=chat, store_url=args.store,
                                   judge=judge)
        modes = {"extract": ["extract"], "generate": ["generate"], "both": ["extract", "generate"]}[args.mode]
        configs = {("default" if m == "extract" else "generated"): (assistant, m) for m in modes}
        if assistant.judge is not None:
            configs["no judge"] = (assistant.configured(judge=None), "extract")
        if args.compare:
            configs.update({name: (assistant.configured(retrieval=cfg), "extract")
                            for name, cfg in retriever_variants().items()})
        tables, all_failures = {}, []
        bar = tqdm(total=len(items) * len(configs), desc="evaluating", unit="q", disable=args.json, file=sys.stderr)
        for name, (configured, mode) in configs.items():
            bar.set_postfix_str(name)
            results = evaluate(configured, items, k=args.k, mode=mode, on_item=lambda _r: bar.update())
            tables[name] = breakdown(results)
            if name == next(iter(configs)):
                all_failures = failures(results)
    finally:
        if server is not None:
            server.stop()
    bar.close()
    details = {
        "gold file": str(args.gold), "split": args.split, "tags": args.tag or None, "questions": len(items), "k": args.k,
        "model": assistant.settings.model, "chunking": assistant.settings.chunking(), "mode": args.mode,
        "store": type(assistant.store).__name__,
        "judge": assistant.judge.name if assistant.judge is not None else "none (the rules alone)",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if args.json:
        print(json.dumps({"details": details, "results": tables, "failures": all_failures}, ensure_ascii=False, indent=2))
    else:
        print(text_table(tables))
        print(f"\njudge: {details['judge']}")
    if not args.no_report:
        args.out.mkdir(parents=True, exist_ok=True)
        chart = recall_chart(tables, args.out / f"recall_{args.split}.png")
        report = markdown_report(tables, title=f"Evaluation ({args.split} split)", details=details,
                                 failures=all_failures, chart=chart)
        path = args.out / f"report_{args.split}.md"
        path.write_text(report, encoding="utf-8")
        (args.out / f"results_{args.split}.json").write_text(
            json.dumps({"details": details, "results": tables, "failures": all_failures}, ensure_ascii=False, indent=2),
            encoding="utf-8")
        if not args.json:
            print(f"\nReport: {path}  Chart: {chart}")
    return 0


def _run_squad(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.evaluate.report import SQUAD_COLUMNS, markdown_table, text_table
    from rag.evaluate.squad import evaluate_squad

    bars: list = []  # created once the index is built, so that its bar follows the build's bars

    def set_total(total: int) -> None:
        bars.append(tqdm(total=total, desc="evaluating", unit="q", disable=args.json, file=sys.stderr))

    out = evaluate_squad(args.squad, args.questions, k=args.k, progress=not args.json,
                         on_total=set_total, on_item=lambda _r: bars[0].update())
    bars[0].close()
    details = {**out["details"], "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    for warning in details["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({"details": details, "results": out["tables"]}, ensure_ascii=False, indent=2))
    else:
        print(text_table(out["tables"], SQUAD_COLUMNS))
    if not args.no_report:
        args.out.mkdir(parents=True, exist_ok=True)
        lines = ["# SQuAD-format evaluation", "", *(f"- **{k}**: {v}" for k, v in details.items()), "",
                 markdown_table(out["tables"], SQUAD_COLUMNS), ""]
        path = args.out / "report_squad.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        (args.out / "results_squad.json").write_text(
            json.dumps({"details": details, "results": out["tables"]}, ensure_ascii=False, indent=2), encoding="utf-8")
        if not args.json:
            print(f"\nReport: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
