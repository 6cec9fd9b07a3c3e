#!/usr/bin/python3
"""Conformance runner over the ONNX backend test suite (Debian libonnx-testdata).

For every test in scope it compiles model.onnx with kilnc, links the generic
C harness (which uses only the generated header), feeds each data set's
input_*.pb and compares with output_*.pb (rtol 1e-3, atol 1e-5).

A test is in scope when every op it uses is in SUPPORTED_OPS and all of its
inputs and outputs are float32, int64, int32, int8, uint8 or bool (integers compared
exactly). Out-of-scope tests are listed as unsupported
with the reason. Prints 'N passed, M failed' and writes a Markdown table.
Exit status is non-zero when any in-scope test fails.
"""
import argparse
import collections
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

SUITES = ["node", "pytorch-converted", "pytorch-operator"]

# Operators Kiln implements (graph ops plus shape-only ops folded at compile
# time). Keep in sync with the tables in lib/Importer/Ops/.
SUPPORTED_OPS = {
    "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Clip", "HardSigmoid",
    "Identity", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm",
    "MatMul", "BatchNormalization", "Softmax", "Reshape", "Flatten",
    "Unsqueeze", "Squeeze", "Transpose", "Concat", "Constant", "Shape",
    "Cast", "Slice", "Gather", "Max", "Min", "Sum", "Sqrt", "Exp", "Log",
    "Tanh", "Erf", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Softplus",
    "HardSwish", "LeakyRelu", "Elu", "Selu", "Pow", "PRelu", "ReduceSum",
    "ReduceMean", "ReduceMax", "ConvTranspose", "Resize", "Upsample",
    "LayerNormalization", "InstanceNormalization", "GlobalMaxPool",
    "LogSoftmax", "DepthToSpace", "SpaceToDepth", "Split", "Expand", "Tile",
    "Pad", "ConstantOfShape", "Range", "Equal", "Less", "LessOrEqual",
    "Greater", "GreaterOrEqual", "Where", "ArgMax", "Einsum",
    "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
    "ConvInteger", "MatMulInteger", "Round", "Sign", "Mod", "And", "Or", "Xor",
    "Not", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare",
    "ReduceLogSum", "ReduceLogSumExp", "CumSum", "GatherElements", "OneHot", "LRN", "TopK", "Softsign", "LSTM", "GRU", "RNN", "If", "Loop", "ScatterND",
}
DTYPES = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.INT64: np.int64,
          onnx.TensorProto.INT32: np.int32, onnx.TensorProto.BOOL: np.bool_,
          onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.INT8: np.int8}
RTOL, ATOL = 1e-3, 1e-5
# uint8 values are computed on by the quantization ops (and read by Cast);
# arithmetic on them is not compiled. int8 arithmetic is, except Clip.
QUANT_OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
             "ConvInteger", "MatMulInteger"}

# Inputs that fix output shapes (or index lists). An ahead-of-time compiler
# needs them at compile time, so when a test feeds them as graph inputs the
# runner bakes the test's values into the model as initializers.
COMPILE_TIME_INPUTS = {
    "Resize": (1, 2, 3), "Upsample": (1,), "Reshape": (1,), "Squeeze": (1,),
    "Unsqueeze": (1,), "ReduceSum": (1,), "ReduceMean": (1,), "ReduceMax": (1,),
    "ReduceMin": (1,), "ReduceProd": (1,), "ReduceL1": (1,), "ReduceL2": (1,),
    "ReduceSumSquare": (1,), "ReduceLogSum": (1,), "ReduceLogSumExp": (1,),
    "CumSum": (1,), "OneHot": (1,), "TopK": (1,),
    "Slice": (1, 2, 3, 4), "Split": (1,), "Expand": (1,), "Tile": (1,),
    "Pad": (1, 2, 3), "ConstantOfShape": (0,), "Range": (0, 1, 2),
    # Scales and zero points: quantized types are fixed at compile time.
    "QuantizeLinear": (1, 2), "DequantizeLinear": (1, 2),
    "QLinearConv": (1, 2, 4, 5, 6, 7), "QLinearMatMul": (1, 2, 4, 5, 6, 7),
    "ConvInteger": (2, 3), "MatMulInteger": (2, 3),
    # A trip count and a condition unroll the loop.
    "Loop": (0, 1),
}


