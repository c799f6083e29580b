"""Throughput, peak memory and realdev quality of each inference path, side by side.

    python bench/throughput.py --model fast --model accurate [--sentences 5000] [--naive 400]

For each model: (a) a naive loop that runs the model once per sentence (timed on the first
``--naive`` sentences: the per-sentence rate does not depend on corpus size), (b) the default
path (``predict``: length-sorted batches of 32, fp32, parse-checked actors), (c) each faster
backend. Every variant runs in its own process so that its peak RSS is its own. The corpus is
the project corpus's sentences (train, dev and test), repeated if needed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

VARIANTS = (
    ("naive loop (fp32, 1 sentence a call)", {"backend": "fp32", "naive": True}),
    ("default path (fp32)", {"backend": "fp32"}),
    ("bf16 autocast", {"backend": "bf16"}),
    ("int8 dynamic", {"backend": "int8"}),
    ("int8 dynamic, token-head actors", {"backend": "int8", "actors": "model"}),
)


def corpus(n: int) -> list[str]:
    from claimstance.data import SPLITS, load_split

    texts = [r["text"] for split in SPLITS for r in load_split(split)]
    return (texts * (n // len(texts) + 1))[:n]


def run_variant(model: str, backend: str, actors: str, naive: bool, sentences: int, naive_limit: int) -> dict:
    import torch

    from claimstance.data import read_jsonl, realdev_path
    from claimstance.evaluation import evaluate
    from claimstance.inference import ClaimStanceClassifier

    torch.set_num_threads(2)
    clf = ClaimStanceClassifier.from_pretrained(model, backend=backend, actor_mode=actors)
    texts = corpus(naive_limit if naive else sentences)
    clf.predict(texts[:64])  # warm-up: loads the parser, first-call overheads
    started = time.perf_counter()
    if naive:
        for text in texts:
            clf.predict([text], batch_size=1)
    else:
        clf.predict(texts, batch_size=32)
    seconds = time.perf_counter() - started
    result = {"sentences": len(texts), "seconds": round(seconds, 2), "sentences_per_second": round(len(texts) / seconds, 1)}
    path = realdev_path()
    if path is not None and not naive:
        gold = read_jsonl(path)
        predictions = [p.to_dict() for p in clf.predict([r["text"] for r in gold])]
        metrics = evaluate(gold, predictions)
        result["realdev_macro_f1"] = round(metrics["macro_f1"], 4)
        result["realdev_actor_overlap"] = round(metrics["actor"]["overlap"], 4)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", help="model name or folder (repeatable; default: fast and accurate)")
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--naive", type=int, default=400, help="sentences for the naive loop")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(run_variant(**spec)))
        return
    results = []
    for model in args.model or ["fast", "accurate"]:
        for name, variant in VARIANTS:
            spec = {"model": model, "backend": variant["backend"], "actors": variant.get("actors", "combined"),
                    "naive": variant.get("naive", False), "sentences": args.sentences, "naive_limit": args.naive}
            out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr[-2000:], file=sys.stderr)
                continue
            row = {"model": model, "variant": name, **json.loads(out.stdout.strip().splitlines()[-1])}
            results.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| model | variant | sentences/s | peak RSS MB | realdev macro-F1 | realdev actor overlap |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['model']} | {r['variant']} | {r['sentences_per_second']} | {r['peak_rss_mb']} | {r.get('realdev_macro_f1', '–')} | {r.get('realdev_actor_overlap', '–')} |")


if __name__ == "__main__":
    main()
