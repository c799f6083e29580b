"""Training the joint model with transformers' ``Trainer``, then measuring what ships.

``train(TrainConfig)`` tokenizes the corpus (``datasets``), trains with the Trainer, keeps the
checkpoint with the best dev macro-F1, saves it with its tokenizer, and then scores the saved
model through :class:`~claimstance.inference.ClaimStanceClassifier` (the same decoding users
get) on train/dev/test and on realdev when ``../shared`` is present, beside the two baselines.
It writes ``metrics.json``, ``training_args.json`` and a model card ``README.md``.

Example:
    >>> config = TrainConfig(name="smoke", encoder="minilm", epochs=1, max_train_samples=32)
    >>> train(config)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from functools import partial
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from datasets import Dataset
from transformers import AutoTokenizer, EvalPrediction, Trainer, TrainingArguments, set_seed

from claimstance.baselines import run_baselines
from claimstance.distillation import (
    DistillationCollator,
    DistillationTrainer,
    augment,
    no_gold,
    read_distill_texts,
    targets_cache,
    teacher_targets,
)
from claimstance.data import CORPUS_DIR, load_split, read_jsonl, realdev_path
from claimstance.encoders import encoder_path
from claimstance.evaluation import evaluate, label_metrics, span_metrics
from claimstance.inference import (
    ACTOR_MODES, BACKENDS, INFERENCE_FILE, MODELS_DIR, REFERENCE_SERVING, ClaimStanceClassifier, resolve_model_dir,
)
from claimstance.labels import CLAIM_TAG2ID, LABEL2ID, LABELS, TAG2ID
from claimstance.modeling import ClaimStanceConfig, ClaimStanceModel
from claimstance.model_card import write_model_card
from claimstance.spans import IGNORE, tags_for_spans, tokenize_with_offsets

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Everything a training run depends on; loaded from YAML, overridable on the command line."""

    name: str = "fast"
    encoder: str = "minilm"
    encoder_layers: int = 0
    corpus_dir: str = str(CORPUS_DIR)
    output_dir: str = ""
    max_seq_length: int = 128
    epochs: float = 6.0
    batch_size: int = 16
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    span_loss_weight: float = 1.0
    claim_loss_weight: float = 0.5
    classifier_dropout: float = 0.1
    freeze_embeddings: bool = True
    seed: int = 42
    bf16: bool = False
    teacher: str = ""
    temperature: float = 2.0
    distill_alpha: float = 0.5
    augment_copies: int = 1
    distill_texts: str = ""
    # Faster serving settings to check after training, "backend/actors", fastest first: the first
    # that holds on dev and realdev becomes the model's default (see check_serving).
    serving_candidates: list[str] = field(default_factory=list)
    max_train_samples: int = 0
    max_eval_samples: int = 0
    eval_train_samples: int = 1000
    eval_realdev: bool = True
    baselines: bool = True
    threads: int = 0

    def __post_init__(self) -> None:
        for candidate in self.serving_candidates:
            serving_setting(candidate)  # raises on an unknown backend or actor source

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> "TrainConfig":
        """Read a YAML config; ``overrides`` (already typed) win over the file."""
        values = yaml.safe_load(Path(path).read_text()) or {}
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}")
        values.update(overrides)
        return cls(**values)

    @property
    def model_dir(self) -> Path:
        return Path(self.output_dir) if self.output_dir else MODELS_DIR / self.name


def record_spans(record: dict[str, Any]) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """Character spans to tag: the primary actor/cue, and every claim's actor/cue/content."""
    primary = [(s["start"], s["end"], kind) for kind, s in (("CUE", record["cue"]), ("ACTOR", record["actor"])) if s]
    claim_spans: list[tuple[int, int, str]] = []
    for claim in record.get("claims") or []:
        if claim["cue"]:
            claim_spans.append((claim["cue"]["start"], claim["cue"]["end"], f"CUE-{claim['label']}"))
        if claim["actor"]:
            claim_spans.append((claim["actor"]["start"], claim["actor"]["end"], "ACTOR"))
    for claim in record.get("claims") or []:  # contents last: cues and actors inside them win
        if claim["content"]:
            claim_spans.append((claim["content"]["start"], claim["content"]["end"], "CONTENT"))
    return primary, claim_spans


