#!/usr/bin/env bash
# Any C identifier is a valid --name, `main` included: the object exports
# exactly the C API under that prefix (its kernels stay local however they
# are named), links into a program that has its own main(), and runs.
# usage: any_name.sh KILNC
set -euo pipefail
kilnc=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

# y = Relu(x W + b) with a 96x64 weight: the matmul becomes loop kernels.
$python - "$work" <<'PY'
import sys, pathlib, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
work = pathlib.Path(sys.argv[1])
rng = np.random.default_rng(7)
w = rng.standard_normal((96, 64)).astype(np.float32)
b = rng.standard_normal(64).astype(np.float32)
x = rng.standard_normal((48, 96)).astype(np.float32)
g = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["xw"]),
     helper.make_node("Add", ["xw", "b"], ["s"]),
     helper.make_node("Relu", ["s"], ["y"])], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [48, 96])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [48, 64])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
onnx.save(m, str(work / "net.onnx"))
x.tofile(work / "x.bin")
np.maximum(x @ w + b, 0).astype(np.float32).tofile(work / "y.bin")
PY

for name in main run _kiln_entry; do
  "$kilnc" "$work/net.onnx" -o "$work/$name.o" --name "$name"
  exported=$(nm -g --defined-only "$work/$name.o" | awk '{print $3}' | sort | tr '\n' ' ')
  expected=$(printf '%s\n' arena_bytes input num_inputs num_outputs output run run_parallel |
             sed "s/^/${name}_/" | sort | tr '\n' ' ')
  if [ "$exported" != "$expected" ]; then
    echo "--name $name: exported '$exported', expected '$expected'"
    exit 1
  fi
done

cat > "$work/app.c" <<'C'
#include "main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static float *load(const char *path, size_t n) {
  float *data = malloc(n * sizeof(float));
  FILE *f = fopen(path, "rb");
  if (!data || !f || fread(data, sizeof(float), n, f) != n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  (void)argc;
  float *x = load(argv[1], 48 * 96), *expected = load(argv[2], 48 * 64);
  static float y[48 * 64];
  void *arena = aligned_alloc(MAIN_ARENA_ALIGN, main_arena_bytes() + MAIN_ARENA_ALIGN);
  const void *inputs[] = {x};
  void *outputs[] = {y};
  if (main_num_inputs() != 1 || main_run(inputs, outputs, arena) != 0)
    return 1;
  double worst = 0;
  for (int i = 0; i < 48 * 64; ++i)
    worst = fmax(worst, fabs(y[i] - expected[i]) / (1 + fabs(expected[i])));
  printf("--name main: y[0..2] = %g %g %g, worst relative error %g\n", y[0], y[1], y[2], worst);
  return worst < 1e-4 ? 0 : 1;
}
C
cc -std=c11 -O1 -Wall -Werror -I "$work" "$work/app.c" "$work/main.o" -lm -o "$work/app"
"$work/app" "$work/x.bin" "$work/y.bin"
