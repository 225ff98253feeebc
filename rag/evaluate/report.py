"""Render evaluation results: terminal table, Markdown report, Recall@k chart (matplotlib PNG)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

COLUMNS = [
    ("recall@1", "R@1"), ("recall@3", "R@3"), ("recall@5", "R@5"), ("recall@10", "R@10"),
    ("mrr", "MRR"), ("ndcg@10", "nDCG@10"), ("key_fact_accuracy", "KeyFact"),
    ("citation_precision", "CitP"), ("citation_recall", "CitR"),
    ("abstention_precision", "AbstP"), ("abstention_recall", "AbstR"),
    ("false_abstention_rate", "FalseAbst"), ("judge_auc", "JudgeAUC"), ("generated_share", "Gen"), ("language_match", "Lang"),
    ("unsupported_rate", "Unsup"), ("requoted_rate", "Requoted"), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"),
]
_OPTIONAL = {"generated_share", "language_match", "unsupported_rate", "requoted_rate", "judge_auc"}  # shown only when measured


def _columns(tables: Mapping[str, Mapping[str, Mapping[str, Any]]], columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The columns to show: the optional ones only where some configuration has a value."""
    present = {key for slices in tables.values() for summary in slices.values() for key, v in summary.items()
               if v is not None}
    return [(key, label) for key, label in columns if key not in _OPTIONAL or key in present]


# SQuAD-format sets (``rag eval --squad``): the key fact is the answer span, every question answerable.
SQUAD_COLUMNS = [
    ("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"), ("mrr", "MRR"),
    ("key_fact_accuracy", "SpanInAnswer"), ("false_abstention_rate", "Abstained"), ("abstention_recall", "AbstR"),
    ("citation_precision", "CitP"), ("latency_p50_ms", "p50 ms"),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 10 else f"{value:.3f}"
    return str(value)


Columns = list[tuple[str, str]]


def rows(tables: Mapping[str, Mapping[str, Mapping[str, Any]]], columns: Columns = COLUMNS) -> list[list[str]]:
    """One row per (configuration, slice): name, slice, n, then the metric columns."""
    out = []
    for config, slices in tables.items():
        for slice_name, summary in slices.items():
            out.append([config, slice_name, str(summary["n"]),
                        *(_fmt(summary.get(key)) for key, _ in _columns(tables, columns))])
    return out


def text_table(tables: Mapping[str, Mapping[str, Mapping[str, Any]]], columns: Columns = COLUMNS) -> str:
    """A fixed-width table for the terminal."""
    header = ["config", "slice", "n", *(label for _, label in _columns(tables, columns))]
    body = rows(tables, columns)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    line = lambda r: "  ".join(cell.rjust(w) if i > 1 else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)])


def markdown_table(tables: Mapping[str, Mapping[str, Mapping[str, Any]]], columns: Columns = COLUMNS) -> str:
    """The same table in Markdown."""
    header = ["config", "slice", "n", *(label for _, label in _columns(tables, columns))]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows(tables, columns)]
    return "\n".join(lines)


def recall_chart(tables: Mapping[str, Mapping[str, Mapping[str, Any]]], path: Path) -> Path:
    """Plot Recall@k curves per configuration and language into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = [1, 3, 5, 10]
    languages = sorted({s for slices in tables.values() for s in slices if s != "all"}) or ["all"]
    fig, axes = plt.subplots(1, len(languages), figsize=(5.5 * len(languages), 4.2), squeeze=False, sharey=True)
    for ax, language in zip(axes[0], languages):
        for config, slices in tables.items():
            summary = slices.get(language)
            if summary and summary.get("recall@1") is not None:
                ax.plot(ks, [summary[f"recall@{k}"] for k in ks], marker="o", label=config)
        ax.set_title(f"Recall@k — {language.upper()} questions")
        ax.set_xlabel("k (passages)")
        ax.set_xticks(ks)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("share of questions with a relevant passage in top k")
    axes[0][-1].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown_report(
    tables: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    title: str,
    details: Mapping[str, Any],
    failures: list[dict[str, Any]],
    chart: Path | None,
) -> str:
    """A self-contained Markdown report: settings, the table, the chart, and the failures."""
    parts = [f"# {title}", ""]
    parts += [f"- **{key}**: {value}" for key, value in details.items()]
    parts += ["", markdown_table(tables), ""]
    if chart is not None:
        parts += [f"![Recall@k per configuration and language]({chart.name})", ""]
    parts += ["## Failures", ""]
    if not failures:
        parts.append("None.")
    for row in failures:
        parts.append(f"- `{row['id']}` ({row['language']}, {row['split']}): {'; '.join(row['problems'])}")
    return "\n".join(parts) + "\n"
