#!/usr/bin/python3
"""Random-weight models in the style of real networks, against ONNX Runtime.

Writes each model with onnx.helper, compiles it with kilnc, runs it through
the generic harness and through ONNX Runtime on the same random input, and
requires relative L2 error <= 1e-4:

- mobilenet_v2: inverted residual blocks (1x1 expand, 3x3 depthwise, Clip
  ReLU6, 1x1 project, residual Add), a strided block, classifier head;
- squeeze_excite: hard-swish conv with a squeeze-excite gate
  (GlobalAveragePool, 1x1 convs, Relu, HardSigmoid, Mul);
- depthwise_kernels: each Halide depthwise kernel variant Kiln links in
  (3x3/5x5, stride 1/2, fused activations, odd widths, asymmetric pads),
  generic and, on an AVX2 host, with --cpu x86-64-v3 (the AVX2 kernel set);
- unet_decoder: MaxPool encoder, ConvTranspose and Resize decoders, Concat
  skip connections;
- packed_weights: contractions over constants packed at compile time
  (1x1 convs with and without bias, filters not a multiple of 8, batched
  MatMul and Gemm with transposed operands, widths past the last 32-column
  panel);
- wide_matmul: MatMul and Gemm large enough for the wide register tile
  (compiled with --cpu native);
- sequence_ops: CumSum, ReduceLogSumExp, TopK, Softsign and LRN in float32
  (the ONNX suite has some of them in float64 only);
- lstm_bidirectional, gru_reverse, gru_bidirectional, rnn_relu: recurrent
  layers with what the ONNX suite leaves out (both directions, sequence
  lengths, linear_before_reset, clip, non-default activations);
- if_shape_test, if_runtime, loop_scan: an If folded at compile time, an
  If on a run-time value, and a Loop unrolled with carried and scan outputs;
- audio_frontend: STFT as a strided Conv, power, mel MatMul, log, minus
  the rank-0 peak; lstm_runtime_if: an LSTM whose head is an If on a
  run-time value;
- transformer_block: decomposed LayerNorm (ReduceMean, Sub, Pow, Sqrt, Div),
  multi-head attention (Einsum for Q.K^T, MatMul, Reshape, Transpose,
  Softmax), Erf GELU MLP.

Exits 77 when ONNX Runtime or node is missing.
usage: model_zoo.py KILNC HARNESS THIRD_PARTY
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
TOLERANCE = 1e-4


class Builder:
    """Collects nodes and random initializers with unique names."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return "%s_%d" % (prefix, self.count)

    def weight(self, shape, scale=None):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        scale = scale if scale is not None else 1.0 / np.sqrt(max(fan_in, 1))
        name = self.name("w")
        self.inits.append(numpy_helper.from_array(
            (self.rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def const(self, array, dtype=np.float32):
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k=1, stride=1, group=1, bias=True):
        inputs = [x, self.weight((cout, cin // group, k, k))]
        if bias:
            inputs.append(self.weight((cout,), 0.1))
        return self.op("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride],
                       pads=[k // 2] * 4, group=group)

    def model(self, x_shape, out, opset=13):
        graph = helper.make_graph(
            self.nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m


def mobilenet_v2(b):
    def block(x, cin, cout, expand, stride):
        h = b.op("Clip", [b.conv(x, cin, cin * expand), b.const(0.0), b.const(6.0)])
        h = b.op("Clip", [b.conv(h, cin * expand, cin * expand, 3, stride, cin * expand),
                          b.const(0.0), b.const(6.0)])
        h = b.conv(h, cin * expand, cout)
        return b.op("Add", [x, h]) if stride == 1 and cin == cout else h
    x = b.op("Clip", [b.conv("x", 3, 16, 3, 2), b.const(0.0), b.const(6.0)])
    x = block(x, 16, 16, 4, 1)
    x = block(x, 16, 24, 6, 2)
    x = block(x, 24, 24, 6, 1)
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])])
    y = b.op("Gemm", [x, b.weight((10, 24)), b.weight((10,), 0.1)], transB=1)
    return b.model([1, 3, 32, 32], b.op("Softmax", [y], axis=1))


def squeeze_excite(b):
    x = b.op("HardSwish", [b.conv("x", 3, 32, 3, 1)])
    s = b.op("GlobalAveragePool", [x])
    s = b.op("Relu", [b.conv(s, 32, 8)])
    s = b.op("HardSigmoid", [b.conv(s, 8, 32)], alpha=1.0 / 6, beta=0.5)
    x = b.op("Mul", [x, s])
    return b.model([1, 3, 24, 24], b.op("HardSwish", [b.conv(x, 32, 16, 3, 2)]), opset=14)


def depthwise_kernels(b):
    """Every Halide depthwise variant: 3x3 and 5x5, strides 1, 2, 2x1 and
    1x2, fused Relu, Clip, HardSwish or none, with and without bias,
    asymmetric pads, rows wider and narrower than a vector, channel blocks
    split in calls."""
    def dw(x, c, k, stride, pads, bias=True):
        inputs = [x, b.weight((c, 1, k, k))] + ([b.weight((c,), 0.1)] if bias else [])
        strides = list(stride) if isinstance(stride, tuple) else [stride, stride]
        return b.op("Conv", inputs, kernel_shape=[k, k], strides=strides,
                    pads=pads, group=c)
    x = b.op("Relu", [dw("x", 64, 3, 1, [1, 1, 1, 1])])
    x = b.op("Clip", [dw(x, 64, 5, 1, [2, 2, 2, 2]), b.const(0.0), b.const(6.0)])
    x = b.op("HardSwish", [dw(x, 64, 3, (2, 1), [1, 1, 1, 1], bias=False)])
    x = dw(x, 64, 5, (1, 2), [2, 2, 2, 2])
    x = b.op("HardSwish", [dw(x, 64, 3, 2, [1, 1, 1, 1], bias=False)])
    x = dw(x, 64, 5, 2, [2, 1, 1, 2])
    return b.model([1, 64, 37, 23], x, opset=14)


def unet_decoder(b):
    e1 = b.op("Relu", [b.conv("x", 3, 8, 3)])
    e2 = b.op("Relu", [b.conv(b.op("MaxPool", [e1], kernel_shape=[2, 2], strides=[2, 2]), 8, 16, 3)])
    e3 = b.op("Relu", [b.conv(b.op("MaxPool", [e2], kernel_shape=[2, 2], strides=[2, 2]), 16, 32, 3)])
    up2 = b.op("ConvTranspose", [e3, b.weight((32, 16, 2, 2)), b.weight((16,), 0.1)],
               kernel_shape=[2, 2], strides=[2, 2])
    d2 = b.op("Relu", [b.conv(b.op("Concat", [up2, e2], axis=1), 32, 16, 3)])
    up1 = b.op("Resize", [d2, "", b.const([1, 1, 2, 2])], mode="linear",
               coordinate_transformation_mode="half_pixel")
    d1 = b.op("Relu", [b.conv(b.op("Concat", [up1, e1], axis=1), 24, 8, 3)])
    return b.model([1, 3, 32, 32], b.op("Sigmoid", [b.conv(d1, 8, 1)]))


def transformer_block(b, tokens=16, dim=32, heads=4):
    head = dim // heads

    def layer_norm(x):
        mean = b.op("ReduceMean", [x], axes=[-1])
        d = b.op("Sub", [x, mean])
        var = b.op("ReduceMean", [b.op("Pow", [d, b.const(2.0)])], axes=[-1])
        y = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [var, b.const(1e-5)])])])
        return b.op("Add", [b.op("Mul", [y, b.weight((dim,), 1.0)]), b.weight((dim,), 0.1)])

    def linear(x, cin, cout):
        return b.op("Add", [b.op("MatMul", [x, b.weight((cin, cout))]), b.weight((cout,), 0.1)])

    def split_heads(x):
        x = b.op("Reshape", [x, b.const([1, tokens, heads, head], np.int64)])
        return b.op("Transpose", [x], perm=[0, 2, 1, 3])

    h = layer_norm("x")
    q, k, v = (split_heads(linear(h, dim, dim)) for _ in range(3))
    scores = b.op("Div", [b.op("Einsum", [q, k], equation="bhid,bhjd->bhij"),
                          b.const(np.sqrt(head))])
    attn = b.op("MatMul", [b.op("Softmax", [scores], axis=-1), v])
    attn = b.op("Reshape", [b.op("Transpose", [attn], perm=[0, 2, 1, 3]),
                            b.const([1, tokens, dim], np.int64)])
    x = b.op("Add", ["x", linear(attn, dim, dim)])
    h = linear(layer_norm(x), dim, 4 * dim)
    gelu = b.op("Mul", [b.op("Mul", [h, b.op("Add", [b.op("Erf", [
        b.op("Div", [h, b.const(np.sqrt(2.0))])]), b.const(1.0)])]), b.const(0.5)])
    return b.model([1, tokens, dim], b.op("Add", [x, linear(gelu, 4 * dim, dim)]))


