"""Distilling the accurate model into a fast one.

The teacher labels the training corpus and augmented text (actor and cue swaps between
sentences of the same label); the student learns the teacher's temperature-softened sentence
distribution and token-tag distributions (mapped from the teacher's word pieces to the
student's through character offsets), together with the gold labels where they exist.

Example:
    >>> config = TrainConfig.from_yaml("configs/distilled.yaml")  # doctest: +SKIP
    >>> train(config)  # doctest: +SKIP
"""

from __future__ import annotations

import glob
import hashlib
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from transformers import Trainer

from claimstance.spans import IGNORE, tokenize_with_offsets

def augment(records: list[dict[str, Any]], copies: int, seed: int) -> list[str]:
    """New sentences recombined from the corpus: a sentence's actor replaced by another
    sentence's actor, its cue by a cue of a same-label sentence, or its claim content by the
    content of another claim (the teacher labels them, so no gold is needed).

    Example:
        >>> rows = [{"text": "Moscow denied it.", "label": "denial", "actor": {"start": 0, "end": 6, "text": "Moscow"},
        ...          "cue": {"start": 7, "end": 13, "text": "denied"}, "claims": []}] * 2
        >>> augment(rows, 1, 0)[0].endswith("it.")
        True
    """
    rng = random.Random(seed)
    with_actor = [r for r in records if r["actor"]]
    actors = [r["actor"]["text"] for r in with_actor]
    contents = [c["content"]["text"] for r in records for c in r.get("claims") or [] if c["content"]]
    cues_by_label: dict[str, list[str]] = {}
    for r in records:
        if r["cue"]:
            cues_by_label.setdefault(r["label"], []).append(r["cue"]["text"])
    texts = []
    for _ in range(copies):
        for r in with_actor:
            own_contents = [c["content"] for c in r.get("claims") or [] if c["content"]]
            choice = rng.random()
            if own_contents and contents and choice < 1 / 3:
                span, replacement = rng.choice(own_contents), rng.choice(contents)
            elif r["cue"] and choice < 2 / 3:
                span, replacement = r["cue"], rng.choice(cues_by_label[r["label"]])
            else:
                span, replacement = r["actor"], rng.choice(actors)
            if span["start"] == 0:
                replacement = replacement[:1].upper() + replacement[1:]
            texts.append(r["text"][: span["start"]] + replacement + r["text"][span["end"] :])
    return texts


def read_distill_texts(pattern: str) -> list[str]:
    """Sentences of the unlabelled text written for distillation: every ``text`` field of the
    JSONL files matching ``pattern`` (a glob, absolute or relative to the repository), split
    into sentences.

    Example:
        >>> len(read_distill_texts("no/such/*.jsonl"))
        0
    """
    from claimstance.data import DATA_DIR, read_jsonl
    from claimstance.segmentation import split_sentences

    root = DATA_DIR.parent
    sentences = []
    for path in sorted(glob.glob(str(root / pattern))) if pattern else []:
        for record in read_jsonl(path):
            text = record["text"]
            sentences.extend(text[start:end] for start, end in split_sentences(text))
    return sentences


def teacher_targets(
    teacher: Any, texts: list[str], student_tokenizer: Any, max_length: int, batch_size: int = 64, cache: Path | None = None
) -> list[dict[str, Any]]:
    """The teacher's distributions for each text, on the student's word pieces (batched by
    length, returned in input order). With ``cache`` (a file), texts labelled by an earlier
    run of the same teacher and student tokenizer are read from it, and new ones added."""
    stored: dict[str, dict[str, Any]] = torch.load(cache, weights_only=False) if cache and cache.is_file() else {}
    keys = [hashlib.sha1(text.encode("utf-8")).hexdigest() for text in texts]
    model = teacher.model
    missing = sorted({i for i, key in enumerate(keys) if key not in stored}, key=lambda i: len(texts[i]))
    for start in range(0, len(missing), batch_size):
        indices = missing[start : start + batch_size]
        chunk = [texts[i] for i in indices]
        encoded = tokenize_with_offsets(teacher.tokenizer, chunk, teacher.config.max_seq_length, padding=True)
        teacher_offsets = encoded.pop("offset_mapping")
        with torch.inference_mode():
            out = model(input_ids=torch.tensor(encoded["input_ids"]), attention_mask=torch.tensor(encoded["attention_mask"]))
        student = tokenize_with_offsets(student_tokenizer, chunk, max_length)
        for row, index in enumerate(indices):
            mapping = _map_tokens(student["offset_mapping"][row], teacher_offsets[row])
            stored[keys[index]] = {
                "input_ids": student["input_ids"][row],
                "attention_mask": student["attention_mask"][row],
                "teacher_labels": out.logits[row].float().numpy(),
                "teacher_span": out.span_logits[row][mapping].float().numpy(),
                "teacher_claim": out.claim_logits[row][mapping].float().numpy(),
            }
    if cache and missing:
        cache.parent.mkdir(parents=True, exist_ok=True)
        torch.save(stored, cache)
    return [{k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in stored[key].items()} for key in keys]


