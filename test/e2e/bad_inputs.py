#!/usr/bin/python3
"""Bad input never crashes kilnc: each case must exit 1 with exactly one
`error:` line on stderr naming the problem, and leave no output behind.

usage: bad_inputs.py KILNC
"""
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def relu_model():
    return model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                 [vi("x", [1, 4])], [vi("y", [1, 4])])


def external_model(location):
    w = numpy_helper.from_array(np.ones((4,), np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value=location)
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vi("x", [4])], [vi("y", [4])], [w])


def write(work, name, data):
    path = work / name
    if isinstance(data, onnx.ModelProto):
        data = data.SerializeToString()
    path.write_bytes(data)
    return str(path)


def cases(work):
    good = relu_model().SerializeToString()
    (work / "outside.bin").write_bytes(np.ones(4, np.float32).tobytes())
    sub = work / "models"
    sub.mkdir()
    yield "missing file", [str(work / "nope.onnx")], "cannot read file"
    yield "empty file", [write(work, "empty.onnx", b"")], "not a valid ONNX model"
    yield "truncated", [write(work, "trunc.onnx", good[: len(good) // 2])], \
        "not a valid ONNX model"
    yield "garbage", [write(work, "garbage.onnx", os.urandom(4096))], \
        "not a valid ONNX model"
    yield "unknown op", [write(work, "op.onnx", model(
        [helper.make_node("FancyOp", ["x"], ["y"], name="fancy")],
        [vi("x", [2])], [vi("y", [2])]))], \
        "node 'fancy' (FancyOp, opset 13): unsupported operator"
    yield "several unknown ops, one unnamed", [write(work, "ops.onnx", model(
        [helper.make_node("Hardmax", ["x"], ["h"], name="hard"),
         helper.make_node("FancyOp", ["h"], ["y"])],
        [vi("x", [2])], [vi("y", [2])]))], \
        "2 unsupported operators: node 'hard' (Hardmax, opset 13), " \
        "node #1 (FancyOp, opset 13, output 'y')"
    yield "absurd pads", [write(work, "pads.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[1, 1],
                          pads=[100000000] * 4)],
        [vi("x", [1, 1, 4, 4])], [vi("y", None)],
        [numpy_helper.from_array(np.ones((2, 1, 1, 1), np.float32), "w")]))], \
        "node 'c' (Conv, opset 13): output 'y' of shape 1x2x200000004x200000004 has " \
        "more elements than Kiln supports (2^31)"
    yield "empty tensor", [write(work, "empty.onnx", model(
        [helper.make_node("Slice", ["x", "s", "e"], ["t"], name="cut"),
         helper.make_node("Relu", ["t"], ["y"], name="r")],
        [vi("x", [1, 4])], [vi("y", None)],
        [numpy_helper.from_array(np.array([2], np.int64), "s"),
         numpy_helper.from_array(np.array([2], np.int64), "e")]))], \
        "node 'cut' (Slice, opset 13): output 't' of shape 0x4 has no elements: " \
        "empty tensors are not supported yet"
    # ONNX's shape inference reads these without bounds checks; they are
    # refused before it runs.
    short = numpy_helper.from_array(np.array([4, 6], np.int64), "e")
    short.raw_data = short.raw_data[:4]
    yield "short initializer", [write(work, "short.onnx", model(
        [helper.make_node("Slice", ["x", "s", "e"], ["y"], name="cut")],
        [vi("x", [4, 6])], [vi("y", None)],
        [numpy_helper.from_array(np.array([0, 0], np.int64), "s"), short]))], \
        "initializer 'e' holds 0 elements' worth of data, its shape needs 2"
    yield "rank-1 deconv weight", [write(work, "deconv.onnx", model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up")],
        [vi("x", [1, 2, 4, 4])], [vi("y", None)],
        [numpy_helper.from_array(np.ones(8, np.float32), "w")]))], \
        "node 'up' (ConvTranspose): weight must have rank >= 3, not 1"
    yield "window attribute length", [write(work, "strides.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c", strides=[1, 1, 1])],
        [vi("x", [1, 1, 4, 4])], [vi("y", None)],
        [numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")]))], \
        "node 'c' (Conv): strides has 3 values; 2 spatial dims need 2"
    yield "zero group", [write(work, "group.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c", group=0)],
        [vi("x", [1, 1, 4, 4])], [vi("y", None)],
        [numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")]))], \
        "node 'c' (Conv): group must be positive, not 0"
    yield "input listed twice", [write(work, "twice.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        [vi("x", [2]), vi("x", [1, 3])], [vi("y", None)]))], \
        "graph input 'x' is listed twice"
    yield "value defined twice", [write(work, "redefined.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="a"),
         helper.make_node("Neg", ["x"], ["y"], name="b")],
        [vi("x", [2])], [vi("y", None)]))], "node 'b' (Neg): output 'y' is defined twice"
    yield "custom domain", [write(work, "dom.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r", domain="com.acme")],
        [vi("x", [2])], [vi("y", [2])]))], "domain 'com.acme'"
    yield "op newer than opset", [write(work, "newer.onnx", model(
        [helper.make_node("HardSwish", ["x"], ["y"], name="hs")],
        [vi("x", [2])], [vi("y", [2])], opset=13))], \
        "node 'hs' (HardSwish): not defined in opset 13"
    yield "bad attribute value", [write(work, "attr.onnx", model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool",
                          kernel_shape=[2, 2], storage_order=1)],
        [vi("x", [1, 1, 4, 4])], [vi("y", None)]))], \
        "node 'pool' (MaxPool, opset 13): unsupported attribute value storage_order=1"
    yield "bad auto_pad", [write(work, "autopad.onnx", model(
        [helper.make_node("AveragePool", ["x"], ["y"], name="avg",
                          kernel_shape=[2, 2], auto_pad="WEIRD")],
        [vi("x", [1, 1, 4, 4])], [vi("y", None)]))], "unsupported auto_pad value 'WEIRD'"
    yield "shape mismatch", [write(work, "mismatch.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
        [vi("x", [1, 3, 8, 8])], [vi("y", None)],
        [numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")]))], \
        "node 'conv' (Conv, opset 13): weight has 2 channels per group, expected 3"
    yield "undefined input", [write(work, "undef.onnx", model(
        [helper.make_node("Relu", ["ghost"], ["y"], name="r")],
        [vi("x", [2])], [vi("y", [2])]))], "input 'ghost' is not defined"
    dyn = model([helper.make_node("Relu", ["x"], ["y"])],
                [vi("x", ["batch", 4])], [vi("y", ["batch", 4])])
    dyn_path = write(work, "dyn.onnx", dyn)
    yield "unbound dynamic dim", [dyn_path], \
        "input 'x' has unbound dynamic dimension 'batch' at index 0"
    yield "bad --shape syntax", [dyn_path, "--shape", "x=2xAx4"], "bad --shape 'x=2xAx4'"
    yield "--shape without =", [dyn_path, "--shape", "x"], "bad --shape 'x'"
    yield "--shape unknown input", [dyn_path, "--shape", "z=1x4"], \
        "--shape names 'z', which is not a model input (inputs: x)"
    yield "--shape wrong rank", [dyn_path, "--shape", "x=1x2x4"], "has rank 3"
    yield "--shape conflicts", [dyn_path, "--shape", "x=2x5"], \
        "sets dimension 1 to 5, but the model fixes it to 4"
    yield "--shape bad range", [dyn_path, "--shape", "x=2x8..4"], "bad --shape 'x=2x8..4'"
    yield "--shape range on a fixed dim", [dyn_path, "--shape", "x=2x1..8"], \
        "sets dimension 1 to 1..8, but the model fixes it to 4"
    wide = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[1, 5])],
                 [vi("x", [1, 1, 1, "W"])], [vi("y", None)],
                 [numpy_helper.from_array(np.ones((1, 1, 1, 5), np.float32), "w")])
    yield "range too small for a kernel", [write(work, "wide.onnx", wide),
                                           "--shape", "x=1x1x1x2..16"], \
        "at the smallest sizes of the ranges (x=1x1x1x2): "
    ranged_resize = model([helper.make_node("Shape", ["x"], ["s"]),
                           helper.make_node("Mul", ["s", "two"], ["t"]),
                           helper.make_node("Reshape", ["x", "t"], ["y"], name="grow")],
                          [vi("x", [1, "N"])], [vi("y", None)],
                          [numpy_helper.from_array(np.array([1, 2], np.int64), "two")])
    yield "ranged size in shape arithmetic", [write(work, "rs.onnx", ranged_resize),
                                              "--shape", "x=1x2..8"], \
        "the size of a ranged dim reaches shape arithmetic"
    yield "external data outside", [write(sub, "ext1.onnx", external_model("../outside.bin"))], \
        "external data location '../outside.bin' points outside the model's folder"
    yield "external data absolute", [write(sub, "ext2.onnx", external_model(str(work / "outside.bin")))], \
        "must be a relative path inside the model's folder"
    yield "external data missing", [write(sub, "ext3.onnx", external_model("nothere.bin"))], \
        "external data file 'nothere.bin' not found"
    relu = write(work, "relu.onnx", good)
    yield "unknown target", [relu, "--target", "sparc-sun-solaris"], "unknown target"
    yield "unknown cpu", [relu, "--cpu", "pentium9000"], "unknown CPU 'pentium9000'"
    yield "unknown option", [relu, "--frobnicate"], "unknown option '--frobnicate'"
    yield "empty option value", [relu, "--cpu="], "--cpu needs a value"
    yield "misspelt option", [relu, "--shapes", "x=1"], "unknown option '--shapes'"
    yield "bad --emit", [relu, "--emit", "exe"], "--emit must be obj, asm, llvm, mlir or onnx"
    yield "--emit onnx alone", [relu, "--emit", "onnx"], \
        "--emit onnx writes the model as --quantize made it; it needs --quantize int8"
    yield "--emit onnx --report", [relu, "--emit", "onnx", "--quantize", "int8", "--calibrate",
                                   str(work), "--report", str(work / "r")], \
        "--report describes a compiled object; it does not go with --emit onnx"
    yield "bad --name", [relu, "--name", "my-net"], "is not a C identifier"
    yield "run-time QDQ scale", [write(work, "qscale.onnx", model(
        [helper.make_node("QuantizeLinear", ["x", "s"], ["y"], name="q")],
        [vi("x", [4]), vi("s", [])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [4])]))], \
        "node 'q' (QuantizeLinear, opset 13): y scale must be a compile-time constant"
    yield "QDQ zero scale", [write(work, "qzero.onnx", model(
        [helper.make_node("QuantizeLinear", ["x", "s"], ["y"], name="q")],
        [vi("x", [4])], [helper.make_tensor_value_info("y", TensorProto.UINT8, [4])],
        [numpy_helper.from_array(np.float32(0), "s")]))], \
        "node 'q' (QuantizeLinear, opset 13): quantization scale 0.000000e+00 is not positive"
    # Quantization options and calibration data.
    mm = write(work, "mm.onnx", model(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        [vi("x", [2, 4])], [vi("y", [2, 3])],
        [numpy_helper.from_array(np.ones((4, 3), np.float32), "w")]))
    def cal(name, arrays):
        d = work / name
        d.mkdir()
        for i, a in enumerate(arrays):
            if isinstance(a, bytes):
                (d / ("s%d.npy" % i)).write_bytes(a)
            else:
                np.save(d / ("s%d.npy" % i), a)
        return str(d)
    yield "--quantize int4", [mm, "--quantize", "int4", "--calibrate", str(work)], \
        "--quantize must be int8, not 'int4'"
    yield "--quantize alone", [mm, "--quantize", "int8"], "needs calibration samples"
    yield "--calibrate alone", [mm, "--calibrate", str(work)], \
        "--calibrate, --calibration, --int8-tolerance and --int8-weight-bits go with --quantize int8"
    yield "bad --int8-weight-bits", [mm, "--quantize", "int8", "--calibrate", str(work),
                                     "--int8-weight-bits", "4"], "--int8-weight-bits must be 7 or 8"
    yield "unknown CPU feature", [mm, "--target", "riscv64-linux-gnu", "--cpu",
                                  "generic-rv64+vector"], \
        "unknown CPU feature '+vector' for target 'riscv64-linux-gnu'"
    gpu = ["--target", "nvptx64-nvidia-cuda"]
    yield "GPU: bad --cpu", [mm] + gpu + ["--cpu", "znver3"], \
        "--cpu for a GPU target is an architecture from sm_75 to sm_121"
    yield "GPU: old chip", [mm] + gpu + ["--cpu", "sm_60"], "not 'sm_60'"
    yield "GPU: 32-bit", [mm, "--target", "nvptx-nvidia-cuda"], "is 32-bit"
    yield "GPU: --emit llvm", [mm] + gpu + ["--emit", "llvm"], \
        "--emit for a GPU target is obj (the artifact), asm (PTX) or mlir"
    yield "GPU: --quantize", [mm] + gpu + ["--quantize", "int8", "--calibrate", str(work)], \
        "--quantize int8 is not supported on GPU targets yet"
    yield "GPU: missing libdevice", [mm] + gpu + ["--libdevice", str(work / "none.bc")], \
        "cannot read libdevice"
    yield "GPU: --gpu-emulate", [mm] + gpu + ["--gpu-emulate"], \
        "--gpu-emulate compiles float models for a CPU target"
    yield "--libdevice on a CPU", [mm, "--libdevice", str(work / "none.bc")], \
        "--libdevice is for GPU targets"
    yield "bad --calibration", [mm, "--quantize", "int8", "--calibrate", str(work),
                                "--calibration", "kl"], "--calibration must be minmax"
    yield "bad --int8-tolerance", [mm, "--quantize", "int8", "--calibrate", str(work),
                                   "--int8-tolerance", "2"], \
        "--int8-tolerance must be a relative error between 0 and 1"
    yield "calibration missing", [mm, "--quantize", "int8", "--calibrate",
                                  str(work / "nocal")], "cannot read the calibration folder"
    yield "calibration empty", [mm, "--quantize", "int8", "--calibrate", cal("cal0", [])], \
        "no calibration samples"
    yield "calibration shape", [mm, "--quantize", "int8", "--calibrate",
                                cal("cal1", [np.ones((2, 5), np.float32)])], \
        "s0.npy: shape 2x5, input 'x' is 2x4"
    yield "calibration dtype", [mm, "--quantize", "int8", "--calibrate",
                                cal("cal2", [np.ones((2, 4), np.float64)])], \
        "dtype '<f8', input 'x' takes float32"
    yield "calibration NaN", [mm, "--quantize", "int8", "--calibrate",
                              cal("cal3", [np.full((2, 4), np.nan, np.float32)])], \
        "element 0 is not finite"
    yield "calibration garbage", [mm, "--quantize", "int8", "--calibrate",
                                  cal("cal4", [b"\x93NUMPY junk"])], "s0.npy: "