def model_inputs(model):
    """[(name, dims)] of a model's graph inputs."""
    return [(v.name, [d.dim_value for d in v.type.tensor_type.shape.dim])
            for v in model.graph.input]


def write_calibration(folder, inputs, rng, count):
    """`count` standard-normal samples as kilnc --calibrate reads them: one
    .npy each for one input, a folder of <input name>.npy each for several."""
    folder.mkdir()
    for s in range(count):
        arrays = [rng.standard_normal(shape).astype(np.float32) for _, shape in inputs]
        if len(inputs) == 1:
            np.save(folder / ("%03d.npy" % s), arrays[0])
        else:
            (folder / ("s%03d" % s)).mkdir()
            for (n, _), a in zip(inputs, arrays):
                np.save(folder / ("s%03d" % s) / (n + ".npy"), a)


def calibrated_case(work, make, seed, sample_seed, calibration, tests):
    """A model of `make` saved in `work`, with `calibration` samples in a
    folder and `tests` other inputs: (name, model, path, calibration folder,
    test inputs), each test a list of arrays in input order."""
    name = make.__name__
    model = make(Builder(seed=seed))
    path = work / (name + ".onnx")
    onnx.save(model, str(path))
    inputs = model_inputs(model)
    rng = np.random.default_rng(sample_seed)
    cal = work / (name + "_cal")
    write_calibration(cal, inputs, rng, calibration)
    samples = [[rng.standard_normal(shape).astype(np.float32) for _, shape in inputs]
               for _ in range(tests)]
    return name, model, path, cal, samples


