"""The label set and span tag scheme of LABELS.md, with id <-> name maps.

Example:
    >>> LABELS[0], LABEL2ID["denial"]
    ('allegation', 1)
"""

from __future__ import annotations

LABELS: tuple[str, ...] = ("allegation", "denial", "confirmation", "speculation", "other")
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))

# Token tags (BIO) for the spans of the primary stance: its actor and its cue.
SPAN_KINDS: tuple[str, ...] = ("ACTOR", "CUE")
TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{k}" for k in SPAN_KINDS for p in ("B", "I"))
TAG2ID: dict[str, int] = {name: i for i, name in enumerate(TAGS)}

# Linguistic phenomena an author may tag a training sentence with (counted in the datasheet).
PHENOMENA: tuple[str, ...] = (
    "negated_cue",
    "quote_speaker_after",
    "passive_agent",
    "passive_no_agent",
    "nested_attribution",
    "multi_stance",
    "hedged_allegation",
    "prediction",
    "own_plan",
    "headline",
    "question",
    "proposal_call",
    "pronoun_actor",
)

# Token tags (BIO) for every stance of the sentence: actors, contents, and cues that
# carry their stance's label, so that ``claims`` can be rebuilt from one tag sequence.
STANCE_LABELS: tuple[str, ...] = LABELS[:-1]
CLAIM_TAGS: tuple[str, ...] = (
    ("O", "B-ACTOR", "I-ACTOR", "B-CONTENT", "I-CONTENT")
    + tuple(f"{p}-CUE-{label}" for label in STANCE_LABELS for p in ("B", "I"))
)
CLAIM_TAG2ID: dict[str, int] = {name: i for i, name in enumerate(CLAIM_TAGS)}
