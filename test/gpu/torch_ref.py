#!/usr/bin/env python3
"""PyTorch on the same graph and weights: the GPU baseline Kiln is timed against.

usage: torch_ref.py GRAPH_DIR INPUT.npy [--expected E.npy] [--runs 100] [--no-compile]

Interprets graph.json (export_graph.py) op by op with torch (eager, cuDNN
autotuned) and through torch.compile, checks both against the expected
output when given, and prints one JSON line: {"eager_ms": ..,
"compile_ms": .., "eager_rel_l2": .., "compile_rel_l2": ..}. Covers the
operators of the PaddleOCR det/rec/cls models.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}


def pads2d(attrs):
    p = attrs.get("pads", [0, 0, 0, 0])
    return p[0], p[1], p[2], p[3]  # top, left, bottom, right


def conv(x, w, b, a, transpose=False):
    top, left, bottom, right = pads2d(a)
    stride = a.get("strides", [1, 1])
    dilation = a.get("dilations", [1, 1])
    group = a.get("group", 1)
    if transpose:
        out_pad = a.get("output_padding", [0, 0])
        y = F.conv_transpose2d(x, w, b, stride, (top, left), out_pad, group, dilation)
        if (top, left) != (bottom, right):
            y = y[..., : y.shape[2] - (bottom - top), : y.shape[3] - (right - left)]
        return y
    if (top, left) == (bottom, right):
        return F.conv2d(x, w, b, stride, (top, left), dilation, group)
    return F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride, 0, dilation, group)


def softmax(x, axis, opset):
    axis = axis % x.dim()
    if opset >= 13 or axis == x.dim() - 1:
        return torch.softmax(x, axis)
    shape = x.shape
    return torch.softmax(x.reshape(*shape[:axis], -1), -1).reshape(shape)


def resize(x, roi, scales, sizes, a):
    mode = a.get("mode", "nearest")
    ctm = a.get("coordinate_transformation_mode", "half_pixel")
    size = None
    if sizes is not None and sizes.numel():
        size = [int(v) for v in sizes.tolist()[2:]]
    else:
        size = [int(x.shape[i + 2] * float(s)) for i, s in enumerate(scales.tolist()[2:])]
    if mode == "nearest":
        return F.interpolate(x, size=size, mode="nearest")
    return F.interpolate(x, size=size, mode="bilinear", align_corners=ctm == "align_corners")


class Graph:
    def __init__(self, directory, device):
        self.g = json.load(open(os.path.join(directory, "graph.json")))
        names = json.load(open(os.path.join(directory, "weight_names.json")))
        npz = np.load(os.path.join(directory, "weights.npz"))
        self.weights = {n: torch.from_numpy(np.array(npz["w%d" % i])).to(device)
                        for i, n in enumerate(names)}
        self.opset = self.g["opset"]

    def __call__(self, x):
        env = dict(self.weights)
        env[self.g["inputs"][0]["name"]] = x
        for node in self.g["nodes"]:
            ins = [env.get(n) if n else None for n in node["inputs"]]
            outs = self.run(node["op"], ins, node["attrs"], node["inputs"])
            for name, value in zip(node["outputs"], outs):
                env[name] = value
        return [env[n] for n in self.g["outputs"]]

    def ints(self, value):
        return [int(v) for v in value.tolist()]

    def run(self, op, x, a, names):
        if op == "Conv":
            return [conv(x[0], x[1], x[2] if len(x) > 2 else None, a)]
        if op == "ConvTranspose":
            return [conv(x[0], x[1], x[2] if len(x) > 2 else None, a, transpose=True)]
        if op == "BatchNormalization":
            return [F.batch_norm(x[0], x[3], x[4], x[1], x[2], False, 0.0,
                                 a.get("epsilon", 1e-5))]
        binary = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div,
                  "Pow": torch.pow}
        if op in binary:
            return [binary[op](x[0], x[1])]
        if op == "Relu":
            return [torch.relu(x[0])]
        if op == "Sigmoid":
            return [torch.sigmoid(x[0])]
        if op == "Sqrt":
            return [torch.sqrt(x[0])]
        if op == "HardSigmoid":
            return [torch.clamp(x[0] * a.get("alpha", 0.2) + a.get("beta", 0.5), 0, 1)]
        if op == "Clip":
            lo = a.get("min", x[1] if len(x) > 1 and x[1] is not None else None)
            hi = a.get("max", x[2] if len(x) > 2 and x[2] is not None else None)
            lo = float(lo) if lo is not None else None
            hi = float(hi) if hi is not None else None
            return [torch.clamp(x[0], lo, hi)]
        if op == "GlobalAveragePool":
            return [x[0].mean(dim=(2, 3), keepdim=True)]
        if op == "AveragePool":
            top, left, bottom, right = pads2d(a)
            return [F.avg_pool2d(x[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]),
                                 (top, left), bool(a.get("ceil_mode", 0)),
                                 not a.get("count_include_pad", 0) == 0)]
        if op == "MaxPool":
            top, left, bottom, right = pads2d(a)
            return [F.max_pool2d(x[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]),
                                 (top, left), 1, bool(a.get("ceil_mode", 0)))]
        if op == "MatMul":
            return [torch.matmul(x[0], x[1])]
        if op == "Softmax":
            return [softmax(x[0], a.get("axis", 1 if self.opset < 13 else -1), self.opset)]
        if op == "Shape":
            return [torch.tensor(list(x[0].shape), dtype=torch.int64)]
        if op == "Cast":
            return [x[0].to(DTYPES[a["to"]])]
        if op == "Concat":
            return [torch.cat([t.to(x[0].device) for t in x], a["axis"])]
        if op == "Reshape":
            shape = self.ints(x[1])
            shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            return [x[0].reshape(shape)]
        if op == "Transpose":
            return [x[0].permute(a.get("perm", list(range(x[0].dim()))[::-1]))]
        if op == "ReduceMean":
            return [x[0].mean(dim=a["axes"], keepdim=bool(a.get("keepdims", 1)))]
        if op == "Squeeze":
            axes = a.get("axes") if "axes" in a else self.ints(x[1])
            y = x[0]
            for axis in sorted((ax % y.dim() for ax in axes), reverse=True):
                y = y.squeeze(axis)
            return [y]
        if op == "Slice":
            if "starts" in a:
                starts, ends, axes = a["starts"], a["ends"], a.get("axes")
                steps = None
            else:
                starts, ends = self.ints(x[1]), self.ints(x[2])
                axes = self.ints(x[3]) if len(x) > 3 and x[3] is not None else None
                steps = self.ints(x[4]) if len(x) > 4 and x[4] is not None else None
            axes = axes or list(range(len(starts)))
            steps = steps or [1] * len(starts)
            index = [slice(None)] * x[0].dim()
            for s, e, ax, st in zip(starts, ends, axes, steps):
                n = x[0].shape[ax]
                s = max(0, min(n, s + n if s < 0 else s))
                e = max(0, min(n, e + n if e < 0 else e))
                index[ax] = slice(s, e, st)
            return [x[0][tuple(index)]]
        if op == "Resize":
            sizes = x[3] if len(x) > 3 else None
            return [resize(x[0], x[1], x[2], sizes, a)]
        raise NotImplementedError("torch_ref: operator %s" % op)


def time_ms(fn, x, runs):
    for _ in range(10):
        fn(x)
    if x.device.type != "cuda":  # a check of the interpreter on the CPU
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn(x)
            times.append((time.perf_counter() - start) * 1e3)
        return float(np.median(times))
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(x)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return float(np.median(times))


def rel_l2(got, want):
    got = got.detach().float().cpu().numpy().reshape(-1)
    want = want.reshape(-1).astype(np.float32)
    return float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("graph")
    ap.add_argument("input")
    ap.add_argument("--expected")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as Kiln's default
    torch.backends.cudnn.allow_tf32 = False
    graph = Graph(args.graph, args.device)
    x = torch.from_numpy(np.load(args.input)).to(args.device)
    want = np.load(args.expected) if args.expected else None
    result = {}
    with torch.no_grad():
        y = graph(x)[0]
        if want is not None:
            result["eager_rel_l2"] = rel_l2(y, want)
        result["eager_ms"] = time_ms(graph, x, args.runs)
        if not args.no_compile:
            start = time.time()
            compiled = torch.compile(graph)
            y = compiled(x)[0]
            result["compile_s"] = time.time() - start
            if want is not None:
                result["compile_rel_l2"] = rel_l2(y, want)
            result["compile_ms"] = time_ms(compiled, x, args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
