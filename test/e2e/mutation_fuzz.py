#!/usr/bin/python3
"""Mutation test: kilnc on hundreds of broken variants of valid models.

Each case takes one seed model (small networks written here, plus ONNX
backend test models when libonnx-testdata is installed) and changes one
thing: an attribute's value or length, an initializer's dims, data or data
type, an input's shape or type, a node's wiring or op type, or the file's
bytes. kilnc must then either compile it or refuse it with an `error:` line
and status 1. Failures are a signal or another status (a crash), an internal
compiler error (an input that reached a path nothing checked), a run past
the time limit (a hang), and any file left in the output folder after a
refusal or besides OUT.o and OUT.h after success.

Deterministic for a given --seed. Prints one line per failure and a summary.
usage: mutation_fuzz.py KILNC [--cases N] [--seed S] [--jobs J] [--keep DIR]
"""
import argparse
import concurrent.futures
import copy
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TESTDATA = pathlib.Path("/usr/share/libonnx-testdata/data/node")
# Backend tests used as seeds: small, and covering the importer's families.
TESTDATA_SEEDS = [
    "test_conv_with_strides_padding", "test_convtranspose", "test_maxpool_2d_pads",
    "test_averagepool_2d_ceil", "test_gemm_default_matrix_bias", "test_matmul_3d",
    "test_batchnorm_example", "test_resize_upsample_scales_linear", "test_slice",
    "test_gather_0", "test_concat_2d_axis_0", "test_transpose_all_permutations_0",
    "test_reshape_reordered_all_dims", "test_softmax_axis_1", "test_reduce_mean_keepdims_example",
    "test_split_equal_parts_1d", "test_pad", "test_depthtospace_example", "test_where_example",
    "test_lstm_defaults", "test_gru_defaults", "test_instancenorm_example", "test_einsum_batch_matmul",
    "test_topk", "test_cumsum_1d", "test_onehot_with_axis", "test_gather_elements_0",
    "test_lrn", "test_if", "test_loop11", "test_tile", "test_expand_dim_changed",
]
TIMEOUT = 60
F = TensorProto.FLOAT


