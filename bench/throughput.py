"""Throughput, peak memory and realdev quality of each inference path, side by side.

    python bench/throughput.py --model fast --model accurate [--sentences 5000] [--naive 400]

For each model: (a) a naive loop that runs the model once per sentence in fp32, with
parse-checked actors and with token-head actors (timed on the first ``--naive`` sentences: the
per-sentence rate does not depend on corpus size), (b) the default path (``predict``:
length-sorted batches of 32, with the model's checked serving settings from its
``inference.json``, else fp32 and parse-checked actors), (c) fp32 and each faster backend. Every variant runs in its own process so that its peak RSS is its own. The corpus is
the project corpus's sentences (train, dev and test), repeated if needed. A variant slower than
``--max-seconds`` is timed on the sentences it finished (chunks of 128, in corpus order).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

VARIANTS = (
    ("naive loop (fp32, parse-checked actors, 1 sentence a call)", {"backend": "fp32", "naive": True}),
    ("naive loop (fp32, token-head actors, 1 sentence a call)", {"backend": "fp32", "actors": "model", "naive": True}),
    ("default path", {"backend": None, "actors": None}),
    ("fp32, parse-checked actors", {"backend": "fp32"}),
    ("bf16 autocast", {"backend": "bf16"}),
    ("int8 dynamic", {"backend": "int8"}),
    ("ONNX Runtime fp32", {"backend": "onnx"}),
    ("ONNX Runtime int8", {"backend": "onnx-int8"}),
    ("ONNX Runtime int8, token-head actors (no parse)", {"backend": "onnx-int8", "actors": "model"}),
)

# Each faster backend's realdev labels are compared with this variant's (macro-F1 on 240 sentences
# moves by 1-3 points when 5-10 labels change, so the count says how much a difference means).
REFERENCE_VARIANT = "fp32, parse-checked actors"


def corpus(n: int) -> list[str]:
    from claimstance.data import SPLITS, load_split

    texts = [r["text"] for split in SPLITS for r in load_split(split)]
    return (texts * (n // len(texts) + 1))[:n]


def run_variant(model: str, backend: str | None, actors: str | None, naive: bool, sentences: int, naive_limit: int, max_seconds: float, skip_realdev: bool = False) -> dict:
    import torch

    from claimstance.data import read_jsonl, realdev_path
    from claimstance.evaluation import evaluate
    from claimstance.inference import ClaimStanceClassifier

    torch.set_num_threads(2)
    clf = ClaimStanceClassifier.from_pretrained(model, backend=backend, actor_mode=actors)
    texts = corpus(naive_limit if naive else sentences)
    clf.predict(texts[:64])  # warm-up: loads the parser, first-call overheads
    started = time.perf_counter()
    done = 0
    step = 1 if naive else 128
    while done < len(texts) and time.perf_counter() - started < max_seconds:
        chunk = texts[done : done + step]
        clf.predict(chunk, batch_size=1 if naive else 32)
        done += len(chunk)
    seconds = time.perf_counter() - started
    result = {"serving": f"{clf.backend}, {clf.actor_mode} actors", "sentences": done, "seconds": round(seconds, 2), "sentences_per_second": round(done / seconds, 1)}
    path = realdev_path()
    if path is not None and not naive and not skip_realdev:
        gold = read_jsonl(path)
        predictions = [p.to_dict() for p in clf.predict([r["text"] for r in gold])]
        metrics = evaluate(gold, predictions)
        result["realdev_macro_f1"] = round(metrics["macro_f1"], 4)
        result["realdev_actor_overlap"] = round(metrics["actor"]["overlap"], 4)
        result["realdev_labels"] = [p["label"] for p in predictions]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", help="model name or folder (repeatable; default: fast, accurate, distilled)")
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--naive", type=int, default=400, help="sentences for the naive loop")
    parser.add_argument("--max-seconds", type=float, default=180, help="stop a variant after this long (slow backends)")
    parser.add_argument("--skip-realdev", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(run_variant(**spec)))
        return
    results = []
    for model in args.model or ["fast", "accurate", "distilled"]:
        for name, variant in VARIANTS:
            spec = {"model": model, "backend": variant["backend"], "actors": variant.get("actors", "combined"),
                    "naive": variant.get("naive", False), "sentences": args.sentences, "naive_limit": args.naive,
                    "max_seconds": args.max_seconds, "skip_realdev": args.skip_realdev}
            out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr[-2000:], file=sys.stderr)
                continue
            row = {"model": model, "variant": name, **json.loads(out.stdout.strip().splitlines()[-1])}
            results.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "realdev_labels"}), flush=True)
    for row in results:
        reference = next((r for r in results if r["model"] == row["model"] and r["variant"] == REFERENCE_VARIANT), {})
        if "realdev_labels" in row and "realdev_labels" in reference:
            row["realdev_labels_changed"] = sum(a != b for a, b in zip(row["realdev_labels"], reference["realdev_labels"]))
    print()
    print("| model | variant | serving | sentences/s | peak RSS MB | realdev macro-F1 | realdev actor overlap | realdev labels changed vs fp32 |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['model']} | {r['variant']} | {r['serving']} | {r['sentences_per_second']} | {r['peak_rss_mb']} | {r.get('realdev_macro_f1', '–')} | {r.get('realdev_actor_overlap', '–')} | {r.get('realdev_labels_changed', '–')} |")
    print()
    for model in dict.fromkeys(r["model"] for r in results):
        rates = {r["variant"]: r["sentences_per_second"] for r in results if r["model"] == model}
        default = rates.get("default path")
        for name, rate in rates.items():
            if name.startswith("naive") and default:
                print(f"{model}: default path / {name}: {default / rate:.2f}x")


if __name__ == "__main__":
    main()