def build_features(records: list[dict[str, Any]], tokenizer: Any, max_length: int) -> Dataset:
    """A ``datasets.Dataset`` of input ids with the sentence label and both tag sequences."""

    def encode(batch: dict[str, list]) -> dict[str, list]:
        encoded = tokenize_with_offsets(tokenizer, batch["text"], max_length)
        span_tags, claim_tags = [], []
        for i, offsets in enumerate(encoded.pop("offset_mapping")):
            record = {k: batch[k][i] for k in ("actor", "cue", "claims")}
            primary, claims = record_spans(record)
            span_tags.append(tags_for_spans(offsets, primary, TAG2ID))
            claim_tags.append(tags_for_spans(offsets, claims, CLAIM_TAG2ID))
        return {
            **encoded,
            "labels": [LABEL2ID[label] for label in batch["label"]],
            "span_tags": span_tags,
            "claim_tags": claim_tags,
        }

    columns = {k: [r.get(k) for r in records] for k in ("text", "label", "actor", "cue", "claims")}
    dataset = Dataset.from_dict(columns)
    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)


class JointCollator:
    """Pads input ids with the tokenizer and tag sequences with ``-100``."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        length = max(len(f["input_ids"]) for f in features)
        inputs = self.tokenizer.pad(
            [{k: f[k] for k in ("input_ids", "attention_mask")} for f in features],
            padding="max_length",
            max_length=length,
            return_tensors="pt",
        )
        for key in ("span_tags", "claim_tags"):
            inputs[key] = torch.tensor([f[key] + [IGNORE] * (length - len(f[key])) for f in features])
        inputs["labels"] = torch.tensor([f["labels"] for f in features])
        return dict(inputs)


def _preprocess_logits(logits: Any, labels: Any) -> torch.Tensor:
    sentence_logits = logits[0] if isinstance(logits, tuple) else logits
    return sentence_logits.argmax(-1)


def _compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
    label_ids = prediction.label_ids[0] if isinstance(prediction.label_ids, tuple) else prediction.label_ids
    gold = [LABELS[i] for i in label_ids]
    pred = [LABELS[i] for i in np.asarray(prediction.predictions).reshape(-1)]
    metrics = label_metrics(gold, pred)
    return {"macro_f1": metrics["macro_f1"], "accuracy": metrics["accuracy"]}


def _training_data(config: TrainConfig, tokenizer: Any, train_records: list[dict], dev_records: list[dict]):  # type: ignore[no-untyped-def]
    """Datasets, collator and Trainer class: gold targets, plus the teacher's when distilling."""
    train_set = build_features(train_records, tokenizer, config.max_seq_length)
    dev_set = build_features(dev_records, tokenizer, config.max_seq_length)
    if not config.teacher:
        return train_set, dev_set, JointCollator(tokenizer), Trainer
    teacher = ClaimStanceClassifier.from_pretrained(config.teacher, **REFERENCE_SERVING)
    recombined = augment(train_records, config.augment_copies, config.seed)
    written = read_distill_texts(config.distill_texts)
    logger.info(
        "teacher %s labels %d corpus, %d recombined and %d written sentences",
        config.teacher, len(train_records), len(recombined), len(written),
    )
    train_texts = [r["text"] for r in train_records] + recombined + written
    cache = targets_cache(resolve_model_dir(config.teacher), tokenizer, config.max_seq_length)
    targets = teacher_targets(teacher, train_texts + [r["text"] for r in dev_records], tokenizer, config.max_seq_length, cache=cache)
    gold_keys = ("labels", "span_tags", "claim_tags")

    def with_teacher(soft_targets: list[dict[str, Any]], gold: Dataset) -> Dataset:
        rows = []
        for i, target in enumerate(soft_targets):
            rows.append({**target, **({k: gold[i][k] for k in gold_keys} if i < len(gold) else no_gold(len(target["input_ids"])))})
        return Dataset.from_list(rows)

    trainer_class = partial(DistillationTrainer, temperature=config.temperature, alpha=config.distill_alpha)
    return (
        with_teacher(targets[: len(train_texts)], train_set),
        with_teacher(targets[len(train_texts) :], dev_set),
        DistillationCollator(tokenizer),
        trainer_class,
    )


def _limit(records: list[dict], n: int) -> list[dict]:
    return records[:n] if n else records


