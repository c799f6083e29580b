"""Input readers and output writers for corpus labelling, with error records and resume.

Every input record yields output or an explicit error record. Readers yield
:class:`InputRecord` (``error`` set when the record cannot be labelled); writers append
JSONL as documents finish, so an interrupted run can ``resume`` from the last complete
document, and CSV / parquet are converted from that JSONL at the end.

Example:
    >>> from pathlib import Path; import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "in.jsonl"; _ = p.write_text('{"id": 1, "text": "Hi."}\\n{"id": 2}\\n')
    >>> [(r.id, r.error) for r in read_inputs([p])]
    [('1', None), ('2', "missing text field 'text'")]
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

INPUT_FORMATS = ("auto", "jsonl", "csv", "parquet", "txt")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".txt": "txt"}


class InputError(ValueError):
    """A problem with the inputs or outputs as a whole (one-line message for the user)."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read inputs: format (``auto``: by extension), text and id fields, and whether a
    ``.txt`` file holds one document per line."""

    fmt: str = "auto"
    text_field: str = "text"
    id_field: str = "id"
    lines: bool = False


@dataclass
class InputRecord:
    """One document (or sentence, with ``--no-split``) to label, or an error in its place."""

    id: str
    text: str | None
    source: str
    error: str | None = None


def collect_files(paths: Iterable[str | os.PathLike], fmt: str = "auto") -> list[Path]:
    """Input files from paths and folders (sorted, recursive), checked for format."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and (fmt != "auto" or p.suffix.lower() in SUFFIX_FORMATS))
            if not found:
                raise InputError(f"{path}: folder holds no input files ({', '.join(SUFFIX_FORMATS)})")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    for path in files:
        file_format(path, fmt)
    return files


def file_format(path: Path, fmt: str = "auto") -> str:
    """The input format of a file: ``fmt`` unless ``auto``, else by its extension."""
    if fmt != "auto":
        return fmt
    try:
        return SUFFIX_FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputError(f"{path}: unknown extension {path.suffix!r}; use --format {{jsonl,csv,parquet,txt}}") from None


def _check_text(value: Any, field: str) -> str | None:
    if value is None:
        return f"missing text field {field!r}"
    if not isinstance(value, str):
        return f"text field {field!r} is {type(value).__name__}, not a string"
    if not value.strip():
        return "empty text"
    return None


def _record(row: dict[str, Any], default_id: str, source: str, text_field: str, id_field: str) -> InputRecord:
    raw_id = row.get(id_field)
    record_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    value = row.get(text_field)
    error = _check_text(value, text_field)
    return InputRecord(record_id, None if error else value.lstrip("\ufeff"), source, error)


def read_inputs(paths: Iterable[str | os.PathLike], options: ReadOptions = ReadOptions()) -> Iterator[InputRecord]:
    """Stream input records from files and folders; bad records become error records."""
    for path in collect_files(paths, options.fmt):
        kind = file_format(path, options.fmt)
        reader = {"jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet, "txt": _read_txt}[kind]
        yield from reader(path, options.text_field, options.id_field, options.lines)


def _decode_lines(path: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text or None, error or None) for each line, decoding each line alone."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n"), None
            except UnicodeDecodeError as err:
                yield number, None, f"invalid UTF-8 at byte {err.start}"


def _read_jsonl(path: Path, text_field: str, id_field: str, lines: bool) -> Iterator[InputRecord]:
    for number, line, error in _decode_lines(path):
        source, default_id = f"{path}:{number}", f"{path.name}:{number}"
        if error is None and line is not None and not line.strip():
            continue
        if error is None:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                error = f"malformed JSON on line {number}: {err.msg}"
            else:
                if not isinstance(row, dict):
                    error = f"line {number} is a JSON {type(row).__name__}, not an object"
                else:
                    yield _record(row, default_id, source, text_field, id_field)
                    continue
        yield InputRecord(default_id, None, source, error)


def _read_csv(path: Path, text_field: str, id_field: str, lines: bool) -> Iterator[InputRecord]:
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
        with handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                return
            if text_field not in reader.fieldnames:
                raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(reader.fieldnames)}); use --text-field")
            for number, row in enumerate(reader, start=1):
                yield _record(row, f"{path.name}:{number}", f"{path}:row {number}", text_field, id_field)
    except UnicodeDecodeError as err:
        yield InputRecord(f"{path.name}", None, str(path), f"invalid UTF-8 in CSV at byte {err.start}; the rest of the file was not read")


