"""Reading, building and validating corpora.

The project corpus and the real-news dev set share one record shape for
``text``/``label``/``actor``/``cue``, so :func:`read_jsonl` reads both.

Authors write ``data/raw/*.jsonl`` with spans given as text; :func:`build_corpus`
turns them into ``data/corpus/{train,dev,test}.jsonl`` with character offsets.

Example:
    >>> resolve_span("He said he would go.", {"text": "he", "nth": 1})
    {'start': 8, 'end': 10, 'text': 'he'}
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

from claimstance.labels import LABELS, PHENOMENA

SPLITS: tuple[str, ...] = ("train", "dev", "test")
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
RAW_DIR = DATA_DIR / "raw"
CORPUS_DIR = DATA_DIR / "corpus"


class CorpusError(ValueError):
    """A corpus record breaks the schema; the message names file and line."""


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file into a list of dicts, naming the line of any bad JSON."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise CorpusError(f"{path}:{number}: invalid JSON ({err.msg})") from None
    return records


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> None:
    """Write dicts as JSONL (UTF-8, one record a line, non-ASCII kept)."""
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def resolve_span(text: str, value: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """Turn an authored span (its text, optionally ``{"text", "nth"}``) into offsets.

    ``nth`` (1-based) picks among repeated occurrences; the default is the first.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = {"text": value}
    needle, nth = value["text"], int(value.get("nth", 1))
    if not needle or needle != needle.strip():
        raise CorpusError(f"span {needle!r} is empty or has outer whitespace")
    start = -1
    for _ in range(nth):
        start = text.find(needle, start + 1)
        if start < 0:
            raise CorpusError(f"span {needle!r} (occurrence {nth}) not found in {text!r}")
    end = start + len(needle)
    if (start > 0 and text[start - 1].isalnum() and needle[0].isalnum()) or (
        end < len(text) and text[end].isalnum() and needle[-1].isalnum()
    ):
        raise CorpusError(f"span {needle!r} at {start} cuts a word in {text!r}; give its 'nth' occurrence")
    return {"start": start, "end": end, "text": needle}


def _check_label(label: Any, where: str) -> None:
    if label not in LABELS:
        raise CorpusError(f"{where}: label {label!r} is not one of {LABELS}")


def build_record(raw: dict[str, Any], sent_id: int) -> dict[str, Any]:
    """Convert one authored sentence into a corpus record with offsets."""
    text = raw["text"]
    where = f"{raw.get('doc_id')}#{sent_id}"
    if not isinstance(text, str) or not text.strip() or text != text.strip():
        raise CorpusError(f"{where}: text must be a non-empty stripped string")
    _check_label(raw["label"], where)
    if raw.get("split") not in SPLITS:
        raise CorpusError(f"{where}: split {raw.get('split')!r} is not one of {SPLITS}")
    unknown = set(raw.get("phenomena", [])) - set(PHENOMENA)
    if unknown:
        raise CorpusError(f"{where}: unknown phenomena {sorted(unknown)}")
    try:
        actor = resolve_span(text, raw.get("actor"))
        cue = resolve_span(text, raw.get("cue"))
        claims = []
        for claim in raw.get("claims", []):
            _check_label(claim["label"], where)
            claims.append(
                {
                    "label": claim["label"],
                    "actor": resolve_span(text, claim.get("actor")),
                    "cue": resolve_span(text, claim.get("cue")),
                    "content": resolve_span(text, claim.get("content")),
                }
            )
    except CorpusError as err:
        raise CorpusError(f"{where}: {err}") from None
    if raw["label"] == "other":
        if actor or cue or claims:
            raise CorpusError(f"{where}: an 'other' sentence has no actor, cue or claims")
    else:
        if not claims:
            raise CorpusError(f"{where}: a {raw['label']!r} sentence lists its stance in claims")
        first = claims[0]
        if (first["label"], first["actor"], first["cue"]) != (raw["label"], actor, cue):
            raise CorpusError(f"{where}: claims[0] must repeat the primary label, actor and cue")
    return {
        "doc_id": raw["doc_id"],
        "sent_id": sent_id,
        "text": text,
        "label": raw["label"],
        "actor": actor,
        "cue": cue,
        "claims": claims,
        "domain": raw["domain"],
        "split": raw["split"],
        "phenomena": sorted(raw.get("phenomena", [])),
    }


