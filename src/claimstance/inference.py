"""``ClaimStanceClassifier``: batched prediction, backends and decoding.

Example:
    >>> clf = ClaimStanceClassifier.from_pretrained("fast")  # doctest: +SKIP
    >>> clf.predict("Moscow denied the allegations.").label  # doctest: +SKIP
    'denial'
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, overload


import numpy as np
import torch
from transformers import AutoTokenizer
from transformers.utils import logging as hf_logging

from claimstance.actors import PRONOUNS, resolve_document_actors
from claimstance.modeling import ClaimStanceModel
from claimstance.parsing import QUOTED_SELF, DependencyAttributor, dateline_end, inside_quote
from claimstance.records import Claim, SentencePrediction, Span
from claimstance.segmentation import split_sentences
from claimstance.spans import TaggedSpan, decode_spans, token_f1, tokenize_with_offsets

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL = "accurate"
BACKENDS = ("fp32", "bf16", "int8", "onnx", "onnx-int8")
ACTOR_MODES = ("combined", "model", "parse")
# A model folder's checked serving settings, written by training (see ``inference_defaults``).
INFERENCE_FILE = "inference.json"
# The settings every model is measured with, and serves with unless its inference.json says otherwise.
REFERENCE_SERVING = {"backend": "fp32", "actor_mode": "combined"}
# Dynamic int8 quantises activations with one scale per input tensor, so in a padded batch a
# sentence's result would depend on its neighbours; these backends run each sentence alone, at
# its own length (ONNX Runtime: one sentence per core at a time, as fast as batches or faster).
PER_SENTENCE_BACKENDS = frozenset({"int8", "onnx-int8"})


class ModelLoadError(RuntimeError):
    """A model directory is missing, incomplete, corrupt or not a claimstance model."""


def resolve_model_dir(name_or_path: str | os.PathLike | None = None) -> Path:
    """A model folder from a path, a name under ``models/`` or ``$CLAIMSTANCE_MODEL``."""
    name = name_or_path or os.environ.get("CLAIMSTANCE_MODEL") or DEFAULT_MODEL
    path = Path(name)
    if not path.exists() and (MODELS_DIR / str(name)).exists():
        path = MODELS_DIR / str(name)
    if not path.is_dir():
        raise ModelLoadError(
            f"model directory {str(path)!r} not found; train one with `python train.py` "
            f"or pass --model DIR"
        )
    return path


def load_model(path: Path) -> ClaimStanceModel:
    """Load weights from safetensors only, with a clear error for anything else."""
    config_file, weights = path / "config.json", path / "model.safetensors"
    if not config_file.is_file():
        raise ModelLoadError(f"{path}: no config.json, so this is not a model directory")
    try:
        model_type = json.loads(config_file.read_text()).get("model_type")
    except ValueError as err:
        raise ModelLoadError(f"{config_file}: not valid JSON ({err})") from None
    if model_type != "claimstance":
        raise ModelLoadError(f"{path}: config is for a {model_type!r} model, not a claimstance model")
    if not weights.is_file():
        raise ModelLoadError(f"{path}: no model.safetensors (weights load only from safetensors)")
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in a labelling run's output
    try:
        return ClaimStanceModel.from_pretrained(path, use_safetensors=True, local_files_only=True)
    except Exception as err:  # corrupt or mismatched weights
        raise ModelLoadError(f"{path}: could not load the weights ({type(err).__name__}: {err})") from None


def inference_defaults(model_dir: Path) -> dict[str, str]:
    """The backend and actor source a model folder serves with unless told otherwise: those in its
    ``inference.json`` (training writes them after checking their quality against fp32 with
    parse-checked actors), else ``fp32`` and ``combined``.

    Example:
        >>> inference_defaults(Path("no/such/model"))
        {'backend': 'fp32', 'actor_mode': 'combined'}
    """
    defaults = dict(REFERENCE_SERVING)
    path = model_dir / INFERENCE_FILE
    if path.is_file():
        try:
            stored = json.loads(path.read_text())
        except ValueError as err:
            raise ModelLoadError(f"{path}: not valid JSON ({err})") from None
        defaults.update({key: stored[key] for key in defaults if key in stored})
    return defaults


class ClaimStanceClassifier:
    """Labels news sentences with stance, actor, cue and claims."""

    def __init__(
        self,
        model: ClaimStanceModel,
        tokenizer: Any,
        backend: str = "fp32",
        actor_mode: str = "combined",
        actor_threshold: float = 0.15,
        name: str = "",
        model_dir: Path | None = None,
        num_threads: int | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}: choose from {BACKENDS}")
        if actor_mode not in ACTOR_MODES:
            raise ValueError(f"unknown actor mode {actor_mode!r}: choose from {ACTOR_MODES}")
        self.tokenizer = tokenizer
        self.backend = backend
        self.actor_mode = actor_mode
        self.actor_threshold = actor_threshold
        self.name = name
        self.model_dir = model_dir
        if num_threads:  # else the libraries' default: every core
            torch.set_num_threads(num_threads)
        model.eval()
        self.onnx = None
        if backend == "int8":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        elif backend.startswith("onnx"):
            if model_dir is None:
                raise ValueError("ONNX backends need the model folder (load with from_pretrained)")
            from claimstance.onnx_backend import load_runner

            self.onnx = load_runner(model_dir, model, quantized=backend == "onnx-int8", threads=num_threads)
        self.model = model
        self.config = model.config
        self.labels: list[str] = list(self.config.labels)
        self.attributor = DependencyAttributor()

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike | None = None,
        backend: str | None = None,
        actor_mode: str | None = None,
        **kwargs: Any,
    ) -> "ClaimStanceClassifier":
        """Load a trained model folder (default: ``models/accurate``), offline. ``backend`` and
        ``actor_mode`` default to the folder's checked settings (:func:`inference_defaults`).

        Example:
            >>> clf = ClaimStanceClassifier.from_pretrained("models/fast", backend="fp32")  # doctest: +SKIP
        """
        path = resolve_model_dir(name_or_path)
        defaults = inference_defaults(path)
        kwargs["backend"] = backend or defaults["backend"]
        kwargs["actor_mode"] = actor_mode or defaults["actor_mode"]
        model = load_model(path)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        except Exception as err:
            raise ModelLoadError(f"{path}: could not load the tokenizer ({err})") from None
        return cls(model, tokenizer, name=path.name, model_dir=path, **kwargs)

    def load_options(self) -> dict[str, Any]:
        """The ``from_pretrained`` arguments that load this classifier again, e.g. in a worker process.

        Example:
            >>> ClaimStanceClassifier.from_pretrained(**clf.load_options(), num_threads=1)  # doctest: +SKIP
        """
        if self.model_dir is None:
            raise ValueError("this classifier was not loaded from a model folder (use from_pretrained)")
        return {
            "name_or_path": str(self.model_dir),
            "backend": self.backend,
            "actor_mode": self.actor_mode,
            "actor_threshold": self.actor_threshold,
        }

    @overload
    def predict(self, texts: str, batch_size: int = ..., show_progress: bool = ...) -> SentencePrediction: ...
    @overload
    def predict(
        self, texts: Sequence[str], batch_size: int = ..., show_progress: bool = ...
    ) -> list[SentencePrediction]: ...

    def predict(self, texts, batch_size=32, show_progress=False):  # type: ignore[no-untyped-def]
        """Label sentences: one string gives one prediction, a list gives a list in input order.

        Sentences are sorted by length for batching and returned in input order; actors get a
        canonical name from the sentence alone (use ``label_document`` for document context).
        """
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        order = np.argsort([-len(t) for t in batch], kind="stable")
        results: list[SentencePrediction | None] = [None] * len(batch)
        chunks = [order[start : start + batch_size] for start in range(0, len(batch), batch_size)]
        decoded = self._pipelined([[batch[i] for i in chunk] for chunk in chunks])
        if show_progress:
            from tqdm.auto import tqdm

            decoded = tqdm(decoded, total=len(chunks), desc="labelling", unit="batch")
        for chunk, predictions in zip(chunks, decoded):
            for index, prediction in zip(chunk, predictions):
                resolve_document_actors([prediction])  # canonical names within the sentence alone
                results[index] = prediction
        return results[0] if single else results

    def label_document(self, text: str, doc_id: str | None = None, batch_size: int = 32) -> list[SentencePrediction]:
        """Split a document into sentences and label them, with offsets and canonical actors."""
        return next(self.label_documents([{"id": doc_id, "text": text}], batch_size=batch_size))

    def label_documents(
        self, documents: Iterable[str | dict[str, Any]], batch_size: int = 32, buffer_sentences: int = 512
    ) -> Iterator[list[SentencePrediction]]:
        """Label a stream of documents (strings or ``{"id", "text"}`` dicts), yielding one list
        of sentence predictions per document, in order. Memory stays bounded by
        ``buffer_sentences``, whatever the length of the stream."""
        pending: list[tuple[str | None, str, list[tuple[int, int]]]] = []
        count = 0
        for number, document in enumerate(documents):
            if isinstance(document, str):
                doc_id, text = str(number), document
            else:
                doc_id, text = document.get("id"), document["text"]
                doc_id = str(number) if doc_id is None else str(doc_id)
            offsets = split_sentences(text)
            pending.append((doc_id, text, offsets))
            count += len(offsets)
            if count >= buffer_sentences:
                yield from self._label_pending(pending, batch_size)
                pending, count = [], 0
        yield from self._label_pending(pending, batch_size)

    def _label_pending(self, pending, batch_size):  # type: ignore[no-untyped-def]
        sentences = [text[s:e] for _, text, offsets in pending for s, e in offsets]
        predictions = iter(self.predict(sentences, batch_size=batch_size)) if sentences else iter(())
        for doc_id, _, offsets in pending:
            doc_predictions = []
            for sent_id, (start, end) in enumerate(offsets):
                prediction = next(predictions)
                prediction.doc_id, prediction.sent_id = doc_id, sent_id
                prediction.start, prediction.end = start, end
                doc_predictions.append(prediction)
            resolve_document_actors(doc_predictions)
            yield doc_predictions

    @torch.inference_mode()
    def _forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        """Label, span-tag and claim-tag probabilities for a padded batch."""
        if self.backend in PER_SENTENCE_BACKENDS:
            rows = [(ids[None, :n], mask[None, :n]) for ids, mask, n in zip(input_ids, attention_mask, attention_mask.sum(1))]
            outputs = self.onnx.run_each(rows) if self.onnx is not None else [self._logits(*row) for row in rows]
            logits = [_pad_rows([output[k][0] for output in outputs], input_ids.shape[1]) for k in range(3)]
        else:
            logits = self.onnx(input_ids, attention_mask) if self.onnx is not None else self._logits(input_ids, attention_mask)
        return [_softmax(x) for x in logits]

    def _logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.backend == "bf16"):
            out = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask))
        return [x.float().numpy() for x in (out.logits, out.span_logits, out.claim_logits)]

    def _pipelined(self, batches: list[list[str]]) -> Iterator[list[SentencePrediction]]:
        """The predictions of each batch in turn. The model runs in this thread while a second
        one parses and decodes the batch before (the model releases the GIL), so the two overlap:
        `fast` with `onnx-int8` and parse-checked actors went from 248 to 297 sentences/s in calls
        of 128 sentences (PyTorch fp32 gained nothing measurable)."""
        if len(batches) < 2:
            yield from (self._decode_batch(*self._infer(texts)) for texts in batches)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="claimstance-decode") as behind:
            decoding = None
            for texts in batches:
                inferred = self._infer(texts)
                if decoding is not None:
                    yield decoding.result()
                decoding = behind.submit(self._decode_batch, *inferred)
            yield decoding.result()

    def _infer(self, texts: list[str]):  # type: ignore[no-untyped-def]
        """Tokenise a batch and run the model: the texts, the encoding and the probabilities."""
        encoded = tokenize_with_offsets(self.tokenizer, texts, self.config.max_seq_length, padding=True)
        probabilities = self._forward(
            np.asarray(encoded["input_ids"], dtype=np.int64), np.asarray(encoded["attention_mask"], dtype=np.int64)
        )
        return texts, encoded, probabilities

    def _decode_batch(self, texts, encoded, probabilities) -> list[SentencePrediction]:  # type: ignore[no-untyped-def]
        """Parse the stance sentences of an inferred batch and decode every sentence's record."""
        offsets = encoded["offset_mapping"]
        label_probs, span_probs, claim_probs = probabilities
        stance_rows = [i for i, p in enumerate(label_probs) if self.labels[int(p.argmax())] != "other"]
        docs = {}
        if self.actor_mode != "model" and stance_rows:
            # parse only what the model saw: a truncated sentence's tail has no spans
            seen = [texts[i][: max((e for _, e in offsets[i]), default=0)] for i in stance_rows]
            docs = dict(zip(stance_rows, self.attributor.parse(seen)))
        results = []
        for i, text in enumerate(texts):
            mask = encoded["attention_mask"][i]
            length = int(sum(mask))
            token_offsets = [tuple(o) for o in offsets[i][:length]]
            results.append(
                self._decode(text, token_offsets, label_probs[i], span_probs[i][:length], claim_probs[i][:length], docs.get(i))
            )
        return results

    def _decode(self, text, offsets, label_probs, span_probs, claim_probs, doc):  # type: ignore[no-untyped-def]
        label = self.labels[int(label_probs.argmax())]
        prediction = SentencePrediction(
            text=text,
            label=label,
            score=float(label_probs.max()),
            scores={name: float(p) for name, p in zip(self.labels, label_probs)},
            truncated=_is_truncated(text, offsets),
        )
        if label == "other":
            return prediction
        spans = decode_spans(text, offsets, span_probs.argmax(-1), span_probs.max(-1), self.config.tags)
        cue = _best(spans, "CUE")
        model_actor = _best(spans, "ACTOR")
        actor_prob = _actor_probability(span_probs, self.config.tags)
        actor = self._choose_actor(text, offsets, actor_prob, model_actor, cue, doc)
        prediction.cue = _span(text, cue)
        prediction.actor = _span(text, actor)
        prediction.claims = self._claims(text, offsets, claim_probs, prediction)
        return prediction

    def _choose_actor(self, text, offsets, actor_prob, model_actor, cue, doc):  # type: ignore[no-untyped-def]
        model_span = (model_actor.start, model_actor.end) if model_actor else None
        if model_span is not None and model_span[1] <= dateline_end(text):
            model_span = None  # the agency or place of a wire dateline is not a source
        if self.actor_mode == "model" or doc is None:
            return model_span
        parse_span = self.attributor.actor_span(doc, (cue.start, cue.end) if cue else None)
        if self.actor_mode == "parse":
            return parse_span
        if parse_span is None:
            return model_span
        if model_span is not None and token_f1(model_span, parse_span, text) > 0:
            return parse_span
        if text[parse_span[0] : parse_span[1]].lower() in PRONOUNS:
            return parse_span  # a pronoun subject of the cue: unambiguous, and rare in training text
        if model_span is not None and text[model_span[0] : model_span[1]].lower() in QUOTED_SELF and inside_quote(text, model_span[0]):
            return parse_span  # "I ..." inside a quote: the parse names the speaker outside it
        support = _mean_over_span(actor_prob, offsets, parse_span)
        if support >= self.actor_threshold:
            return parse_span
        return model_span

    def _claims(self, text, offsets, claim_probs, prediction):  # type: ignore[no-untyped-def]
        tags = self.config.claim_tags
        spans = decode_spans(text, offsets, claim_probs.argmax(-1), claim_probs.max(-1), tags)
        cues = [s for s in spans if s.kind.startswith("CUE-")]
        actors = [s for s in spans if s.kind == "ACTOR"]
        contents = [s for s in spans if s.kind == "CONTENT"]
        primary = Claim(prediction.label, prediction.actor, prediction.cue, None)
        claims = [primary]
        for cue in cues:
            actor = _nearest(actors, cue)
            content = _nearest(contents, cue, after=True)
            claim = Claim(cue.kind[4:], _span(text, actor), _span(text, cue), _span(text, content))
            if prediction.cue is not None and _overlaps(cue, prediction.cue):
                primary.content = claim.content
            elif primary.cue is None and claim.label == primary.label and primary.content is None:
                primary.cue, primary.content = claim.cue, claim.content
            else:
                claims.append(claim)
        if primary.content is None and contents:
            primary.content = _span(text, _nearest(contents, prediction.cue or contents[0], after=True))
        return claims