def two_inputs(b, rows=16, x_cols=256, z_cols=64, out=128):
    """y = Relu(x W1) + z W2: two inputs, so a calibration sample is a folder."""
    x = b.op("Relu", [b.op("MatMul", ["x", b.weight((x_cols, out))])])
    y = b.op("Add", [x, b.op("MatMul", ["z", b.weight((z_cols, out))])])
    graph = helper.make_graph(
        b.nodes, "two_inputs",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, x_cols]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, [rows, z_cols])],
        [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)], b.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def packed_weights(b):
    x = b.conv("x", 24, 40)                       # 5 blocks of 8 filters, bias
    x = b.conv(x, 40, 16, bias=False)             # no bias: a zero start
    x = b.conv(x, 16, 12)                         # 12 filters: unpacked
    t = b.op("Reshape", [x, b.const([1, 2, 6, 60], np.int64)])
    t = b.op("MatMul", [t, b.weight((60, 45))])  # batch 1x2, one panel + 13
    f = b.op("Reshape", [t, b.const([12, 45], np.int64)])
    g = b.op("Gemm", [f, b.weight((70, 45)), b.weight((70,), 0.1)], transB=1)  # 2 + 6
    return b.model([1, 24, 6, 10], b.op("Gemm", [g, b.weight((12, 40))], transA=1))


def wide_matmul(b):
    """Large products: on a host with AVX-512 (--cpu native) they take the
    wide 6x64 register tile: 64-column panels, a remainder of 8 columns and
    rows that 6 does not divide."""
    x = b.op("MatMul", ["x", b.weight((160, 200))])
    x = b.op("Gemm", [x, b.weight((136, 200)), b.weight((136,), 0.1)], transB=1)
    return b.model([130, 160], x)


