#!/usr/bin/env bash
# Builds kiln-fuzz-import with clang, ASan and UBSan in build-fuzz/, seeds a
# corpus with the ONNX backend test models and runs libFuzzer on it.
# usage: scripts/fuzz.sh [SECONDS] [libFuzzer options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
cmake -G Ninja -S "$root" -B "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKILN_FUZZ=ON -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 >/dev/null
cmake --build "$root/build-fuzz" --target kiln-fuzz-import
corpus="$root/build-fuzz/corpus"
if [ ! -d "$corpus" ]; then
  mkdir -p "$corpus"
  for m in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
    cp "$m" "$corpus/$(basename "$(dirname "$m")").onnx"
  done
fi
mkdir -p "$root/build-fuzz/findings"
# ONNX's shape inference throws on bad models by design; the importer
# catches those, so leaks are what is left to report. Halt on the first.
exec "$root/build-fuzz/bin/kiln-fuzz-import" "$corpus" \
  -artifact_prefix="$root/build-fuzz/findings/" -max_total_time="$seconds" \
  -rss_limit_mb=4096 -timeout=30 "$@"
