#!/usr/bin/env python3
"""Runs the bundle prepare_bundle.py made, on a machine with an NVIDIA GPU.

usage: device_check.py --bundle BUNDLE --out DIR [--runs 100] [--no-compile]

Writes DIR/device-check.md: the conformance tests on the GPU against their
expected outputs (rtol 1e-3, atol 1e-5), the PaddleOCR models against ONNX
Runtime (relative L2 <= 1e-4) and their latency (kiln-run --bench: device
buffers, median after warm-up) beside PyTorch eager and torch.compile on
the same graph (torch_ref.py, CUDA events), and the launch overhead of a
one-kernel artifact. Needs numpy; torch for the baseline.
"""
import argparse
import concurrent.futures
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
RTOL, ATOL = 1e-3, 1e-5


def run(cmd, timeout=120):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 124, "", "timed out")
    except OSError as e:  # no nvidia-smi, say
        return subprocess.CompletedProcess(cmd, 127, "", str(e))


def output_names(kiln_run, artifact):
    r = run([kiln_run, str(artifact), "--info"])
    return re.findall(r"^output (\S+) ", r.stdout, re.M)


def file_name(name):
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in name)


def check_case(kiln_run, case, work):
    names = output_names(kiln_run, case / "model.kiln")
    for ds in sorted(p for p in case.iterdir() if p.is_dir()):
        inputs = []
        for f in sorted(ds.glob("input_*.npy")):
            inputs += ["--input", "%s=%s" % (f.stem[len("input_"):], f)]
        out = pathlib.Path(tempfile.mkdtemp(dir=work))
        r = run([kiln_run, str(case / "model.kiln"), "--output", str(out)] + inputs)
        if r.returncode != 0:
            return "failed", r.stderr.strip()[:300]
        for i, name in enumerate(names):
            want = np.load(ds / ("expected_%d.npy" % i))
            got = np.load(out / (file_name(name) + ".npy"))
            if got.size != want.size:
                return "failed", "output %d: %d elements, expected %d" % (i, got.size, want.size)
            got, want = got.reshape(-1), want.reshape(-1)
            if want.dtype != np.float32:
                if not np.array_equal(got, want):
                    return "failed", "%s output %d differs" % (ds.name, i)
            elif not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True):
                return "failed", "%s output %d: max abs error %.3g" % (
                    ds.name, i, float(np.max(np.abs(got - want))))
    return "passed", ""


def bench(kiln_run, d, runs):
    out = pathlib.Path(tempfile.mkdtemp())
    r = run([kiln_run, str(d / "model.kiln"), "--input", str(d / "input.npy"), "--output",
             str(out), "--bench", str(runs)], timeout=300)
    if r.returncode != 0:
        return None, None, r.stderr.strip()
    median = float(re.search(r"median ([0-9.]+) ms", r.stdout).group(1))
    got = np.load(next(out.glob("*.npy"))).reshape(-1)
    err = None
    if (d / "expected.npy").exists():
        want = np.load(d / "expected.npy").reshape(-1)
        err = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
    return median, err, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    bundle, out = pathlib.Path(args.bundle), pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kiln_run = str(bundle / "bin" / "kiln-run")
    gpu = run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"])
    lines = ["# Kiln device check", "", "%s, GPU: %s" % (
        time.strftime("%Y-%m-%d"), gpu.stdout.strip() or "unknown"), ""]

    # The launch overhead, then the models: the numbers matter most.
    empty, _, error = bench(kiln_run, bundle / "empty", args.runs)
    lines += ["One-kernel artifact (launch overhead): %s" % (
        "%.4f ms" % empty if empty is not None else "failed: " + error), ""]
    lines += ["| model | Kiln ms | rel L2 vs ORT | torch eager ms | torch.compile ms | "
              "Kiln/eager | Kiln/compile | torch rel L2 (eager, compile) |",
              "|---|---|---|---|---|---|---|---|"]
    for name in ("det", "rec", "cls"):
        d = bundle / "ocr" / name
        kiln_ms, err, error = bench(kiln_run, d, args.runs)
        ref = {}
        r = run([sys.executable, str(HERE / "torch_ref.py"), str(d), str(d / "input.npy"),
                 "--expected", str(d / "expected.npy"), "--runs", str(args.runs)]
                + (["--no-compile"] if args.no_compile else []), timeout=600)
        if r.returncode == 0:
            ref = json.loads(r.stdout.strip().splitlines()[-1])
        else:
            (out / ("torch_%s.log" % name)).write_text(r.stdout + r.stderr)

        def fmt(v, spec="%.3f"):
            return spec % v if v is not None else "-"
        eager, comp = ref.get("eager_ms"), ref.get("compile_ms")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s, %s |" % (
            name, fmt(kiln_ms) if kiln_ms is not None else "failed: " + error[:80],
            fmt(err, "%.2e"), fmt(eager), fmt(comp),
            fmt(kiln_ms / eager if kiln_ms and eager else None, "%.2f"),
            fmt(kiln_ms / comp if kiln_ms and comp else None, "%.2f"),
            fmt(ref.get("eager_rel_l2"), "%.1e"), fmt(ref.get("compile_rel_l2"), "%.1e")))
        (out / "device-check.md").write_text("\n".join(lines) + "\n")

    cases = sorted(p for p in (bundle / "conformance").iterdir() if p.is_dir()) \
        if (bundle / "conformance").is_dir() else []
    results = {}
    with tempfile.TemporaryDirectory() as work, \
            concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = {pool.submit(check_case, kiln_run, c, work): c.name for c in cases}
        for f in concurrent.futures.as_completed(futures):
            results[futures[f]] = f.result()
    passed = sum(1 for s, _ in results.values() if s == "passed")
    lines += ["", "Conformance on the GPU: **%d of %d passed** (rtol %g, atol %g)." % (
        passed, len(results), RTOL, ATOL), ""]
    failed = sorted((n, d) for n, (s, d) in results.items() if s != "passed")
    if failed:
        lines += ["| test | detail |", "|---|---|"]
        lines += ["| %s | %s |" % (n, d.replace("|", "\\|")) for n, d in failed]
    (out / "device-check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
