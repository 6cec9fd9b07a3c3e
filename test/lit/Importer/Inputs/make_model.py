#!/usr/bin/python3
"""Writes small ONNX models for the importer's lit tests.

usage: make_model.py NAME OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def tensor(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def branch(nodes, outputs):
    return helper.make_graph(nodes, "branch", [],
                             [helper.make_tensor_value_info(n, F, None) for n in outputs])


def if_model(condition_nodes, then_op="Relu", else_op="Sigmoid", else_shape=None):
    """An If on `cond` over x [2, 3]; the else branch may reshape."""
    other = [helper.make_node(else_op, ["x"], ["e"])]
    if else_shape:
        other.append(helper.make_node("Reshape", ["e", "shape"], ["e2"]))
    return model(condition_nodes + [
        helper.make_node("If", ["cond"], ["y"],
                         then_branch=branch([helper.make_node(then_op, ["x"], ["t"])], ["t"]),
                         else_branch=branch(other, ["e2" if else_shape else "e"]))],
        [tensor("x", [2, 3])], [tensor("y", None)],
        [init("shape", np.array(else_shape or [1], np.int64)),
         init("zero", np.array(0, np.int64)), init("two", np.array(2, np.int64)),
         init("zerof", np.array(0.0, np.float32))])


def loop_model(trips, body_cond="c"):
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "one"], ["s2"]),
         helper.make_node("Identity", [body_cond], ["c2"]),
         helper.make_node("Mul", ["s2", "s2"], ["sq"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("c", TensorProto.BOOL, []),
         helper.make_tensor_value_info("s", F, [2])],
        [helper.make_tensor_value_info("c2", TensorProto.BOOL, []),
         helper.make_tensor_value_info("s2", F, [2]),
         helper.make_tensor_value_info("sq", F, [2])])
    inputs = [tensor("x", [2])]
    inits = [init("one", np.ones(2, np.float32)), init("yes", np.array(True))]
    if trips is None:
        inputs.append(tensor("m", [], TensorProto.INT64))
    else:
        inits.append(init("m", np.array(trips, np.int64)))
    return model([helper.make_node("Loop", ["m", "yes", "x"], ["final", "scan"], body=body)],
                 inputs, [tensor("final", [2]), tensor("scan", None)], inits)


rng = np.random.default_rng(0)
MODELS = {
    # SAME_UPPER with stride 2 on 7x7: output 4x4 needs 2 pad rows, 1 + 1.
    "conv_same": lambda: model(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv1",
                          auto_pad="SAME_UPPER", strides=[2, 2])],
        [tensor("x", [1, 3, 7, 7])], [tensor("y", [1, 4, 4, 4])],
        [init("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
         init("b", np.zeros(4, np.float32))]),
    # A shape computation that must fold away once x's shape is bound.
    "shape_chain": lambda: model(
        [helper.make_node("Shape", ["x"], ["s"]),
         helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
         helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
         helper.make_node("Concat", ["n1", "minus_one"], ["shape"], axis=0),
         helper.make_node("Reshape", ["x", "shape"], ["y"], name="flatten")],
        [tensor("x", ["batch", 3, 4, 4])], [tensor("y", None)],
        [init("zero", np.array(0, np.int64)), init("axes", np.array([0], np.int64)),
         init("minus_one", np.array([-1], np.int64))]),
    "matmul_vector": lambda: model(
        [helper.make_node("MatMul", ["v", "m"], ["y"])],
        [tensor("v", [3]), tensor("m", [2, 3, 5])], [tensor("y", [2, 5])]),
    "softmax_v11": lambda: model(
        [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
        [tensor("x", [2, 3, 4])], [tensor("y", [2, 3, 4])], opset=11),
    "gemm": lambda: model(
        [helper.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1, alpha=0.5)],
        [tensor("a", [2, 3])], [tensor("y", [2, 4])],
        [init("b", np.ones((4, 3), np.float32)), init("c", np.ones(4, np.float32))]),
    # A reduction (256) long enough that its register-tile loop is unrolled
    # by a count, not fully.
    "matmul_deep": lambda: model(
        [helper.make_node("MatMul", ["a", "b"], ["y"])],
        [tensor("a", [6, 256])], [tensor("y", [6, 64])],
        [init("b", np.full((256, 64), 0.5, np.float32))]),
    # Distinct weights, packed into panels: an object's CPU variants share
    # them only where their packing is the same.
    "matmul_ramp": lambda: model(
        [helper.make_node("MatMul", ["a", "b"], ["y"])],
        [tensor("a", [6, 16])], [tensor("y", [6, 64])],
        [init("b", np.arange(16 * 64, dtype=np.float32).reshape(16, 64) / 1024)]),
    # 5x5 and 3x3 depthwise convs, stride 1: shapes with Halide kernels.
    "depthwise_k5_k3": lambda: model(
        [helper.make_node("Conv", ["x", "w5"], ["h"], group=8, pads=[2] * 4),
         helper.make_node("Conv", ["h", "w3"], ["y"], group=8, pads=[1] * 4)],
        [tensor("x", [1, 8, 16, 16])], [tensor("y", [1, 8, 16, 16])],
        [init("w5", rng.standard_normal((8, 1, 5, 5)).astype(np.float32)),
         init("w3", rng.standard_normal((8, 1, 3, 3)).astype(np.float32))]),
    # A QDQ matmul (DQ -> MatMul -> Q -> DQ): an integer kernel once imported.
    "qdq_matmul": lambda: model(
        [helper.make_node("QuantizeLinear", ["a", "s_a", "z"], ["qa"]),
         helper.make_node("DequantizeLinear", ["qa", "s_a", "z"], ["da"]),
         helper.make_node("DequantizeLinear", ["w", "s_w", "z"], ["dw"]),
         helper.make_node("MatMul", ["da", "dw"], ["m"]),
         helper.make_node("QuantizeLinear", ["m", "s_y", "z"], ["qm"]),
         helper.make_node("DequantizeLinear", ["qm", "s_y", "z"], ["y"])],
        [tensor("a", [6, 16])], [tensor("y", [6, 64])],
        [init("w", (np.arange(16 * 64) % 255 - 127).astype(np.int8).reshape(16, 64)),
         init("s_a", np.float32(0.02)), init("s_w", np.float32(0.01)),
         init("s_y", np.float32(0.05)), init("z", np.int8(0))]),
    # Large enough (2^18 elements) that its loop splits over threads.
    "relu_large": lambda: model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [tensor("x", [1, 64, 64, 64])], [tensor("y", [1, 64, 64, 64])]),
    "clip_v6": lambda: model(
        [helper.make_node("Clip", ["x"], ["y"], min=0.0, max=6.0)],
        [tensor("x", [4])], [tensor("y", [4])], opset=6),
    "clip_v13": lambda: model(
        [helper.make_node("Clip", ["x", "lo", ""], ["y"])],
        [tensor("x", [4])], [tensor("y", [4])],
        [init("lo", np.array(-1.0, np.float32))]),
    "batchnorm_flatten": lambda: model(
        [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["t"],
                          epsilon=1e-3),
         helper.make_node("Flatten", ["t"], ["y"], axis=1)],
        [tensor("x", [2, 3, 2, 2])], [tensor("y", [2, 12])],
        [init(n, np.ones(3, np.float32)) for n in "sbmv"]),
    "pool_ceil": lambda: model(
        [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3],
                          strides=[2, 2], ceil_mode=1),
         helper.make_node("AveragePool", ["y"], ["z"], kernel_shape=[2, 2],
                          pads=[1, 1, 0, 0], count_include_pad=1)],
        [tensor("x", [1, 2, 6, 6])], [tensor("z", None)]),
    "einsum": lambda: model(
        [helper.make_node("Einsum", ["a", "b"], ["y"], equation="bij, bkj -> bik")],
        [tensor("a", [2, 3, 4]), tensor("b", [2, 5, 4])], [tensor("y", [2, 3, 5])],
        opset=12),
    # INT64_MAX ("to the end") through a folded Cast must stay exact.
    "slice_int64_max": lambda: model(
        [helper.make_node("Cast", ["big"], ["ends"], to=TensorProto.INT64),
         helper.make_node("Slice", ["x", "starts", "ends"], ["y"])],
        [tensor("x", [6])], [tensor("y", [5])],
        [init("big", np.array([np.iinfo(np.int64).max], np.int64)),
         init("starts", np.array([1], np.int64))]),
    "legacy_broadcast": lambda: model(
        [helper.make_node("Add", ["x", "b"], ["y"], broadcast=1, axis=1)],
        [tensor("x", [2, 3, 4])], [tensor("y", [2, 3, 4])],
        [init("b", np.ones(3, np.float32))], opset=6),
    # A uint8 initializer (a quantization zero point, say) folds on the host.
    "uint8_constant": lambda: model(
        [helper.make_node("Cast", ["zp"], ["zpf"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["x", "zpf"], ["y"])],
        [tensor("x", [4])], [tensor("y", [4])],
        [init("zp", np.array([0, 128, 200, 255], np.uint8))]),
    # A uint8 input converted to float at run time.
    "uint8_input": lambda: model(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
        [tensor("x", [4], TensorProto.UINT8)], [tensor("y", [4])]),
    # Arithmetic on uint8 is not compiled: a clear error, not a crash.
    "uint8_add": lambda: model(
        [helper.make_node("Add", ["x", "x"], ["y"])],
        [tensor("x", [4], TensorProto.UINT8)], [tensor("y", [4], TensorProto.UINT8)]),
    "lrn": lambda: model(
        [helper.make_node("LRN", ["x"], ["y"], size=3, alpha=2e-4, beta=0.75, bias=2.0)],
        [tensor("x", [1, 5, 2, 3])], [tensor("y", [1, 5, 2, 3])]),
    "onehot": lambda: model(
        [helper.make_node("OneHot", ["i", "depth", "values"], ["y"], axis=1)],
        [tensor("i", [2, 3], TensorProto.INT64), tensor("values", [2])],
        [tensor("y", [2, 4, 3])], [init("depth", np.array(4, np.int64))], opset=11),
    "reduce_log_sum_exp": lambda: model(
        [helper.make_node("ReduceLogSumExp", ["x"], ["y"], axes=[1], keepdims=0)],
        [tensor("x", [2, 3, 4])], [tensor("y", [2, 4])]),
    "reduce_l2_v18": lambda: model(
        [helper.make_node("ReduceL2", ["x", "axes"], ["y"], keepdims=1)],
        [tensor("x", [2, 3])], [tensor("y", [2, 1])],
        [init("axes", np.array([-1], np.int64))], opset=18),
    # LSTM, 3 steps: one input projection for all steps, then one recurrent
    # product per step.
    "lstm": lambda: model(
        [helper.make_node("LSTM", ["x", "w", "r", "b"], ["y", "h"], hidden_size=4)],
        [tensor("x", [3, 2, 5])], [tensor("y", [3, 1, 2, 4]), tensor("h", [1, 2, 4])],
        [init("w", rng.standard_normal((1, 16, 5)).astype(np.float32)),
         init("r", rng.standard_normal((1, 16, 4)).astype(np.float32)),
         init("b", rng.standard_normal((1, 32)).astype(np.float32))]),
    "lstm_bad_weights": lambda: model(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=4)],
        [tensor("x", [3, 2, 5])], [tensor("y", [3, 1, 2, 4])],
        [init("w", rng.standard_normal((1, 12, 5)).astype(np.float32)),
         init("r", rng.standard_normal((1, 16, 4)).astype(np.float32))]),
    # The condition is a test of x's shape: it folds, one branch is left.
    "if_folded": lambda: if_model([
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Equal", ["n", "two"], ["cond"])]),
    "if_runtime": lambda: if_model([
        helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0),
        helper.make_node("Greater", ["total", "zerof"], ["cond"])]),
    "if_runtime_shapes": lambda: if_model([
        helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0),
        helper.make_node("Greater", ["total", "zerof"], ["cond"])], else_shape=[3, 2]),
    "loop_unrolled": lambda: loop_model(3),
    "loop_runtime_trips": lambda: loop_model(None),
    "mod_float": lambda: model(
        [helper.make_node("Mod", ["a", "b"], ["y"])],
        [tensor("a", [3]), tensor("b", [3])], [tensor("y", [3])]),
    "not_float": lambda: model(
        [helper.make_node("Not", ["a"], ["y"])],
        [tensor("a", [3])], [tensor("y", [3], TensorProto.BOOL)]),
}

if __name__ == "__main__":
    name, out = sys.argv[1], sys.argv[2]
    onnx.save(MODELS[name](), out)
