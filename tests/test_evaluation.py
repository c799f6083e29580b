"""Metric code against scikit-learn and hand-checked cases; the report files."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sklearn.metrics import f1_score, precision_recall_fscore_support

from claimstance.evaluation import bootstrap_macro_f1, evaluate, expected_calibration_error, span_metrics
from claimstance.labels import LABELS

GOLD = ["allegation", "allegation", "denial", "other", "speculation", "confirmation", "allegation", "other"]
PRED = ["allegation", "denial", "denial", "other", "other", "confirmation", "allegation", "speculation"]


def _records(labels):
    return [{"text": "x", "label": label, "actor": None, "cue": None} for label in labels]


def test_label_metrics_match_sklearn():
    metrics = evaluate(_records(GOLD), [{"label": p} for p in PRED])
    assert metrics["macro_f1"] == pytest.approx(f1_score(GOLD, PRED, labels=list(LABELS), average="macro"))
    assert metrics["micro_f1"] == pytest.approx(5 / 8)
    p, r, f, s = precision_recall_fscore_support(GOLD, PRED, labels=list(LABELS), zero_division=0)
    for i, label in enumerate(LABELS):
        assert metrics["per_class"][label] == pytest.approx({"precision": p[i], "recall": r[i], "f1": f[i], "support": s[i]})
    # hand-checked: allegation P = 2/2, R = 2/3, F1 = 0.8
    assert metrics["per_class"]["allegation"]["f1"] == pytest.approx(0.8)


def test_lenient_accuracy_uses_also_ok():
    gold = _records(["allegation", "denial"])
    gold[1]["also_ok"] = ["other"]
    assert evaluate(gold, [{"label": "other"}, {"label": "other"}])["lenient_accuracy"] == 0.5


def test_expected_calibration_error_by_hand():
    # two bins: 0.9 confidence, 1 of 2 right (gap 0.4); 0.3 confidence, 1 of 2 right (gap 0.2)
    result = expected_calibration_error([0.9, 0.9, 0.3, 0.3], [True, False, True, False])
    assert result["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.2)
    assert sum(b["count"] for b in result["bins"]) == 4


def test_actor_span_metrics_by_hand():
    text = "The senior official said it."
    gold = [
        {"text": text, "label": "allegation", "actor": {"start": 0, "end": 19}},  # overlap, not exact
        {"text": text, "label": "allegation", "actor": {"start": 0, "end": 19}},  # exact
        {"text": text, "label": "allegation", "actor": {"start": 0, "end": 19}},  # missed
        {"text": text, "label": "other", "actor": None},  # null kept
        {"text": text, "label": "other", "actor": None},  # spurious
    ]
    pred = [{"actor": {"start": 4, "end": 19}}, {"actor": {"start": 0, "end": 19}}, {"actor": None}, {"actor": None}, {"actor": {"start": 0, "end": 3}}]
    m = span_metrics(gold, pred, "actor")
    assert m["overlap"] == pytest.approx(2 / 3)
    assert m["exact_f1"] == pytest.approx({"precision": 1 / 3, "recall": 1 / 3, "f1": 1 / 3})
    assert m["overlap_f1"]["precision"] == pytest.approx(2 / 3)
    assert m["null_accuracy"] == 0.5


def test_bootstrap_interval_contains_the_point_estimate():
    gold, pred = GOLD * 10, PRED * 10
    low, high = bootstrap_macro_f1(gold, pred, samples=200)
    point = f1_score(gold, pred, labels=list(LABELS), average="macro")
    assert low <= point <= high and high - low < 0.5


@pytest.fixture(scope="module")
def report_dir(smoke_model_dir, tmp_path_factory):
    from claimstance.data import load_split
    from claimstance.report import write_report

    data = tmp_path_factory.mktemp("data") / "sample.jsonl"
    rows = load_split("test")[:40]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path_factory.mktemp("report")
    write_report(smoke_model_dir, [data], out, baselines=True, compare=[smoke_model_dir])
    return out


def test_report_files_agree(report_dir, smoke_model_dir):
    metrics = json.loads((report_dir / "metrics.json").read_text())
    html = (report_dir / "report.html").read_text()
    markdown = (report_dir / "report.md").read_text()
    sample = metrics["datasets"]["sample"]
    m = sample["metrics"]
    for value in (m["macro_f1"], m["micro_f1"], m["lenient_accuracy"], m["calibration"]["ece"], m["actor"]["overlap"], m["cue"]["overlap_f1"]["f1"]):
        assert f"<td>{value:.3f}</td>" in html and f"| {value:.3f} |" in markdown
    assert {"rules", "tfidf_logreg"} <= set(sample["baselines"])
    compared = sample["compared"][smoke_model_dir.name]  # the same model, compared with itself
    assert (compared["macro_f1"], compared["actor_overlap"]) == (m["macro_f1"], m["actor"]["overlap"])
    assert f"<td>claimstance `{smoke_model_dir.name}` (fp32, combined actors)</td>" in html
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', html)) == 2
    assert "http://" not in html and "https://" not in html
    assert len(sample["confident_errors"]) <= 20


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed (.ci/run installs it)")
def test_report_opens_in_a_headless_browser(report_dir):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((report_dir / "report.html").as_uri())
        images = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        heading = page.inner_text("h1")
        browser.close()
    assert images == [True, True] and not errors and "claimstance evaluation" in heading
