"""Typed results whose ``to_dict()`` is the labelled-sentence record of LABELS.md section 4.

Example:
    >>> Span("Moscow", 0, 6, canonical="Russia").to_dict()
    {'text': 'Moscow', 'start': 0, 'end': 6, 'canonical': 'Russia'}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Span:
    """A character span inside a sentence; actors also carry their canonical name."""

    text: str
    start: int
    end: int
    canonical: str | None = None

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end}
        if self.canonical is not None:
            record["canonical"] = self.canonical
        return record


def _span_dict(span: Span | None) -> dict[str, Any] | None:
    return span.to_dict() if span is not None else None


@dataclass
class Claim:
    """One stance in a sentence: its label, actor, cue and content (the proposition)."""

    label: str
    actor: Span | None = None
    cue: Span | None = None
    content: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "actor": _span_dict(self.actor),
            "cue": _span_dict(self.cue),
            "content": _span_dict(self.content),
        }


@dataclass
class SentencePrediction:
    """The labelled sentence: label and scores, actor, cue, claims and its place in a document."""

    text: str
    label: str
    score: float
    scores: dict[str, float]
    actor: Span | None = None
    cue: Span | None = None
    claims: list[Claim] = field(default_factory=list)
    doc_id: str | None = None
    sent_id: int = 0
    start: int = 0
    end: int | None = None
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The record of LABELS.md section 4 (``truncated`` only when the text was cut)."""
        record: dict[str, Any] = {
            "doc_id": self.doc_id,
            "sent_id": self.sent_id,
            "start": self.start,
            "end": self.end if self.end is not None else self.start + len(self.text),
            "text": self.text,
            "label": self.label,
            "score": round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "actor": _span_dict(self.actor),
            "cue": _span_dict(self.cue),
            "claims": [claim.to_dict() for claim in self.claims],
        }
        if self.truncated:
            record["truncated"] = True
        return record
