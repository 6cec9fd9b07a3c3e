#!/usr/bin/python3
"""QDQ models (as ONNX Runtime's quantizer writes them) against ONNX Runtime.

Each model wraps its convs, Gemm and MatMul in DequantizeLinear (inputs,
int8 weights, int32 bias) and QuantizeLinear (outputs), with float ops
(MaxPool, GlobalAveragePool, Flatten) between: uint8 and int8 activations,
per-tensor and per-channel weights, fused Relu and Clip, strided and
depthwise convs, Gemm with transB, MatMul with per-column scales.

For each: kilnc must fold every quantized op into an integer kernel
(`--verbose` names no node that stays float), and its output must match
two oracles: the model's meaning per the ONNX spec, evaluated here in
float64 (QuantizeLinear rounds half to even and saturates), and ONNX
Runtime, which runs the same QDQ model with its own integer kernels. Float
ops between the quantized ones (pooling) and the order of float sums in the
oracles put a value on the other side of a rounding boundary now and then,
so at least 99% of the outputs must be identical and none may be more than
one quantization step apart.

Weights are 7-bit ([-64, 63], ONNX Runtime's reduce_range) except in the
`full_range` case: ONNX Runtime's AVX2 kernels without VNNI add pairs of
uint8 x int8 products in 16 bits (vpmaddubsw), which saturates with 8-bit
weights, so there it is compared with the spec only (Kiln's integer
kernels accumulate in 32 bits).

Exits 77 when ONNX Runtime or node is missing.
usage: qdq_models.py KILNC HARNESS THIRD_PARTY
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = pathlib.Path(__file__).resolve().parents[2]
MIN_EXACT = 0.99
MAX_STEPS = 1


class QdqBuilder:
    """Float graph ops with quantize/dequantize around them."""

    def __init__(self, seed, activation_dtype, per_channel, reduce_range=True):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0
        self.act = activation_dtype  # np.uint8 or np.int8
        self.per_channel = per_channel
        self.qmax = 63 if reduce_range else 127

    def name(self, prefix):
        self.count += 1
        return "%s_%d" % (prefix, self.count)

    def init(self, array):
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def qdq(self, x, scale):
        """x -> QuantizeLinear -> DequantizeLinear at the activation type."""
        zp = 128 if self.act == np.uint8 else 0
        s, z = self.init(np.float32(scale)), self.init(np.array(zp, self.act))
        return self.node("DequantizeLinear", [self.node("QuantizeLinear", [x, s, z]), s, z])

    def weight(self, w, axis):
        """Symmetric int8 weights, per channel along `axis` or per tensor."""
        if self.per_channel:
            reduce = tuple(d for d in range(w.ndim) if d != axis)
            scale = np.maximum(np.abs(w).max(axis=reduce), 1e-8) / self.qmax
            shape = [1] * w.ndim
            shape[axis] = -1
            q = np.round(w / scale.reshape(shape)).astype(np.int8)
            attrs = {"axis": axis}
        else:
            scale = np.float32(max(np.abs(w).max(), 1e-8) / self.qmax)
            q = np.round(w / scale).astype(np.int8)
            attrs = {}
        scale = np.asarray(scale, np.float32)
        zp = np.zeros(scale.shape, np.int8)
        name = self.node("DequantizeLinear",
                         [self.init(q), self.init(scale), self.init(zp)], **attrs)
        return name, scale

    def bias(self, b, input_scale, weight_scale):
        scale = (np.float32(input_scale) * weight_scale).astype(np.float32)
        scale = np.broadcast_to(scale, b.shape).astype(np.float32)
        q = np.round(b / scale).astype(np.int32)
        return self.node("DequantizeLinear",
                         [self.init(q), self.init(scale), self.init(np.zeros(b.shape, np.int32))],
                         axis=0)

    def conv(self, x, x_scale, cin, cout, k, stride=1, group=1, act=None, out_scale=0.05):
        w = self.rng.standard_normal((cout, cin // group, k, k)).astype(np.float32)
        w *= np.sqrt(2.0 / (cin // group * k * k))
        wq, ws = self.weight(w, 0)
        b = self.bias((self.rng.standard_normal(cout) * 0.1).astype(np.float32), x_scale, ws)
        y = self.node("Conv", [x, wq, b], kernel_shape=[k, k], strides=[stride] * 2,
                      pads=[k // 2] * 4, group=group)
        if act == "relu":
            y = self.node("Relu", [y])
        elif act == "relu6":
            y = self.node("Clip", [y, self.init(np.float32(0)), self.init(np.float32(6))])
        return self.qdq(y, out_scale), out_scale

    def model(self, x_shape, out):
        graph = helper.make_graph(
            self.nodes, "qdq",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def convnet(b):
    """Strided Conv+Relu, depthwise strided Conv+Clip, MaxPool, 1x1 Convs, global
    pooling and a Gemm (transB) classifier. Scales are not round numbers, so
    the float average pooling rarely lands exactly on a rounding tie (where
    float32 and float64 sums may round apart)."""
    x = b.qdq("x", 0.0291)
    # Stride 2: the pair kernels read the input's columns in two phases.
    x, s = b.conv(x, 0.0291, 3, 16, 3, stride=2, act="relu", out_scale=0.0413)
    x, s = b.conv(x, s, 16, 16, 3, stride=2, group=16, act="relu6", out_scale=0.0307)
    x = b.qdq(b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2]), s)
    # 1x1 convs: 15 filters (no whole register block: unpacked), then an odd
    # channel count (the channel-pair kernels pair the last one with zero).
    x, s = b.conv(x, s, 16, 15, 1, out_scale=0.0391)
    x, s = b.conv(x, s, 15, 24, 1, out_scale=0.0487)
    x = b.node("Flatten", [b.node("GlobalAveragePool", [x])])
    x = b.qdq(x, 0.0213)
    w = (b.rng.standard_normal((32, 24)) / np.sqrt(24)).astype(np.float32)
    wq, ws = b.weight(w, 0)
    bias = b.bias((b.rng.standard_normal(32) * 0.1).astype(np.float32), 0.0213, ws)
    y = b.qdq(b.node("Gemm", [x, wq, bias], transB=1), 0.0317)
    return b.model([4, 3, 32, 32], y)


def matmul(b):
    """Two MatMuls (per-column weights along axis 1), Relu fused."""
    x = b.qdq("x", 0.02)
    for k, n in ((32, 48), (48, 20)):
        w = (b.rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
        wq, _ = b.weight(w, 1)
        x = b.node("MatMul", [x, wq])
        if n == 48:
            x = b.node("Relu", [x])
        x = b.qdq(x, 0.03)
    return b.model([6, 32], x)


# name, graph, activation type, per-channel weights, 7-bit weights
CASES = [
    ("convnet_u8_per_channel", convnet, np.uint8, True, True),
    ("convnet_s8_per_tensor", convnet, np.int8, False, True),
    ("convnet_u8_per_tensor", convnet, np.uint8, False, True),
    ("convnet_s8_full_range", convnet, np.int8, True, False),
    ("matmul_s8_per_column", matmul, np.int8, True, True),
    ("matmul_u8_full_range", matmul, np.uint8, True, False),
]


def per_axis(values, axis, rank):
    """Scale or zero point shaped to broadcast along `axis`."""
    if values.size == 1:
        return values.reshape(())
    shape = [1] * rank
    shape[axis] = -1
    return values.reshape(shape)


def conv2d(x, w, b, group, stride, pad):
    n, _, h, wd = x.shape
    m, cg, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, m, oh, ow))
    for f in range(m):
        g = f // (m // group)
        for kh in range(k):
            for kw in range(k):
                patch = xp[:, g * cg:(g + 1) * cg, kh:kh + stride * oh:stride,
                           kw:kw + stride * ow:stride]
                y[:, f] += np.einsum("nchw,c->nhw", patch, w[f, :, kh, kw])
    return y + b.reshape(1, -1, 1, 1)


def spec_reference(model, x):
    """The model evaluated in float64 by the ONNX spec of each op used."""
    vals = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    vals["x"] = x.astype(np.float64)
    for n in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        i = [vals[k] for k in n.input]
        if n.op_type == "QuantizeLinear":
            axis, zp = a.get("axis", 1), i[2]
            info = np.iinfo(zp.dtype)
            q = np.rint(i[0] / per_axis(i[1].astype(np.float64), axis, i[0].ndim))
            q += per_axis(zp.astype(np.int64), axis, i[0].ndim)
            y = np.clip(q, info.min, info.max).astype(zp.dtype)
        elif n.op_type == "DequantizeLinear":
            axis = a.get("axis", 1)
            y = ((i[0].astype(np.int64) - per_axis(i[2].astype(np.int64), axis, i[0].ndim))
                 * per_axis(i[1].astype(np.float64), axis, i[0].ndim))
        elif n.op_type == "Conv":
            y = conv2d(i[0], i[1], i[2], a.get("group", 1), a["strides"][0], a["pads"][0])
        elif n.op_type == "MatMul":
            y = i[0] @ i[1]
        elif n.op_type == "Gemm":
            y = i[0] @ (i[1].T if a.get("transB") else i[1]) + i[2]
        elif n.op_type == "Relu":
            y = np.maximum(i[0], 0)
        elif n.op_type == "Clip":
            y = np.clip(i[0], i[1], i[2])
        elif n.op_type == "MaxPool":
            nn, c, h, w = i[0].shape
            y = i[0].reshape(nn, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
        elif n.op_type == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif n.op_type == "Flatten":
            y = i[0].reshape(i[0].shape[0], -1)
        else:
            raise ValueError("no reference for " + n.op_type)
        vals[n.output[0]] = y
    return vals[model.graph.output[0].name].reshape(-1)


def compare(ours, ref, step):
    """(fraction identical, most steps apart) of two dequantized outputs."""
    if ours.shape != ref.shape:
        return 0.0, -1
    steps = np.round(np.abs(ours - ref) / step)
    return float(np.mean(steps == 0)), int(steps.max()) if steps.size else 0


def main():
    kilnc, harness, third_party = sys.argv[1:4]
    ort = pathlib.Path(third_party).resolve() / "node_modules/onnxruntime-node"
    if not ort.exists() or not shutil.which("node"):
        print("skipped: run scripts/fetch-deps.sh for ONNX Runtime")
        return 77
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-qdq-") as tmp:
        work = pathlib.Path(tmp)
        for i, (name, make, dtype, per_channel, reduce_range) in enumerate(CASES):
            model = make(QdqBuilder(i, dtype, per_channel, reduce_range))
            path = work / (name + ".onnx")
            onnx.save(model, str(path))
            shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
            r = subprocess.run([kilnc, str(path), "-o", str(work / (name + ".o")),
                                "--name", "m", "--verbose"], capture_output=True, text=True)
            if r.returncode != 0:
                print("FAIL %s: kilnc: %s" % (name, r.stderr.strip()))
                failed += 1
                continue
            floats = [l for l in r.stderr.splitlines() if "stays float" in l]
            exe = work / name
            subprocess.run(["cc", "-O1", "-I", str(work), '-DKILN_HEADER="%s.h"' % name,
                            "-DKILN_NAME=m", harness, str(work / (name + ".o")), "-lm",
                            "-o", str(exe)], check=True)
            x = np.random.default_rng(100 + i).standard_normal(shape).astype(np.float32)
            x.tofile(work / "in.bin")
            subprocess.run([str(exe), str(work / "in.bin"), "--", str(work / "ours.bin")],
                           check=True)
            subprocess.run(["node", str(ROOT / "scripts/ort_run.js"), str(path),
                            "x".join(map(str, shape)), str(work / "in.bin"), "--",
                            str(work / "ort.bin")], check=True,
                           env=dict(os.environ, KILN_ORT_MODULE=str(ort)))
            ours = np.fromfile(work / "ours.bin", np.float32)
            # The output is dequantized: differences come in whole steps.
            last = model.graph.node[-1]
            step = float(next(numpy_helper.to_array(t) for t in model.graph.initializer
                              if t.name == last.input[1]))
            spec = compare(ours, spec_reference(model, x), step)
            ort_cmp = compare(ours, np.fromfile(work / "ort.bin", np.float32), step)
            good = lambda c: c[0] >= MIN_EXACT and 0 <= c[1] <= MAX_STEPS
            ok = good(spec) and (good(ort_cmp) or not reduce_range) and not floats
            print("%-4s %-24s %4d outputs; identical: spec %6.2f%% (max %d step), "
                  "ONNX Runtime %6.2f%% (max %d step)%s%s" % (
                      "ok" if ok else "FAIL", name, ours.size, 100 * spec[0], spec[1],
                      100 * ort_cmp[0], ort_cmp[1],
                      "" if reduce_range else ", not required (8-bit weights)",
                      "".join("\n     " + l for l in floats)))
            passed += ok
            failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