def scalar_tail(b):
    """An audio front end's ending: ReduceMax(keepdims=0) down to a scalar,
    minus a scalar constant (a rank-0 result; kiln-fold-into-conv once
    crashed on it)."""
    m = b.op("ReduceMax", ["x"], keepdims=0)
    return b.model([1, 4, 5], b.op("Sub", [m, b.const(80.0)]))


def sequence_ops(b):
    """Ops the ONNX suite tests only in float64, here in float32: CumSum
    (inclusive forward, exclusive reverse), ReduceLogSumExp on inputs whose
    exp overflows float unless shifted by the max, TopK values and indices,
    Softsign and LRN, joined into one output."""
    forward = b.op("CumSum", ["x", b.const(1, np.int64)])
    backward = b.op("CumSum", ["x", b.const(-1, np.int64)], exclusive=1, reverse=1)
    big = b.op("Mul", ["x", b.const(60.0)])
    lse = b.op("ReduceLogSumExp", [big], axes=[2], keepdims=1)
    summed = b.op("Add", [b.op("Add", [forward, backward]), lse])
    top, where = b.name("top"), b.name("where")
    b.nodes.append(helper.make_node("TopK", ["x", b.const([3], np.int64)], [top, where],
                                    axis=2))
    where = b.op("Cast", [where], to=TensorProto.FLOAT)
    soft = b.op("Softsign", ["x"])
    lrn = b.op("Reshape", [b.op("LRN", [b.op("Reshape", ["x", b.const([1, 6, 2, 8], np.int64)])],
                                 size=3, alpha=0.5, beta=0.75, bias=1.5),
                           b.const([2, 6, 8], np.int64)])
    return b.model([2, 6, 8], b.op("Concat", [summed, top, where, soft, lrn], axis=2))


def recurrent(b, kind, outputs, gates, hidden=4, steps=7, batch=3, features=5, **attrs):
    """One recurrent node over x [steps, batch, features] with random W, R
    and B, initial states, and sequence lengths that stop two of the three
    entries early; all of its outputs flattened into one."""
    directions = 2 if attrs.get("direction") == "bidirectional" else 1
    inputs = ["x", b.weight((directions, gates * hidden, features), 0.5),
              b.weight((directions, gates * hidden, hidden), 0.5),
              b.weight((directions, 2 * gates * hidden), 0.3),
              b.const([steps, 4, 1], np.int32),
              b.weight((directions, batch, hidden), 0.5)]
    if kind == "LSTM":
        inputs += [b.weight((directions, batch, hidden), 0.5),
                   b.weight((directions, 3 * hidden), 0.5)]
    names = [b.name(kind.lower()) for _ in range(outputs)]
    b.nodes.append(helper.make_node(kind, inputs, names, hidden_size=hidden, **attrs))
    flat = [b.op("Reshape", [n, b.const([-1], np.int64)]) for n in names]
    return b.model([steps, batch, features], b.op("Concat", flat, axis=0))


def lstm_bidirectional(b):
    """LSTM both ways with peepholes, initial states and sequence lengths."""
    return recurrent(b, "LSTM", 3, 4, direction="bidirectional")


def gru_reverse(b):
    """GRU backwards with linear_before_reset, a clip and sequence lengths:
    each entry's reverse pass starts at its own last step."""
    return recurrent(b, "GRU", 2, 3, direction="reverse", linear_before_reset=1, clip=1.5)


def gru_bidirectional(b):
    """GRU both ways, reset applied before the recurrent product."""
    return recurrent(b, "GRU", 2, 3, direction="bidirectional")


def rnn_relu(b):
    """RNN both ways with Relu one way and a scaled tanh the other."""
    return recurrent(b, "RNN", 2, 1, direction="bidirectional",
                     activations=["Relu", "ScaledTanh"], activation_alpha=[0.8],
                     activation_beta=[1.2])


def graph(nodes, inputs, outputs):
    """A branch or loop body; inputs are (name, type, shape)."""
    return helper.make_graph(nodes, "body", [helper.make_tensor_value_info(n, t, shape)
                                             for n, t, shape in inputs],
                             [helper.make_tensor_value_info(n, t, None) for n, t in outputs])


