"""Document-level actor resolution: one canonical name per actor.

* names: the fullest mention in the document, titles removed ("Zelensky" and "Ukrainian
  President Volodymyr Zelensky" -> "Volodymyr Zelensky");
* metonyms: capitals and seats of government map to the state they stand for
  ("Moscow", "the Kremlin" -> "Russia"), from ``metonyms.json``; pass ``metonyms=`` to extend;
* pronouns: resolved to the previous compatible actor of the document (he/she -> a person,
  they/we -> any actor, I -> the speaker of the quote's earlier sentence).

Example:
    >>> canonical_name("Ukrainian President Volodymyr Zelensky")
    'Volodymyr Zelensky'
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from claimstance.records import SentencePrediction

PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
OTHER_PRONOUNS = frozenset({"they", "we", "it", "i", "you"})
PRONOUNS = PERSON_PRONOUNS | OTHER_PRONOUNS
TITLES = frozenset(
    """president vice prime minister secretary senator sen. rep. representative governor gov.
    mayor judge justice chief general gen. colonel col. lieutenant lt. captain capt. admiral
    commander sergeant sgt. dr. dr mr. mr mrs. mrs ms. ms miss prof. professor sir lady lord
    king queen prince princess chancellor ambassador spokesman spokeswoman spokesperson
    director chairman chairwoman chair ceo coach councillor councilor councilwoman councilman
    commissioner inspector detective officer attorney sheriff pope bishop rev. reverend
    father sister brother deputy assistant acting former interim leader head speaker minister""".split()
)
_WORD = re.compile(r"[\w.'’-]+")


@lru_cache(maxsize=1)
def default_metonyms() -> dict[str, str]:
    """The shipped metonym table (``metonyms.json`` beside this module)."""
    return json.loads((Path(__file__).with_name("metonyms.json")).read_text(encoding="utf-8"))


def canonical_name(mention: str) -> str:
    """A mention without its titles and leading determiner; names keep first and last name."""
    words = _WORD.findall(mention)
    if words and words[0].lower() in ("the", "a", "an"):
        return mention.split(maxsplit=1)[1] if len(mention.split()) > 1 else mention
    last_title = max((i for i, w in enumerate(words) if w.lower() in TITLES), default=-1)
    rest = words[last_title + 1 :]
    if rest and all(w[:1].isupper() for w in rest) and last_title >= 0:
        return " ".join(rest)
    return mention


def _is_name(canonical: str) -> bool:
    words = canonical.split()
    return bool(words) and all(w[:1].isupper() for w in words) and len(words) <= 4


def resolve_document_actors(
    predictions: list[SentencePrediction], metonyms: dict[str, str] | None = None
) -> None:
    """Fill ``actor.canonical`` in place for the sentences of one document."""
    table = {**default_metonyms(), **(metonyms or {})}
    table_lower = {k.lower(): v for k, v in table.items()}
    names = [
        canonical_name(p.actor.text)
        for p in predictions
        if p.actor is not None and p.actor.text.lower() not in PRONOUNS
    ]
    last_person: str | None = None
    last_actor: str | None = None
    for prediction in predictions:
        actor = prediction.actor
        if actor is None:
            continue
        mention = actor.text
        lower = mention.lower()
        if lower in PERSON_PRONOUNS:
            actor.canonical = last_person or _name_before(predictions, prediction) or mention
        elif lower in OTHER_PRONOUNS:
            actor.canonical = last_actor or mention
        elif lower in table_lower:
            actor.canonical = table_lower[lower]
        else:
            actor.canonical = _fullest(canonical_name(mention), names)
            if _is_name(actor.canonical):
                last_person = actor.canonical
        if lower not in OTHER_PRONOUNS:
            last_actor = actor.canonical
    for prediction in predictions:
        for claim in prediction.claims:
            if claim.actor is not None and prediction.actor is not None and (
                claim.actor.start, claim.actor.end) == (prediction.actor.start, prediction.actor.end):
                claim.actor.canonical = prediction.actor.canonical


def _fullest(name: str, names: Iterable[str]) -> str:
    """The longest name of the document that ends with the same surname."""
    if not _is_name(name):
        return name
    surname = name.split()[-1]
    matches = [n for n in names if _is_name(n) and n.split()[-1] == surname]
    return max(matches, key=lambda n: (len(n.split()), len(n)), default=name)


_NAME_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


def _name_before(predictions: list[SentencePrediction], current: SentencePrediction) -> str | None:
    """The last run of capitalised words in earlier sentences (a person named in passing)."""
    found = None
    for prediction in predictions:
        if prediction is current:
            break
        runs = _NAME_RUN.findall(prediction.text)
        if runs:
            found = canonical_name(runs[-1])
    return found
