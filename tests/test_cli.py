"""The label command: every input format, error records, resume after SIGKILL, API == CLI."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from claimstance.cli import main

DOCS = [
    {"id": "a", "text": "Kremlin denies role in blast\nThe ministry said on Monday that the claims were false. Prices could rise."},
    {"id": "b", "text": "Mr. Ivanov of the U.S. Senate told reporters the bridge was safe."},
    {"id": "c", "text": "The city council meets on Thursdays."},
]


def run_label(*args: str) -> int:
    return main(["label", *map(str, args), "--quiet"])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def jsonl_input(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in DOCS), encoding="utf-8")
    return path


def test_api_and_cli_give_the_same_records(tmp_path, jsonl_input, classifier, smoke_model_dir):
    out = tmp_path / "out.jsonl"
    assert run_label(jsonl_input, "-o", out, "--model", smoke_model_dir) == 0
    expected = [p.to_dict() for doc in classifier.label_documents(DOCS) for p in doc]
    assert read_jsonl(out) == expected
    assert {r["doc_id"] for r in expected} == {"a", "b", "c"}


def test_every_input_format_gives_the_same_records(tmp_path, jsonl_input, smoke_model_dir):
    reference = tmp_path / "ref.jsonl"
    run_label(jsonl_input, "-o", reference, "--model", smoke_model_dir)
    expected = read_jsonl(reference)

    csv_in = tmp_path / "in.csv"
    with open(csv_in, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text"])
        writer.writeheader()
        writer.writerows(DOCS)
    parquet_in = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(DOCS), parquet_in)
    folder = tmp_path / "txt"
    folder.mkdir()
    for doc in DOCS:
        (folder / f"{doc['id']}.txt").write_text(doc["text"], encoding="utf-8")
    for source in (csv_in, parquet_in):
        out = tmp_path / f"from-{source.suffix[1:]}.jsonl"
        assert run_label(source, "-o", out, "--model", smoke_model_dir) == 0
        assert read_jsonl(out) == expected
    out = tmp_path / "from-txt.jsonl"
    assert run_label(folder, "-o", out, "--model", smoke_model_dir) == 0
    got = read_jsonl(out)
    assert [r["doc_id"] for r in got] == [f"{r['doc_id']}.txt" for r in expected]
    assert [r["label"] for r in got] == [r["label"] for r in expected]


def test_lines_mode_and_no_split_keep_ids(tmp_path, smoke_model_dir):
    txt = tmp_path / "lines.txt"
    txt.write_text("One sentence here. Another one.\n\nA third line.\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert run_label(txt, "-o", out, "--lines", "--no-split", "--model", smoke_model_dir) == 0
    records = read_jsonl(out)
    assert [(r["doc_id"], r["text"]) for r in records] == [("lines.txt:1", "One sentence here. Another one."), ("lines.txt:3", "A third line.")]


def test_csv_and_parquet_outputs(tmp_path, jsonl_input, smoke_model_dir):
    run_label(jsonl_input, "-o", tmp_path / "o.jsonl", "--model", smoke_model_dir)
    expected = read_jsonl(tmp_path / "o.jsonl")
    assert run_label(jsonl_input, "-o", tmp_path / "o.csv", "--model", smoke_model_dir) == 0
    rows = list(csv.DictReader(open(tmp_path / "o.csv", encoding="utf-8")))
    assert [r["text"] for r in rows] == [r["text"] for r in expected]
    assert run_label(jsonl_input, "-o", tmp_path / "o.parquet", "--model", smoke_model_dir) == 0
    table = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert [r["label"] for r in table] == [r["label"] for r in expected]
    assert not list(tmp_path.glob("*.partial.jsonl"))


def test_bad_records_become_error_records_and_counts_add_up(tmp_path, smoke_model_dir):
    path = tmp_path / "bad.jsonl"
    lines = [
        json.dumps({"id": "ok", "text": "The minister said it was fine."}),
        json.dumps({"id": "num", "text": 42}),
        json.dumps({"id": "null", "text": None}),
        json.dumps({"id": "list", "text": ["a"]}),
        json.dumps({"id": "empty", "text": ""}),
        json.dumps({"id": "space", "text": "  \n "}),
        json.dumps({"id": "renamed", "body": "Text under another field."}),
        "{not json",
        json.dumps(["an", "array"]),
    ]
    data = ("\n".join(lines) + "\n").encode() + b'{"id": "bytes", "text": "caf\xe9"}\n'
    path.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    out = tmp_path / "out.jsonl"
    assert run_label(path, "-o", out, "--model", smoke_model_dir) == 1
    records = read_jsonl(out)
    errors = {r["doc_id"]: r["error"] for r in records if "error" in r}
    assert [r["doc_id"] for r in records if "label" in r] == ["ok"]
    assert errors == {
        "num": "text field 'text' is int, not a string",
        "null": "missing text field 'text'",
        "list": "text field 'text' is list, not a string",
        "empty": "empty text",
        "space": "empty text",
        "renamed": "missing text field 'text'",
        "bad.jsonl:8": "malformed JSON on line 8: Expecting property name enclosed in double quotes",
        "bad.jsonl:9": "line 9 is a JSON list, not an object",
        "bad.jsonl:10": "invalid UTF-8 at byte 28",
    }
    records_in = len(lines) + 1
    assert len({r["doc_id"] for r in records}) == records_in  # one labelled document + nine error records


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl", "-o", "out.jsonl"], "no such file or folder"),
        (["in.xyz", "-o", "out.jsonl"], "unknown extension"),
        (["in.jsonl", "-o", "nowhere/out.jsonl"], "output folder does not exist"),
        (["in.jsonl", "-o", "in.jsonl"], "overwrite"),
        (["in.jsonl", "-o", "out.txt"], "unknown output extension"),
    ],
)
def test_whole_run_problems_are_one_line_messages(tmp_path, smoke_model_dir, capsys, args, message):
    (tmp_path / "in.jsonl").write_text('{"text": "Hi."}\n')
    (tmp_path / "in.xyz").write_text("x")
    args = [str(tmp_path / a) if not a.startswith("-") else a for a in args]
    assert run_label(*args, "--model", smoke_model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_missing_model_is_a_clear_message(tmp_path, jsonl_input, capsys):
    assert run_label(jsonl_input, "-o", tmp_path / "o.jsonl", "--model", tmp_path / "none") == 2
    assert "not found" in capsys.readouterr().err


def test_same_input_twice_is_byte_identical(tmp_path, jsonl_input, smoke_model_dir):
    run_label(jsonl_input, "-o", tmp_path / "1.jsonl", "--model", smoke_model_dir)
    run_label(jsonl_input, "-o", tmp_path / "2.jsonl", "--model", smoke_model_dir)
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()


def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path, smoke_model_dir):
    source = tmp_path / "many.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for i in range(1500):
            handle.write(json.dumps({"id": f"d{i}", "text": f"Official number {i} said the plan was ready. Critics could object."}) + "\n")
    full = tmp_path / "full.jsonl"
    assert run_label(source, "-o", full, "--model", smoke_model_dir) == 0
    out = tmp_path / "resumed.jsonl"
    command = [sys.executable, "-m", "claimstance.cli", "label", str(source), "-o", str(out), "--model", str(smoke_model_dir), "--quiet"]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 20000):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = out.read_bytes()
    assert 0 < len(partial) < full.stat().st_size, "the run was not interrupted midway"
    assert subprocess.run([*command, "--resume"], stderr=subprocess.DEVNULL).returncode == 0
    assert out.read_bytes() == full.read_bytes()


def test_awkward_but_valid_inputs_are_labelled(tmp_path, smoke_model_dir):
    rows = [
        {"id": "html", "text": "<p>The <b>ministry</b> said the report was false.</p>"},
        {"id": "emoji", "text": "Fans said the match was rigged 😡. Officials denied it."},
        {"id": "rtl", "text": "The envoy said \u05e9\u05dc\u05d5\u05dd was the word\u200b used."},
        {"id": "huge", "text": "word " * 1_000_000},
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run_label(path, "-o", out, "--model", smoke_model_dir) == 0
    records = read_jsonl(out)
    assert {r["doc_id"] for r in records} == {"html", "emoji", "rtl", "huge"}
    huge = [r for r in records if r["doc_id"] == "huge"]
    assert len(huge) == 1 and huge[0]["truncated"] is True and huge[0]["end"] - huge[0]["start"] > 4_000_000


def test_csv_with_embedded_newlines_and_quotes(tmp_path, smoke_model_dir):
    path = tmp_path / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerow(["q", 'Headline here\nThe mayor said "it is fine, really" on Monday.'])
    out = tmp_path / "out.jsonl"
    assert run_label(path, "-o", out, "--model", smoke_model_dir) == 0
    assert [r["text"] for r in read_jsonl(out)] == ["Headline here", 'The mayor said "it is fine, really" on Monday.']


def test_empty_and_binary_files(tmp_path, smoke_model_dir):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    out = tmp_path / "out.jsonl"
    assert run_label(empty, "-o", out, "--model", smoke_model_dir) == 0
    assert out.read_text() == ""
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    assert run_label(binary, "-o", out, "--model", smoke_model_dir) == 1
    assert read_jsonl(out) == [{"doc_id": "blob.txt", "error": "binary file (NUL bytes), not text", "source": str(binary)}]


def test_worker_processes_give_the_records_of_one_process_in_input_order(tmp_path, smoke_model_dir):
    path = tmp_path / "many.jsonl"
    lines = []
    for i in range(150):  # more than two 64-record buffers, so buffers finish out of order across workers
        doc = DOCS[i % len(DOCS)]
        lines.append(json.dumps({"id": f"{doc['id']}{i}", "text": doc["text"]} if i % 50 != 7 else {"id": f"bad{i}", "text": 5}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run_label(path, "-o", one, "--model", smoke_model_dir) == 1
    assert run_label(path, "-o", two, "--model", smoke_model_dir, "--num-workers", "2", "--threads", "1") == 1
    assert two.read_bytes() == one.read_bytes()
    assert [r["doc_id"] for r in read_jsonl(two) if r.get("sent_id", 0) == 0] == [json.loads(line)["id"] for line in lines]
