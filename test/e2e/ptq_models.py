#!/usr/bin/python3
"""Post-training int8 quantization of float models, against the float model.

For each random-weight model of model_zoo.py (MobileNet-style blocks with
depthwise convs, Clip and residual Adds; Gemm and MatMul over constants)
and a two-input model (calibration folders of one .npy per input), it
writes calibration samples, compiles the model twice (float, and
`--quantize int8 --calibrate DIR` with each calibration method), runs both
on inputs the calibration never saw and requires:
- every conv, Gemm and MatMul quantized (`--verbose` says N of N);
- the int8 object's constants (.rodata: weights) smaller than the float
  one's; the whole object is only reported, since the code of these tiny
  models (integer epilogues included) outweighs their weights;
- depthwise convs float (the float kernel is faster here) and, with
  --int8-depthwise, int8 too;
- every other layer int8 with `--int8-min-intensity 0`; by default the
  layers with under 32 multiply-adds per input and output element stay
  float, and say so;
- relative L2 error of the int8 outputs against float within TOLERANCE
  (entropy calibration clips tails by design, to keep resolution where
  most values are; on these random networks the tails carry much of the
  L2 norm, so its bound is looser).
Then, on the MobileNet-style model, `--int8-tolerance` must keep layers
float until the calibration-set error it reports is within the bound, name
them, and `--report` must write one row per layer to quantization.csv;
bias correction must lower the error it reports.

usage: ptq_models.py KILNC HARNESS
"""
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx


def constant_bytes(obj):
    """Bytes of an object's read-only data sections (its weights)."""
    out = subprocess.run(["size", "-A", str(obj)], check=True, capture_output=True,
                         text=True).stdout
    return sum(int(line.split()[1]) for line in out.splitlines()
               if line.startswith(".rodata"))


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import model_zoo  # noqa: E402

TOLERANCE = {"minmax": 0.05, "percentile": 0.05, "entropy": 0.15}
CALIBRATION_SAMPLES = 16
TEST_SAMPLES = 4


MODELS = [model_zoo.mobilenet_v2, model_zoo.packed_weights, model_zoo.two_inputs]
# Layers with no integer form, which must stay float (and say why).
EXPECTED_FLOAT = {"packed_weights": {"gemm_19": "Gemm with alpha, beta or trans_a"}}
METHODS = ["minmax", "percentile", "entropy"]


def check_tolerance(build, outputs, want, work):
    """--int8-tolerance on a bound the fully int8 model misses by enough
    that one layer kept float is not enough: batches of 1, 2 and 4 layers,
    then the last batch bisected."""
    bound = 0.0015  # the int8 model alone: 0.0025 (0.0033 without bias correction)
    report = work / "report"
    _, _, log = build("tolerance", ["--quantize", "int8", "--calibrate",
                                    str(work / "mobilenet_v2_cal"), "--int8-tolerance",
                                    str(bound), "--report", str(report),
                                    "--int8-min-intensity", "0"])
    m = re.search(r"relative L2 error of the outputs on the calibration set ([\d.]+)", log)
    kept = re.findall(r"stays float: kept float for --int8-tolerance", log)
    depthwise = re.findall(r"stays float: faster in float", log)
    rows = (report / "quantization.csv").read_text().splitlines()[1:]
    problems = []
    if not m or float(m.group(1)) > bound:
        problems.append("reported error %s over %g" % (m and m.group(1), bound))
    if not kept or len(kept) + len(depthwise) >= 11:
        problems.append("%d of 11 layers kept float (want some, not all)" % len(kept))
    if len(rows) != 11 or sum(r.split(",")[2] == "0" for r in rows) != len(kept) + len(depthwise):
        problems.append("quantization.csv does not list the 11 layers as decided")
    print("%-4s %-28s %d layers kept float, calibration error %s <= %g" % (
        "ok" if not problems else "FAIL", "mobilenet_v2 (tolerance)", len(kept),
        m and m.group(1), bound))
    for p in problems:
        print("     " + p)
    return not problems


def check_bias_correction(build, work):
    """Bias correction (on by default) must lower the calibration-set error
    that the fully int8 model reports."""
    errors = []
    for tag, extra in (("nobc", ["--int8-bias-correction=0"]), ("bc", [])):
        _, _, log = build(tag, ["--quantize", "int8", "--calibrate",
                                str(work / "mobilenet_v2_cal"), "--report",
                                str(work / ("report_" + tag)), "--int8-min-intensity", "0"]
                          + extra)
        m = re.search(r"relative L2 error of the outputs on the calibration set ([\d.]+)", log)
        errors.append(float(m.group(1)) if m else float("inf"))
    ok = errors[1] < errors[0]
    print("%-4s %-28s calibration error %.4f without bias correction, %.4f with" % (
        "ok" if ok else "FAIL", "mobilenet_v2 (bias corr.)", errors[0], errors[1]))
    return ok


