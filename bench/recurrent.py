#!/usr/bin/python3
"""Recurrent layers: Kiln against ONNX Runtime in one run.

Writes LSTM and GRU models with random weights (speech- and sequence-model
sizes), compiles each with kilnc for --cpu native and generic, and
alternates rounds of Kiln (bench/timing.c, one thread) and ONNX Runtime
(bench/ort_timing.js, one intra-op thread); prints a Markdown table of
medians with compile time and object size.

usage: recurrent.py [--rounds N] [--kilnc KILNC]
"""
import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = pathlib.Path(__file__).resolve().parents[1]
# (name, op, steps, batch, features, hidden, direction)
CASES = [("lstm_t100_h128", "LSTM", 100, 1, 64, 128, "forward"),
         ("lstm_t16_b4_bi", "LSTM", 16, 4, 40, 64, "bidirectional"),
         ("gru_t50_h96", "GRU", 50, 1, 32, 96, "forward")]


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def write_model(work, name, op, steps, batch, features, hidden, direction):
    rng = np.random.default_rng(0)
    gates = 4 if op == "LSTM" else 3
    dirs = 2 if direction == "bidirectional" else 1
    inits = [numpy_helper.from_array((rng.standard_normal(s) * 0.1).astype(np.float32), n)
             for n, s in (("w", (dirs, gates * hidden, features)),
                          ("r", (dirs, gates * hidden, hidden)),
                          ("b", (dirs, 2 * gates * hidden)))]
    node = helper.make_node(op, ["x", "w", "r", "b"], ["y"], hidden_size=hidden,
                            direction=direction)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                     [steps, batch, features])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    path = work / (name + ".onnx")
    onnx.save(model, str(path))
    return path


def compile_and_link(args, work, name, path, cpu):
    obj = work / ("%s_%s.o" % (name, cpu))
    start = time.monotonic()
    run([args.kilnc, str(path), "-o", str(obj), "--name", name, "--cpu", cpu])
    seconds = time.monotonic() - start
    exe = work / ("%s_%s" % (name, cpu))
    run(["cc", "-O2", "-I", str(work), "-I", str(ROOT / "runtime"), "-I", str(ROOT / "test/e2e"),
         '-DKILN_HEADER="%s.h"' % obj.stem, "-DKILN_NAME=" + name, str(ROOT / "bench/timing.c"),
         str(obj), str(args.runtime), "-lm", "-lpthread", "-o", str(exe)])
    return exe, seconds, obj.stat().st_size


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kilnc", default=str(ROOT / "build/bin/kilnc"))
    ap.add_argument("--runtime", default=str(ROOT / "build/lib/libkiln_runtime.a"))
    args = ap.parse_args()
    lines = ["| model | Kiln native ms | Kiln generic ms | ORT ms | native/ORT | "
             "compile s (native) | object KB |", "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="kiln-rnn-") as tmp:
        work = pathlib.Path(tmp)
        for name, op, steps, batch, features, hidden, direction in CASES:
            path = write_model(work, name, op, steps, batch, features, hidden, direction)
            native, seconds, size = compile_and_link(args, work, name, path, "native")
            generic, _, _ = compile_and_link(args, work, name, path, "generic")
            times = {"native": [], "generic": [], "ort": []}
            shape = "%dx%dx%d" % (steps, batch, features)
            for _ in range(args.rounds):
                times["native"].append(float(run([str(native), "50"])))
                times["generic"].append(float(run([str(generic), "50"])))
                times["ort"].append(float(run(["node", str(ROOT / "bench/ort_timing.js"),
                                               str(path), shape, "50", "1"])))
            n, g, o = (statistics.median(times[k]) for k in ("native", "generic", "ort"))
            lines.append("| %s | %.3f | %.3f | %.3f | %.2f | %.1f | %d |" % (
                name, n, g, o, n / o, seconds, size // 1024))
            print(lines[-1], flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
