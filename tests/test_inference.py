"""The Python API: single vs batch, order, documents, record shape."""

from __future__ import annotations

import types

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimstance.labels import LABELS
from claimstance.records import SentencePrediction

SENTENCES = [
    "Moscow denied the allegations.",
    "The minister, who spoke to reporters in the capital on Tuesday after a long cabinet meeting, said the bridge was safe.",
    "Prices could rise.",
    "The city has 40,000 residents.",
]


def test_single_string_gives_single_prediction(classifier):
    prediction = classifier.predict(SENTENCES[0])
    assert isinstance(prediction, SentencePrediction)
    assert prediction.text == SENTENCES[0] and prediction.label in LABELS


def test_batch_keeps_input_order_and_matches_single_calls(classifier):
    batch = classifier.predict(SENTENCES, batch_size=2)
    assert [p.text for p in batch] == SENTENCES
    for text, prediction in zip(SENTENCES, batch):
        alone = classifier.predict(text)
        assert alone.label == prediction.label
        assert abs(alone.score - prediction.score) < 1e-4


def test_record_shape_follows_the_spec(classifier):
    record = classifier.predict(SENTENCES[1]).to_dict()
    assert list(record)[:11] == ["doc_id", "sent_id", "start", "end", "text", "label", "score", "scores", "actor", "cue", "claims"]
    assert set(record["scores"]) == set(LABELS)
    assert abs(sum(record["scores"].values()) - 1) < 1e-3
    for span in [record["actor"], record["cue"]] + [c[k] for c in record["claims"] for k in ("actor", "cue", "content")]:
        if span:
            assert record["text"][span["start"] : span["end"]] == span["text"]
    if record["label"] == "other":
        assert record["actor"] is None and record["cue"] is None and record["claims"] == []


def test_label_document_offsets_point_into_the_document(classifier):
    text = "Kremlin denies role\nMr. Ivanov said on Jan. 5 the report was false. He left."
    predictions = classifier.label_document(text, doc_id="d1")
    assert [p.text for p in predictions] == ["Kremlin denies role", "Mr. Ivanov said on Jan. 5 the report was false.", "He left."]
    for i, p in enumerate(predictions):
        assert p.doc_id == "d1" and p.sent_id == i and text[p.start : p.end] == p.text


def test_label_documents_is_a_lazy_generator(classifier):
    consumed = []

    def documents():
        for i in range(5):
            consumed.append(i)
            yield {"id": f"doc{i}", "text": f"Officials said document {i} was ready."}

    stream = classifier.label_documents(documents(), buffer_sentences=2)
    assert isinstance(stream, types.GeneratorType)
    first = next(stream)
    assert first[0].doc_id == "doc0" and len(consumed) < 5
    rest = list(stream)
    assert [d[0].doc_id for d in rest] == ["doc1", "doc2", "doc3", "doc4"]


def test_long_sentences_are_truncated_and_flagged(classifier):
    long_text = "The minister said " + " ".join(["the plan was fine"] * 60) + "."
    record = classifier.predict(long_text).to_dict()
    assert record["truncated"] is True and record["text"] == long_text
    assert "truncated" not in classifier.predict("The minister said it.").to_dict()


def test_backends_load_and_agree_with_fp32_on_scores(classifier, smoke_model_dir):
    from claimstance.inference import ClaimStanceClassifier

    reference = [p.scores for p in classifier.predict(SENTENCES)]
    for backend in ("bf16", "int8", "onnx", "onnx-int8"):
        other = ClaimStanceClassifier.from_pretrained(smoke_model_dir, backend=backend)
        scores = [p.scores for p in other.predict(SENTENCES)]
        assert all(abs(a[k] - b[k]) < 0.25 for a, b in zip(reference, scores) for k in a), backend


def test_int8_results_do_not_depend_on_the_batch(smoke_model_dir):
    """Dynamic int8 scales activations per input tensor: each sentence must run alone, so that
    re-running a corpus with another batch size (or the API beside the CLI) gives the same records."""
    from claimstance.inference import ClaimStanceClassifier

    for backend in ("int8", "onnx-int8"):
        clf = ClaimStanceClassifier.from_pretrained(smoke_model_dir, backend=backend)
        alone = [clf.predict(text).to_dict() for text in SENTENCES]
        for batch_size in (2, 4):
            assert [p.to_dict() for p in clf.predict(SENTENCES, batch_size=batch_size)] == alone, (backend, batch_size)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200).filter(str.strip))
def test_any_text_gives_a_well_formed_record(classifier, text):
    record = classifier.predict(text).to_dict()
    assert record["text"] == text and record["label"] in LABELS
    assert abs(sum(record["scores"].values()) - 1) < 1e-3
    spans = [record["actor"], record["cue"]] + [c[k] for c in record["claims"] for k in ("actor", "cue", "content")]
    for span in filter(None, spans):
        assert 0 <= span["start"] < span["end"] <= len(text) and text[span["start"] : span["end"]] == span["text"]


def test_int8_onnx_made_with_other_settings_is_quantised_again(smoke_model_dir, tmp_path):
    """An int8 file left by an older release (full-range weights, which saturate on CPUs
    without VNNI) is replaced, not reused."""
    import shutil

    from onnxruntime.quantization import QuantType, quantize_dynamic

    from claimstance.inference import ClaimStanceClassifier
    from claimstance.onnx_backend import QUANTIZATION_TAG, _metadata

    model_dir = tmp_path / "model"
    shutil.copytree(smoke_model_dir, model_dir)
    ClaimStanceClassifier.from_pretrained(model_dir, backend="onnx")
    stale = model_dir / "model.int8.onnx"
    quantize_dynamic(str(model_dir / "model.onnx"), str(stale), weight_type=QuantType.QInt8)
    assert "quantization" not in _metadata(stale)
    ClaimStanceClassifier.from_pretrained(model_dir, backend="onnx-int8")
    assert _metadata(stale)["quantization"] == QUANTIZATION_TAG


def test_onnx_files_follow_weights_retrained_into_the_same_folder(smoke_model_dir, tmp_path):
    """A model retrained into its folder gets new ONNX files: the cached ones carry the
    fingerprint of the weights they were exported from."""
    import shutil

    import torch

    from claimstance.inference import ClaimStanceClassifier, load_model

    model_dir = tmp_path / "model"
    shutil.copytree(smoke_model_dir, model_dir)
    text = "The ministry denied that the talks had collapsed."
    for backend in ("onnx", "onnx-int8"):
        ClaimStanceClassifier.from_pretrained(model_dir, backend=backend).predict(text)
    model = load_model(model_dir)
    with torch.no_grad():
        model.sentence_head.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 0.0, 8.0]))  # "retrained": always other
    model.save_pretrained(model_dir)
    expected = ClaimStanceClassifier.from_pretrained(model_dir).predict(text)
    assert expected.label == "other"
    for backend in ("onnx", "onnx-int8"):
        got = ClaimStanceClassifier.from_pretrained(model_dir, backend=backend).predict(text)
        assert got.label == expected.label
        assert abs(got.scores["other"] - expected.scores["other"]) < 0.05