def expanded_op(test_dir):
    """The operator a `*_expanded` test spells out as a function body (the
    one node of its unexpanded twin), or None."""
    if not test_dir.name.endswith("_expanded"):
        return None
    twin = test_dir.parent / test_dir.name[:-len("_expanded")] / "model.onnx"
    if not twin.exists():
        return None
    nodes = onnx.load(str(twin)).graph.node
    return nodes[0].op_type if len(nodes) == 1 else None


def bake_compile_time_inputs(model, first_data_set, expanded=None):
    """Turns graph inputs that feed COMPILE_TIME_INPUTS positions into
    initializers holding the test's values. Returns the indices (into the
    original input list) that were baked. An expanded test bakes the inputs
    its operator would (`expanded`: that operator; its node inputs are the
    graph inputs in order)."""
    inits = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in inits]
    wanted = {inputs[p] for p in COMPILE_TIME_INPUTS.get(expanded, ()) if p < len(inputs)}
    for node in model.graph.node:
        for pos in COMPILE_TIME_INPUTS.get(node.op_type, ()):
            if pos < len(node.input) and node.input[pos] in inputs:
                wanted.add(node.input[pos])
    baked = []
    for i, name in enumerate(inputs):
        if name not in wanted:
            continue
        t = onnx.TensorProto()
        t.ParseFromString((first_data_set / ("input_%d.pb" % i)).read_bytes())
        t.name = name
        model.graph.initializer.append(t)
        baked.append(i)
    keep = [v for v in model.graph.input if v.name not in wanted]
    del model.graph.input[:]
    model.graph.input.extend(keep)
    return baked


def scope(model):
    """Returns None when the test is in scope, else the reason it is not."""
    ops = sorted({n.op_type for n in model.graph.node})
    missing = [op for op in ops if op not in SUPPORTED_OPS]
    if missing:
        return "op " + ", ".join(missing)
    known = {i.name for i in model.graph.initializer}
    known |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    for node in model.graph.node:
        if node.op_type == "MaxPool" and len(node.output) > 1 and node.output[1]:
            return "MaxPool Indices output"
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and \
                len(node.input) > 1 and node.input[1] not in known:
            return "quantization scale computed at run time (dynamic quantization)"
        for a in node.attribute:
            if node.op_type == "BatchNormalization" and a.name == "training_mode" and a.i:
                return "training mode"
    inits = {i.name for i in model.graph.initializer}
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name in inits:
            continue
        if value.type.tensor_type.elem_type not in DTYPES:
            return "data type of '%s' (only float32, int64, int32, int8, uint8, bool)" % value.name
        elem = value.type.tensor_type.elem_type
        if elem == onnx.TensorProto.UINT8 and not QUANT_OPS.intersection(ops):
            return "uint8 '%s' outside quantization ops" % value.name
        if elem == onnx.TensorProto.INT8 and "Clip" in ops:
            return "Clip on int8"
        if any(d.HasField("dim_value") and d.dim_value == 0
               for d in value.type.tensor_type.shape.dim):
            return "zero-element tensor '%s'" % value.name
    return None


# --gpu: each test that passes on the CPU also compiles through the GPU
# backend, must give the expected outputs with the launches run as loops on
# the CPU (kilnc --gpu-emulate), and its PTX must assemble with the CUDA
# toolkit's ptxas for these chips. test -> (status, detail); status is "assembled",
# "not compiled" (kilnc refused it: allowed, listed) or "failed".
GPU_CHIPS = ("sm_80", "sm_90")
GPU_RESULTS = {}


