"""Sentence splitting: offsets, abbreviations, quotes, headlines; properties with hypothesis."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.segmentation import split_sentences


def sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_quotes_and_headlines():
    text = (
        "Kremlin denies role in blast\n\n"
        "Mr. Ivanov of the U.S. Senate said on Jan. 5 that the report was false. "
        "\u201cWe did nothing wrong,\u201d he said. Dr. Lee agreed."
    )
    assert sentences(text) == [
        "Kremlin denies role in blast",
        "Mr. Ivanov of the U.S. Senate said on Jan. 5 that the report was false.",
        "\u201cWe did nothing wrong,\u201d he said.",
        "Dr. Lee agreed.",
    ]


def test_crlf_and_whitespace_only():
    assert sentences("One.\r\nTwo.\r\n") == ["One.", "Two."]
    assert split_sentences("  \n\t ") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_offsets_are_exact_ordered_and_stripped(text):
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and piece
        previous_end = end


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["The minister said it was false.", "Mr. Smith left.", "Prices rose 3.5%.", "\u201cNo,\u201d she said."]), min_size=1, max_size=6))
def test_no_text_is_lost(parts):
    text = " ".join(parts)
    assert "".join(sentences(text)).replace(" ", "") == text.replace(" ", "")
