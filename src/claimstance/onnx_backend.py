"""ONNX Runtime backends: the fine-tuned model exported once with the dynamo exporter
(``onnx``) and optionally quantised to int8 weights (``onnx-int8``), cached in the model folder.

Example:
    >>> clf = ClaimStanceClassifier.from_pretrained("fast", backend="onnx-int8")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

OUTPUT_NAMES = ("logits", "span_logits", "claim_logits")


class _Heads(torch.nn.Module):
    """The model as a plain tuple-returning module, for export."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return out.logits, out.span_logits, out.claim_logits


def export(model: torch.nn.Module, path: Path, weights: str = "") -> Path:
    """Export to ONNX with dynamic batch and sequence axes (dynamo exporter), tagged with the
    fingerprint of the weights it was made from."""
    ids = torch.ones(2, 16, dtype=torch.long)
    batch, seq = torch.export.Dim("batch", min=1, max=4096), torch.export.Dim("seq", min=2, max=512)
    program = torch.onnx.export(
        _Heads(model).eval(),
        (ids, torch.ones_like(ids)),
        dynamo=True,
        input_names=["input_ids", "attention_mask"],
        output_names=list(OUTPUT_NAMES),
        dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
        external_data=False,
    )
    program.model.metadata_props["weights"] = weights  # tagged before the one write
    program.save(str(path))
    return path


# Per-channel int8 weights with a 7-bit range, MatMul only: on CPUs without VNNI the u8*s8
# products saturate at full range, which sent the fine-tuned mpnet's dev labels to 53% agreement
# with fp32 (98% with this setting); embeddings stay fp32.
QUANTIZATION = {"per_channel": True, "reduce_range": True, "op_types_to_quantize": ["MatMul"]}
# The feed-forward output projections stay fp32: their input, the GELU's output, has the outlier
# channels that one activation scale cannot cover (Bondarenko et al., 2021, "Understanding and
# overcoming the challenges of efficient transformer quantization"). Quantising them changed 9 of
# 600 dev labels of `accurate` against fp32, keeping them changed 1.
FP32_INPUTS_FROM = ("Gelu", "FastGelu")
QUANTIZATION_TAG = "dynamic-qint8-per-channel-reduce-range-matmul-fp32-after-gelu"


def weights_fingerprint(model_dir: Path) -> str:
    """SHA-256 of the folder's ``model.safetensors``: ONNX files made from other weights (a model
    retrained into the same folder) are stale."""
    digest = hashlib.sha256()
    with open(model_dir / "model.safetensors", "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 24), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_runner(model_dir: Path, model: torch.nn.Module, quantized: bool, threads: int | None = None) -> OnnxRunner:
    """A session on the model folder's cached ONNX file, exported (and quantised) on first use;
    a file made from other weights, or quantised with other settings, is made again."""
    weights = weights_fingerprint(model_dir)
    fp32, int8 = model_dir / "model.onnx", model_dir / "model.int8.onnx"
    if not quantized:
        return _current_runner(fp32, threads, weights=weights) or OnnxRunner(export(model, fp32, weights), threads)
    # int8 runs one sentence at a time (its activation scales are per input; see run_each)
    runner = _current_runner(int8, threads, per_sentence=True, weights=weights, quantization=QUANTIZATION_TAG)
    if runner is None:
        if _current_runner(fp32, 1, weights=weights) is None:
            export(model, fp32, weights)
        runner = OnnxRunner(_quantize(fp32, int8, weights), threads, per_sentence=True)
    return runner


def _current_runner(path: Path, threads: int | None, per_sentence: bool = False, **expected: str) -> OnnxRunner | None:
    """A session on ``path`` if the file exists and its metadata has the expected values."""
    if not path.is_file():
        return None
    runner = OnnxRunner(path, threads, per_sentence)
    metadata = runner.metadata
    return runner if all(metadata.get(key) == value for key, value in expected.items()) else None


def _quantize(fp32: Path, int8: Path, weights: str) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32)).graph
    producer = {output: node.op_type for node in graph.node for output in node.output}
    keep = [node.name for node in graph.node if node.op_type == "MatMul" and producer.get(node.input[0]) in FP32_INPUTS_FROM]
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, nodes_to_exclude=keep, **QUANTIZATION)
    proto = onnx.load(str(int8))
    onnx.helper.set_model_props(proto, {"weights": weights, "quantization": QUANTIZATION_TAG})
    onnx.save(proto, str(int8))
    return int8


def _metadata(path: Path) -> dict[str, str]:
    return OnnxRunner(path, threads=1).metadata


class OnnxRunner:
    """Runs the exported model; returns the three logit arrays. With ``per_sentence`` the session
    computes on one thread and ``run_each`` runs single sentences concurrently, one per thread
    (single sentences keep few threads busy: `fast` int8 ran 478 sentences/s on one session with
    two threads, 570 on two concurrent calls with one thread each)."""

    def __init__(self, path: Path, threads: int | None = None, per_sentence: bool = False) -> None:
        import onnxruntime as ort

        self.threads = threads or os.cpu_count() or 1
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if per_sentence else self.threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.threads, thread_name_prefix="claimstance-onnx")

    def run_each(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> list[list[np.ndarray]]:
        """The logits of each ``(input_ids, attention_mask)`` row batch, computed concurrently."""
        if self.threads == 1:
            return [self(*row) for row in rows]
        return list(self._pool.map(lambda row: self(*row), rows))

    @property
    def metadata(self) -> dict[str, str]:
        """The model file's custom metadata (e.g. its quantisation settings)."""
        return dict(self.session.get_modelmeta().custom_metadata_map)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        feeds = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        return self.session.run(list(OUTPUT_NAMES), feeds)
