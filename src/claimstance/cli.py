"""The ``claimstance`` command: ``label`` corpora and ``evaluate`` models. Thin by design.

Example:
    $ claimstance label news.jsonl -o labelled.jsonl --model models/fast
    $ claimstance evaluate --model models/fast --data data/corpus/test.jsonl --out reports/fast
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from claimstance.inference import ACTOR_MODES, BACKENDS, ModelLoadError
from claimstance.io import INPUT_FORMATS, InputError, ReadOptions
from claimstance.data import CorpusError

EXIT_OK, EXIT_RECORD_ERRORS, EXIT_FAILURE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claimstance", description="Claim stance and actor labelling for news text.")
    sub = parser.add_subparsers(dest="command", required=True)

    label = sub.add_parser("label", help="label documents or sentences into JSONL, CSV or parquet")
    label.add_argument("inputs", nargs="+", help=".txt, .jsonl, .csv, .parquet files or folders of them")
    label.add_argument("-o", "--output", required=True, help="output file (.jsonl default, .csv, .parquet)")
    label.add_argument("--model", default=None, help="model folder or name under models/ (default: accurate)")
    label.add_argument("--format", default="auto", choices=INPUT_FORMATS, help="input format (default: by extension)")
    label.add_argument("--text-field", default="text", help="field / column holding the text (default: text)")
    label.add_argument("--id-field", default="id", help="field / column holding the record id (default: id)")
    label.add_argument("--lines", action="store_true", help=".txt inputs hold one document per line")
    label.add_argument("--no-split", action="store_true", help="each record is one sentence (no segmentation)")
    label.add_argument("--batch-size", type=int, default=32)
    label.add_argument("--resume", action="store_true", help="continue an interrupted run into the same output")
    label.add_argument("--backend", default=None, choices=BACKENDS, help="inference backend (default: the model's checked one, see its inference.json; README for quality)")
    label.add_argument("--actors", default=None, choices=ACTOR_MODES, help="actor span source (default: the model's checked one, else combined)")
    label.add_argument("--threads", type=int, default=None, help="CPU threads for the model in each worker (default: every core with one worker and on Ray; the cores shared among local --num-workers)")
    label.add_argument("--quiet", action="store_true", help="no progress bar")
    label.add_argument("--engine", default="local", choices=("local", "ray"), help="local streaming, or Ray Data (-o is then a folder of shards)")
    label.add_argument("--address", default=None, help="Ray cluster address (default: start Ray locally)")
    label.add_argument("--num-workers", type=int, default=1, help="processes (local engine) or Ray actors, each holding one model copy (default: 1)")
    label.add_argument("--cpus-per-worker", type=float, default=None, help="CPUs Ray reserves for each actor (default: the cluster's CPUs shared among the actors)")

    evaluate = sub.add_parser("evaluate", help="write an evaluation report (HTML, Markdown, JSON)")
    evaluate.add_argument("--model", default=None, help="model folder or name under models/")
    evaluate.add_argument("--data", nargs="+", required=True, help="labelled JSONL files (corpus split or realdev format)")
    evaluate.add_argument("--out", required=True, help="report folder")
    evaluate.add_argument("--baselines", action="store_true", help="also train and score the rule and TF-IDF baselines")
    evaluate.add_argument("--backend", default=None, choices=BACKENDS, help="default: the model's checked backend")
    evaluate.add_argument("--compare", nargs="+", default=(), metavar="MODEL", help="other models to score beside it (e.g. teacher and gold-only model)")
    return parser


def _label(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        return _label_ray(args)
    from claimstance.inference import ClaimStanceClassifier
    from claimstance.labelling import label_corpus, validate_paths

    validate_paths(args.inputs, Path(args.output), args.format)
    classifier = ClaimStanceClassifier.from_pretrained(
        args.model, backend=args.backend, actor_mode=args.actors, num_threads=args.threads
    )
    summary = label_corpus(
        classifier,
        args.inputs,
        Path(args.output),
        _read_options(args),
        split=not args.no_split,
        batch_size=args.batch_size,
        resume=args.resume,
        progress=not args.quiet,
        workers=args.num_workers,
        threads=args.threads,
    )
    print(json.dumps(summary.to_dict()), file=sys.stderr)
    return EXIT_RECORD_ERRORS if summary.errors else EXIT_OK


def _read_options(args: argparse.Namespace) -> ReadOptions:
    return ReadOptions(fmt=args.format, text_field=args.text_field, id_field=args.id_field, lines=args.lines)


def _label_ray(args: argparse.Namespace) -> int:
    from claimstance.distributed import label_with_ray

    output = Path(args.output)
    counts = label_with_ray(
        args.model, args.inputs, output, _read_options(args), split=not args.no_split, batch_size=args.batch_size, backend=args.backend,
        actor_mode=args.actors, address=args.address, num_workers=args.num_workers, cpus_per_worker=args.cpus_per_worker, threads=args.threads,
        output_format="parquet" if output.suffix.lower() == ".parquet" else "jsonl",
    )
    print(json.dumps(counts), file=sys.stderr)
    return EXIT_RECORD_ERRORS if counts["errors"] else EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from claimstance.report import write_report

    paths = write_report(args.model, args.data, Path(args.out), baselines=args.baselines, backend=args.backend, compare=args.compare)
    for path in paths:
        print(path)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``claimstance`` console script."""
    args = _parser().parse_args(argv)
    try:
        return {"label": _label, "evaluate": _evaluate}[args.command](args)
    except (InputError, ModelLoadError, CorpusError, FileNotFoundError) as err:
        print(f"claimstance: error: {err}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("claimstance: interrupted; rerun with --resume to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