def _read_parquet(path: Path, text_field: str, id_field: str, lines: bool) -> Iterator[InputRecord]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as err:
        raise InputError(f"{path}: not a readable parquet file ({err})") from None
    if text_field not in table.schema_arrow.names:
        raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(table.schema_arrow.names)}); use --text-field")
    number = 0
    for batch in table.iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            number += 1
            yield _record(row, f"{path.name}:{number}", f"{path}:row {number}", text_field, id_field)


def _read_txt(path: Path, text_field: str, id_field: str, lines: bool) -> Iterator[InputRecord]:
    if lines:
        for number, line, error in _decode_lines(path):
            if error is None and not line.strip():
                continue
            yield InputRecord(f"{path.name}:{number}", line if error is None else None, f"{path}:{number}", error)
        return
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        yield InputRecord(path.name, None, str(path), "binary file (NUL bytes), not text")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        yield InputRecord(path.name, None, str(path), f"invalid UTF-8 at byte {err.start}")
        return
    error = _check_text(text, "text")
    yield InputRecord(path.name, None if error else text, str(path), error)


def error_record(record: InputRecord) -> dict[str, Any]:
    """The explicit output record for an input that could not be labelled."""
    return {"doc_id": record.id, "error": record.error, "source": record.source}


def output_format(path: Path) -> str:
    """Output format from the extension (``.jsonl`` default, ``.csv``, ``.parquet``)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        return suffix[1:]
    if suffix in (".jsonl", ".json", ".ndjson", ""):
        return "jsonl"
    raise InputError(f"{path}: unknown output extension {suffix!r}; use .jsonl, .csv or .parquet")


class ResumableJsonlWriter:
    """Appends one document's records at a time; on resume, finds where to continue.

    Documents are written whole and in input order, so on resume every document but the
    last in the file is complete: the writer cuts any torn final line and the last
    document's records, and reports the ids already done.
    """

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self.done: set[str] = set()
        if resume and path.exists():
            self.done = self._recover()
        elif path.exists():
            path.unlink()
        self.handle = open(path, "a", encoding="utf-8")

    def _recover(self) -> set[str]:
        data = self.path.read_bytes()
        data = data[: data.rfind(b"\n") + 1]  # drop a torn final line
        lines = data.splitlines(keepends=True)
        ids = [json.loads(line)["doc_id"] for line in lines]
        if ids:
            last = ids[-1]
            while ids and ids[-1] == last:  # the last document may be incomplete: redo it
                ids.pop()
                lines.pop()
        self.path.write_bytes(b"".join(lines))
        return set(ids)

    def write_document(self, records: list[dict[str, Any]]) -> None:
        self.handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))

    def flush(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()


FLAT_COLUMNS = (
    "doc_id", "sent_id", "start", "end", "text", "label", "score",
    "actor_text", "actor_start", "actor_end", "actor_canonical",
    "cue_text", "cue_start", "cue_end", "scores", "claims", "truncated", "error", "source",
)


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """A flat row for CSV / parquet: spans as columns, scores and claims as JSON strings."""
    row: dict[str, Any] = {k: record.get(k) for k in ("doc_id", "sent_id", "start", "end", "text", "label", "score", "error", "source")}
    for field in ("actor", "cue"):
        span = record.get(field) or {}
        for key in ("text", "start", "end"):
            row[f"{field}_{key}"] = span.get(key)
    row["actor_canonical"] = (record.get("actor") or {}).get("canonical")
    row["scores"] = json.dumps(record["scores"]) if "scores" in record else None
    row["claims"] = json.dumps(record["claims"], ensure_ascii=False) if "claims" in record else None
    row["truncated"] = record.get("truncated", False) if "label" in record else None
    return {k: row[k] for k in FLAT_COLUMNS}


def convert_jsonl(source: Path, target: Path, fmt: str) -> None:
    """Write the finished JSONL as CSV or parquet (streaming through it once)."""
    rows = (flatten(json.loads(line)) for line in open(source, encoding="utf-8"))
    if fmt == "csv":
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FLAT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(c, pa.int64() if c in ("sent_id", "start", "end", "actor_start", "actor_end", "cue_start", "cue_end")
          else pa.float64() if c == "score" else pa.bool_() if c == "truncated" else pa.string()) for c in FLAT_COLUMNS]
    )
    with pq.ParquetWriter(target, schema) as writer:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 4096:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
