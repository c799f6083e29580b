"""The evaluation report: ``report.html`` (self-contained), ``report.md`` and ``metrics.json``.

All three are rendered from one metrics dict, so their numbers agree.

Example:
    >>> write_report("models/fast", ["data/corpus/test.jsonl"], Path("reports/fast"))  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from claimstance.baselines import run_baselines  # noqa: E402
from claimstance.data import load_eval_file, load_split  # noqa: E402
from claimstance.evaluation import evaluate  # noqa: E402
from claimstance.inference import ClaimStanceClassifier  # noqa: E402
from claimstance.labels import LABELS  # noqa: E402

CONFIDENT_ERRORS = 20
BOOTSTRAP_SAMPLES = 1000


def dataset_name(path: str | Path) -> str:
    """A short name for an evaluation file (``test``, ``realdev`` ...)."""
    return Path(path).stem


def group_of(record: dict[str, Any]) -> str:
    """Breakdown key: the corpus domain, else the outlet in a realdev-style id."""
    if record.get("domain"):
        return record["domain"]
    ident = str(record.get("id", ""))
    return ident.split("/")[-1].split("_")[0] if "/" in ident else "all"


def _predict_records(classifier: ClaimStanceClassifier, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in classifier.predict([r["text"] for r in records], batch_size=64)]


def evaluate_dataset(classifier: ClaimStanceClassifier, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics, per-group breakdown, confusion matrix and most confident errors for one file."""
    predictions = _predict_records(classifier, records)
    metrics = evaluate(records, predictions, bootstrap=BOOTSTRAP_SAMPLES)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        groups[group_of(record)].append(i)
    by_group = {}
    for name, idx in sorted(groups.items()):
        group = evaluate([records[i] for i in idx], [predictions[i] for i in idx])
        by_group[name] = {"n": group["n"], "macro_f1": group["macro_f1"], "accuracy": group["accuracy"], "actor_overlap": group["actor"]["overlap"]}
    gold = [r["label"] for r in records]
    pred = [p["label"] for p in predictions]
    errors = sorted(
        (i for i in range(len(records)) if gold[i] != pred[i]), key=lambda i: -predictions[i]["score"]
    )[:CONFIDENT_ERRORS]
    return {
        "metrics": metrics,
        "by_group": by_group,
        "confusion_matrix": confusion_matrix(gold, pred, labels=list(LABELS)).tolist(),
        "confident_errors": [
            {"text": records[i]["text"], "gold": gold[i], "predicted": pred[i], "score": round(predictions[i]["score"], 4)}
            for i in errors
        ],
    }


def write_report(
    model: str | Path | None,
    data_files: Sequence[str | Path],
    out: Path,
    baselines: bool = False,
    backend: str | None = None,
    compare: Sequence[str | Path] = (),
) -> list[Path]:
    """Evaluate a model on labelled files and write the three report files into ``out``;
    ``compare`` names other models scored beside it (e.g. a distilled student's teacher).
    ``backend`` defaults to each model's checked serving settings, as labelling does."""
    classifier = ClaimStanceClassifier.from_pretrained(model, backend=backend)
    datasets = {dataset_name(p): load_eval_file(p) for p in data_files}
    serving = f"{classifier.backend}, {classifier.actor_mode} actors"
    results: dict[str, Any] = {"model": classifier.name, "backend": serving, "datasets": {}}
    for name, records in datasets.items():
        results["datasets"][name] = evaluate_dataset(classifier, records)
    for other_name in compare:
        other = ClaimStanceClassifier.from_pretrained(other_name, backend=backend)
        for name, records in datasets.items():
            m = evaluate(records, _predict_records(other, records))
            results["datasets"][name].setdefault("compared", {})[other.name] = {
                "serving": f"{other.backend}, {other.actor_mode} actors", "macro_f1": m["macro_f1"], "accuracy": m["accuracy"], "lenient_accuracy": m["lenient_accuracy"], "actor_overlap": m["actor"]["overlap"]
            }
    if baselines:
        scored = run_baselines(load_split("train"), datasets)
        for name in datasets:
            results["datasets"][name]["baselines"] = {b: {k: scored[b][name][k] for k in ("macro_f1", "accuracy", "lenient_accuracy")} for b in scored}
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "metrics.json", out / "report.md", out / "report.html"]
    paths[0].write_text(json.dumps(results, indent=2), encoding="utf-8")
    paths[1].write_text(render_markdown(results), encoding="utf-8")
    paths[2].write_text(render_html(results), encoding="utf-8")
    return paths


def fmt(value: float | None) -> str:
    """How every number appears in the Markdown and HTML reports."""
    return "–" if value is None else f"{value:.3f}"


