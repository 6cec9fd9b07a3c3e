#!/usr/bin/python3
"""`kilnc --quantize int8 --emit onnx`: the quantized model, back as ONNX QDQ.

For float models (MobileNet-style blocks at opset 13; convs followed by
BatchNormalization or Mul and Add, and a Softmax, at opset 11, which the
writer converts to 13; Gemm and MatMul over constants; two inputs), it
calibrates, writes the QDQ model and requires:
- a valid ONNX model at opset >= 13 with one int8 weight (per-axis
  DequantizeLinear) per quantized layer;
- compiled back by kilnc (its QDQ import), bit-identical outputs to the
  object `--quantize int8` made directly, with the same layers float;
- run by ONNX Runtime, when it is installed, with its graph optimizations
  off (each DequantizeLinear, float op and QuantizeLinear as written: the
  QDQ model's own meaning), within ORT_LITERAL of Kiln's int8 output. With
  them on, ORT replaces the QDQ groups by its own int8 kernels; their error
  against float is printed beside Kiln's.

usage: qdq_export.py KILNC HARNESS THIRD_PARTY
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import model_zoo  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
ORT_LITERAL = 1e-4
CALIBRATION_SAMPLES = 8
TEST_SAMPLES = 3


def folded_batchnorm(b):
    """Conv -> BatchNormalization (or Mul, Add) -> Relu / Clip, then Gemm and
    Softmax, at opset 11: Kiln folds the tails into the convs before it
    quantizes, and so must the QDQ model."""
    def bn(x, c):
        return b.op("BatchNormalization", [
            x, b.const(b.rng.uniform(0.5, 1.5, c)), b.const(b.rng.normal(0, 0.1, c)),
            b.const(b.rng.normal(0, 0.1, c)), b.const(b.rng.uniform(0.5, 1.5, c))])
    x = b.op("Relu", [bn(b.conv("x", 3, 16, 3, 2, bias=False), 16)])
    x = b.op("Clip", [bn(b.conv(x, 16, 24, 3), 24), b.const(0.0), b.const(6.0)])
    # A scale and a per-channel shift, as re-parameterized blocks export them.
    x = b.op("Mul", [b.const(np.float32(-0.7)), b.conv(x, 24, 24, 3)])
    x = b.op("Relu", [b.op("Add", [x, b.const(b.rng.normal(0, 0.1, (1, 24, 1, 1)))])])
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])])
    y = b.op("Gemm", [x, b.weight((10, 24)), b.weight((10,), 0.1)], transB=1)
    return b.model([1, 3, 24, 24], b.op("Softmax", [y], axis=1), opset=11)


def two_inputs(b):
    return model_zoo.two_inputs(b, rows=8, x_cols=64, z_cols=16, out=32)


MODELS = [model_zoo.mobilenet_v2, folded_batchnorm, model_zoo.packed_weights, two_inputs]


def weight_count(model):
    """Per-axis DequantizeLinear nodes reading int8 initializers."""
    int8 = {t.name for t in model.graph.initializer if t.data_type == TensorProto.INT8}
    return sum(n.op_type == "DequantizeLinear" and n.input[0] in int8 and
               any(a.name == "axis" for a in n.attribute) for n in model.graph.node)


def main():
    kilnc, harness, third_party = sys.argv[1:4]
    ort_module = pathlib.Path(third_party).resolve() / "node_modules/onnxruntime-node"
    have_ort = ort_module.exists() and shutil.which("node")
    if not have_ort:
        print("note: no ONNX Runtime (scripts/fetch-deps.sh); its comparison is skipped")
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-qdq-export-") as tmp:
        work = pathlib.Path(tmp)

        def kilnc_run(args):
            return subprocess.run([kilnc] + args, capture_output=True, text=True)

        def build(path, obj, extra):
            r = kilnc_run([str(path), "-o", str(obj), "--name", "m", "--verbose"] + extra)
            if r.returncode != 0:
                raise RuntimeError(r.stderr.strip())
            exe = obj.with_suffix("")
            subprocess.run(["cc", "-O1", "-I", str(work), '-DKILN_HEADER="%s"' %
                            obj.with_suffix(".h").name, "-DKILN_NAME=m", harness, str(obj),
                            "-lm", "-o", str(exe)], check=True)
            return exe, r.stderr

        for i, make in enumerate(MODELS):
            name, model, path, cal, tests = model_zoo.calibrated_case(
                work, make, 40 + i, 2000 + i, CALIBRATION_SAMPLES, TEST_SAMPLES)
            inputs = model_zoo.model_inputs(model)
            files = []
            for t, arrays in enumerate(tests):
                files.append([])
                for k, a in enumerate(arrays):
                    f = work / ("%s_in%d_%d.bin" % (name, t, k))
                    a.tofile(f)
                    files[-1].append(str(f))

            def outputs(run):
                got = []
                for ins in files:
                    out = work / "out.bin"
                    run(ins, out)
                    got.append(np.fromfile(out, np.float32))
                return np.concatenate(got)

            def native(exe):
                return lambda ins, out: subprocess.run([str(exe)] + ins + ["--", str(out)],
                                                       check=True)

            # Small layers too (by default they stay float on x86).
            quantize = ["--quantize", "int8", "--calibrate", str(cal),
                        "--int8-min-intensity", "0"]
            qdq = work / (name + "_qdq.onnx")
            problems = []
            try:
                f32, _ = build(path, work / (name + "_f32.o"), [])
                int8, log = build(path, work / (name + "_int8.o"), quantize)
                r = kilnc_run([str(path), "-o", str(qdq), "--emit", "onnx"] + quantize)
                if r.returncode != 0:
                    raise RuntimeError(r.stderr.strip())
                back, back_log = build(qdq, work / (name + "_back.o"), [])
            except RuntimeError as e:
                print("FAIL %-18s kilnc: %s" % (name, e))
                failed += 1
                continue
            want, ours, again = (outputs(native(e)) for e in (f32, int8, back))
            rel = lambda a, b: float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
            int8_error, round_trip = rel(ours, want), rel(again, ours)

            written = onnx.load(str(qdq))
            onnx.checker.check_model(written)
            opset = next(o.version for o in written.opset_import if o.domain in ("", "ai.onnx"))
            quantized = int(log.split("int8: ")[1].split(" of ")[0])
            weights = weight_count(written)
            if opset < 13:
                problems.append("opset %d" % opset)
            if weights != quantized:
                problems.append("%d int8 weights for %d quantized layers" % (weights, quantized))
            layers = {n.name for n in model.graph.node if n.op_type in ("Conv", "Gemm", "MatMul")}
            float_before, float_after = (
                set(re.findall(r"node '([^']*)' \(\w+\) stays float", text)) & layers
                for text in (log, back_log))
            if float_after != float_before:
                problems.append("compiled back, %s stay float (before: %s)" % (
                    sorted(float_after), sorted(float_before)))
            if round_trip != 0:
                problems.append("compiled back: %.3g from the int8 object" % round_trip)
            ort_text = "ORT skipped"
            if have_ort:
                shapes = ",".join("x".join(map(str, s)) for _, s in inputs)

                def ort(level):
                    env = dict(os.environ, KILN_ORT_MODULE=str(ort_module),
                               KILN_ORT_OPTIMIZATION=level)
                    return outputs(lambda ins, out: subprocess.run(
                        ["node", str(ROOT / "scripts/ort_run.js"), str(qdq), shapes] + ins +
                        ["--", str(out)], check=True, env=env))
                literal, fused = rel(ort("disabled"), ours), rel(ort("all"), want)
                ort_text = "ORT: QDQ as written %.2g from Kiln's int8, its int8 kernels " \
                    "%.4f from float" % (literal, fused)
                if not literal <= ORT_LITERAL:
                    problems.append("ONNX Runtime running the QDQ model as written: %.3g from "
                                    "Kiln's int8 output" % literal)
            print("%-4s %-18s opset %d, %d int8 weights; int8 vs float %.4f, compiled back "
                  "%.2g, %s" % ("ok" if not problems else "FAIL", name, opset, weights,
                                int8_error, round_trip, ort_text))
            for p in problems:
                print("     " + p)
            passed += not problems
            failed += bool(problems)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