def build_documents(raw_records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number sentences within each document (in file order) and convert them."""
    counters: Counter[str] = Counter()
    built = []
    for raw in raw_records:
        built.append(build_record(raw, counters[raw["doc_id"]]))
        counters[raw["doc_id"]] += 1
    return built


def iter_raw_files(raw_dir: Path = RAW_DIR) -> Iterator[Path]:
    """The authored source files, in a stable order."""
    yield from sorted(raw_dir.glob("*.jsonl"))


def build_corpus(raw_dir: Path = RAW_DIR, corpus_dir: Path = CORPUS_DIR) -> dict[str, int]:
    """Build ``corpus_dir/{train,dev,test}.jsonl`` from the authored files; returns split sizes."""
    records = [r for path in iter_raw_files(raw_dir) for r in build_documents(read_jsonl(path))]
    corpus_dir.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for split in SPLITS:
        selected = [r for r in records if r["split"] == split]
        write_jsonl(selected, corpus_dir / f"{split}.jsonl")
        sizes[split] = len(selected)
    return sizes


def ensure_corpus(raw_dir: Path = RAW_DIR, corpus_dir: Path = CORPUS_DIR) -> None:
    """Build the corpus splits (generated, not committed) when one is missing or older than an
    authored file."""
    splits = [corpus_dir / f"{split}.jsonl" for split in SPLITS]
    newest_raw = max(path.stat().st_mtime for path in iter_raw_files(raw_dir))
    if not all(p.is_file() and p.stat().st_mtime >= newest_raw for p in splits):
        build_corpus(raw_dir, corpus_dir)


def load_split(split: str, corpus_dir: str | Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """The records of one corpus split (``train``, ``dev`` or ``test``); the project's own
    corpus is built from ``data/raw`` first if needed."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {SPLITS}")
    if Path(corpus_dir) == CORPUS_DIR:
        ensure_corpus()
    return read_jsonl(Path(corpus_dir) / f"{split}.jsonl")


def load_eval_file(path: str | Path) -> list[dict[str, Any]]:
    """Labelled sentences from a corpus split or a realdev-style file, checked for the
    fields evaluation needs (``text``, ``label``; ``actor``/``cue`` spans where given)."""
    records = read_jsonl(path)
    for number, record in enumerate(records, start=1):
        if not isinstance(record.get("text"), str) or record.get("label") not in LABELS:
            raise CorpusError(f"{path}:{number}: needs a string 'text' and a 'label' in {LABELS}")
        for field in ("actor", "cue"):
            span = record.get(field)
            if span and record["text"][span["start"] : span["end"]] != span["text"]:
                raise CorpusError(f"{path}:{number}: {field} span does not match its offsets")
    return records


def realdev_path() -> Path | None:
    """``../shared/data/realdev.jsonl`` beside the checkout, if present (evaluation only)."""
    path = DATA_DIR.parent.parent / "shared" / "data" / "realdev.jsonl"
    return path if path.is_file() else None


_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> set[str]:
    """Lower-cased word set of a sentence (for near-duplicate checks)."""
    return set(_TOKEN.findall(text.lower()))