def check_float_nodes(build, model, work):
    """--int8-float keeps the named nodes float and says so; a name that is
    no conv, Gemm or MatMul of the model is an error."""
    convs = [n.name for n in model.graph.node if n.op_type == "Conv"][:2]
    cal = ["--quantize", "int8", "--calibrate", str(work / "mobilenet_v2_cal"),
           "--int8-min-intensity", "0"]
    _, _, log = build("keep", cal + ["--int8-float=" + ",".join(convs)])
    stays = dict(re.findall(r"node '([^']*)' \(\w+\) stays float: (.*)", log))
    ok = all(stays.get(n) == "kept float by --int8-float" for n in convs)
    try:
        build("keep_bad", cal + ["--int8-float=no_such_node"])
        ok = False
    except RuntimeError as e:
        ok = ok and "--int8-float: no conv, Gemm or MatMul node named 'no_such_node'" in str(e)
    print("%-4s %-28s %s kept float by name" % ("ok" if ok else "FAIL",
                                               "mobilenet_v2 (--int8-float)", ", ".join(convs)))
    return ok


def main():
    kilnc, harness = sys.argv[1:3]
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-ptq-") as tmp:
        work = pathlib.Path(tmp)
        for i, make in enumerate(MODELS):
            name, model, path, cal, tests = model_zoo.calibrated_case(
                work, make, i, 1000 + i, CALIBRATION_SAMPLES, TEST_SAMPLES)

            def build(tag, extra):
                obj = work / ("%s_%s.o" % (name, tag))
                r = subprocess.run([kilnc, str(path), "-o", str(obj), "--name", "m",
                                    "--verbose"] + extra, capture_output=True, text=True)
                if r.returncode != 0:
                    raise RuntimeError(r.stderr.strip())
                exe = work / ("%s_%s" % (name, tag))
                subprocess.run(["cc", "-O1", "-I", str(work),
                                '-DKILN_HEADER="%s_%s.h"' % (name, tag), "-DKILN_NAME=m",
                                harness, str(obj), "-lm", "-o", str(exe)], check=True)
                return exe, (obj.stat().st_size, constant_bytes(obj)), r.stderr

            def outputs(exe):
                results = []
                for t, arrays in enumerate(tests):
                    ins = []
                    for k, a in enumerate(arrays):
                        f = work / ("in%d_%d.bin" % (t, k))
                        a.tofile(f)
                        ins.append(str(f))
                    out = work / "out.bin"
                    subprocess.run([str(exe)] + ins + ["--", str(out)], check=True)
                    results.append(np.fromfile(out, np.float32))
                return np.concatenate(results)

            float_exe, float_size, _ = build("f32", [])
            want = outputs(float_exe)
            # These layers are small: every one is quantized (the int8 kernels
            # are what is tested), except in the "size rule" variant.
            every = ["--int8-min-intensity", "0"]
            variants = [(m, m, every) for m in METHODS]
            if name == "mobilenet_v2":  # the int8 depthwise kernels, outrun here
                variants.append(("minmax", "minmax, int8 depthwise",
                                 every + ["--int8-depthwise"]))
                variants.append(("minmax", "minmax, size rule", []))
            for method, label, extra in variants:
                label = "%s (%s)" % (name, label)
                try:
                    exe, size, log = build(label.replace(" ", "_").replace(",", ""),
                                           ["--quantize", "int8", "--calibrate", str(cal),
                                            "--calibration", method] + extra)
                except RuntimeError as e:
                    print("FAIL %-28s kilnc: %s" % (label, e))
                    failed += 1
                    continue
                got = outputs(exe)
                err = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
                m = re.search(r"int8: (\d+) of (\d+) conv/Gemm/MatMul layers quantized", log)
                layers = (int(m.group(1)), int(m.group(2))) if m else (0, -1)
                expected = dict(EXPECTED_FLOAT.get(name, {}))
                # Depthwise convs stay float where the float kernel is faster.
                for n in model.graph.node:
                    if n.op_type == "Conv" and "--int8-depthwise" not in extra and any(
                            a.name == "group" and a.i > 1 for a in n.attribute):
                        expected[n.name] = "faster in float on this CPU"
                stays = dict(re.findall(r"node '([^']*)' \(\w+\) stays float: (.*)", log))
                problems = []
                # Where the pair kernels run, layers of under 32 multiply-adds
                # per input and output element stay float.
                small = [float(v) for v in re.findall(
                    r"stays float: too little work to gain from int8 \(([\d.]+) multiply-adds",
                    log)]
                if extra == every or "--int8-depthwise" in extra:
                    problems += ["a small layer stayed float"] if small else []
                elif not small or max(small) >= 32:
                    problems.append("the size rule kept %s float" % small)
                if layers[0] + len(expected) + len(small) != layers[1]:
                    problems.append("%d of %d layers quantized:\n%s" % (
                        layers[0], layers[1], log))
                for node, why in expected.items():
                    if not stays.get(node, "").startswith(why):
                        problems.append("node %s should stay float (%s)" % (node, why))
                if size[1] >= float_size[1] and layers[0] > 0:
                    problems.append("int8 constants are not smaller (%d >= %d bytes)" % (
                        size[1], float_size[1]))
                if not err <= TOLERANCE[method]:
                    problems.append("error %.3g over %.3g" % (err, TOLERANCE[method]))
                print("%-4s %-28s %d/%d layers int8, object %6d / %6d bytes, constants "
                      "%6d / %6d, relative L2 error vs float %.4f" % (
                          "ok" if not problems else "FAIL", label, layers[0], layers[1],
                          size[0], float_size[0], size[1], float_size[1], err))
                for p in problems:
                    print("     " + p)
                passed += not problems
                failed += bool(problems)
            if name == "mobilenet_v2":
                for ok in (check_tolerance(build, outputs, want, work),
                           check_bias_correction(build, work),
                           check_float_nodes(build, model, work)):
                    passed += ok
                    failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