def make(nodes, inputs, outputs, inits, opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def value(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def weights(rng, name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def own_seeds():
    """Small networks in the style of real ones."""
    rng = np.random.default_rng(0)
    seeds = {}
    seeds["conv_block"] = make(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"]),
         helper.make_node("Relu", ["n"], ["r"]),
         helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("GlobalAveragePool", ["p"], ["g"]),
         helper.make_node("Flatten", ["g"], ["f"]),
         helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], transB=1)],
        [value("x", [1, 3, 8, 8])], [value("y", [1, 5])],
        [weights(rng, "w", (4, 3, 3, 3)), weights(rng, "b", (4,)), weights(rng, "s", (4,)),
         weights(rng, "bb", (4,)), weights(rng, "m", (4,)),
         numpy_helper.from_array(np.ones(4, np.float32), "v"),
         weights(rng, "fw", (5, 4)), weights(rng, "fb", (5,))])
    seeds["squeeze_excite"] = make(
        [helper.make_node("Conv", ["x", "dw"], ["d"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                          group=8),
         helper.make_node("HardSwish", ["d"], ["h"]),
         helper.make_node("GlobalAveragePool", ["h"], ["g"]),
         helper.make_node("Conv", ["g", "w1", "b1"], ["s1"], kernel_shape=[1, 1]),
         helper.make_node("Relu", ["s1"], ["s2"]),
         helper.make_node("Conv", ["s2", "w2", "b2"], ["s3"], kernel_shape=[1, 1]),
         helper.make_node("HardSigmoid", ["s3"], ["s4"]),
         helper.make_node("Mul", ["h", "s4"], ["y"])],
        [value("x", [1, 8, 6, 6])], [value("y", [1, 8, 6, 6])],
        [weights(rng, "dw", (8, 1, 3, 3)), weights(rng, "w1", (2, 8, 1, 1)),
         weights(rng, "b1", (2,)), weights(rng, "w2", (8, 2, 1, 1)), weights(rng, "b2", (8,))])
    seeds["decoder"] = make(
        [helper.make_node("ConvTranspose", ["x", "w"], ["t"], kernel_shape=[2, 2],
                          strides=[2, 2]),
         helper.make_node("Resize", ["x", "", "scales"], ["u"], mode="nearest"),
         helper.make_node("Concat", ["t", "u"], ["c"], axis=1),
         helper.make_node("Transpose", ["c"], ["tr"], perm=[0, 2, 3, 1]),
         helper.make_node("Reshape", ["tr", "shape"], ["y"])],
        [value("x", [1, 4, 4, 4])], [value("y", None)],
        [weights(rng, "w", (4, 2, 2, 2)),
         numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
         numpy_helper.from_array(np.array([1, -1, 6], np.int64), "shape")])
    seeds["attention"] = make(
        [helper.make_node("MatMul", ["x", "wq"], ["q"]),
         helper.make_node("MatMul", ["x", "wk"], ["k"]),
         helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
         helper.make_node("MatMul", ["q", "kt"], ["s"]),
         helper.make_node("Softmax", ["s"], ["a"], axis=-1),
         helper.make_node("MatMul", ["a", "x"], ["o"]),
         helper.make_node("ReduceMean", ["o"], ["mu"], axes=[-1]),
         helper.make_node("Sub", ["o", "mu"], ["y"])],
        [value("x", [2, 5, 8])], [value("y", [2, 5, 8])],
        [weights(rng, "wq", (8, 8)), weights(rng, "wk", (8, 8))])
    seeds["indexing"] = make(
        [helper.make_node("Slice", ["x", "st", "en", "ax"], ["s"]),
         helper.make_node("Gather", ["s", "idx"], ["g"], axis=1),
         helper.make_node("Pad", ["g", "pads"], ["p"], mode="reflect"),
         helper.make_node("Split", ["p"], ["a", "b"], axis=0),
         helper.make_node("Add", ["a", "b"], ["y"])],
        [value("x", [4, 6])], [value("y", None)],
        [numpy_helper.from_array(np.array([0, 1], np.int64), "st"),
         numpy_helper.from_array(np.array([4, 6], np.int64), "en"),
         numpy_helper.from_array(np.array([0, 1], np.int64), "ax"),
         numpy_helper.from_array(np.array([0, 2, 4], np.int64), "idx"),
         numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64), "pads")])
    seeds["recurrent"] = make(
        [helper.make_node("LSTM", ["x", "w", "r", "b"], ["y", "h"], hidden_size=3,
                          direction="bidirectional")],
        [value("x", [4, 2, 5])], [value("y", None), value("h", None)],
        [weights(rng, "w", (2, 12, 5)), weights(rng, "r", (2, 12, 3)),
         weights(rng, "b", (2, 24))])
    return seeds


def testdata_seeds():
    seeds = {}
    for name in TESTDATA_SEEDS:
        path = TESTDATA / name / "model.onnx"
        if path.exists():
            seeds[name] = onnx.load(str(path))
    return seeds


# --- mutations: each changes one thing in a copy and says what -----------

INTS = [-(2 ** 31), -7, -1, 0, 1, 2, 3, 5, 64, 10 ** 6, 2 ** 31 - 1, 2 ** 40]
FLOATS = [float("nan"), float("inf"), -float("inf"), -1.0, 0.0, 1e-30, 1e30]


def pick_node(m, rnd):
    return rnd.choice(m.graph.node) if m.graph.node else None