def if_shape_test(b):
    """A keyword classifier's head: an If on a test of the input's shape,
    which folds at compile time, so only the taken branch is compiled."""
    width = b.op("Gather", [b.op("Shape", ["x"]), b.const(2, np.int64)], axis=0)
    wide = b.op("Greater", [width, b.const(3, np.int64)])
    then = graph([helper.make_node("ReduceMean", ["x"], ["t"], axes=[2])], [],
                 [("t", TensorProto.FLOAT)])
    other = graph([helper.make_node("ReduceMax", ["x"], ["e"], axes=[2])], [],
                  [("e", TensorProto.FLOAT)])
    out = b.name("if")
    b.nodes.append(helper.make_node("If", [wide], [out], then_branch=then, else_branch=other))
    return b.model([1, 4, 5], out)


def if_runtime(b):
    """Ifs on values known only at run time: both branches are compiled and
    the output selected. Two Ifs with opposite conditions, so that one input
    takes both branches."""
    w = b.weight((6, 6))
    outs = []
    for x in ("x", b.op("Neg", ["x"])):
        positive = b.op("Greater", [b.op("ReduceSum", [x], keepdims=0), b.const(0.0)])
        then = graph([helper.make_node("MatMul", [x, w], ["t0"]),
                      helper.make_node("Relu", ["t0"], ["t"])], [], [("t", TensorProto.FLOAT)])
        other = graph([helper.make_node("Sigmoid", [x], ["e"])], [],
                      [("e", TensorProto.FLOAT)])
        outs.append(b.name("if"))
        b.nodes.append(helper.make_node("If", [positive], [outs[-1]], then_branch=then,
                                        else_branch=other))
    return b.model([3, 6], b.op("Concat", outs, axis=0))


def loop_scan(b):
    """A Loop with a constant trip count, unrolled: a carried state updated
    from the iteration number, and a scan output stacked over iterations."""
    w = b.weight((6, 6))
    body = graph([helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT),
                  helper.make_node("MatMul", ["s", w], ["m"]),
                  helper.make_node("Mul", ["fi", b.const(0.1)], ["shift"]),
                  helper.make_node("Add", ["m", "shift"], ["pre"]),
                  helper.make_node("Tanh", ["pre"], ["s2"]),
                  helper.make_node("Identity", ["c"], ["c2"]),
                  helper.make_node("Identity", ["s2"], ["scan"])],
                 [("i", TensorProto.INT64, []), ("c", TensorProto.BOOL, []),
                  ("s", TensorProto.FLOAT, [2, 6])],
                 [("c2", TensorProto.BOOL), ("s2", TensorProto.FLOAT),
                  ("scan", TensorProto.FLOAT)])
    final, scan = b.name("final"), b.name("scan")
    b.nodes.append(helper.make_node("Loop", [b.const(4, np.int64), b.const(True, np.bool_), "x"],
                                    [final, scan], body=body))
    flat = [b.op("Reshape", [n, b.const([-1], np.int64)]) for n in (final, scan)]
    return b.model([2, 6], b.op("Concat", flat, axis=0))


def audio_frontend(b):
    """A keyword spotter's front end: an STFT as a strided Conv (real and
    imaginary filters), power, a mel MatMul, log, and the utterance's peak
    as a rank-0 ReduceMax subtracted from every frame."""
    frames = b.op("Conv", ["x", b.weight((2 * 17, 1, 32), 0.2)], kernel_shape=[32],
                  strides=[16])                                   # [1, 34, 24]
    square = b.op("Mul", [frames, frames])
    power = b.op("ReduceSum", [b.op("Reshape", [square, b.const([1, 2, 17, 24], np.int64)]),
                               b.const([1], np.int64)], keepdims=0)  # [1, 17, 24]
    mel = b.op("MatMul", [b.op("Transpose", [power], perm=[0, 2, 1]),
                          b.const(np.abs(b.rng.standard_normal((17, 8))))])  # [1, 24, 8]
    logmel = b.op("Log", [b.op("Add", [mel, b.const(1e-6)])])
    peak = b.op("ReduceMax", [logmel], keepdims=0)                # rank 0
    return b.model([1, 1, 400], b.op("Sub", [logmel, peak]))


