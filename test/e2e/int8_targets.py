#!/usr/bin/python3
"""Integer arithmetic is deterministic: a model that is integer end to end
(uint8 in, QLinearConv / QLinearMatMul inside, uint8 or int8 out) must give
bit-identical outputs on every target and CPU Kiln compiles for: x86-64
(generic, x86-64-v3, native), AArch64 (generic and cortex-a76, with the dot
product extension), ARMv7 (cortex-a7 NEON) and RISC-V 64, the cross targets
under qemu-user.

Exits 77 when a cross compiler or qemu-user is missing.
usage: int8_targets.py KILNC HARNESS
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from host_cpu import extra_x86_targets

TARGETS = [
    ("x86-64 generic", None, "generic", "cc", []),
    ("x86-64-v3", None, "x86-64-v3", "cc", []),
    ("x86-64 native", None, "native", "cc", []),
    ("aarch64 generic", "aarch64-linux-gnu", "generic", "aarch64-linux-gnu-gcc", ["qemu-aarch64"]),
    ("aarch64 cortex-a76", "aarch64-linux-gnu", "cortex-a76", "aarch64-linux-gnu-gcc",
     ["qemu-aarch64", "-cpu", "max"]),
    ("armv7a cortex-a7", "armv7a-linux-gnueabihf", "cortex-a7", "arm-linux-gnueabihf-gcc",
     ["qemu-arm"]),
    ("riscv64 generic", "riscv64-linux-gnu", "generic", "riscv64-linux-gnu-gcc", ["qemu-riscv64"]),
]
TARGETS += extra_x86_targets()


def qlinear_convnet(rng, limit=127):
    """uint8 1x8x12x12 -> 3x3 conv (per-channel int8 weights in [-limit,
    limit], bias) -> 3x3 depthwise stride 2 -> 1x1 conv (uint8 weights with
    a zero point) -> uint8."""
    inits, nodes = [], []

    def init(name, a):
        inits.append(numpy_helper.from_array(np.asarray(a), name))
        return name

    x, xs, xz = "x", init("xs", np.float32(0.02)), init("xz", np.uint8(120))
    # The last layer: stride 2 over an odd width (x86's pair kernels pad the
    # columns to whole phases; other targets multiply lane by lane).
    layers = [(8, 16, 3, 1, 1, True), (16, 16, 3, 2, 16, True), (16, 24, 1, 1, 1, False),
              (24, 16, 3, 2, 1, True)]
    for i, (cin, cout, k, stride, group, per_channel) in enumerate(layers):
        if per_channel:
            w = rng.integers(-limit, limit + 1, (cout, cin // group, k, k)).astype(np.int8)
            ws = (rng.uniform(0.5, 1.5, cout) * 0.01).astype(np.float32)
            wz = np.zeros(cout, np.int8)
        else:
            w = rng.integers(0, 256, (cout, cin // group, k, k)).astype(np.uint8)
            ws, wz = np.float32(0.004), np.uint8(131)
        b = rng.integers(-3000, 3000, cout).astype(np.int32)
        # The stride-2 layer sums 216 taps: a wider output scale keeps it
        # off the saturation bounds.
        scale = 0.05 + 0.01 * i if k * k * cin // group < 200 else 0.8
        ys, yz = init("ys%d" % i, np.float32(scale)), init("yz%d" % i, np.uint8(100 + i))
        y = "y%d" % i
        nodes.append(helper.make_node(
            "QLinearConv", [x, xs, xz, init("w%d" % i, w), init("ws%d" % i, ws),
                            init("wz%d" % i, wz), ys, yz, init("b%d" % i, b)], [y],
            kernel_shape=[k, k], strides=[stride] * 2, pads=[k // 2] * 4, group=group))
        x, xs, xz = y, ys, yz
    graph = helper.make_graph(
        nodes, "qconvnet",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 8, 13, 13])],
        [helper.make_tensor_value_info(x, TensorProto.UINT8, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), [1, 8, 13, 13]


def qlinear_matmul(rng, limit=127):
    """uint8 6x40 -> QLinearMatMul (int8 weights in [-limit, limit]) -> int8 out."""
    inits = [numpy_helper.from_array(np.asarray(a), n) for n, a in [
        ("as", np.float32(0.03)), ("az", np.uint8(128)),
        ("b", rng.integers(-limit, limit + 1, (40, 24)).astype(np.int8)),
        ("bs", np.float32(0.02)), ("bz", np.int8(0)),
        ("ys", np.float32(0.1)), ("yz", np.int8(-5))]]
    node = helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])
    graph = helper.make_graph(
        [node], "qmatmul", [helper.make_tensor_value_info("a", TensorProto.UINT8, [6, 40])],
        [helper.make_tensor_value_info("y", TensorProto.INT8, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), [6, 40]


# Weights within 7 bits: x86 without VNNI multiplies them on pmaddubsw
# (whose 16-bit sums cannot saturate then) rather than on pairs.
def qlinear_convnet_7bit(rng):
    return qlinear_convnet(rng, limit=64)


def qlinear_matmul_7bit(rng):
    return qlinear_matmul(rng, limit=64)


def main():
    kilnc, harness = sys.argv[1:3]
    missing = [t[3] for t in TARGETS if not shutil.which(t[3])] + \
        [t[4][0] for t in TARGETS if t[4] and not shutil.which(t[4][0])]
    if missing:
        print("skipped: needs " + ", ".join(sorted(set(missing))))
        return 77
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-int8-") as tmp:
        work = pathlib.Path(tmp)
        for make in (qlinear_convnet, qlinear_matmul, qlinear_convnet_7bit, qlinear_matmul_7bit):
            rng = np.random.default_rng(7)
            model, shape = make(rng)
            path = work / (make.__name__ + ".onnx")
            onnx.save(model, str(path))
            x = rng.integers(0, 256, shape).astype(np.uint8)
            x.tofile(work / "in.bin")
            reference = None
            for label, triple, cpu, cc, runner in TARGETS:
                tag = label.replace(" ", "_")
                obj = work / (tag + ".o")
                cmd = [kilnc, str(path), "-o", str(obj), "--name", "m", "--cpu", cpu]
                if triple:
                    cmd += ["--target", triple]
                subprocess.run(cmd, check=True)
                exe = work / tag
                link = [cc, "-O1", "-I", str(work), '-DKILN_HEADER="%s.h"' % tag,
                        "-DKILN_NAME=m", harness, str(obj), "-lm", "-o", str(exe)]
                if triple:
                    link.insert(1, "-static")
                subprocess.run(link, check=True)
                out = work / (tag + ".out")
                subprocess.run(runner + [str(exe), str(work / "in.bin"), "--", str(out)],
                               check=True)
                got = out.read_bytes()
                if reference is None:
                    reference = got
                    # A saturated or constant output would prove nothing.
                    distinct = len(set(got))
                    if distinct < 32:
                        print("FAIL %s: only %d distinct output values" % (
                            make.__name__, distinct))
                        failed += 1
                same = got == reference
                diff = np.count_nonzero(np.frombuffer(got, np.uint8) !=
                                        np.frombuffer(reference, np.uint8)) if len(got) == len(reference) else -1
                print("%-4s %-16s %-20s %5d bytes%s" % (
                    "ok" if same else "FAIL", make.__name__, label, len(got),
                    "" if same else ", %d differ from x86-64 generic" % diff))
                failed += not same
    print("%s" % ("all bit-identical" if not failed else "%d differ" % failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
