"""Alignment between character spans and word-piece tags.

Training turns character spans into BIO tag ids per word piece (special tokens get
``-100``); inference turns predicted tags back into character spans snapped to whole
words. Both use the tokenizer's offset mapping, so the two directions agree.

Example:
    >>> offsets = [(0, 0), (0, 3), (4, 10), (11, 14), (0, 0)]
    >>> tags_for_spans(offsets, [(0, 3, "ACTOR")], {"O": 0, "B-ACTOR": 1, "I-ACTOR": 2})
    [-100, 1, 0, 0, -100]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

IGNORE = -100
Offsets = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class TaggedSpan:
    """A decoded span: character offsets, its tag kind and mean tag probability."""

    start: int
    end: int
    kind: str
    score: float


def tags_for_spans(
    offsets: Offsets, spans: Sequence[tuple[int, int, str]], tag2id: dict[str, int]
) -> list[int]:
    """BIO tag id per word piece for character spans ``(start, end, kind)``.

    Earlier spans win where spans overlap, so list the most specific first.
    """
    tags = [IGNORE if start == end else tag2id["O"] for start, end in offsets]
    for span_start, span_end, kind in spans:
        inside = False
        for i, (start, end) in enumerate(offsets):
            if start == end or end <= span_start or start >= span_end:
                continue
            if tags[i] != tag2id["O"]:
                inside = True
                continue
            tags[i] = tag2id[("I-" if inside else "B-") + kind]
            inside = True
    return tags


def decode_spans(
    text: str, offsets: Offsets, tag_ids: Sequence[int], tag_probs: Sequence[float], tags: Sequence[str]
) -> list[TaggedSpan]:
    """Contiguous spans from predicted tags, snapped outwards to whole words.

    An ``I-`` tag that does not continue a span of its kind starts one (lenient BIO).
    """
    spans: list[TaggedSpan] = []
    current: list[int] | None = None  # [start, end, first_index, last_index]
    kind = ""

    def close() -> None:
        if current is not None:
            start, end = _snap_to_words(text, current[0], current[1])
            probs = tag_probs[current[2] : current[3] + 1]
            spans.append(TaggedSpan(start, end, kind, float(sum(probs) / len(probs))))

    for i, ((start, end), tag_id) in enumerate(zip(offsets, tag_ids)):
        if start == end:
            continue
        tag = tags[tag_id]
        if tag == "O":
            close()
            current = None
            continue
        prefix, tag_kind = tag.split("-", 1)
        if prefix == "I" and current is not None and tag_kind == kind and start <= current[1] + 1:
            current[1], current[3] = end, i
            continue
        close()
        current, kind = [start, end, i, i], tag_kind
    close()
    return spans


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


def token_f1(a: tuple[int, int] | None, b: tuple[int, int] | None, text: str) -> float:
    """Word-level F1 between two character spans of the same text (1.0 when both are None)."""
    if a is None or b is None:
        return float(a is None and b is None)
    words_a = _word_positions(text, *a)
    words_b = _word_positions(text, *b)
    common = len(words_a & words_b)
    if not common:
        return 0.0
    precision, recall = common / len(words_a), common / len(words_b)
    return 2 * precision * recall / (precision + recall)


def _word_positions(text: str, start: int, end: int) -> set[int]:
    positions, i = set(), start
    while i < end:
        if text[i].isalnum():
            positions.add(i)
            while i < end and text[i].isalnum():
                i += 1
        else:
            i += 1
    return positions


def tokenize_with_offsets(tokenizer, texts: Sequence[str], max_length: int, padding: bool = False):  # noqa: ANN001, ANN201
    """Tokenize for the joint model: word pieces with character offsets, truncated to ``max_length``."""
    return tokenizer(
        list(texts),
        truncation=True,
        max_length=max_length,
        padding=padding,
        return_offsets_mapping=True,
    )
