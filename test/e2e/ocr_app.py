#!/usr/bin/python3
"""The OCR example end to end: renders text with a real font (ImageMagick,
WenQuanYi Micro Hei), runs kiln-ocr (det -> DB boxes -> cls -> rec -> CTC)
and requires every rendered line to be read back exactly, upright and upside
down, from PNG and JPEG. With KILN_OCR_INT8 (the same app on models
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
PAGES = [
    ("latin.png", ["Hello Kiln 2026", "Ahead-of-time compiler"], []),
    ("chinese.png", ["深度学习编译器", "你好世界"], []),
    ("mixed_flipped.jpg", ["Price: 42.50 EUR", "文字识别"], ["-rotate", "180"]),
]


def render(path, lines, extra):
    args = [CONVERT, "-size", "760x%d" % (90 * len(lines) + 40), "xc:white",
            "-font", FONT, "-pointsize", "38", "-fill", "black"]
    for i, line in enumerate(lines):
        args += ["-annotate", "+40+%d" % (80 + 90 * i), line]
    subprocess.run(args + extra + [str(path)], check=True)


def read_pages(app, tmp):
    """(lines read exactly, lines missed) by `app` over PAGES."""
    passed = failed = 0
    for name, lines, extra in PAGES:
        path = tmp / name
        render(path, lines, extra)
        r = subprocess.run([app, str(path)], capture_output=True, text=True, timeout=300)
        print("%s %s:\n%s" % (os.path.basename(app), name, r.stdout.rstrip()))
        # Each line: [x0,y0,x1,y1] TEXT SCORE[ (rotated)]
        read = [line.removesuffix(" (rotated)").split(" ", 1)[1].rsplit(" ", 1)[0]
                for line in r.stdout.splitlines()]
        for want in lines:
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