def gpu_check(key, model_path, shapes, data_sets, fed, inputs, model, args, out_dir):
    # The GPU kernels' loops run on this CPU (kilnc --gpu-emulate) against
    # the test's data: the GPU mapping's numbers, checked without a GPU.
    obj = out_dir / "emulated.o"
    r = run([args.kilnc, str(model_path), "-o", str(obj), "--name", "model", "--gpu-emulate"]
            + shapes)
    if r.returncode != 0:
        why = (r.stderr.strip().splitlines() or ["?"])[-1]
        GPU_RESULTS[key] = ("not compiled", re.sub(r"^error: \S+\.onnx: ", "", why))
        return
    wrong = build_and_compare(obj, out_dir, "emulated", args.harness, args.cc, data_sets,
                              fed, model)
    if wrong:
        GPU_RESULTS[key] = ("failed", "emulated GPU kernels: " + wrong)
        return
    for chip in GPU_CHIPS:
        ptx = out_dir / ("model.%s.ptx" % chip)
        r = run([args.kilnc, str(model_path), "--target", "nvptx64-nvidia-cuda", "--cpu",
                 chip, "--emit", "asm", "-o", str(ptx)] + shapes)
        if r.returncode != 0:
            why = (r.stderr.strip().splitlines() or ["?"])[-1]
            GPU_RESULTS[key] = ("not compiled", re.sub(r"^error: \S+\.onnx: ", "", why))
            return
        if args.ptxas:
            r = run([args.ptxas, "-arch", chip, str(ptx), "-o", str(ptx) + ".cubin"])
            if r.returncode != 0:
                GPU_RESULTS[key] = ("failed", "ptxas -arch %s: %s" % (
                    chip, r.stderr.strip()[:300]))
                return
    GPU_RESULTS[key] = ("assembled", "")
    if not args.gpu_bundle:
        return
    # What test/gpu/device-check.sh runs: the artifact for the bundle's chip,
    # each data set's inputs and expected outputs as .npy.
    case = pathlib.Path(args.gpu_bundle) / ("%s__%s" % key)
    case.mkdir(parents=True, exist_ok=True)
    r = run([args.kilnc, str(model_path), "--target", "nvptx64-nvidia-cuda", "--cpu",
             args.gpu_bundle_chip, "-o", str(case / "model.kiln")] + shapes)
    if r.returncode != 0:
        GPU_RESULTS[key] = ("failed", "artifact: " + r.stderr.strip()[:300])
        return
    for ds in data_sets:
        d = case / ds.name
        d.mkdir(exist_ok=True)
        for i, name in zip(fed, inputs):
            t = onnx.TensorProto()
            t.ParseFromString((ds / ("input_%d.pb" % i)).read_bytes())
            np.save(d / ("input_%s.npy" % name), numpy_helper.to_array(t))
        for i, out in enumerate(model.graph.output):
            t = onnx.TensorProto()
            t.ParseFromString((ds / ("output_%d.pb" % i)).read_bytes())
            np.save(d / ("expected_%d.npy" % i), numpy_helper.to_array(t))


def build_and_compare(obj, out_dir, stem, harness, cc, data_sets, fed, model):
    """Links `obj` with the harness, runs every data set and compares;
    returns "" or what went wrong."""
    exe = out_dir / stem
    r = run([cc, "-O1", "-I", str(out_dir), '-DKILN_HEADER="%s.h"' % obj.stem,
             "-DKILN_NAME=model", harness, str(obj), "-lm", "-o", str(exe)])
    if r.returncode != 0:
        return "link: " + r.stderr.strip()[:200]
    for ds in data_sets:
        in_files, expected = [], []
        for i in fed:
            t = onnx.TensorProto()
            t.ParseFromString((ds / ("input_%d.pb" % i)).read_bytes())
            f = out_dir / ("in%d.bin" % i)
            numpy_helper.to_array(t).tofile(f)
            in_files.append(str(f))
        out_files = []
        for i in range(len(model.graph.output)):
            t = onnx.TensorProto()
            t.ParseFromString((ds / ("output_%d.pb" % i)).read_bytes())
            expected.append(numpy_helper.to_array(t))
            out_files.append(str(out_dir / ("out%d.bin" % i)))
        r = run([str(exe)] + in_files + ["--"] + out_files, timeout=120)
        if r.returncode != 0:
            return "run: exit %d %s" % (r.returncode, r.stderr.strip()[:200])
        for i, want in enumerate(expected):
            want = want.reshape(-1)
            got = np.fromfile(out_files[i], dtype=want.dtype)
            if got.shape != want.shape:
                return "output %d has %d elements, expected %d" % (i, got.size, want.size)
            if want.dtype != np.float32:
                if not np.array_equal(got, want):
                    return "%s output %d differs" % (ds.name, i)
            elif not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True):
                err = np.max(np.abs(got - want))
                return "%s output %d: max abs error %.3g" % (ds.name, i, err)
    return ""


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def check_test(test_dir, kilnc, harness, cc, work, args=None):
    """Returns (status, detail, ops used)."""
    model_path = test_dir / "model.onnx"
    try:
        model = onnx.load(str(model_path))
    except Exception as e:  # a test we cannot even read is not ours to judge
        return "unsupported", "unreadable model: %s" % e, []
    ops = sorted({n.op_type for n in model.graph.node})
    status, detail = run_test(test_dir, model, model_path, kilnc, harness, cc, work, args)
    return status, detail, ops


