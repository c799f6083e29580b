"""The smoke training run: what it leaves behind, and determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimstance.data import load_split
from claimstance.training import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]


def test_smoke_run_leaves_a_complete_model_directory(smoke_model_dir):
    for name in ("model.safetensors", "config.json", "tokenizer.json", "training_args.json", "metrics.json", "README.md", "inference.json"):
        assert (smoke_model_dir / name).is_file(), name
    assert not (smoke_model_dir / "checkpoints").exists()
    metrics = json.loads((smoke_model_dir / "metrics.json").read_text())
    assert set(metrics["model"]) >= {"train", "dev", "test"}
    assert 0.0 <= metrics["model"]["dev"]["macro_f1"] <= 1.0
    assert "| claimstance (this model) | dev |" in (smoke_model_dir / "README.md").read_text()


def test_same_seed_same_metrics(tmp_path, smoke_model_dir):
    config = TrainConfig.from_yaml(ROOT / "configs" / "smoke.yaml", output_dir=str(tmp_path / "again"))
    again = train(config)
    first = json.loads((smoke_model_dir / "metrics.json").read_text())
    assert again["model"] == first["model"]


def test_overrides_are_typed_and_checked():
    config = TrainConfig.from_yaml(ROOT / "configs" / "fast.yaml", epochs=2)
    assert config.epochs == 2 and config.encoder == "minilm" and config.encoder_layers == 3
    default = TrainConfig.from_yaml(ROOT / "configs" / "default.yaml")
    from claimstance.inference import DEFAULT_MODEL

    assert default.name == DEFAULT_MODEL


def test_distillation_run_names_its_teacher_and_uses_written_text(tmp_path, smoke_model_dir, monkeypatch):
    monkeypatch.setenv("CLAIMSTANCE_CACHE", str(tmp_path / "cache"))  # the teacher-target cache
    written = tmp_path / "written.jsonl"
    written.write_text(json.dumps({"doc_id": "w1", "text": "Plant shuts\nThe mayor said the plant would close. Critics doubted it."}) + "\n")
    config = TrainConfig.from_yaml(
        ROOT / "configs" / "smoke.yaml", name="student", output_dir=str(tmp_path / "student"),
        teacher=str(smoke_model_dir), max_train_samples=16, max_eval_samples=8, distill_texts=str(written),
    )
    metrics = train(config)
    card = (tmp_path / "student" / "README.md").read_text()
    recombined = sum(1 for r in load_split("train")[:16] if r["actor"])
    assert metrics["training"]["train_sentences"] == 16 + recombined + 3  # headline + two sentences
    assert f"Distilled from the teacher model `{smoke_model_dir}`" in card
    assert len(list((tmp_path / "cache" / "teacher-targets").glob("*.pt"))) == 1
    assert metrics["teacher"]["model"]["dev"]["macro_f1"] >= 0
    assert f"| teacher: {smoke_model_dir} | dev |" in card


def test_augmentation_swaps_actor_cue_or_content_spans():
    from claimstance.data import load_split
    from claimstance.distillation import augment

    records = load_split("train")[:200]
    texts = augment(records, copies=1, seed=0)
    originals = {r["text"] for r in records}
    assert len(texts) == sum(1 for r in records if r["actor"])
    assert sum(t not in originals for t in texts) > 0.8 * len(texts)


def test_teacher_targets_are_cached_and_identical(tmp_path, smoke_model_dir):
    from transformers import AutoTokenizer

    from claimstance.distillation import teacher_targets
    from claimstance.inference import ClaimStanceClassifier

    teacher = ClaimStanceClassifier.from_pretrained(smoke_model_dir)
    student_tokenizer = AutoTokenizer.from_pretrained(smoke_model_dir)
    texts = ["Moscow denied the report.", "The mayor said the plant would close on Friday."]
    cache = tmp_path / "targets.pt"
    first = teacher_targets(teacher, texts, student_tokenizer, 32, cache=cache)
    assert cache.is_file()

    def no_teacher(**_):
        raise AssertionError("the teacher ran although every text was cached")

    teacher.model = no_teacher
    assert teacher_targets(teacher, texts[::-1], student_tokenizer, 32, cache=cache) == first[::-1]


def _linked_copy(model_dir: Path, target: Path) -> Path:
    target.mkdir()
    for path in model_dir.iterdir():
        if path.is_file() and path.name != "inference.json":
            (target / path.name).symlink_to(path)
    return target


def test_a_model_serves_with_its_checked_settings_unless_told_otherwise(tmp_path, smoke_model_dir):
    from claimstance.inference import ClaimStanceClassifier

    assert json.loads((smoke_model_dir / "inference.json").read_text())["actor_mode"] == "combined"
    model_dir = _linked_copy(smoke_model_dir, tmp_path / "model")
    (model_dir / "inference.json").write_text(json.dumps({"backend": "fp32", "actor_mode": "model"}))
    assert ClaimStanceClassifier.from_pretrained(model_dir).actor_mode == "model"
    assert ClaimStanceClassifier.from_pretrained(model_dir, actor_mode="parse").actor_mode == "parse"


def test_serving_settings_become_defaults_only_within_tolerance(tmp_path, smoke_model_dir):
    from claimstance.inference import inference_defaults
    from claimstance.training import check_serving

    model_dir = _linked_copy(smoke_model_dir, tmp_path / "model")
    config = TrainConfig.from_yaml(ROOT / "configs" / "smoke.yaml", serving_candidates=["bf16/model", "fp32/model"])
    dev = load_split("dev")[:16]
    sets = {"dev": dev, "realdev": dev[:8]}  # stands in for the real-news set
    unbeatable = {name: {"macro_f1": 2.0, "actor": {"overlap": 2.0}} for name in sets}
    check = check_serving(model_dir, config, sets, unbeatable)
    assert [v["accepted"] for v in check["candidates"]] == [False, False]  # each candidate tried, in order
    assert inference_defaults(model_dir) == {"backend": "fp32", "actor_mode": "combined"}
    assert check["candidates"][1]["sets"]["dev"]["reference_macro_f1"] == 2.0
    beaten = {name: {"macro_f1": -1.0, "actor": {"overlap": -1.0}} for name in sets}
    assert not check_serving(model_dir, config, {"dev": dev}, beaten)["candidates"][0]["accepted"]  # written text alone does not decide
    check = check_serving(model_dir, config, sets, beaten)
    assert len(check["candidates"]) == 1 and check["candidates"][0]["accepted"]  # the first that holds wins
    assert inference_defaults(model_dir) == {"backend": "bf16", "actor_mode": "model"}
    with pytest.raises(ValueError, match="serving setting"):
        TrainConfig(serving_candidates=["onnx-int8"])
