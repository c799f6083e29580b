"""Word-piece tags <-> character spans, with the real tokenizer."""

from __future__ import annotations

from transformers import AutoTokenizer

from claimstance.encoders import encoder_path
from claimstance.labels import CLAIM_TAG2ID, CLAIM_TAGS, TAG2ID, TAGS
from claimstance.spans import IGNORE, decode_spans, tags_for_spans, token_f1, tokenize_with_offsets

TEXT = "Ukrainian President Volodymyr Zelensky claimed North Korea is preparing soldiers."


def _round_trip(spans, tag2id, tags):
    tokenizer = AutoTokenizer.from_pretrained(encoder_path("minilm"))
    offsets = tokenize_with_offsets(tokenizer, [TEXT], 128)["offset_mapping"][0]
    tag_ids = tags_for_spans(offsets, spans, tag2id)
    assert tag_ids[0] == IGNORE and tag_ids[-1] == IGNORE
    decoded = decode_spans(TEXT, offsets, [max(t, 0) for t in tag_ids], [1.0] * len(tag_ids), tags)
    return [(s.start, s.end, s.kind) for s in decoded]


def test_primary_spans_survive_the_round_trip():
    spans = [(39, 46, "CUE"), (0, 38, "ACTOR")]
    assert sorted(_round_trip(spans, TAG2ID, TAGS)) == sorted(spans)
    assert TEXT[0:38] == "Ukrainian President Volodymyr Zelensky"


def test_claim_spans_keep_cue_labels_and_inner_spans_win():
    content = (47, len(TEXT) - 1)
    spans = [(39, 46, "CUE-allegation"), (0, 38, "ACTOR"), (*content, "CONTENT")]
    assert sorted(_round_trip(spans, CLAIM_TAG2ID, CLAIM_TAGS)) == sorted(spans)


def test_decoding_snaps_partial_words():
    offsets = [(0, 0), (0, 4), (4, 9), (10, 15), (0, 0)]
    text = "Zelenskyy spoke"
    # only the first word piece is tagged: the span still covers the whole word
    spans = decode_spans(text, offsets, [0, 1, 0, 0, 0], [1, 0.9, 1, 1, 1], TAGS)
    assert [(s.start, s.end) for s in spans] == [(0, 9)]


def test_token_f1():
    text = "the senior official said"
    assert token_f1((0, 19), (4, 19), text) == 0.8
    assert token_f1(None, None, text) == 1.0 and token_f1((0, 3), None, text) == 0.0