def summary_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(figure, value) pairs of the headline table."""
    m = result["metrics"]
    low, high = m["macro_f1_ci95"]
    actor, cue = m["actor"], m["cue"]
    return [
        ("sentences", str(m["n"])),
        ("macro-F1", fmt(m["macro_f1"])),
        ("macro-F1 95% CI (bootstrap)", f"{fmt(low)} – {fmt(high)}"),
        ("micro-F1", fmt(m["micro_f1"])),
        ("lenient accuracy", fmt(m["lenient_accuracy"])),
        ("expected calibration error", fmt(m["calibration"]["ece"])),
        ("actor overlap (share of gold actors matched, word F1 ≥ 0.5)", fmt(actor["overlap"])),
        ("actor overlap F1", fmt(actor["overlap_f1"]["f1"])),
        ("actor exact F1", fmt(actor["exact_f1"]["f1"])),
        ("null-actor accuracy", fmt(actor["null_accuracy"])),
        ("cue overlap F1", fmt(cue["overlap_f1"]["f1"])),
        ("cue exact F1", fmt(cue["exact_f1"]["f1"])),
    ]


def tables(result: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table in a dataset section."""
    m = result["metrics"]
    per_class = [[label, fmt(c["precision"]), fmt(c["recall"]), fmt(c["f1"]), str(c["support"])] for label, c in m["per_class"].items()]
    comparison = [["claimstance (this model)", fmt(m["macro_f1"]), fmt(m["accuracy"]), fmt(m["lenient_accuracy"]), fmt(m["actor"]["overlap"])]]
    comparison += [[f"claimstance `{name}` ({c['serving']})", fmt(c["macro_f1"]), fmt(c["accuracy"]), fmt(c["lenient_accuracy"]), fmt(c["actor_overlap"])] for name, c in result.get("compared", {}).items()]
    comparison += [[f"baseline: {name}", fmt(b["macro_f1"]), fmt(b["accuracy"]), fmt(b["lenient_accuracy"]), "–"] for name, b in result.get("baselines", {}).items()]
    groups = [[name, str(g["n"]), fmt(g["macro_f1"]), fmt(g["accuracy"]), fmt(g["actor_overlap"])] for name, g in result["by_group"].items()]
    errors = [[e["text"], e["gold"], e["predicted"], fmt(e["score"])] for e in result["confident_errors"]]
    return [
        ("Summary", ["figure", "value"], [list(r) for r in summary_rows(result)]),
        ("Per class", ["label", "precision", "recall", "F1", "support"], per_class),
        ("Model, compared models and baselines", ["system", "macro-F1", "accuracy", "lenient accuracy", "actor overlap"], comparison),
        ("By domain / source", ["group", "sentences", "macro-F1", "accuracy", "actor overlap"], groups),
        (f"The {CONFIDENT_ERRORS} most confident errors", ["text", "gold", "predicted", "score"], errors),
    ]


def confusion_png(matrix: list[list[int]]) -> bytes:
    """Confusion matrix heat map (rows gold, columns predicted)."""
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=35, ha="right")
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    ax.set_title("Confusion matrix")
    return _png(fig)


def reliability_png(calibration: dict[str, Any]) -> bytes:
    """Reliability diagram: accuracy against confidence per bin, with the ECE."""
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    bins = calibration["bins"]
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.bar([b["low"] for b in bins], [b["accuracy"] for b in bins], width=0.1, align="edge", alpha=0.7, edgecolor="black", label="accuracy")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", color="darkred", label="bin mean")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability (ECE {fmt(calibration['ece'])})")
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report (plots are in the HTML report)."""
    lines = [f"# claimstance evaluation: model `{results['model']}` ({results['backend']})", ""]
    for name, result in results["datasets"].items():
        lines += [f"## {name}", ""]
        for title, header, rows in tables(result):
            lines += [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
            lines.append("")
        lines += ["### Confusion matrix (rows gold, columns predicted)", "", "| | " + " | ".join(LABELS) + " |", "|---|" + "---|" * len(LABELS)]
        lines += [f"| {label} | " + " | ".join(str(v) for v in row) + " |" for label, row in zip(LABELS, result["confusion_matrix"])]
        lines.append("")
    return "\n".join(lines)


def render_html(results: dict[str, Any]) -> str:
    """The self-contained HTML report: tables and plots embedded as data URIs."""
    sections = []
    for name, result in results["datasets"].items():
        parts = [f'<section id="{html.escape(name)}"><h2>{html.escape(name)}</h2>']
        for title, header, rows in tables(result):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            parts.append(f"<h3>{html.escape(title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        for alt, png in (("confusion matrix", confusion_png(result["confusion_matrix"])), ("reliability diagram", reliability_png(result["metrics"]["calibration"]))):
            parts.append(f'<img alt="{alt} for {html.escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">')
        parts.append("</section>")
        sections.append("".join(parts))
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}img{margin:0 1em 1em 0;border:1px solid #ddd}"
    )
    title = f"claimstance evaluation: {html.escape(results['model'])} ({html.escape(results['backend'])})"
    return f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{style}</style></head><body><h1>{title}</h1>{"".join(sections)}</body></html>\n'
