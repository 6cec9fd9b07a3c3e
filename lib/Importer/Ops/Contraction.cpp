//===- Contraction.cpp - Gemm, MatMul and Einsum importers ----------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

using namespace mlir;

namespace kiln {
namespace {

bool importGemm(GraphImporter &g) {
  Value a = g.input(0), b = g.input(1);
  if (!a || !b || !requireFloat(g, a))
    return false;
  Value c;
  if (g.hasInput(2) && !(c = g.input(2)))
    return false;
  Value y = g.make<GemmOp>(a, b, c, llvm::APFloat(g.attrFloat("alpha", 1.0f)),
                           llvm::APFloat(g.attrFloat("beta", 1.0f)),
                           g.attrInt("transA", 0) != 0,
                           g.attrInt("transB", 0) != 0);
  return g.produce(y);
}

bool importMatMul(GraphImporter &g) {
  Value a = g.input(0), b = g.input(1);
  if (!a || !b || !requireFloat(g, a))
    return false;
  // ONNX (numpy) promotes 1-D operands to matrices and drops that dim after.
  Dims aShape = shapeOf(cast<RankedTensorType>(a.getType()));
  Dims bShape = shapeOf(cast<RankedTensorType>(b.getType()));
  if (aShape.empty() || bShape.empty())
    return g.fail("operands must have rank >= 1");
  bool aVector = aShape.size() == 1, bVector = bShape.size() == 1;
  if (aVector)
    a = g.reshape(a, {1, aShape[0]});
  if (bVector)
    b = g.reshape(b, {bShape[0], 1});
  Value y = g.make<MatMulOp>(a, b);
  if (!y)
    return false;
  if (aVector || bVector) {
    Dims shape = shapeOf(cast<RankedTensorType>(y.getType()));
    if (bVector)
      shape.pop_back();
    if (aVector)
      shape.erase(shape.end() - (bVector ? 1 : 2));
    y = g.reshape(y, shape);
  }
  g.setOutput(0, y);
  return true;
}

/// Einsum in its matmul-like forms: one or two operands, no ellipsis, no
/// repeated index within an operand. Indices only one operand has (and the
/// output lacks) are summed first; the rest becomes transposes around one
/// batched MatMul: batch (both and output), contracted (both, not output),
/// free (one operand and the output).
bool importEinsum(GraphImporter &g) {
  std::string eq;
  for (char c : g.attrString("equation"))
    if (c != ' ')
      eq += c;
  if (eq.find("...") != std::string::npos)
    return g.fail("equations with '...' are not supported");
  std::string lhs = eq.substr(0, eq.find("->"));
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  std::string out;
  if (eq.find("->") != std::string::npos) {
    out = eq.substr(eq.find("->") + 2);
  } else { // implicit: letters seen once, alphabetically
    for (char c = 'A'; c <= 'z'; ++c)
      if (std::count(lhs.begin(), lhs.end(), c) == 1)
        out += c;
  }
  if (terms.size() != g.numInputs() || terms.size() > 2)
    return g.fail("only one or two operands are supported");
  SmallVector<Value> ops;
  for (size_t i = 0; i < terms.size(); ++i) {
    Value v = g.input(i);
    if (!v || !requireFloat(g, v))
      return false;
    const std::string &t = terms[i];
    if (static_cast<int64_t>(t.size()) != cast<RankedTensorType>(v.getType()).getRank())
      return g.fail("term '" + t + "' does not match operand " + std::to_string(i));
    for (char c : t)
      if (std::count(t.begin(), t.end(), c) != 1)
        return g.fail("repeated index '" + std::string(1, c) + "' (diagonals) is not supported");
    // Sum away indices no one else needs.
    std::string other = terms.size() == 2 ? terms[1 - i] : "";
    Dims axes;
    std::string kept;
    for (size_t d = 0; d < t.size(); ++d) {
      if (out.find(t[d]) == std::string::npos && other.find(t[d]) == std::string::npos)
        axes.push_back(static_cast<int64_t>(d));
      else
        kept += t[d];
    }
    if (!axes.empty() && !(v = g.make<ReduceSumOp>(v, axes, false)))
      return false;
    terms[i] = kept;
    ops.push_back(v);
  }
  auto permuteTo = [&](Value v, const std::string &from, const std::string &to) -> Value {
    Dims perm;
    for (char c : to)
      perm.push_back(static_cast<int64_t>(from.find(c)));
    return from == to ? v : g.make<TransposeOp>(v, perm);
  };
  auto dims = [](Value v) { return shapeOf(cast<RankedTensorType>(v.getType())); };
  if (ops.size() == 1)
    return g.produce(permuteTo(ops[0], terms[0], out));

  const std::string &a = terms[0], &b = terms[1];
  std::string batch, contracted, freeA, freeB;
  for (char c : out) {
    bool inA = a.find(c) != std::string::npos, inB = b.find(c) != std::string::npos;
    (inA && inB ? batch : inA ? freeA : freeB) += c;
  }
  for (char c : a)
    if (b.find(c) != std::string::npos && out.find(c) == std::string::npos)
      contracted += c;
  Value x = permuteTo(ops[0], a, batch + freeA + contracted);
  Value y = permuteTo(ops[1], b, batch + contracted + freeB);
  if (!x || !y)
    return false;
  Dims xs = dims(x), ys = dims(y);
  size_t nb = batch.size();
  auto product = [](const Dims &d, size_t from, size_t to) {
    int64_t p = 1;
    for (size_t i = from; i < to; ++i)
      p *= d[i];
    return p;
  };
  Dims xShape(xs.begin(), xs.begin() + nb), yShape(ys.begin(), ys.begin() + nb);
  xShape.push_back(product(xs, nb, nb + freeA.size()));
  xShape.push_back(product(xs, nb + freeA.size(), xs.size()));
  yShape.push_back(product(ys, nb, nb + contracted.size()));
  yShape.push_back(product(ys, nb + contracted.size(), ys.size()));
  Value z = g.make<MatMulOp>(g.reshape(x, xShape), g.reshape(y, yShape));
  if (!z)
    return false;
  Dims zShape(xs.begin(), xs.begin() + nb + freeA.size());
  zShape.insert(zShape.end(), ys.begin() + nb + contracted.size(), ys.end());
  return g.produce(permuteTo(g.reshape(z, zShape), batch + freeA + freeB, out));
}

} // namespace

void addContractionImporters(OpImporterTable &table) {
  table.try_emplace("Gemm", importGemm);
  table.try_emplace("MatMul", importMatMul);
  table.try_emplace("Einsum", importEinsum);
}

} // namespace kiln