def mutate_attribute(m, rnd):
    node = pick_node(m, rnd)
    attrs = [a for a in node.attribute if a.type in (
        onnx.AttributeProto.INT, onnx.AttributeProto.INTS, onnx.AttributeProto.FLOAT,
        onnx.AttributeProto.FLOATS, onnx.AttributeProto.STRING)] if node else []
    if not attrs:
        node.attribute.append(helper.make_attribute(
            rnd.choice(["axis", "group", "kernel_shape", "pads", "strides", "keepdims"]),
            rnd.choice(INTS) if rnd.random() < 0.5 else [rnd.choice(INTS)] * rnd.randint(0, 5)))
        return "add attribute to %s" % node.op_type
    a = rnd.choice(attrs)
    if a.type == onnx.AttributeProto.INT:
        a.i = rnd.choice(INTS)
    elif a.type == onnx.AttributeProto.FLOAT:
        a.f = rnd.choice(FLOATS)
    elif a.type == onnx.AttributeProto.STRING:
        a.s = rnd.choice([b"", b"bogus", b"\xff\xfe", a.s * 50])
    elif a.type == onnx.AttributeProto.INTS:
        values = list(a.ints)
        choice = rnd.random()
        if choice < 0.4 and values:
            values[rnd.randrange(len(values))] = rnd.choice(INTS)
        elif choice < 0.7 and values:
            values.pop(rnd.randrange(len(values)))
        else:
            values += [rnd.choice(INTS)] * rnd.randint(1, 4)
        del a.ints[:]
        a.ints.extend(values)
    else:
        values = list(a.floats) or [1.0]
        values[rnd.randrange(len(values))] = rnd.choice(FLOATS)
        del a.floats[:]
        a.floats.extend(values)
    return "attribute %s of %s" % (a.name, node.op_type)


def mutate_initializer(m, rnd):
    if not m.graph.initializer:
        return mutate_attribute(m, rnd)
    t = rnd.choice(m.graph.initializer)
    choice = rnd.random()
    if choice < 0.35 and t.dims:
        dims = list(t.dims)
        dims[rnd.randrange(len(dims))] = rnd.choice([0, 1, 2, 3, 7, 10 ** 5, -1])
        del t.dims[:]
        t.dims.extend(dims)
        return "dims of initializer %s" % t.name
    if choice < 0.55:
        dims = list(t.dims)
        if dims and rnd.random() < 0.5:
            dims.pop()
        else:
            dims.append(rnd.choice([1, 2]))
        del t.dims[:]
        t.dims.extend(dims)
        return "rank of initializer %s" % t.name
    if choice < 0.75:
        t.data_type = rnd.choice([TensorProto.INT64, TensorProto.INT32, TensorProto.DOUBLE,
                                  TensorProto.UINT8, TensorProto.FLOAT16, TensorProto.STRING,
                                  TensorProto.BOOL, 0, 99])
        return "data type of initializer %s" % t.name
    raw = numpy_helper.to_array(t).tobytes() if t.data_type else b""
    t.ClearField("float_data")
    t.ClearField("int64_data")
    t.ClearField("int32_data")
    t.raw_data = raw[:rnd.randint(0, max(len(raw) - 1, 0))]
    return "truncated data of initializer %s" % t.name


def mutate_input(m, rnd):
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    if not inputs:
        return mutate_attribute(m, rnd)
    v = rnd.choice(inputs)
    dims = v.type.tensor_type.shape.dim
    if rnd.random() < 0.6 and len(dims):
        d = dims[rnd.randrange(len(dims))]
        choice = rnd.choice([0, 1, 3, 10 ** 6, 2 ** 40, "sym"])
        if choice == "sym":
            d.dim_param = "n"
        else:
            d.dim_value = choice
        return "input %s dim" % v.name
    v.type.tensor_type.elem_type = rnd.choice([TensorProto.INT64, TensorProto.DOUBLE,
                                               TensorProto.BOOL, TensorProto.UINT8,
                                               TensorProto.STRING, 0])
    return "input %s type" % v.name


def mutate_wiring(m, rnd):
    node = pick_node(m, rnd)
    names = [i.name for i in m.graph.input] + [i.name for i in m.graph.initializer]
    names += [o for n in m.graph.node for o in n.output]
    choice = rnd.random()
    if choice < 0.5 and node.input:
        node.input[rnd.randrange(len(node.input))] = rnd.choice(names + ["", "nowhere"])
        return "input wire of %s" % node.op_type
    if choice < 0.7 and node.input:
        node.input.pop()
        return "dropped input of %s" % node.op_type
    if choice < 0.85:
        node.input.append(rnd.choice(names))
        return "extra input of %s" % node.op_type
    if node.output:
        node.output[0] = rnd.choice(names)
        return "output name of %s" % node.op_type
    return "nothing"


