"""Where the time of one labelled sentence goes, stage by stage, and the ceiling this sets.

    python bench/stages.py --model fast --backend onnx-int8 [--sentences 2000]

Times, over the corpus sentences in length-sorted batches of 32: tokenising, the encoder's
forward pass on one thread and on two, decoding (spans, claims, records) and the dependency
parse of the sentences the model labels as stances. Summing the stages' CPU time per sentence
gives the most any schedule can label on ``--cores`` cores (perfect overlap, no overhead), with
and without the parse; the naive loop (one sentence a call, fp32) is timed for the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def _seconds(function, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    from claimstance.data import SPLITS, load_split
    from claimstance.inference import ClaimStanceClassifier
    from claimstance.spans import tokenize_with_offsets

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="fast")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--naive", type=int, default=300, help="sentences for the naive loop")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()

    texts = [r["text"] for split in SPLITS for r in load_split(split)][: args.sentences]
    texts.sort(key=len, reverse=True)
    batches = [texts[i : i + 32] for i in range(0, len(texts), 32)]
    per_sentence: dict[str, float] = {}

    clf = ClaimStanceClassifier.from_pretrained(args.model, backend=args.backend, actor_mode="model", num_threads=args.cores)
    tokenize = lambda: [tokenize_with_offsets(clf.tokenizer, b, clf.config.max_seq_length, padding=True) for b in batches]  # noqa: E731
    seconds, encoded = _seconds(tokenize)
    per_sentence["tokenise"] = seconds / len(texts)
    arrays = [(np.asarray(e["input_ids"], dtype=np.int64), np.asarray(e["attention_mask"], dtype=np.int64)) for e in encoded]
    for threads in (1, args.cores):
        torch.set_num_threads(threads)
        forward = ClaimStanceClassifier.from_pretrained(args.model, backend=args.backend, num_threads=threads)._forward
        forward(*arrays[-1])  # warm-up
        seconds, _ = _seconds(lambda: [forward(*a) for a in arrays])
        per_sentence[f"encoder, {threads} thread{'s' * (threads > 1)}"] = seconds / len(texts)
    torch.set_num_threads(args.cores)
    clf.predict(texts[:64])
    seconds, predictions = _seconds(clf.predict, texts)
    no_parse_wall = seconds / len(texts)
    per_sentence["decode and records"] = max(0.0, no_parse_wall - per_sentence["tokenise"] - per_sentence[f"encoder, {args.cores} threads"])
    stances = [p.text for p in predictions if p.label != "other"]
    clf.attributor.parse(stances[:64])  # loads spaCy
    seconds, _ = _seconds(clf.attributor.parse, stances)
    per_sentence["parse (stance sentences only)"] = seconds / len(texts)

    naive = ClaimStanceClassifier.from_pretrained(args.model, backend="fp32", num_threads=args.cores)
    naive.predict(texts[:8], batch_size=1)
    sample = texts[:: max(1, len(texts) // args.naive)][: args.naive]
    seconds, _ = _seconds(lambda: [naive.predict(t) for t in sample])
    naive_rate = len(sample) / seconds

    print(f"{args.model}, {args.backend}: {len(texts)} sentences, {len(stances) / len(texts):.0%} labelled as stances")
    print("| stage | ms a sentence |")
    print("|---|---|")
    for stage, value in per_sentence.items():
        print(f"| {stage} | {value * 1000:.2f} |")
    cpu_no_parse = per_sentence["tokenise"] + per_sentence["encoder, 1 thread"] + per_sentence["decode and records"]
    cpu_parse = cpu_no_parse + per_sentence["parse (stance sentences only)"]
    print()
    print(f"measured end to end without the parse: {1 / no_parse_wall:.1f} sentences/s")
    print(f"naive loop (fp32, parse-checked actors, one sentence a call): {naive_rate:.1f} sentences/s")
    for name, cpu in (("with the parse", cpu_parse), ("without the parse", cpu_no_parse)):
        ceiling = args.cores / cpu
        print(f"ceiling on {args.cores} cores {name}: {ceiling:.1f} sentences/s = {ceiling / naive_rate:.2f}x the naive loop")


if __name__ == "__main__":
    main()
