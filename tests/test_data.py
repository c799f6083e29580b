"""The corpus: schema, spans, splits, duplicates and the sizes the datasheet promises."""

from __future__ import annotations

import re
from pathlib import Path
from collections import Counter, defaultdict

import pytest

from claimstance.data import (
    RAW_DIR,
    SPLITS,
    CorpusError,
    build_documents,
    build_record,
    iter_raw_files,
    load_split,
    read_jsonl,
    resolve_span,
    tokens,
)
from claimstance.distillation import read_distill_texts
from claimstance.labels import LABELS, PHENOMENA
from claimstance.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[dict]]:
    return {split: load_split(split) for split in SPLITS}


def test_loaded_corpus_is_the_build_of_the_raw_files(corpus):
    built = [r for path in iter_raw_files(RAW_DIR) for r in build_documents(read_jsonl(path))]
    assert [r for split in SPLITS for r in corpus[split]] == [r for split in SPLITS for r in built if r["split"] == split]


def test_every_record_is_valid(corpus):
    for split, records in corpus.items():
        for r in records:
            assert r["split"] == split and r["label"] in LABELS
            assert set(r["phenomena"]) <= set(PHENOMENA)
            spans = [r["actor"], r["cue"]] + [c[k] for c in r["claims"] for k in ("actor", "cue", "content")]
            for span in filter(None, spans):
                assert r["text"][span["start"] : span["end"]] == span["text"], r
            if r["label"] == "other":
                assert r["actor"] is None and r["cue"] is None and r["claims"] == []
            else:
                assert r["claims"][0]["label"] == r["label"]


def test_realdev_shape_is_read_by_the_same_fields(corpus):
    record = corpus["train"][0]
    assert {"text", "label", "actor", "cue"} <= set(record)


def test_sizes_and_balance(corpus):
    assert len(corpus["train"]) >= 4000 and len(corpus["dev"]) >= 600 and len(corpus["test"]) >= 600
    assert len({r["doc_id"] for rs in corpus.values() for r in rs}) >= 400
    for split, records in corpus.items():
        shares = {label: n / len(records) for label, n in Counter(r["label"] for r in records).items()}
        assert all(shares.get(label, 0) >= 0.10 for label in LABELS), (split, shares)
        assert 0.15 <= shares["other"] <= 0.30, (split, shares)


def test_variety(corpus):
    everything = [r for rs in corpus.values() for r in rs]
    assert len({r["domain"] for r in everything}) >= 15
    assert len({r["actor"]["text"] for r in everything if r["actor"]}) >= 300
    assert len({r["cue"]["text"].lower() for r in everything if r["cue"]}) >= 80
    lengths = [len(r["text"].split()) for r in everything]
    assert min(lengths) <= 8 and max(lengths) >= 45


def test_hard_cases_in_train(corpus):
    counts = Counter(p for r in corpus["train"] for p in r["phenomena"])
    short = {p: counts[p] for p in PHENOMENA if counts[p] < 60}
    assert not short, short


def test_documents_stay_in_one_split(corpus):
    splits_of = defaultdict(set)
    for split, records in corpus.items():
        for r in records:
            splits_of[r["doc_id"]].add(split)
    assert all(len(s) == 1 for s in splits_of.values())


def test_no_near_duplicates_across_splits(corpus):
    train_sets = [tokens(r["text"]) for r in corpus["train"]]
    index = defaultdict(list)
    for i, words in enumerate(train_sets):
        for word in words:
            index[word].append(i)
    for split in ("dev", "test"):
        for r in corpus[split]:
            words = tokens(r["text"])
            candidates = Counter(i for w in words for i in index.get(w, ()))
            for i, shared in candidates.items():
                union = len(words | train_sets[i])
                assert shared / union < 0.8, (r["text"], corpus["train"][i]["text"])


def test_test_split_names_are_unseen_in_train(corpus):
    """Named actors (capitalised, not metonyms or pronouns) of test documents are absent from train."""
    def names(records):
        return {r["actor"]["text"] for r in records if r["actor"] and any(w[:1].isupper() for w in r["actor"]["text"].split()[1:])}

    test_names, train_names = names(corpus["test"]), names(corpus["train"])
    assert len(test_names & train_names) <= 0.05 * len(test_names), sorted(test_names & train_names)


def test_span_errors_name_the_problem():
    with pytest.raises(CorpusError, match="not found"):
        resolve_span("The minister said so.", "denied")
    raw = {"doc_id": "x", "split": "train", "domain": "d", "text": "It rained.", "label": "other", "actor": "It", "cue": None}
    with pytest.raises(CorpusError, match="no actor"):
        build_record(raw, 0)


def test_nth_occurrence_resolves_later_span():
    assert resolve_span("He said he left.", {"text": "he", "nth": 1}) == {"start": 8, "end": 10, "text": "he"}
    assert resolve_span("He said he left.", "He")["start"] == 0


def test_no_text_from_the_real_news_dev_set(corpus):
    """The corpus shares no six-word sequence with realdev (evaluation-only data)."""
    from claimstance.data import realdev_path

    path = realdev_path()
    if path is None:
        pytest.skip("../shared/data/realdev.jsonl is not present")

    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + 6]) for i in range(len(words) - 5)}

    real = set().union(*(grams(r["text"]) for r in read_jsonl(path)))
    shared = [(r["doc_id"], r["text"]) for rs in corpus.values() for r in rs if grams(r["text"]) & real]
    assert not shared, shared[:5]
    written = read_distill_texts(TrainConfig.from_yaml(ROOT / "configs" / "distilled.yaml").distill_texts)
    assert written, "the text written for distillation is missing"
    shared = [text for text in written if grams(text) & real]
    assert not shared, shared[:5]