OP_TYPES = ["Conv", "Relu", "Add", "MatMul", "Gemm", "Reshape", "Transpose", "Concat",
            "Slice", "Gather", "Resize", "MaxPool", "ConvTranspose", "Softmax", "LSTM", "If",
            "Loop", "TopK", "Pad", "Split", "Squeeze", "Unsqueeze", "ReduceSum", "Where",
            "Cast", "Tile", "Expand", "Einsum", "Hardmax", "NoSuchOp"]


def mutate_op_type(m, rnd):
    node = pick_node(m, rnd)
    old = node.op_type
    node.op_type = rnd.choice(OP_TYPES)
    return "op %s -> %s" % (old, node.op_type)


def mutate_opset(m, rnd):
    m.opset_import[0].version = rnd.choice([1, 5, 7, 9, 11, 12, 17, 18, 21, 22, 99])
    return "opset %d" % m.opset_import[0].version


MUTATIONS = [(mutate_attribute, 4), (mutate_initializer, 3), (mutate_input, 2),
             (mutate_wiring, 2), (mutate_op_type, 2), (mutate_opset, 1)]


def mutate_bytes(data, rnd):
    data = bytearray(data)
    if rnd.random() < 0.5:
        return bytes(data[:rnd.randrange(len(data))]), "truncated file"
    for _ in range(rnd.randint(1, 8)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data), "flipped bytes"


def make_case(seeds, index, base_seed):
    rnd = random.Random(base_seed * 100003 + index)
    name = rnd.choice(sorted(seeds))
    model = copy.deepcopy(seeds[name])
    if rnd.random() < 0.1:
        data, what = mutate_bytes(model.SerializeToString(), rnd)
    else:
        funcs, weights_ = zip(*MUTATIONS)
        what = rnd.choices(funcs, weights_)[0](model, rnd)
        data = model.SerializeToString()
    return name, what, data


def run_case(kilnc, work, index, name, what, data):
    """Returns None when kilnc behaved, else the failure."""
    case = work / ("case%04d" % index)
    case.mkdir()
    model = case / "model.onnx"
    model.write_bytes(data)
    out = case / "out"
    out.mkdir()
    try:
        r = subprocess.run([kilnc, str(model), "-o", str(out / "m.o")], capture_output=True,
                           text=True, errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "hang (over %d s)" % TIMEOUT
    left = sorted(p.name for p in out.iterdir())
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    if r.returncode == 0:
        if left != ["m.h", "m.o"]:
            return "compiled, but the output folder holds %s" % left
        return None
    if r.returncode != 1:
        return "status %d: %s" % (r.returncode, (lines or ["(no message)"])[-1][:300])
    if not lines or not lines[0].startswith("error: "):
        return "status 1 without an error line: %r" % r.stderr[:300]
    if "internal compiler error" in r.stderr:
        return "internal compiler error: %s" % lines[0][:300]
    if left:
        return "refused, but left %s behind" % left
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kilnc")
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", help="copy failing models into this folder")
    args = ap.parse_args()
    seeds = own_seeds()
    seeds.update(testdata_seeds())
    failures = []
    compiled = refused = 0
    with tempfile.TemporaryDirectory(prefix="kiln-mutation-") as tmp:
        work = pathlib.Path(tmp)
        cases = [make_case(seeds, i, args.seed) for i in range(args.cases)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda ic: run_case(args.kilnc, work, ic[0], *ic[1]),
                                    enumerate(cases)))
        for i, ((name, what, data), failure) in enumerate(zip(cases, results)):
            if failure is None:
                built = (work / ("case%04d" % i) / "out" / "m.o").exists()
                compiled += built
                refused += not built
                continue
            failures.append(i)
            print("FAIL case %d (seed %s, %s): %s" % (i, name, what, failure))
            if args.keep:
                keep = pathlib.Path(args.keep)
                keep.mkdir(parents=True, exist_ok=True)
                (keep / ("case%04d.onnx" % i)).write_bytes(data)
    print("%d cases from %d seed models: %d compiled, %d refused with an error, %d failed"
          % (args.cases, len(seeds), compiled, refused, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