def train(config: TrainConfig) -> dict[str, Any]:
    """Train, select on dev, save, and measure; returns the metrics written to ``metrics.json``."""
    if config.threads:
        torch.set_num_threads(config.threads)
    set_seed(config.seed)
    out = config.model_dir
    corpus = Path(config.corpus_dir)
    train_records = _limit(load_split("train", corpus), config.max_train_samples)
    dev_records = _limit(load_split("dev", corpus), config.max_eval_samples)
    test_records = _limit(load_split("test", corpus), config.max_eval_samples)

    model_config = ClaimStanceConfig.for_encoder(
        config.encoder,
        encoder_layers=config.encoder_layers,
        classifier_dropout=config.classifier_dropout,
        span_loss_weight=config.span_loss_weight,
        claim_loss_weight=config.claim_loss_weight,
        max_seq_length=config.max_seq_length,
    )
    model = ClaimStanceModel.from_encoder(model_config)
    if config.freeze_embeddings:  # keeps pretrained vectors for words the corpus never shows; ~15% faster
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path(config.encoder))
    prepared = time.perf_counter()
    train_set, dev_set, collator, trainer_class = _training_data(config, tokenizer, train_records, dev_records)
    prepare_seconds = time.perf_counter() - prepared

    checkpoints = out / "checkpoints"
    args = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=64,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        label_names=["labels", "span_tags", "claim_tags"],
        train_sampling_strategy="group_by_length",
        bf16=config.bf16,
        use_cpu=not torch.cuda.is_available(),
        seed=config.seed,
        data_seed=config.seed,
        logging_steps=50,
        report_to=[],
        dataloader_num_workers=0,
        disable_tqdm=not os.isatty(2),
        save_only_model=True,
        remove_unused_columns=False,
    )
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=dev_set,
        data_collator=collator,
        compute_metrics=_compute_metrics,
        preprocess_logits_for_metrics=_preprocess_logits,
    )
    started = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    (out / INFERENCE_FILE).unlink(missing_ok=True)  # an earlier build's serving check is void
    trainer.model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    shutil.rmtree(checkpoints, ignore_errors=True)
    (out / "training_args.json").write_text(json.dumps({"config": asdict(config), "trainer": args.to_dict()}, indent=2, default=str))

    metrics = measure(out, config, train_records, dev_records, test_records)
    metrics["training"] = {
        "seconds": round(train_seconds, 1),
        "device": "cuda" if torch.cuda.is_available() else f"cpu ({torch.get_num_threads()} threads)",
        "prepare_seconds": round(prepare_seconds, 1),  # features, and the teacher's labelling when distilling
        "train_sentences": len(train_set),
        "gold_train_sentences": len(train_records),
        "epochs": config.epochs,
        "best_dev_macro_f1": trainer.state.best_metric,
    }
    if config.teacher:
        teacher_metrics = Path(config.teacher) / "metrics.json"
        if not teacher_metrics.is_file():
            teacher_metrics = MODELS_DIR / config.teacher / "metrics.json"
        if teacher_metrics.is_file():
            metrics["teacher"] = {"name": config.teacher, "model": json.loads(teacher_metrics.read_text())["model"]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    write_model_card(out, config, metrics)
    return metrics


def actor_variants(classifier: ClaimStanceClassifier, splits: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    """Actor overlap of each actor source (token head, parse, combined) per evaluation set."""
    shipped = classifier.actor_mode
    variants: dict[str, dict[str, float]] = {}
    try:
        for split, records in splits.items():
            variants[split] = {}
            for mode in ACTOR_MODES:
                classifier.actor_mode = mode
                predictions = classifier.predict([r["text"] for r in records], batch_size=64)
                variants[split][mode] = span_metrics(records, [p.to_dict() for p in predictions], "actor")["overlap"]
    finally:
        classifier.actor_mode = shipped
    return variants


def measure(
    model_dir: Path,
    config: TrainConfig,
    train_records: list[dict],
    dev_records: list[dict],
    test_records: list[dict],
) -> dict[str, Any]:
    """Score the saved model (as users load it) and the baselines on every split
    (train: its first ``eval_train_samples`` sentences, a sanity check of fit)."""
    classifier = ClaimStanceClassifier.from_pretrained(model_dir, **REFERENCE_SERVING)
    splits = {"train": _limit(train_records, config.eval_train_samples), "dev": dev_records, "test": test_records}
    realdev = realdev_path()
    if config.eval_realdev and realdev is not None:
        splits["realdev"] = read_jsonl(realdev)
    metrics: dict[str, Any] = {"model": {}, "baselines": {}}
    for split, records in splits.items():
        predictions = classifier.predict([r["text"] for r in records], batch_size=64)
        metrics["model"][split] = evaluate(records, [p.to_dict() for p in predictions])
    checked = {k: v for k, v in splits.items() if k in ("dev", "realdev")}
    metrics["actor_variants"] = actor_variants(classifier, checked)
    metrics["serving"] = check_serving(model_dir, config, checked, metrics["model"])
    if config.baselines:
        metrics["baselines"] = run_baselines(train_records, {k: v for k, v in splits.items() if k != "train"})
    return metrics


# How much macro-F1 and actor overlap other serving settings may lose, on each checked set, to
# become a model's default.
SERVING_TOLERANCE = 0.01


def serving_setting(text: str) -> dict[str, str]:
    """Parse a ``"backend/actors"`` serving setting.

    Example:
        >>> serving_setting("onnx-int8/model")
        {'backend': 'onnx-int8', 'actor_mode': 'model'}
    """
    backend, _, actors = text.partition("/")
    if backend not in BACKENDS or actors not in ACTOR_MODES:
        raise ValueError(f"serving setting {text!r}: use backend/actors, backend in {BACKENDS}, actors in {ACTOR_MODES}")
    return {"backend": backend, "actor_mode": actors}


def check_serving(model_dir: Path, config: TrainConfig, splits: dict[str, list[dict]], reference: dict[str, Any]) -> dict[str, Any]:
    """Score the config's ``serving_candidates`` in order on each set against the reference
    settings' ``reference`` metrics, and write the first that loses at most ``SERVING_TOLERANCE``
    of macro-F1 and of actor overlap on every set, realdev included, to the model's
    ``inference.json`` as its defaults (else the reference settings). Without realdev nothing is
    accepted: on written dev text `fast`'s int8 lost nothing where it lost 2-3 points on real
    news. Returns the check.

    Example:
        >>> config = TrainConfig(serving_candidates=["onnx-int8/model", "onnx-int8/combined"])
        >>> check_serving(out, config, {"dev": dev, "realdev": realdev}, metrics["model"])["chosen"]  # doctest: +SKIP
        {'backend': 'onnx-int8', 'actor_mode': 'combined'}
    """
    check: dict[str, Any] = {"tolerance": SERVING_TOLERANCE, "candidates": []}
    chosen = dict(REFERENCE_SERVING)
    for candidate in map(serving_setting, config.serving_candidates):
        if candidate == REFERENCE_SERVING:
            break
        verdict = _check_candidate(model_dir, candidate, splits, reference)
        check["candidates"].append(verdict)
        if verdict["accepted"]:
            chosen = candidate
            break
        logger.warning("serving settings %s not accepted (%s)", candidate, verdict["reason"])
        if "realdev" not in splits:
            break  # every later candidate would be refused for the same reason
    check["chosen"] = chosen
    (model_dir / INFERENCE_FILE).write_text(json.dumps({**chosen, "check": check}, indent=2) + "\n")
    return check


def _check_candidate(model_dir: Path, candidate: dict[str, str], splits: dict[str, list[dict]], reference: dict[str, Any]) -> dict[str, Any]:
    classifier = ClaimStanceClassifier.from_pretrained(model_dir, **candidate)
    verdict: dict[str, Any] = {"candidate": candidate, "sets": {}}
    accepted = True
    for split, records in splits.items():
        predictions = classifier.predict([r["text"] for r in records])
        metrics = evaluate(records, [p.to_dict() for p in predictions])
        row = {
            "macro_f1": metrics["macro_f1"], "reference_macro_f1": reference[split]["macro_f1"],
            "actor_overlap": metrics["actor"]["overlap"], "reference_actor_overlap": reference[split]["actor"]["overlap"],
        }
        accepted &= row["macro_f1"] >= row["reference_macro_f1"] - SERVING_TOLERANCE
        accepted &= row["actor_overlap"] >= row["reference_actor_overlap"] - SERVING_TOLERANCE
        verdict["sets"][split] = row
    if "realdev" not in splits:
        accepted, verdict["reason"] = False, "no real-news set (../shared/data/realdev.jsonl) to check on"
    elif not accepted:
        verdict["reason"] = f"more than {SERVING_TOLERANCE} lost on a checked set"
    verdict["accepted"] = accepted
    return verdict