def long_compile(work):
    """An LSTM of 100 steps: several seconds of passes."""
    rng = np.random.default_rng(0)
    return write(work, "long.onnx", model(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=64)],
        [vi("x", [100, 1, 32])], [vi("y", None)],
        [numpy_helper.from_array(rng.standard_normal((1, 256, 32)).astype(np.float32), "w"),
         numpy_helper.from_array(rng.standard_normal((1, 256, 64)).astype(np.float32), "r")]))


def crash_names_the_pass(kilnc, work):
    out = work / "crash"
    out.mkdir()
    p = subprocess.Popen([kilnc, long_compile(work), "-o", str(out / "m.o")],
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGSEGV)
    _, err = p.communicate(timeout=60)
    lines = err.splitlines()
    left = sorted(f.name for f in out.iterdir())
    ok = (p.returncode != 0 and len(lines) == 1 and
          re.match(r"error: internal compiler error: kilnc crashed \(in (pass '[^']+'|import)\)$",
                   lines[0]) is not None and not left)
    print("%-4s %-24s %s%s" % ("ok" if ok else "FAIL", "crash mid-compile",
                               lines[0] if lines else repr(err),
                               "" if not left else " (left %s)" % left))
    return ok


def main():
    kilnc = sys.argv[1]
    failures = 0
    count = 0
    with tempfile.TemporaryDirectory(prefix="kiln-bad-") as tmp:
        work = pathlib.Path(tmp)
        out_dir = work / "out"
        out_dir.mkdir()
        for name, args, expected in cases(work):
            count += 1
            r = subprocess.run([kilnc] + args + ["-o", str(out_dir / "m.o")],
                               capture_output=True, text=True, timeout=120)
            lines = r.stderr.splitlines()
            problems = []
            if r.returncode != 1:
                problems.append("exit code %d (want 1)" % r.returncode)
            if len(lines) != 1 or not lines[0].startswith("error: "):
                problems.append("stderr is not one 'error:' line: %r" % r.stderr)
            elif expected not in lines[0]:
                problems.append("message %r lacks %r" % (lines[0], expected))
            left = sorted(p.name for p in out_dir.iterdir())
            if left:
                problems.append("left files behind: %s" % left)
                for p in out_dir.iterdir():
                    p.unlink()
            status = "ok" if not problems else "FAIL"
            print("%-4s %-24s %s" % (status, name, lines[0] if lines else ""))
            for p in problems:
                print("     " + p)
            failures += bool(problems)
        # A crash mid-compile (a signal, here sent) is one line naming the
        # pass that was running, and leaves no file. The model takes seconds
        # to compile, so the signal arrives inside a pass.
        count += 1
        failures += not crash_names_the_pass(kilnc, work)
        # An output folder that does not exist is an error, not a crash.
        count += 1
        r = subprocess.run([kilnc, str(work / "relu.onnx"), "-o",
                            str(work / "no" / "such" / "dir" / "m.o")],
                           capture_output=True, text=True)
        ok = r.returncode == 1 and r.stderr.startswith("error: cannot write")
        print("%-4s %-24s %s" % ("ok" if ok else "FAIL", "unwritable output",
                                 r.stderr.strip()))
        failures += not ok
        # A report folder that cannot be made is one error line, and no object.
        count += 1
        blocker = work / "a_file"
        blocker.write_text("x")
        obj = work / "report_case.o"
        r = subprocess.run([kilnc, str(work / "relu.onnx"), "-o", str(obj),
                            "--report", str(blocker / "report")],
                           capture_output=True, text=True)
        lines = r.stderr.strip().splitlines()
        ok = (r.returncode == 1 and len(lines) == 1 and
              lines[0].startswith("error: cannot create report directory") and
              not obj.exists())
        print("%-4s %-24s %s" % ("ok" if ok else "FAIL", "unwritable report",
                                 r.stderr.strip()))
        failures += not ok
    print("%d passed, %d failed" % (count - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
