#!/usr/bin/env bash
# The generated header compiles alone as strict C and C++, two model headers
# coexist, and two model objects link into one program that runs.
# usage: header_and_linking.sh KILNC MAKE_MODEL_PY SOURCE_DIR
set -euo pipefail
kilnc=$1 make_model=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

$python - "$work/a.onnx" <<'PY'
import sys, onnx
from onnx import helper, TensorProto
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
onnx.save(m, sys.argv[1])
PY
$python "$make_model" gemm "$work/b.onnx"
"$kilnc" "$work/a.onnx" -o "$work/net_a.o" --name net_a
"$kilnc" "$work/b.onnx" -o "$work/net_b.o" --name net_b

for h in net_a net_b; do
  echo "#include \"$h.h\"" > "$work/only_$h.c"
  cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$work" "$work/only_$h.c"
  c++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -x c++ -I "$work" "$work/only_$h.c"
done
printf '#include "net_a.h"\n#include "net_b.h"\n#include "net_a.h"\n' > "$work/both.cc"
c++ -std=c++11 -Wall -Werror -fsyntax-only -I "$work" "$work/both.cc"

# Only the C API is exported; everything else stays local to each object.
exported=$(nm -g --defined-only "$work/net_a.o" | awk '{print $3}' | sort | tr '\n' ' ')
expected="net_a_arena_bytes net_a_input net_a_num_inputs net_a_num_outputs net_a_output net_a_run net_a_run_parallel "
if [ "$exported" != "$expected" ]; then
  echo "unexpected exported symbols: $exported"
  exit 1
fi
# And it needs nothing but memcpy/memset/libm.
undefined=$(nm -u "$work/net_b.o" | awk '{print $2}' | grep -vE '^(memcpy|memset|memmove|[a-z0-9]+f)$' || true)
if [ -n "$undefined" ]; then
  echo "unexpected undefined symbols: $undefined"
  exit 1
fi

cc -std=c11 -O1 -Wall -Werror -I "$work" "$src/two_models.c" "$work/net_a.o" "$work/net_b.o" -lm -o "$work/two"
"$work/two"
