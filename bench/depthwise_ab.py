#!/usr/bin/python3
"""The Halide depthwise kernels of two (or more) Kiln builds, A/B on one
machine: each depthwise shape of bench.py's stencil table as a one-op
model, compiled by each build's kilnc with `--kernels=halide` (so each
links its own build's kernels), timed with bench/timing.c in interleaved
rounds; prints the best median per build, in ms.

A build is a kilnc whose kernels lie where kilnc looks for them
(../lib/kiln/kernels from its binary): a build folder, or an install prefix.

usage: bench/depthwise_ab.py [--cpu CPU] [--rounds N] NAME=PATH/TO/kilnc ...
"""
import argparse
import pathlib
import sys
import tempfile

import bench


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpu", default="native")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runtime", default=str(bench.ROOT / "build/lib/libkiln_runtime.a"))
    ap.add_argument("builds", nargs="+", help="NAME=KILNC")
    args = ap.parse_args()
    builds = [b.split("=", 1) for b in args.builds]
    print("| depthwise 1xCxHxW, k, stride | " + " | ".join(n for n, _ in builds) + " |")
    print("|---|" + "---|" * len(builds))
    with tempfile.TemporaryDirectory(prefix="kiln-dw-ab-") as tmp:
        work = pathlib.Path(tmp)
        for c, h, w, k, s in bench.STENCILS:
            stride, name = bench.stencil_name(c, h, w, k, s)
            path, _ = bench.depthwise_model(work, name, c, h, w, k, s)
            exes = []
            for tag, kilnc in builds:
                folder = work / tag
                folder.mkdir(exist_ok=True)
                exes.append(bench.compile_timer(argparse.Namespace(**vars(args), kilnc=kilnc),
                                                folder, name, path, kernels="halide"))
            best = [float("inf")] * len(builds)
            for _ in range(args.rounds):
                for i, exe in enumerate(exes):
                    best[i] = min(best[i], float(bench.run([str(exe), "20"])))
            print("| %dx%dx%d, %dx%d, %s | %s |" % (c, h, w, k, k, stride,
                                                  " | ".join("%.3f" % t for t in best)),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
