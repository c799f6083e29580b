"""How time and memory grow with corpus size, for the local engine and for Ray.

    python bench/scale.py --model fast --sizes 10000 100000 1000000 [--ray-workers 1 2]

Builds corpora of N sentences by recombining the project corpus's articles (random articles
concatenated into new ones, ids unique), labels each with ``claimstance label`` in a child
process, and prints sentences per second and the child's peak RSS. Memory that stays flat as
N grows shows the local engine streams.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="fast")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--ray-workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--backend", default="int8")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            corpus = Path(tmp) / f"corpus-{size}.jsonl"
            build_corpus(corpus, size)
            engines = [("local", [])] + [(f"ray x{n}", ["--engine", "ray", "--num-workers", str(n)]) for n in args.ray_workers]
            for name, extra in engines:
                out = Path(tmp) / f"out-{size}-{name.replace(' ', '')}"
                target = out if extra else out.with_suffix(".jsonl")
                command = [sys.executable, "-m", "claimstance.cli", "label", str(corpus), "-o", str(target),
                           "--model", args.model, "--backend", args.backend, "--quiet", *extra]
                # a probe process runs the engine and reports its own children's peak RSS
                probe = [sys.executable, "-c", "import resource,subprocess,sys,json,time; t=time.perf_counter(); "
                         "subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL); "
                         "print(json.dumps({'seconds': round(time.perf_counter()-t,1), "
                         "'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,1)}))", *command]
                result = json.loads(subprocess.run(probe, capture_output=True, text=True).stdout)
                files = sorted(out.glob("part-*.jsonl")) if extra else [target]
                labelled = sum(1 for f in files if f.exists() for _ in open(f))
                row = {"engine": name, "sentences": labelled, **result, "sentences_per_second": round(labelled / result["seconds"], 1)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                for f in files:
                    f.unlink(missing_ok=True)
    print("\n| engine | sentences | seconds | sentences/s | peak RSS MB |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['sentences']} | {r['seconds']} | {r['sentences_per_second']} | {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