def targets_cache(teacher_dir: Path, student_tokenizer: Any, max_length: int) -> Path:
    """The cache file of a teacher (its config and weights file) and a student tokenizer."""
    from claimstance.encoders import cache_dir

    weights = teacher_dir / "model.safetensors"
    stat = weights.stat()
    fingerprint = hashlib.sha256(
        (teacher_dir / "config.json").read_bytes()
        + f"{stat.st_size}:{stat.st_mtime_ns}:{student_tokenizer.name_or_path}:{max_length}".encode()
    ).hexdigest()[:16]
    return cache_dir() / "teacher-targets" / f"{fingerprint}.pt"


def _map_tokens(student_offsets: list[tuple[int, int]], teacher_offsets: list[tuple[int, int]]) -> list[int]:
    """For each student word piece, the teacher word piece covering its first character
    (special tokens map to the teacher's first special token)."""
    real = [(i, s, e) for i, (s, e) in enumerate(teacher_offsets) if s != e]
    mapping = []
    for s, e in student_offsets:
        if s == e:
            mapping.append(0)
            continue
        best = next((i for i, ts, te in real if ts <= s < te), None)
        if best is None:
            best = min(real, key=lambda t: abs(t[1] - s))[0] if real else 0
        mapping.append(best)
    return mapping


class DistillationCollator:
    """Pads ids, gold targets (``-100`` where absent) and teacher logits."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        length = max(len(f["input_ids"]) for f in features)
        batch = dict(
            self.tokenizer.pad(
                [{k: f[k] for k in ("input_ids", "attention_mask")} for f in features],
                padding="max_length", max_length=length, return_tensors="pt",
            )
        )
        batch["labels"] = torch.tensor([f["labels"] for f in features])
        for key in ("span_tags", "claim_tags"):
            batch[key] = torch.tensor([f[key] + [IGNORE] * (length - len(f[key])) for f in features])
        batch["teacher_labels"] = torch.tensor([f["teacher_labels"] for f in features])
        for key in ("teacher_span", "teacher_claim"):
            width = len(features[0][key][0])
            batch[key] = torch.tensor([f[key] + [[0.0] * width] * (length - len(f[key])) for f in features])
        return batch


class DistillationTrainer(Trainer):
    """Loss = alpha * gold cross-entropy + (1 - alpha) * T^2 * KL(teacher_T || student_T), per head."""

    def __init__(self, *args: Any, temperature: float = 2.0, alpha: float = 0.5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.temperature = temperature
        self.alpha = alpha

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[no-untyped-def]
        teacher = {k: inputs.pop(k) for k in ("teacher_labels", "teacher_span", "teacher_claim")}
        gold = {k: inputs.pop(k) for k in ("labels", "span_tags", "claim_tags")}
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
        mask = inputs["attention_mask"].bool()
        t = self.temperature
        soft = _kl(outputs.logits, teacher["teacher_labels"], t)
        soft = soft + _kl(outputs.span_logits[mask], teacher["teacher_span"][mask], t)
        soft = soft + 0.5 * _kl(outputs.claim_logits[mask], teacher["teacher_claim"][mask], t)
        hard = _ce(outputs.logits, gold["labels"]) + _ce(outputs.span_logits.flatten(0, 1), gold["span_tags"].flatten())
        hard = hard + 0.5 * _ce(outputs.claim_logits.flatten(0, 1), gold["claim_tags"].flatten())
        loss = self.alpha * hard + (1 - self.alpha) * soft
        return (loss, outputs) if return_outputs else loss


def _kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor, t: float) -> torch.Tensor:
    return F.kl_div(F.log_softmax(student_logits.float() / t, -1), F.softmax(teacher_logits.float() / t, -1), reduction="batchmean") * t * t


def _ce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    if (targets != IGNORE).any():
        return F.cross_entropy(logits.float(), targets, ignore_index=IGNORE)
    return logits.sum() * 0.0


def no_gold(length: int) -> dict[str, Any]:
    """Gold fields for a text that has none (all ignored by the loss)."""
    return {"labels": IGNORE, "span_tags": [IGNORE] * length, "claim_tags": [IGNORE] * length}

