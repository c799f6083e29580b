"""The Ray engine gives the local engine's records."""

from __future__ import annotations

import json

import pytest

from claimstance.cli import main

ray = pytest.importorskip("ray")


def test_ray_engine_records_equal_local_engine(tmp_path, smoke_model_dir):
    source = tmp_path / "in"
    source.mkdir()
    for part in range(2):
        rows = [{"id": f"p{part}-{i}", "text": f"Officials said item {i} was late. Critics could object."} for i in range(30)]
        rows.insert(3, {"id": f"p{part}-bad", "text": None})
        (source / f"part{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    local = tmp_path / "local.jsonl"
    assert main(["label", str(source), "-o", str(local), "--model", str(smoke_model_dir), "--quiet"]) == 1
    shards = tmp_path / "ray-out"
    code = main(["label", str(source), "-o", str(shards), "--model", str(smoke_model_dir), "--engine", "ray", "--num-workers", "1"])
    ray.shutdown()
    assert code == 1
    combined = "".join(p.read_text() for p in sorted(shards.glob("part-*.jsonl")))
    assert combined == local.read_text()


def test_ray_engine_labels_a_corpus_without_bad_records(tmp_path, smoke_model_dir):
    """No error anywhere: the error column holds no value at all, and must not become NaN. The
    actor mode and thread count reach the Ray actors."""
    source = tmp_path / "clean.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": f"The mayor said road {i} would reopen."}) + "\n" for i in range(20)))
    options = ["--model", str(smoke_model_dir), "--actors", "model", "--threads", "1"]
    local = tmp_path / "local.jsonl"
    assert main(["label", str(source), "-o", str(local), *options, "--quiet"]) == 0
    combined = tmp_path / "combined.jsonl"
    assert main(["label", str(source), "-o", str(combined), "--model", str(smoke_model_dir), "--quiet"]) == 0
    assert combined.read_text() != local.read_text()  # so a dropped --actors would show below
    shards = tmp_path / "ray-out"
    code = main(["label", str(source), "-o", str(shards), *options, "--engine", "ray"])
    ray.shutdown()
    assert code == 0
    assert "".join(p.read_text() for p in sorted(shards.glob("part-*.jsonl"))) == local.read_text()
