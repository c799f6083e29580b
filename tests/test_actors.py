"""Document-level actor resolution and the parse-based actor finder."""

from __future__ import annotations

from claimstance.actors import canonical_name, resolve_document_actors
from claimstance.parsing import DependencyAttributor
from claimstance.records import SentencePrediction, Span


def _prediction(text: str, actor: str | None) -> SentencePrediction:
    span = None
    if actor:
        start = text.index(actor)
        span = Span(actor, start, start + len(actor))
    return SentencePrediction(text=text, label="allegation", score=1.0, scores={}, actor=span)


def test_fullest_name_metonyms_and_pronouns():
    doc = [
        _prediction("Ukrainian President Volodymyr Zelensky claimed troops had moved.", "Ukrainian President Volodymyr Zelensky"),
        _prediction("The Kremlin denied it.", "The Kremlin"),
        _prediction("Zelensky said more would follow.", "Zelensky"),
        _prediction("He added that talks had stalled.", "He"),
        _prediction("Moscow and Pyongyang rejected the report.", "Moscow and Pyongyang"),
    ]
    resolve_document_actors(doc)
    assert [p.actor.canonical for p in doc] == [
        "Volodymyr Zelensky", "Russia", "Volodymyr Zelensky", "Volodymyr Zelensky", "Moscow and Pyongyang"
    ]


def test_user_metonyms_extend_the_table():
    doc = [_prediction("Foggy Bottom said so.", "Foggy Bottom")]
    resolve_document_actors(doc, metonyms={"Foggy Bottom": "US State Department"})
    assert doc[0].actor.canonical == "US State Department"


def test_titles_are_removed_from_canonical_names():
    assert canonical_name("Defense Minister Sergei Shoigu") == "Sergei Shoigu"
    assert canonical_name("Senator Maria Okafor") == "Maria Okafor"
    assert canonical_name("Western officials") == "Western officials"


def test_parse_finds_subjects_agents_and_according_to():
    attributor = DependencyAttributor()
    cases = [
        ('"We did nothing wrong," the minister said on Tuesday.', "said", "the minister"),
        ("The allegations were denied by the Kremlin and Beijing.", "denied", "the Kremlin and Beijing"),
        ("A senior official who spoke on condition of anonymity said the talks had failed.", "said", "A senior official"),
        ("The talks had failed, according to the ministry.", "according to", "the ministry"),
        ("According to the ministry, the minister said the talks had failed.", "According to", "the minister"),
        ("The envoy told her the deal was off, according to an account she gave to a newspaper.", "according to", "The envoy"),
        ("Patricia Smith, mother of two, told reporters the school was closed.", "told reporters", "Patricia Smith"),
        ("Boko Haram, which denied the ceasefire claims, attacked a village.", "denied", "Boko Haram"),
        ('"I think the deal is dead," said Marta Lindqvist, a union organiser.', "think", "Marta Lindqvist"),
        ("\u201cWe never saw the money,\u201d the mayor told reporters.", "saw", "the mayor"),
        ("I think the deal is dead, the senator told a radio station.", "think", "I"),
        ("The committee forced the chief executive to admit that no one had been fired.", "admit", "the chief executive"),
        ("Okafor appeared on television on Monday and began by saying the figures were wrong.", "saying", "Okafor"),
        ("The minister wants to deny everything.", "deny", "The minister"),
        ("Beijing (AFP) \u2013 Award-winning novelist Mei Tan is not sure the ban will last.", "is not sure", "Award-winning novelist Mei Tan"),
        ("KYIV, Ukraine (AP) \u2014 Russia denied striking the port.", "denied", "Russia"),
    ]
    docs = attributor.parse([c[0] for c in cases])
    for (text, cue, actor), doc in zip(cases, docs):
        start = text.index(cue)
        span = attributor.actor_span(doc, (start, start + len(cue)))
        assert span is not None and text[span[0] : span[1]] == actor, text


def test_writer_hedge_has_no_actor():
    attributor = DependencyAttributor()
    text = "The vote could be delayed until spring."
    doc = attributor.parse([text])[0]
    assert attributor.actor_span(doc, (9, 14)) is None
