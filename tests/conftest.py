"""Shared fixtures: one tiny trained model for the whole session (setfit-style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimstance.training import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def smoke_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained by ``configs/smoke.yaml`` (MiniLM, 48 sentences, one epoch)."""
    out = tmp_path_factory.mktemp("models") / "smoke"
    train(TrainConfig.from_yaml(ROOT / "configs" / "smoke.yaml", output_dir=str(out)))
    return out


@pytest.fixture(scope="session")
def classifier(smoke_model_dir: Path):
    from claimstance.inference import ClaimStanceClassifier

    return ClaimStanceClassifier.from_pretrained(smoke_model_dir)
