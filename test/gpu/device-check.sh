#!/bin/bash
# The GPU checks, on a machine with an NVIDIA GPU and its driver (at most
# 5 minutes): conformance on the GPU, the PaddleOCR models against ONNX
# Runtime and timed against PyTorch. The bundle comes from a machine
# without a GPU:
#   /usr/bin/python3 test/gpu/prepare_bundle.py --kilnc build/bin/kilnc \
#       --kiln-run build/bin/kiln-run --out build/gpu-bundle
# then, on the GPU machine, from the repository root:
#   test/gpu/device-check.sh build/gpu-bundle OUT_DIR
# The table lands in OUT_DIR/device-check.md.
set -euo pipefail
bundle=${1:-build/gpu-bundle}
out=${2:-${OUT:-/tmp/kiln-device-check}}
python3 "$(dirname "$0")/device_check.py" --bundle "$bundle" --out "$out" "${@:3}"
