"""Train a claimstance model: ``python train.py [--config configs/default.yaml] [key=value ...]``.

Any field of :class:`claimstance.training.TrainConfig` can be overridden, e.g.
``python train.py --config configs/fast.yaml epochs=3 output_dir=/tmp/m``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import fields
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from claimstance.training import TrainConfig, train  # noqa: E402


def parse_overrides(pairs: list[str]) -> dict:
    """``key=value`` pairs, values parsed as YAML scalars, keys checked against TrainConfig."""
    known = {f.name for f in fields(TrainConfig)}
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in known:
            raise SystemExit(f"bad override {pair!r}: use key=value with key in {sorted(known)}")
        overrides[key] = yaml.safe_load(value)
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="configs/default.yaml", help="YAML file (default: %(default)s)")
    parser.add_argument("overrides", nargs="*", help="key=value overrides of the config")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = TrainConfig.from_yaml(args.config, **parse_overrides(args.overrides))
    metrics = train(config)
    summary = {split: round(m["macro_f1"], 4) for split, m in metrics["model"].items()}
    print(json.dumps({"model_dir": str(config.model_dir), "macro_f1": summary, "training": metrics["training"]}, indent=2))


if __name__ == "__main__":
    main()
