#!/usr/bin/python3
"""PaddleOCR's recognizer compiled once with a ranged width against the same
model compiled at each fixed width, in the same run: a markdown table of
median ms (interleaved rounds, best round kept).

usage: bench/ranged_widths.py [--cpu CPU] [--widths 96,320,640,1280]
                              [--range 32..1280] [--rounds N] [--threads T]
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import ASSETS, ROOT, build_timer, run  # noqa: E402

REC = ASSETS / "ch_PP-OCRv4_rec_infer.onnx"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kilnc", default=str(ROOT / "build/bin/kilnc"))
    p.add_argument("--runtime", default=str(ROOT / "build/lib/libkiln_runtime.a"))
    p.add_argument("--cpu", default="native")
    p.add_argument("--widths", default="96,320,640,1280")
    p.add_argument("--range", default="32..1280")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    with tempfile.TemporaryDirectory(prefix="kiln-ranged-bench-") as tmp:
        work = pathlib.Path(tmp)
        ranged = work / "ranged"
        run([args.kilnc, str(REC), "-o", str(work / "ranged.o"), "--name", "ranged",
             "--cpu", args.cpu, "--shape", "x=1x3x48x" + args.range])
        run(["cc", "-O2", "-I", str(work), "-I", str(ROOT / "runtime"),
             '-DKILN_HEADER="ranged.h"', "-DKILN_NAME=ranged",
             str(ROOT / "bench/ranged_timing.c"), str(work / "ranged.o"), args.runtime,
             "-lm", "-lpthread", "-o", str(ranged)])
        fixed = {}
        for w in widths:
            name = "rec%d" % w
            run([args.kilnc, str(REC), "-o", str(work / (name + ".o")), "--name", name,
                 "--cpu", args.cpu, "--shape", "x=1x3x48x%d" % w])
            build_timer(args, work, name, work / (name + ".o"), work / name)
            fixed[w] = work / name
        best = {w: [float("inf"), float("inf")] for w in widths}
        for _ in range(args.rounds):
            for w in widths:
                t = [str(args.threads)]
                best[w][0] = min(best[w][0], float(run([str(ranged), str(w), "10"] + t)))
                best[w][1] = min(best[w][1], float(run([str(fixed[w]), "10"] + t)))
        print("| width | ranged %s ms | fixed ms | ranged / fixed |" % args.range)
        print("|---|---|---|---|")
        for w in widths:
            r, f = best[w]
            print("| %d | %.2f | %.2f | %.2f |" % (w, r, f, r / f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
