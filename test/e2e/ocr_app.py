#!/usr/bin/python3
"""The OCR example end to end: renders text with a real font (ImageMagick,
WenQuanYi Micro Hei), runs kiln-ocr (det -> DB boxes -> cls -> rec -> CTC)
and requires every rendered line to be read back exactly, upright and upside
down, from PNG and JPEG, including lines longer than the recognizer's
320-wide input (read by the wide recognizer, or in parts when longer than
that: Latin and Chinese of 40+ characters, upside down too) and a page in
two columns. With KILN_OCR_INT8 (the same app on models
quantized by `kilnc --quantize int8`, calibrated on other pages) every line
must be read exactly by it too. Exits 77 when the app or the renderer is
missing.

usage: ocr_app.py KILN_OCR [KILN_OCR_INT8]
"""
import os
import pathlib
import subprocess
import sys
import tempfile

CONVERT = "/usr/bin/convert"  # ImageMagick's, not a stand-in earlier on PATH
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# (file, page width, lines, extra convert arguments). A line is its text,
# at the left margin one row below the last, or (x, row, text).
PAGES = [
    ("latin.png", 760, ["Hello Kiln 2026", "Ahead-of-time compiler"], []),
    ("chinese.png", 760, ["深度学习编译器", "你好世界"], []),
    ("mixed_flipped.jpg", 760, ["Price: 42.50 EUR", "文字识别"], ["-rotate", "180"]),
    ("long_latin.png", 1000, ["The quick brown fox jumps over the lazy dog",
                              "Shipped to: Hangzhou, Zhejiang"], []),
    ("long_chinese.png", 1800,
     ["深度学习编译器把训练好的模型变成目标文件和头文件让任何程序都能直接链接使用而无需运行时"], []),
    ("long_flipped.jpg", 1800,
     ["Kiln compiles trained models into plain object files that link into any app today"],
     ["-rotate", "180"]),
    ("columns.png", 1100, [(40, 0, "Left column first"), (40, 1, "左栏第二行文字"),
                           (600, 0, "Right column here"), (600, 1, "右栏文字识别")], []),
]


def render(path, width, lines, extra):
    placed = [l if isinstance(l, tuple) else (40, i, l) for i, l in enumerate(lines)]
    rows = max(row for _, row, _ in placed) + 1
    args = [CONVERT, "-size", "%dx%d" % (width, 90 * rows + 40), "xc:white",
            "-font", FONT, "-pointsize", "38", "-fill", "black"]
    for x, row, text in placed:
        args += ["-annotate", "+%d+%d" % (x, 80 + 90 * row), text]
    subprocess.run(args + extra + [str(path)], check=True)


def read_pages(app, tmp):
    """(lines read exactly, lines missed) by `app` over PAGES."""
    passed = failed = 0
    for name, width, lines, extra in PAGES:
        path = tmp / name
        render(path, width, lines, extra)
        r = subprocess.run([app, str(path)], capture_output=True, text=True, timeout=300)
        print("%s %s:\n%s" % (os.path.basename(app), name, r.stdout.rstrip()))
        # Each line: [x0,y0,x1,y1] TEXT SCORE[ (rotated)]
        read = [line.removesuffix(" (rotated)").split(" ", 1)[1].rsplit(" ", 1)[0]
                for line in r.stdout.splitlines()]
        for want in (l[2] if isinstance(l, tuple) else l for l in lines):
            if r.returncode == 0 and want in read:
                passed += 1
            else:
                failed += 1
                print("  MISSING %r (read %r)" % (want, read))
    return passed, failed


def main():
    apps = sys.argv[1:3]
    if not os.path.exists(apps[0]) or not os.path.exists(CONVERT) or not os.path.exists(FONT):
        print("skipped: needs kiln-ocr (models fetched), imagemagick and fonts-wqy-microhei")
        return 77
    if len(apps) > 1 and not os.path.exists(apps[1]):
        print("FAIL: %s was not built" % apps[1])
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-ocr-") as tmp:
        for app in apps:
            p, f = read_pages(app, pathlib.Path(tmp))
            passed += p
            failed += f
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