def corpus_stats(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Label, domain, actor, cue and phenomenon counts per split (the datasheet's tables)."""
    stats: dict[str, Any] = {}
    for split in SPLITS:
        rows = [r for r in records if r["split"] == split]
        stats[split] = {
            "sentences": len(rows),
            "documents": len({r["doc_id"] for r in rows}),
            "labels": dict(Counter(r["label"] for r in rows).most_common()),
            "domains": dict(Counter(r["domain"] for r in rows).most_common()),
            "phenomena": dict(Counter(p for r in rows for p in r.get("phenomena", [])).most_common()),
            "distinct_actors": len({r["actor"]["text"] for r in rows if r["actor"]}),
            "distinct_cues": len({r["cue"]["text"].lower() for r in rows if r["cue"]}),
            "null_actor": sum(r["actor"] is None for r in rows),
            "words_mean": round(sum(len(r["text"].split()) for r in rows) / max(len(rows), 1), 1),
        }
    stats["all"] = {
        "sentences": len(records),
        "documents": len({r["doc_id"] for r in records}),
        "domains": len({r["domain"] for r in records}),
        "distinct_actors": len({r["actor"]["text"] for r in records if r["actor"]}),
        "distinct_cues": len({r["cue"]["text"].lower() for r in records if r["cue"]}),
    }
    return stats


def stats_markdown(stats: dict[str, Any]) -> str:
    """The datasheet's generated tables, as Markdown."""
    lines = ["| split | documents | sentences | distinct actors | distinct cues | null actor | mean words |", "|---|---|---|---|---|---|---|"]
    for split in (*SPLITS, "all"):
        s = stats[split]
        lines.append(
            f"| {split} | {s['documents']} | {s['sentences']} | {s['distinct_actors']} | {s['distinct_cues']} "
            f"| {s.get('null_actor', '')} | {s.get('words_mean', '')} |"
        )
    for key, title in (("labels", "Labels"), ("domains", "Domains"), ("phenomena", "Hard cases (author tags)")):
        names = sorted({n for split in SPLITS for n in stats[split][key]}, key=lambda n: (n not in LABELS, LABELS.index(n) if n in LABELS else 0, n))
        lines += ["", f"### {title}", "", "| | " + " | ".join(SPLITS) + " |", "|---|" + "---|" * len(SPLITS)]
        for name in names:
            cells = []
            for split in SPLITS:
                count = stats[split][key].get(name, 0)
                share = count / stats[split]["sentences"] if stats[split]["sentences"] else 0
                cells.append(f"{count} ({share:.0%})")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def documents(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """Reassemble corpus sentences into article texts ``{"id", "text"}``: a headline on its
    own line, the body sentences joined by spaces.

    Example:
        >>> rows = [{"doc_id": "d", "text": "Kremlin denies role", "phenomena": ["headline"]},
        ...         {"doc_id": "d", "text": "It said so.", "phenomena": []}]
        >>> list(documents(rows))
        [{'id': 'd', 'text': 'Kremlin denies role\\nIt said so.'}]
    """
    current: str | None = None
    parts: list[str] = []
    for record in records:
        if record["doc_id"] != current:
            if current is not None:
                yield {"id": current, "text": "".join(parts).strip()}
            current, parts = record["doc_id"], []
        separator = "\n" if "headline" in record.get("phenomena", []) else " "
        parts.append(record["text"] + separator)
    if current is not None:
        yield {"id": current, "text": "".join(parts).strip()}


STATS_BEGIN, STATS_END = "<!-- stats:begin -->", "<!-- stats:end -->"


def main(argv: list[str] | None = None) -> None:
    """``python -m claimstance.data build|stats|check FILE``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m claimstance.data", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build data/corpus/ from data/raw/ and refresh the datasheet tables")
    sub.add_parser("stats", help="print the datasheet tables")
    docs = sub.add_parser("documents", help="write a split as article texts (JSONL with id, text)")
    docs.add_argument("--split", default="test", choices=SPLITS)
    docs.add_argument("-o", "--output", required=True)
    check = sub.add_parser("check", help="validate authored files")
    check.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "check":
        for path in args.files:
            print(path, len(build_documents(read_jsonl(path))), "sentences ok")
        return
    if args.command == "documents":
        write_jsonl(documents(load_split(args.split)), args.output)
        return
    if args.command == "build":
        print(build_corpus())
    records = [r for split in SPLITS for r in load_split(split)]
    table = stats_markdown(corpus_stats(records))
    if args.command == "stats":
        print(table)
        return
    sheet = DATA_DIR / "README.md"
    text = sheet.read_text(encoding="utf-8")
    head, rest = text.split(STATS_BEGIN, 1)
    _, tail = rest.split(STATS_END, 1)
    sheet.write_text(f"{head}{STATS_BEGIN}\n{table}{STATS_END}{tail}", encoding="utf-8")
    print(f"updated {sheet}")


if __name__ == "__main__":
    main()