def lstm_runtime_if(b):
    """A sequence model whose head branches on a value known only at run
    time: an LSTM, then an If on its mean output."""
    hidden = 6
    y, h = b.name("y"), b.name("h")
    b.nodes.append(helper.make_node("LSTM", ["x", b.weight((1, 4 * hidden, 5), 0.5),
                                             b.weight((1, 4 * hidden, hidden), 0.5)],
                                    [y, h], hidden_size=hidden))
    positive = b.op("Greater", [b.op("ReduceMean", [y], keepdims=0), b.const(0.0)])
    w = b.weight((hidden, 3))
    then = graph([helper.make_node("MatMul", [h, w], ["t"])], [], [("t", TensorProto.FLOAT)])
    other = graph([helper.make_node("Tanh", [h], ["e0"]),
                   helper.make_node("Slice", ["e0", b.const([0], np.int64),
                                              b.const([3], np.int64),
                                              b.const([2], np.int64)], ["e"])], [],
                  [("e", TensorProto.FLOAT)])
    out = b.name("if")
    b.nodes.append(helper.make_node("If", [positive], [out], then_branch=then,
                                    else_branch=other))
    return b.model([6, 2, 5], out)


MODELS = [mobilenet_v2, squeeze_excite, depthwise_kernels, unet_decoder, transformer_block,
          packed_weights, wide_matmul, scalar_tail, sequence_ops, lstm_bidirectional,
          gru_reverse, gru_bidirectional, rnn_relu, if_shape_test, if_runtime, loop_scan,
          audio_frontend, lstm_runtime_if]
# Models compiled for other CPUs than generic x86-64 (None), each checked:
# the wide tile needs this machine's CPU; the depthwise kernels' AVX2 set
# (its own row blocking) runs only where AVX2 code is asked for, on a host
# that has it.
def host_has_avx2():
    try:
        return any(l.startswith("flags") and " avx2" in l for l in open("/proc/cpuinfo"))
    except OSError:
        return False


CPUS = {"wide_matmul": ["native"],
        "depthwise_kernels": [None] + (["x86-64-v3"] if host_has_avx2() else [])}


def main():
    kilnc, harness, third_party = sys.argv[1:4]
    ort = pathlib.Path(third_party).resolve() / "node_modules/onnxruntime-node"
    if not ort.exists() or not shutil.which("node"):
        print("skipped: run scripts/fetch-deps.sh for ONNX Runtime")
        return 77
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="kiln-zoo-") as tmp:
        work = pathlib.Path(tmp)
        for i, make in enumerate(MODELS):
            name = make.__name__
            model = make(Builder(seed=i))
            path = work / (name + ".onnx")
            onnx.save(model, str(path))
            shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
            x = np.random.default_rng(100 + i).standard_normal(shape).astype(np.float32)
            x.tofile(work / "in.bin")
            subprocess.run(["node", str(ROOT / "scripts/ort_run.js"), str(path),
                            "x".join(map(str, shape)), str(work / "in.bin"), "--",
                            str(work / "ref.bin")], check=True,
                           env=dict(os.environ, KILN_ORT_MODULE=str(ort)))
            r = np.fromfile(work / "ref.bin", np.float32)
            for cpu in CPUS.get(name, [None]):
                subprocess.run([kilnc, str(path), "-o", str(work / (name + ".o")), "--name", "m"]
                               + (["--cpu", cpu] if cpu else []), check=True)
                exe = work / name
                subprocess.run(["cc", "-O1", "-I", str(work), '-DKILN_HEADER="%s.h"' % name,
                                "-DKILN_NAME=m", harness, str(work / (name + ".o")), "-lm",
                                "-o", str(exe)], check=True)
                subprocess.run([str(exe), str(work / "in.bin"), "--", str(work / "ours.bin")],
                               check=True)
                a = np.fromfile(work / "ours.bin", np.float32)
                err = float(np.linalg.norm(a - r) / max(np.linalg.norm(r), 1e-30))
                ok = a.shape == r.shape and err <= TOLERANCE
                label = name + (" --cpu " + cpu if cpu else "")
                print("%-4s %-30s %6d nodes, %7d outputs, relative L2 error %.2e" % (
                    "ok" if ok else "FAIL", label, len(model.graph.node), a.size, err))
                passed += ok
                failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
