"""Probe the judge on a gold split: per question, the system's candidate evidence, each unit judged.

    python eval/judge_probe.py --gold eval/gold.jsonl --split dev --index DIR --seeds DIR --out FILE.jsonl

Writes one JSON line per question (resumable: questions already in FILE are skipped) with the
rules' verdict and, for each candidate unit (the best sentences with their neighbours, and the
best passages), its retrieval score, the judge's log-odds, whether it holds a gold evidence span
or every key fact, and the seconds the judge took. ``--report`` prints AUCs and costs from FILE.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.evaluate import metrics  # noqa: E402


def windows(assistant, ranked, top: int) -> list[dict]:
    """The ``top`` best distinct sentences, each with its neighbours inside the same passage."""
    by_key = {(s.article_id, s.index): s for s in assistant.store.sentences}
    out, seen = [], set()
    for cand in ranked:
        s, hit = cand.sentence, cand.hit
        if (s.article_id, s.index) in seen:
            continue
        seen.add((s.article_id, s.index))
        parts = [by_key.get((s.article_id, s.index + d)) for d in (-1, 0, 1)]
        parts = [p for p in parts if p is not None and p.lies_in(hit)]
        out.append({"kind": "window", "article_id": s.article_id, "sentence": s.text,
                    "text": " ".join(p.text for p in parts), "score": cand.score, "rank": cand.rank})
        if len(out) >= top:
            break
    return out


def probe(args: argparse.Namespace) -> None:
    from rag import Assistant
    from rag.answer.judge import LLMJudge
    from rag.evaluate.gold import load_gold
    from rag.models.chat import OpenAIChat
    from rag.models.llm import gguf_path
    from rag.models.llm_server import LocalLLMServer

    items = [i for i in load_gold(args.gold) if args.split == "all" or i.split == args.split]
    if args.sample:  # a fixed, spread sample: every n-th question
        items = items[:: max(1, len(items) // args.sample)][: args.sample]
    done = set()
    if args.out.exists():
        done = {json.loads(line)["id"] for line in args.out.read_text(encoding="utf-8").splitlines() if line.strip()}
    assistant = Assistant.load(args.index, seeds=args.seeds, build=False)
    state = assistant._state
    with LocalLLMServer(gguf_path(), threads=args.threads) as server:
        judge = LLMJudge(OpenAIChat(server.base_url, timeout=300))
        with args.out.open("a", encoding="utf-8") as out:
            for n, item in enumerate(items, 1):
                if item.id in done:
                    continue
                retrieval = state.retriever.retrieve(item.question, k=args.k + (3 if args.drop_gold else 0))
                answerable = item.answerable
                if args.drop_gold:  # as if the question's own paragraph were not in the index: unanswerable
                    gold = {e.article_id for e in item.evidence}
                    retrieval = replace(retrieval, hits=tuple(h for h in retrieval.hits if h.article_id not in gold)[: args.k])
                    answerable = False
                else:
                    retrieval = replace(retrieval, hits=retrieval.hits[: args.k])
                ranked = state.scorer.score(retrieval)
                verdict = state.check.check(retrieval, ranked)
                units = windows(assistant, ranked, args.sentences)
                units += [{"kind": "chunk", "article_id": h.article_id, "text": h.text, "score": h.score, "rank": r}
                          for r, h in enumerate(retrieval.hits[: args.chunks])]
                for unit in units:
                    started = time.perf_counter()
                    unit["log_odds"] = judge.judge(item.question, [unit["text"]])[0]
                    unit["seconds"] = round(time.perf_counter() - started, 3)
                    unit["relevant"] = answerable and metrics.is_relevant(unit["text"], unit["article_id"], item.evidence)
                    unit["key_facts"] = answerable and bool(item.key_facts) and metrics.key_fact_match(unit["text"], item.key_facts)
                    unit["chars"] = len(unit.pop("text"))
                row = {"id": item.id, "split": item.split, "language": item.language, "answerable": answerable,
                       "tags": list(item.tags), "rules_reason": verdict.reason, "units": units}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                print(f"{n}/{len(items)} {item.id} {'A' if answerable else 'U'} "
                      f"max={max(u['log_odds'] for u in units):.2f}", file=sys.stderr, flush=True)


def report(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for kind in ("window", "chunk"):
        best = {r["id"]: max((u["log_odds"] for u in r["units"] if u["kind"] == kind), default=-99) for r in rows}
        pos = [best[r["id"]] for r in rows if r["answerable"]]
        neg = [best[r["id"]] for r in rows if not r["answerable"]]
        units = [u for r in rows for u in r["units"] if u["kind"] == kind]
        rel = [u["log_odds"] for u in units if u["relevant"]]
        irr = [u["log_odds"] for u in units if not u["relevant"]]
        secs = sorted(u["seconds"] for u in units)
        top_ok = [max((u for u in r["units"] if u["kind"] == kind), key=lambda u: u["log_odds"])["relevant"]
                  for r in rows if r["answerable"] and any(u["kind"] == kind for u in r["units"])]
        first_ok = [next(u for u in r["units"] if u["kind"] == kind)["relevant"]
                    for r in rows if r["answerable"] and any(u["kind"] == kind for u in r["units"])]
        print(f"{kind}: questions {len(rows)} ({len(pos)} answerable); AUC answerable-vs-not (max judge) "
              f"{metrics.auc(pos, neg)}; AUC relevant-vs-not unit {metrics.auc(rel, irr)}; "
              f"judge-top unit relevant {sum(top_ok)}/{len(top_ok)} vs retrieval-top {sum(first_ok)}/{len(first_ok)}; "
              f"seconds p50 {secs[len(secs) // 2]:.2f} p90 {secs[int(len(secs) * 0.9)]:.2f}")
    rules = [r for r in rows]
    pos_rules = [1.0 if not r["rules_reason"] else 0.0 for r in rules if r["answerable"]]
    neg_rules = [1.0 if not r["rules_reason"] else 0.0 for r in rules if not r["answerable"]]
    print(f"rules: answer {sum(pos_rules):.0f}/{len(pos_rules)} answerable, refuse "
          f"{len(neg_rules) - sum(neg_rules):.0f}/{len(neg_rules)} unanswerable")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"))
    p.add_argument("--split", default="dev")
    p.add_argument("--index", type=Path)
    p.add_argument("--seeds", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--sentences", type=int, default=4, help="best sentences judged (with their neighbours)")
    p.add_argument("--chunks", type=int, default=3, help="best passages judged")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sample", type=int, default=0, help="judge a spread sample of this many questions")
    p.add_argument("--drop-gold", action="store_true", help="leave out the question's own article: unanswerable")
    p.add_argument("--report", action="store_true")
    args = p.parse_args()
    report(args.out) if args.report else probe(args)


if __name__ == "__main__":
    main()
