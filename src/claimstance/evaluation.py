"""Metrics for labelled sentences: labels, calibration, actor, cue, confidence intervals.

Gold records follow the corpus / realdev shape (``label``, ``actor``, ``cue`` and optionally
``also_ok`` and ``actor_alt``); predictions are :class:`SentencePrediction` dicts.

Example:
    >>> gold = [{"text": "A said B.", "label": "allegation", "actor": {"start": 0, "end": 1, "text": "A"}}]
    >>> pred = [{"label": "allegation", "scores": {"allegation": 0.9}, "actor": {"start": 0, "end": 1}}]
    >>> evaluate(gold, pred)["actor"]["overlap"]
    1.0
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from claimstance.labels import LABELS
from claimstance.spans import token_f1

OVERLAP_THRESHOLD = 0.5


def label_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro and micro F1, accuracy."""
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(LABELS), zero_division=0)
    return {
        "n": len(gold),
        "macro_f1": float(f1_score(gold, pred, labels=list(LABELS), average="macro", zero_division=0)),
        "micro_f1": float(f1_score(gold, pred, labels=list(LABELS), average="micro", zero_division=0)),
        "accuracy": float(accuracy_score(gold, pred)) if gold else 0.0,
        "per_class": {
            label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, label in enumerate(LABELS)
        },
    }


def lenient_accuracy(gold_records: Sequence[dict], pred: Sequence[str]) -> float:
    """Share of sentences whose prediction is the label or one of its ``also_ok`` labels."""
    hits = [p == g["label"] or p in (g.get("also_ok") or []) for g, p in zip(gold_records, pred)]
    return float(np.mean(hits)) if hits else 0.0


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> dict[str, Any]:
    """ECE over equal-width confidence bins, with the per-bin table for a reliability diagram."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    table, ece = [], 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > low) & (confidence <= high) if low > 0 else (confidence <= high)
        if in_bin.any():
            acc, conf = float(correct[in_bin].mean()), float(confidence[in_bin].mean())
            ece += in_bin.mean() * abs(acc - conf)
            table.append({"low": float(low), "high": float(high), "count": int(in_bin.sum()), "accuracy": acc, "confidence": conf})
    return {"ece": float(ece), "bins": table}


def _pair(span: dict | None) -> tuple[int, int] | None:
    return (span["start"], span["end"]) if span else None


def span_metrics(gold_records: Sequence[dict], pred_records: Sequence[dict], field: str) -> dict[str, Any]:
    """Exact and overlap (word F1 >= 0.5) precision/recall/F1 for the ``actor`` or ``cue`` span.

    ``overlap`` is the share of gold spans matched by an overlapping prediction (the headline
    actor figure); ``null_accuracy`` the share of gold-null sentences predicted null.
    """
    exact = overlap = n_pred = n_gold = null_total = null_hits = 0
    for gold, pred in zip(gold_records, pred_records):
        g, p = _pair(gold.get(field)), _pair(pred.get(field))
        alternatives = [g] + [_pair(a) for a in gold.get(f"{field}_alt") or []]
        n_pred += p is not None
        if g is None:
            null_total += 1
            null_hits += p is None
            continue
        n_gold += 1
        if p is None:
            continue
        exact += any(p == a for a in alternatives)
        overlap += any(token_f1(p, a, gold["text"]) >= OVERLAP_THRESHOLD for a in alternatives)

    def prf(hits: int) -> dict[str, float]:
        precision = hits / n_pred if n_pred else 0.0
        recall = hits / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1}

    return {
        "overlap": overlap / n_gold if n_gold else 0.0,
        "exact_f1": prf(exact),
        "overlap_f1": prf(overlap),
        "null_accuracy": null_hits / null_total if null_total else 0.0,
        "gold_spans": n_gold,
    }


def bootstrap_macro_f1(gold: Sequence[str], pred: Sequence[str], samples: int = 1000, seed: int = 0) -> list[float]:
    """95% bootstrap confidence interval of macro-F1 (resampling sentences)."""
    gold_a, pred_a = np.asarray(gold), np.asarray(pred)
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(samples):
        idx = rng.integers(0, len(gold_a), len(gold_a))
        scores.append(f1_score(gold_a[idx], pred_a[idx], labels=list(LABELS), average="macro", zero_division=0))
    return [float(np.percentile(scores, 2.5)), float(np.percentile(scores, 97.5))]


def evaluate(gold_records: Sequence[dict], pred_records: Sequence[dict], bootstrap: int = 0) -> dict[str, Any]:
    """All metrics for aligned gold and predicted records."""
    gold = [g["label"] for g in gold_records]
    pred = [p["label"] for p in pred_records]
    metrics = label_metrics(gold, pred)
    metrics["lenient_accuracy"] = lenient_accuracy(gold_records, pred)
    if all("scores" in p for p in pred_records):
        confidence = [max(p["scores"].values()) for p in pred_records]
        metrics["calibration"] = expected_calibration_error(confidence, [g == p for g, p in zip(gold, pred)])
    if all("actor" in p for p in pred_records):
        metrics["actor"] = span_metrics(gold_records, pred_records, "actor")
    if all("cue" in p for p in pred_records):
        metrics["cue"] = span_metrics(gold_records, pred_records, "cue")
    if bootstrap:
        metrics["macro_f1_ci95"] = bootstrap_macro_f1(gold, pred, samples=bootstrap)
    return metrics
