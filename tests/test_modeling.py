"""The joint model: save/load round trip and clear loading errors."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from claimstance.inference import ClaimStanceClassifier, ModelLoadError
from claimstance.modeling import ClaimStanceConfig, ClaimStanceModel


def test_save_load_round_trip_gives_identical_outputs(tmp_path):
    config = ClaimStanceConfig.for_encoder("minilm", max_seq_length=32)
    model = ClaimStanceModel.from_encoder(config).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    loaded = ClaimStanceModel.from_pretrained(tmp_path).eval()
    ids = torch.randint(100, 2000, (3, 9))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        a, b = model(ids, mask), loaded(ids, mask)
    for key in ("logits", "span_logits", "claim_logits"):
        assert torch.equal(a[key], b[key])
    assert loaded.config.labels == ["allegation", "denial", "confirmation", "speculation", "other"]
    assert loaded.config.max_seq_length == 32


def test_joint_loss_uses_all_heads():
    config = ClaimStanceConfig.for_encoder("minilm")
    model = ClaimStanceModel.from_encoder(config)
    ids = torch.randint(100, 2000, (2, 6))
    mask = torch.ones_like(ids)
    tags = torch.zeros_like(ids)
    sentence_only = model(ids, mask, labels=torch.tensor([0, 4])).loss
    joint = model(ids, mask, labels=torch.tensor([0, 4]), span_tags=tags, claim_tags=tags).loss
    assert joint > sentence_only


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        ClaimStanceClassifier.from_pretrained(tmp_path / "nope")


def test_missing_weights_corrupt_weights_and_foreign_config(tmp_path, smoke_model_dir):
    copy = tmp_path / "m"
    shutil.copytree(smoke_model_dir, copy)
    (copy / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelLoadError, match="could not load the weights"):
        ClaimStanceClassifier.from_pretrained(copy)
    (copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="safetensors"):
        ClaimStanceClassifier.from_pretrained(copy)
    config = json.loads((copy / "config.json").read_text())
    config["model_type"] = "bert"
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="not a claimstance model"):
        ClaimStanceClassifier.from_pretrained(copy)


def test_truncated_encoder_keeps_the_first_pretrained_layers_and_reloads(tmp_path):
    from transformers import AutoModel

    from claimstance.encoders import encoder_path

    model = ClaimStanceModel.from_encoder(ClaimStanceConfig.for_encoder("minilm", encoder_layers=2))
    pretrained = AutoModel.from_pretrained(encoder_path("minilm"), add_pooling_layer=False)
    assert len(model.encoder.encoder.layer) == 2
    for ours, theirs in zip(model.encoder.encoder.layer, pretrained.encoder.layer[:2]):
        assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()))
    model.save_pretrained(tmp_path)
    assert len(ClaimStanceModel.from_pretrained(tmp_path).encoder.encoder.layer) == 2
    with pytest.raises(ValueError, match="encoder_layers must be 1..6"):
        ClaimStanceConfig.for_encoder("minilm", encoder_layers=7)
