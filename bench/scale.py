"""How time and memory grow with corpus size, for the local engine and for Ray.

    python bench/scale.py [--model distilled] [--backend onnx-int8] --sizes 10000 100000 1000000 \
        [--ray-sizes 10000 100000] [--local-workers 1 2] [--ray-workers 1 2]

Builds corpora of N sentences by recombining the project corpus's articles (random pairs of
articles concatenated into new ones, ids unique), labels each with ``claimstance label`` in a
child process, and prints sentences per second and the peak RSS of the child's whole process
tree. Memory that stays flat as N grows shows the local engine streams.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_corpus(path: Path, sentences: int, seed: int = 0) -> int:
    """Write a JSONL corpus of about ``sentences`` sentences; returns the document count."""
    from claimstance.data import SPLITS, documents, load_split
    from claimstance.segmentation import split_sentences

    articles = [d["text"] for split in SPLITS for d in documents(load_split(split))]
    sizes = [len(split_sentences(a)) for a in articles]
    rng = random.Random(seed)
    written = count = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < sentences:
            picks = rng.sample(range(len(articles)), 2)
            handle.write(json.dumps({"id": f"doc{count}", "text": "\n".join(articles[i] for i in picks)}) + "\n")
            written += sum(sizes[i] for i in picks)
            count += 1
    return count


def run_measured(command: list[str], interval: float = 0.25) -> dict[str, float]:
    """Run ``command``; wall seconds and the peak summed RSS of its whole process tree (for Ray:
    the driver, GCS, raylet and every worker), sampled every ``interval`` seconds."""
    import psutil

    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        total = 0
        for p in [process, *process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:  # exited between listing and reading
                pass
        peak = max(peak, total)
        time.sleep(interval)
    return {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": round(peak / 2**20, 1), "returncode": process.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="distilled")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--actors", default="combined", help="actor mode (combined: parse-checked; model: no parse)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000], help="corpus sizes (sentences) for the local engine")
    parser.add_argument("--ray-sizes", type=int, nargs="*", default=None, help="corpus sizes for Ray (default: --sizes)")
    parser.add_argument("--local-workers", type=int, nargs="*", default=[1, 2], help="worker processes of the local engine")
    parser.add_argument("--ray-workers", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args()
    ray_sizes = args.sizes if args.ray_sizes is None else args.ray_sizes
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(set(args.sizes) | set(ray_sizes)):
            corpus = Path(tmp) / f"corpus-{size}.jsonl"
            documents = build_corpus(corpus, size)
            engines = [(f"local x{n}", ["--num-workers", str(n)]) for n in args.local_workers] if size in args.sizes else []
            if size in ray_sizes:
                engines += [(f"ray x{n}", ["--engine", "ray", "--num-workers", str(n)]) for n in args.ray_workers]
            for name, extra in engines:
                out = Path(tmp) / f"out-{size}-{name.replace(' ', '')}"
                ray = "--engine" in extra
                target = out if ray else out.with_suffix(".jsonl")
                command = [sys.executable, "-m", "claimstance.cli", "label", str(corpus), "-o", str(target),
                           "--model", args.model, "--backend", args.backend, "--actors", args.actors, "--quiet", *extra]
                result = run_measured(command)
                files = sorted(out.glob("part-*.jsonl")) if ray else [target]
                labelled = sum(1 for f in files if f.exists() for _ in open(f))
                row = {"engine": name, "documents": documents, "sentences": labelled, **result,
                       "sentences_per_second": round(labelled / result["seconds"], 1)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                for f in files:
                    f.unlink(missing_ok=True)
    print(f"\nmodel {args.model}, backend {args.backend}, actors {args.actors}; peak RSS summed over the process tree")
    print("| engine | sentences | seconds | sentences/s | peak RSS MB |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['sentences']} | {r['seconds']} | {r['sentences_per_second']} | {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
