#!/usr/bin/python3
"""Writes an ONNX model as graph.json + weights.npz for torch_ref.py.

usage: export_graph.py MODEL.onnx OUT_DIR

The GPU machine's Python has PyTorch but maybe not the onnx package, so
the graph travels in plain JSON: inputs with shapes, outputs, and every
node with its attributes; initializers and Constant nodes become arrays.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def attribute(a):
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, onnx.TensorProto):
        return {"tensor": numpy_helper.to_array(v).tolist(),
                "dtype": str(numpy_helper.to_array(v).dtype)}
    if isinstance(v, list):
        return [x.decode() if isinstance(x, bytes) else x for x in v]
    return v


def main():
    model_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    model = onnx.load(model_path)
    g = model.graph
    weights = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    nodes = []
    for n in g.node:
        if n.op_type == "Constant":
            weights[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
            continue
        nodes.append({"op": n.op_type, "inputs": list(n.input), "outputs": list(n.output),
                      "attrs": {a.name: attribute(a) for a in n.attribute}})
    inputs = [{"name": i.name,
               "shape": [d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim]}
              for i in g.input if i.name not in weights]
    json.dump({"opset": model.opset_import[0].version, "inputs": inputs,
               "outputs": [o.name for o in g.output], "nodes": nodes},
              open(os.path.join(out, "graph.json"), "w"))
    # npz keys must be valid file names; the JSON maps them back.
    names = sorted(weights)
    np.savez(os.path.join(out, "weights.npz"),
             **{"w%d" % i: weights[n] for i, n in enumerate(names)})
    json.dump(names, open(os.path.join(out, "weight_names.json"), "w"))


if __name__ == "__main__":
    main()
