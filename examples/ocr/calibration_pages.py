#!/usr/bin/python3
"""Calibration samples for the int8 OCR models: renders pages of text (never
the test pages' text), runs the float kiln-ocr on each with --dump-inputs,
so that det, cls and rec are calibrated on exactly what the app feeds them.

usage: calibration_pages.py KILN_OCR OUT_DIR
"""
import pathlib
import shutil
import subprocess
import sys

CONVERT = "/usr/bin/convert"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# Latin, digits, punctuation and Chinese, in several sizes; some pages
# upside down, so cls sees both orientations.
PAGES = [
    (["Invoice 2031-07 total 118.40", "Quick brown fox jumps"], 36, False),
    (["光学字符识别系统", "模型编译与部署"], 40, False),
    (["Serial No. A7-553-K", "自动驾驶 视觉感知"], 34, True),
    (["Temperature 21.5 C", "Battery 87% charged"], 42, False),
    (["数据中心 服务器", "Hello edge device"], 38, True),
    (["Order #44721 shipped", "端到端推理加速"], 32, False),
    (["Meeting at 10:45 room B", "每秒处理一千张图片"], 36, False),
    (["Zurich Wien Praha Roma", "量化 校准 精度"], 40, True),
    # Short words, for the 320-wide recognizer (most lines above are wider).
    (["Roma 12", "量化", "Gate B7", "出口"], 40, False),
    (["Wien", "校准 3", "No. 58", "精度"], 36, True),
    (["Tel 110", "输入", "Fax 2", "模型"], 42, False),
    # Long lines, for the wide recognizer (rec_wide).
    (["Shipping manifest for container MSKU 7731 bound for Rotterdam",
      "城市道路交通监控系统实时识别车牌号码与行人"], 34, False),
    (["Firmware update 4.2.19 installed on all gateway devices", "边缘设备上的离线语音助手"],
     36, True),
]
MODELS = ("det", "cls", "rec", "rec_wide")


def main():
    app, out = sys.argv[1], pathlib.Path(sys.argv[2])
    if out.exists():
        shutil.rmtree(out)
    for model in MODELS:
        (out / model).mkdir(parents=True)
    for i, (lines, size, flip) in enumerate(PAGES):
        page = out / ("page%d.png" % i)
        width = 820 if all(len(line) <= 30 for line in lines) else 1400
        args = [CONVERT, "-size", "%dx%d" % (width, int(size * 2.4) * len(lines) + 60), "xc:white",
                "-font", FONT, "-pointsize", str(size), "-fill", "black"]
        for j, line in enumerate(lines):
            args += ["-annotate", "+40+%d" % (int(size * 1.8) + int(size * 2.4) * j), line]
        if flip:
            args += ["-rotate", "180"]
        subprocess.run(args + [str(page)], check=True)
        subprocess.run([app, str(page), "--dump-inputs", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        page.unlink()
    counts = {m: len(list((out / m).glob("*.npy"))) for m in MODELS}
    print("calibration samples: " + ", ".join("%s %d" % kv for kv in counts.items()))
    return 0 if all(counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
