#!/usr/bin/python3
"""The GPU path without a GPU.

1. Small models and the PaddleOCR models compile for nvptx64-nvidia-cuda;
   their PTX assembles with the CUDA toolkit's ptxas for sm_80 and sm_90
   (skipped, with a message, where the toolkit is absent).
2. flatc prints an artifact as JSON (the schema describes everything).
3. Truncated, bit-flipped, wrong-version and out-of-bounds artifacts are
   refused by the runtime's loader, built with ASan and UBSan.
4. Without a driver the runtime says so and kiln-run exits 1.
5. With a stand-in driver that checks every call, kiln-run runs an
   artifact: the first run launches kernel by kernel, the second captures
   a CUDA graph, the rest launch the graph.
"""
import argparse
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from paddleocr_models import MODELS  # noqa: E402  the models and shapes the CPU tests use

PTXAS = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")
FAILURES = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)


def small_models(directory):
    """Convs, a matmul, transcendentals, a reduction, two inputs."""
    rng = np.random.default_rng(0)
    F = TensorProto.FLOAT

    def save(name, nodes, inputs, outputs, inits):
        graph = helper.make_graph(nodes, name, inputs, outputs, inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 7
        path = os.path.join(directory, name + ".onnx")
        onnx.save(m, path)
        return path

    w = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "b")
    conv = save("conv_softmax", [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Softmax", ["f"], ["y"], axis=1),
    ], [helper.make_tensor_value_info("x", F, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", F, [1, 8])], [w, b])
    m = numpy_helper.from_array(rng.standard_normal((16, 12)).astype(np.float32), "m")
    math = save("two_inputs_math", [
        helper.make_node("MatMul", ["a", "m"], ["p"]),
        helper.make_node("Tanh", ["p"], ["t"]),
        helper.make_node("Erf", ["t"], ["e"]),
        helper.make_node("Sigmoid", ["s"], ["q"]),
        helper.make_node("Add", ["e", "q"], ["y"]),
        helper.make_node("ReduceMax", ["y"], ["z"], axes=[1], keepdims=0),
    ], [helper.make_tensor_value_info("a", F, [4, 16]),
        helper.make_tensor_value_info("s", F, [4, 12])],
        [helper.make_tensor_value_info("y", F, [4, 12]),
         helper.make_tensor_value_info("z", F, [4])], [m])
    return [(conv, []), (math, [])]


def paddleocr_models(third_party):
    assets = os.path.join(third_party, "node_modules", "@gutenye", "ocr-models", "assets")
    found = [(os.path.join(assets, f), ["--shape", "x=" + "x".join(map(str, shape))])
             for f, shape in MODELS.values() if os.path.exists(os.path.join(assets, f))]
    if len(found) < len(MODELS):
        print("note: PaddleOCR models not found under %s (scripts/fetch-deps.sh); "
              "checking the small models only" % assets)
    return found


def compile_all(args, models, work):
    artifacts = []
    have_ptxas = os.access(PTXAS, os.X_OK)
    if not have_ptxas:
        print("note: %s not found; PTX is not assembled (install the CUDA toolkit)" % PTXAS)
    for path, extra in models:
        stem = os.path.splitext(os.path.basename(path))[0]
        for chip in ("sm_80", "sm_90"):
            out = os.path.join(work, "%s.%s.kiln" % (stem, chip))
            r = subprocess.run([args.kilnc, path, "--target", "nvptx64-nvidia-cuda",
                                "--cpu", chip, "-o", out] + extra,
                               capture_output=True, text=True)
            check(r.returncode == 0 and os.path.exists(out),
                  "%s compiles for %s %s" % (stem, chip, r.stderr.strip()))
            if r.returncode != 0:
                continue
            artifacts.append(out)
            ptx = out[:-5] + ".ptx"
            r = subprocess.run([args.kilnc, path, "--target", "nvptx64-nvidia-cuda",
                                "--cpu", chip, "--emit", "asm", "-o", ptx] + extra,
                               capture_output=True, text=True)
            check(r.returncode == 0, "%s PTX for %s %s" % (stem, chip, r.stderr.strip()))
            if have_ptxas and r.returncode == 0:
                r = subprocess.run([PTXAS, "-arch", chip, ptx, "-o", ptx + ".cubin"],
                                   capture_output=True, text=True)
                check(r.returncode == 0, "%s assembles with ptxas -arch %s %s"
                      % (stem, chip, r.stderr.strip()[:300]))
    return artifacts


def checksum_field(data):
    """The byte offset of Artifact.checksum (field 10) in a finished buffer."""
    root = struct.unpack_from("<I", data, 0)[0]
    vtable = root - struct.unpack_from("<i", data, root)[0]
    vtable_bytes = struct.unpack_from("<H", data, vtable)[0]
    slot = 4 + 2 * 10
    assert slot < vtable_bytes, "no checksum field"
    return root + struct.unpack_from("<H", data, vtable + slot)[0]


def field(data, index):
    root = struct.unpack_from("<I", data, 0)[0]
    vtable = root - struct.unpack_from("<i", data, root)[0]
    return root + struct.unpack_from("<H", data, vtable + 4 + 2 * index)[0]


def reseal(data):
    """Recomputes the checksum, as a tamperer who knows the format would."""
    data = bytearray(data)
    at = checksum_field(data)
    data[at:at + 4] = b"\0\0\0\0"
    struct.pack_into("<I", data, at, zlib.crc32(bytes(data)) & 0xffffffff)
    return bytes(data)


def corruptions(artifact, work):
    data = open(artifact, "rb").read()
    rng = random.Random(1)
    cases = []  # (path, expected status)

    def add(name, blob, status):
        path = os.path.join(work, "bad-%s.kiln" % name)
        open(path, "wb").write(blob)
        cases.append((path, status))

    for n in sorted({0, 1, 4, 7, 8, 12, 64, 1000, len(data) // 2, len(data) - 1}
                    | {rng.randrange(len(data)) for _ in range(20)}):
        add("truncated-%d" % n, data[:n], 3)
    for i in range(60):
        pos = rng.randrange(len(data))
        blob = bytearray(data)
        blob[pos] ^= 1 << rng.randrange(8)
        add("flip-%d" % pos, bytes(blob), 3)
    # A resealed flip in the structure: the verifier or the checks after it.
    for i in range(200):
        pos = rng.randrange(len(data))
        blob = bytearray(data)
        blob[pos] ^= 0xff
        add("sealed-flip-%d" % pos, reseal(blob), None)
    version = bytearray(data)
    struct.pack_into("<I", version, field(version, 0), 2)
    add("version-2", reseal(version), 4)
    not_artifact = bytearray(data)
    not_artifact[4:8] = b"ONNX"
    add("identifier", bytes(not_artifact), 3)
    return cases


def run_loader(args, cases):
    # One process for all of them: ASan reports end it with an error.
    r = subprocess.run([args.load_artifact] + [p for p, _ in cases],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "Sanitizer" not in r.stderr,
          "the loader survives every corrupted artifact under ASan/UBSan %s"
          % r.stderr[-2000:])
    lines = dict(line.split(": ", 1) for line in r.stdout.splitlines() if ": " in line)
    sealed = [lines.get(p, "") for p, s in cases if s is None]
    refused = [l for l in sealed if l.startswith("status ")]
    check(len(refused) > 0, "resealed flips: %d of %d refused (the others hit bytes "
          "whose every value is valid: weights, PTX text, scalars)" % (len(refused), len(sealed)))
    for reason in sorted({l.split(": ", 2)[-1].split(" (")[0] for l in refused})[:8]:
        print("      e.g. " + reason)
    for path, status in cases:
        got = lines.get(path, "missing")
        name = os.path.basename(path)
        if status == "ok":
            check(got.startswith("ok"), "%s loads: %s" % (name, got))
        elif status is None:
            # Either refused or (a flip in a byte nothing reads) accepted.
            check(got.startswith("status ") or got.startswith("ok"),
                  "%s: %s" % (name, got))
        else:
            check(got.startswith("status %d:" % status), "%s refused: %s" % (name, got))


def run_tools(args, artifact, work):
    info = subprocess.run([args.kiln_run, artifact, "--info"], capture_output=True, text=True)
    check(info.returncode == 0 and "input x float32 [1, 3, 16, 16]" in info.stdout,
          "kiln-run --info describes the artifact: %s" % info.stdout.strip())
    x = os.path.join(work, "x.npy")
    np.save(x, np.random.default_rng(2).standard_normal((1, 3, 16, 16)).astype(np.float32))
    env = dict(os.environ, KILN_CUDA_DRIVER=os.path.join(work, "no-such-libcuda.so.1"))
    r = subprocess.run([args.kiln_run, artifact, "--input", "x=" + x], env=env,
                       capture_output=True, text=True)
    check(r.returncode == 1 and r.stderr.startswith("error: kiln: no CUDA driver found")
          and r.stderr.count("\n") == 1,
          "without a driver kiln-run exits 1: %s" % r.stderr.strip())
    bad = os.path.join(work, "wrong.npy")
    np.save(bad, np.zeros((1, 3, 16, 15), np.float32))
    r = subprocess.run([args.kiln_run, artifact, "--input", bad], capture_output=True, text=True)
    check(r.returncode == 1 and "input 'x' is float32 [1, 3, 16, 16]" in r.stderr,
          "a wrong input shape is one error: %s" % r.stderr.strip())

    # The runs on the stand-in driver, with kiln-run and the runtime under
    # ASan and UBSan.
    env = dict(os.environ, KILN_CUDA_DRIVER=os.path.abspath(args.mock_driver))
    out = os.path.join(work, "out")
    r = subprocess.run([args.kiln_run_sanitized, artifact, "--input", "x=" + x, "--output",
                        out, "--bench", "5"], env=env, capture_output=True, text=True)
    check(r.returncode == 0 and "Sanitizer" not in r.stderr,
          "kiln-run on the stand-in driver: %s" % r.stderr.strip())
    stats = [line for line in r.stderr.splitlines() if line.startswith("mock-cuda: launches")]
    view = artifact[:-5] + ".json"  # run_flatc's
    launches = len(json.load(open(view))["launches"]) if os.path.exists(view) else None
    if stats and launches is not None:
        d, g, c = (int(v) for v in re.match(
            r"mock-cuda: launches (\d+), graph launches (\d+), captured (\d+)",
            stats[0]).groups())
        # 1 host run, 10 warm-up and 5 timed device runs on the same buffers.
        check((d, c, g) == (launches, launches, 15 * launches),
              "first run direct, second captured, then graphs (%d kernels): %s"
              % (launches, stats[0]))
    check("allocations 2, freed 2" in (stats[0] if stats else ""),
          "two device allocations, both freed: %s" % (stats[0] if stats else r.stderr))
    y = os.path.join(out, "y.npy")
    check(os.path.exists(y) and np.load(y).shape == (1, 8), "outputs written as .npy")

    # Driver failures: one error line naming the call, exit 1, and every
    # device allocation given back.
    for call, words in (("cuModuleLoadDataEx", "injected failure"),
                        ("cuMemAlloc_v2", "out of memory"),
                        ("cuLaunchKernel", "unspecified launch failure")):
        failing = dict(env, KILN_MOCK_CUDA_FAIL=call)
        r = subprocess.run([args.kiln_run_sanitized, artifact, "--input", "x=" + x],
                           env=failing, capture_output=True, text=True)
        lines = [l for l in r.stderr.splitlines() if not l.startswith("mock-cuda: launches")]
        stats = re.search(r"allocations (\d+), freed (\d+)", r.stderr)
        check(r.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: kiln: ")
              and call.split("_")[0] in lines[0] and words in lines[0]
              and stats and stats.group(1) == stats.group(2) and "Sanitizer" not in r.stderr,
              "a failing %s: %s" % (call, r.stderr.strip()))


def run_flatc(args, artifact, work):
    if not shutil.which("flatc"):
        print("note: flatc not found; JSON view not checked")
        return
    r = subprocess.run(["flatc", "--json", "--strict-json", "--raw-binary", "-o", work,
                        args.schema, "--", artifact], capture_output=True, text=True)
    path = os.path.join(work, os.path.splitext(os.path.basename(artifact))[0] + ".json")
    check(r.returncode == 0 and os.path.exists(path), "flatc --json reads the artifact")
    if not os.path.exists(path):
        return
    a = json.load(open(path))
    check(a["version"] == 1 and a["chip"] == "sm_80" and a["ptx"].startswith("//")
          and ".target sm_80" in a["ptx"], "version, chip and PTX")
    check(all(l["kernel"] in a["ptx"] for l in a["launches"]), "every launch names a kernel")
    check(a["arena_bytes"] >= max([b["offset"] + b["bytes"] for b in a["arena_plan"]] or [0]),
          "the arena holds its plan")
    check(len(a["weights"]) >= (8 * 27 + 8) * 4, "the weights are in the blob")


def main():
    p = argparse.ArgumentParser()
    for name in ("kilnc", "kiln-run", "kiln-run-sanitized", "load-artifact", "mock-driver",
                 "schema", "third-party"):
        p.add_argument("--" + name, required=True)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="kiln-gpu-")
    try:
        models = small_models(work)
        artifacts = compile_all(args, models + paddleocr_models(args.third_party), work)
        first = os.path.join(work, "conv_softmax.sm_80.kiln")
        if os.path.exists(first):
            run_flatc(args, first, work)
            run_loader(args, [(a, "ok") for a in artifacts] + corruptions(first, work))
            run_tools(args, first, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
