"""Cold-start benchmark: a new ``rag ask`` process vs ``python -c "import sentence_transformers"``.

Both run as fresh processes with a warm disk cache (each is run once untimed first), alternating
for ``--rounds`` rounds; their medians are compared (target: rag ask <= 0.5 x the import; quoted answers,
``--mode extract``, as a generated one first starts the language model). The
index is built beforehand into a temporary folder from ``seeds/`` (not timed). The script also
checks that the cold answer equals the warm API's answer (``Assistant.ask`` in this process) and
that ``rag ask`` wrote nothing to stderr (no progress bars, no library warnings).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.config import default_seeds_dir

QUESTION = "What did Germany offer?"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and CPU time (user + system) of one run of ``cmd``, and its result."""
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, _children_cpu() - cpu, proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir())
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    rag = str(Path(sys.executable).with_name("rag"))
    with tempfile.TemporaryDirectory(prefix="rag-bench-cold-") as tmp:
        index = Path(tmp) / "index"
        build = subprocess.run([rag, "ingest", "--index", str(index), "--seeds", str(args.seeds)],
                               capture_output=True, text=True, env=env, check=False)
        if build.returncode != 0:
            print(build.stderr[-2000:], file=sys.stderr)
            return 1
        ask = [rag, "ask", args.question, "--json", "--mode", "extract", "--no-build", "--index", str(index), "--seeds", str(args.seeds)]
        imp = [sys.executable, "-c", "import sentence_transformers"]
        sides = {"rag ask": ask, "import sentence_transformers": imp}
        for cmd in sides.values():
            timed(cmd, env)  # warm the disk cache (and the language caches)
        times: dict[str, list[float]] = {name: [] for name in sides}
        cpus: dict[str, list[float]] = {name: [] for name in sides}
        cold_answer, stderr = None, ""
        for r in range(args.rounds):
            for name in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
                seconds, cpu, proc = timed(sides[name], env)
                if proc.returncode != 0:
                    print(f"{name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                    return 1
                times[name].append(seconds)
                cpus[name].append(cpu)
                if name == "rag ask":
                    cold_answer, stderr = json.loads(proc.stdout), stderr + proc.stderr
            print(f"  round {r + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f} s (CPU {cpus[n][-1]:.2f} s)" for n in sides))
        from rag.assistant import Assistant

        warm = Assistant.load(index, seeds=args.seeds, build=False).ask(args.question).to_dict()
    med = {name: statistics.median(values) for name, values in times.items()}
    ratio = med["rag ask"] / med["import sentence_transformers"]
    print(f"machine: {os.cpu_count()} cores, 1-min load average {os.getloadavg()[0]:.1f}")
    for name, value in med.items():
        print(f"{name:30} median {value:.2f} s (min {min(times[name]):.2f}, max {max(times[name]):.2f})")
    print(f"ratio cold rag ask / import sentence_transformers: {ratio:.2f} (target <= 0.50: {'OK' if ratio <= 0.5 else 'MISSED'})")
    cpu_ratio = statistics.median(cpus["rag ask"]) / statistics.median(cpus["import sentence_transformers"])
    print(f"same ratio in CPU time (user + system, medians {statistics.median(cpus['rag ask']):.2f} s vs "
          f"{statistics.median(cpus['import sentence_transformers']):.2f} s; steadier on a busy machine): {cpu_ratio:.2f}")
    same = {k: cold_answer[k] for k in ("text", "citations", "abstained")} == {k: warm[k] for k in ("text", "citations", "abstained")}
    print(f"cold answer equals the warm API's: {'yes' if same else 'NO'}")
    print(f"rag ask stderr at default verbosity: {'empty' if not stderr.strip() else repr(stderr[:300])}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