def _pad_rows(rows: list[np.ndarray], length: int) -> np.ndarray:
    """Stack per-sentence outputs; token-level ones are zero-padded to ``length`` tokens."""
    if rows[0].ndim == 1:
        return np.stack(rows)
    padded = np.zeros((len(rows), length, rows[0].shape[-1]), dtype=rows[0].dtype)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = row
    return padded


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def _is_truncated(text: str, offsets) -> bool:  # type: ignore[no-untyped-def]
    covered = max((end for start, end in offsets if start != end), default=0)
    return covered < len(text.rstrip())


def _best(spans: list[TaggedSpan], kind: str) -> TaggedSpan | None:
    candidates = [s for s in spans if s.kind == kind]
    return max(candidates, key=lambda s: s.score) if candidates else None


def _span(text: str, span: TaggedSpan | tuple[int, int] | None) -> Span | None:
    if span is None:
        return None
    start, end = (span.start, span.end) if isinstance(span, TaggedSpan) else span
    return Span(text[start:end], start, end)


def _overlaps(a: TaggedSpan | Span, b: TaggedSpan | Span) -> bool:
    return a.start < b.end and b.start < a.end


def _nearest(spans: list[TaggedSpan], anchor: TaggedSpan | Span, after: bool = False) -> TaggedSpan | None:
    if not spans:
        return None
    if after:
        following = [s for s in spans if s.start >= anchor.end]
        spans = following or spans
    return min(spans, key=lambda s: min(abs(s.start - anchor.end), abs(anchor.start - s.end)))


def _actor_probability(span_probs: np.ndarray, tags: Sequence[str]) -> np.ndarray:
    columns = [i for i, tag in enumerate(tags) if tag.endswith("ACTOR")]
    return span_probs[:, columns].sum(-1)


def _mean_over_span(token_probs: np.ndarray, offsets, span: tuple[int, int]) -> float:  # type: ignore[no-untyped-def]
    values = [
        float(token_probs[i])
        for i, (start, end) in enumerate(offsets)
        if start != end and start < span[1] and span[0] < end
    ]
    return sum(values) / len(values) if values else 0.0