def run_test(test_dir, model, model_path, kilnc, harness, cc, work, args=None):
    """Returns (status, detail) for one loaded test model."""
    data_sets = sorted(test_dir.glob("test_data_set_*"))
    if not data_sets:
        return "unsupported", "no test data"
    inits = {i.name for i in model.graph.initializer}
    all_inputs = [i.name for i in model.graph.input if i.name not in inits]
    baked = bake_compile_time_inputs(model, data_sets[0], expanded_op(test_dir))
    reason = scope(model)
    if reason:
        return "unsupported", reason
    inputs = [n for i, n in enumerate(all_inputs) if i not in baked]
    fed = [i for i in range(len(all_inputs)) if i not in baked]
    out_dir = pathlib.Path(tempfile.mkdtemp(dir=work))
    obj = out_dir / "model.o"
    if baked:
        model_path = out_dir / "model.onnx"
        onnx.save(model, str(model_path))

    first = data_sets[0]
    shapes = []
    for i, name in zip(fed, inputs):
        t = onnx.TensorProto()
        t.ParseFromString((first / ("input_%d.pb" % i)).read_bytes())
        shapes += ["--shape", "%s=%s" % (name, "x".join(str(d) for d in t.dims))]
    r = run([kilnc, str(model_path), "-o", str(obj), "--name", "model"] + shapes)
    if r.returncode != 0:
        return "failed", "kilnc: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    status = build_and_compare(obj, out_dir, "run", harness, cc, data_sets, fed, model)
    if status:
        return "failed", status
    if args is not None and args.gpu:
        gpu_check((test_dir.parent.name, test_dir.name), model_path, shapes, data_sets, fed,
                  inputs, model, args, out_dir)
    return "passed", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--report", default="conformance.md")
    ap.add_argument("--filter", default="", help="substring of test names to run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--gpu", action="store_true",
                    help="also compile each passing test for the GPU and assemble its PTX")
    ap.add_argument("--gpu-bundle", default="",
                    help="with --gpu: write artifacts and data for test/gpu/device-check.sh")
    ap.add_argument("--gpu-bundle-chip", default="sm_90")
    args = ap.parse_args()
    ptxas = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")
    args.ptxas = ptxas if os.access(ptxas, os.X_OK) else ""
    if args.gpu and not args.ptxas:
        print("conformance: %s not found; GPU kernels are compiled but not assembled" % ptxas)

    data = pathlib.Path(args.data)
    if not data.is_dir():
        print("conformance: %s not found; install libonnx-testdata" % data)
        return 77
    tests = [(suite, d) for suite in SUITES if (data / suite).is_dir()
             for d in sorted((data / suite).iterdir())
             if (d / "model.onnx").exists() and args.filter in d.name]

    results = {}
    with tempfile.TemporaryDirectory(prefix="kiln-conformance-") as work, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(check_test, d, args.kilnc, args.harness, args.cc,
                               work, args): (suite, d.name) for suite, d in tests}
        for fut in concurrent.futures.as_completed(futures):
            key = futures[fut]
            try:
                results[key] = fut.result()
            except Exception as e:  # a crash of the runner itself is a failure
                results[key] = ("failed", "runner: %r" % e, [])

    counts = collections.Counter(status for status, _, _ in results.values())
    per_suite = collections.defaultdict(collections.Counter)
    per_op = collections.defaultdict(collections.Counter)
    for key, (status, _, ops) in results.items():
        per_suite[key[0]][status] += 1
        for op in ops:
            per_op[op][status] += 1
    lines = ["# ONNX backend conformance", "",
             "Generated by `test/conformance/run_conformance.py` over Debian's "
             "`libonnx-testdata` (ONNX 1.12). A test is in scope when Kiln "
             "supports all its operators and its inputs and outputs are "
             "float32, int64, int32, int8, uint8 (quantization ops) or bool; integers are "
             "compared exactly; inputs that fix shapes are baked in from the test data.",
             "", "**%d passed, %d failed, %d out of scope.**" % (
                 counts["passed"], counts["failed"], counts["unsupported"]),
             "", "| suite | passed | failed | out of scope |", "|---|---|---|---|"]
    for suite in SUITES:
        c = per_suite.get(suite, collections.Counter())
        lines.append("| %s | %d | %d | %d |" % (suite, c["passed"], c["failed"],
                                                c["unsupported"]))
    lines += ["", "## Per operator", "",
              "Tests that use the operator (a test counts for each of its operators).",
              "", "| operator | supported | passed | failed | out of scope |",
              "|---|---|---|---|---|"]
    for op in sorted(per_op):
        c = per_op[op]
        lines.append("| %s | %s | %d | %d | %d |" % (
            op, "yes" if op in SUPPORTED_OPS else "no", c["passed"], c["failed"],
            c["unsupported"]))
    lines += ["", "## Per test", "",
              "| suite | test | status | detail |", "|---|---|---|---|"]
    for (suite, name), (status, detail, _) in sorted(results.items()):
        lines.append("| %s | %s | %s | %s |" % (suite, name, status,
                                               detail.replace("|", "\\|")))
        if status == "failed":
            print("FAILED %s/%s: %s" % (suite, name, detail))
    gpu_failed = 0
    if args.gpu:
        gpu = collections.Counter(status for status, _ in GPU_RESULTS.values())
        gpu_failed = gpu["failed"]
        reasons = collections.Counter(detail for status, detail in GPU_RESULTS.values()
                                      if status == "not compiled")
        lines += ["", "## GPU (nvptx64-nvidia-cuda)", "",
                  "Of the tests passing on the CPU: **%d compiled for the GPU, gave the "
                  "expected outputs with their kernels' loops run on the CPU "
                  "(`kilnc --gpu-emulate`) and were assembled by ptxas for %s; %d not "
                  "compiled for the GPU, %d failed.** (`run_conformance.py --gpu`; the "
                  "kernels on a real GPU are `test/gpu/device-check.sh`.)" % (
                      gpu["assembled"], " and ".join(GPU_CHIPS), gpu["not compiled"],
                      gpu_failed),
                  "", "| why not compiled for the GPU | tests |", "|---|---|"]
        for reason, n in reasons.most_common():
            lines.append("| %s | %d |" % (reason.replace("|", "\\|"), n))
        for (suite, name), (status, detail) in sorted(GPU_RESULTS.items()):
            if status == "failed":
                print("GPU FAILED %s/%s: %s" % (suite, name, detail))
        print("GPU: %d assembled, %d not compiled, %d failed" % (
            gpu["assembled"], gpu["not compiled"], gpu_failed))
    pathlib.Path(args.report).write_text("\n".join(lines) + "\n")
    print("%d unsupported (out of scope); report: %s" % (
        counts["unsupported"], args.report))
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    return 1 if counts["failed"] or gpu_failed else 0


if __name__ == "__main__":
    sys.exit(main())
