"""Corpus labelling on one machine: read inputs, label documents in a stream, write records.

The CLI's ``label`` command is a thin wrapper around :func:`label_corpus`.

Example:
    >>> summary = label_corpus(clf, ["news.jsonl"], Path("out.jsonl"))  # doctest: +SKIP
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from claimstance.inference import ClaimStanceClassifier
from claimstance.io import (
    InputError,
    InputRecord,
    ReadOptions,
    ResumableJsonlWriter,
    collect_files,
    convert_jsonl,
    error_record,
    output_format,
    read_inputs,
)


@dataclass
class LabelSummary:
    """What a labelling run did: counts, label distribution and time."""

    documents: int = 0
    sentences: int = 0
    errors: int = 0
    skipped: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "errors": self.errors,
            "resumed_documents": self.skipped,
            "labels": dict(self.labels.most_common()),
            "seconds": round(self.seconds, 2),
            "sentences_per_second": round(self.sentences / self.seconds, 1) if self.seconds else None,
        }


def validate_paths(inputs: list[str | Path], output: Path, fmt: str = "auto") -> None:
    """Fail early, with one line, on missing inputs, unknown formats or a bad output path."""
    collect_files(inputs, fmt)
    output_format(output)
    if not output.parent.exists():
        raise InputError(f"{output.parent}: output folder does not exist")
    resolved = output.resolve()
    for path in inputs:
        candidate = Path(path).resolve()
        if candidate == resolved or (candidate.is_dir() and resolved.is_relative_to(candidate)):
            raise InputError(f"{output}: output would overwrite an input or sit in an input folder; choose another path")


def label_corpus(
    classifier: ClaimStanceClassifier,
    inputs: list[str | Path],
    output: Path,
    options: ReadOptions = ReadOptions(),
    split: bool = True,
    batch_size: int = 32,
    resume: bool = False,
    progress: bool = True,
    workers: int = 1,
    threads: int | None = None,
) -> LabelSummary:
    """Label every input record into ``output`` (JSONL, CSV or parquet by extension), in
    ``workers`` processes when more than one (each with ``threads`` CPU threads)."""
    output = Path(output)
    validate_paths(inputs, output, options.fmt)
    out_format = output_format(output)
    records = read_inputs(inputs, options)
    first = next(records, None)  # surface whole-file problems (e.g. a CSV without the text column) before writing
    jsonl_path = output if out_format == "jsonl" else output.with_name(output.name + ".partial.jsonl")
    writer = ResumableJsonlWriter(jsonl_path, resume=resume)
    summary = LabelSummary()
    started = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(unit=" sent", desc="labelling", smoothing=0.1)
    try:
        stream = _chain(first, records)
        for record, predictions in label_records(
            classifier, stream, writer.done, summary, split, batch_size, buffer=64 if workers > 1 else 256, workers=workers, threads=threads
        ):
            if predictions is None:
                writer.write_document([error_record(record)])
                summary.errors += 1
                continue
            writer.write_document([p.to_dict() for p in predictions])
            summary.documents += 1
            summary.sentences += len(predictions)
            summary.labels.update(p.label for p in predictions)
            if bar is not None:
                bar.update(len(predictions))
            if summary.documents % 64 == 0:
                writer.flush()
        writer.flush()
    finally:
        writer.close()
        if bar is not None:
            bar.close()
    if out_format != "jsonl":
        convert_jsonl(jsonl_path, output, out_format)
        jsonl_path.unlink()
    summary.seconds = time.perf_counter() - started
    return summary


def _chain(first: InputRecord | None, rest: Iterator[InputRecord]) -> Iterator[InputRecord]:
    if first is not None:
        yield first
        yield from rest


def label_records(
    classifier: ClaimStanceClassifier,
    records: Iterable[InputRecord],
    done: set[str],
    summary: LabelSummary,
    split: bool,
    batch_size: int,
    buffer: int = 256,
    workers: int = 1,
    threads: int | None = None,
) -> Iterator[tuple[InputRecord, list | None]]:
    """(record, predictions or None for an error record), in input order, batching documents.

    Records whose id is in ``done`` (already written by an interrupted run) are skipped. With
    ``workers`` > 1, buffers of records are labelled in that many processes, each holding a copy
    of the model and using ``threads`` CPU threads (default: the cores shared among them)."""
    buffers = _buffers(records, done, summary, buffer)
    if workers > 1:
        labelled = _label_in_processes(classifier, buffers, split, batch_size, workers, threads)
    else:
        labelled = ((pending, _label_buffer(classifier, pending, split, batch_size)) for pending in buffers)
    for pending, documents in labelled:
        for record in pending:
            if record.error is not None:
                yield record, None
                continue
            document = next(documents)
            if not document:
                record.error = "no sentences found in the text"
                yield record, None
            else:
                yield record, document


def _buffers(records: Iterable[InputRecord], done: set[str], summary: LabelSummary, size: int) -> Iterator[list[InputRecord]]:
    pending: list[InputRecord] = []
    for record in records:
        if record.id in done:
            summary.skipped += 1
            continue
        pending.append(record)
        if len(pending) >= size:
            yield pending
            pending = []
    if pending:
        yield pending


def _label_buffer(classifier: ClaimStanceClassifier, records: list[InputRecord], split: bool, batch_size: int) -> Iterator[list]:
    """Predictions for each record without a read error, in order (one list per document),
    yielded as they are labelled so that progress shows within a buffer."""
    good = [r for r in records if r.error is None]
    if split:
        return classifier.label_documents(({"id": r.id, "text": r.text} for r in good), batch_size=batch_size)
    return iter([[p] for p in _as_sentences(classifier, good, batch_size)])


_worker_classifier: ClaimStanceClassifier | None = None


def _start_worker(options: dict[str, Any], threads: int) -> None:
    global _worker_classifier
    _worker_classifier = ClaimStanceClassifier.from_pretrained(**options, num_threads=threads)


def _label_in_worker(records: list[InputRecord], split: bool, batch_size: int) -> list[list]:
    assert _worker_classifier is not None, "worker started without a model"
    return list(_label_buffer(_worker_classifier, records, split, batch_size))


def _label_in_processes(
    classifier: ClaimStanceClassifier,
    buffers: Iterator[list[InputRecord]],
    split: bool,
    batch_size: int,
    workers: int,
    threads: int | None,
) -> Iterator[tuple[list[InputRecord], Iterator[list]]]:
    """Label buffers in ``workers`` spawned processes, a few buffers ahead, yielding in input order.

    Only ``2 * workers`` buffers are in flight, so memory stays bounded on any input size. The
    workers load the model from ``classifier``'s folder, which this process has already loaded
    (and, for ONNX backends, exported): spawned workers never race to write the export."""
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")  # forking a process that has run torch threads can deadlock
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(classifier.load_options(), threads)) as pool:
        in_flight: deque[tuple[list[InputRecord], Future]] = deque()
        for pending in buffers:
            in_flight.append((pending, pool.submit(_label_in_worker, pending, split, batch_size)))
            if len(in_flight) > 2 * workers:
                done_buffer, future = in_flight.popleft()
                yield done_buffer, iter(future.result())
        while in_flight:
            done_buffer, future = in_flight.popleft()
            yield done_buffer, iter(future.result())


def _as_sentences(classifier: ClaimStanceClassifier, records: list[InputRecord], batch_size: int) -> list:
    """``--no-split``: each record is one sentence, keeping its id and whole-text offsets."""
    predictions = classifier.predict([r.text.strip() for r in records], batch_size=batch_size)
    for record, prediction in zip(records, predictions):
        prediction.doc_id = record.id
        prediction.start = len(record.text) - len(record.text.lstrip())
        prediction.end = prediction.start + len(prediction.text)
    return predictions
