//===- FoldWeightTransforms.cpp - Weight-only chains become constants -----===//
//
// The linalg lowering derives some operands from weights alone: a stride-2
// filter padded to its phases, a transposed matrix, a bias scaled by a
// normalization. A backend that packs nothing at compile time (the GPU's)
// would recompute them in a kernel on every run. This pass evaluates such a
// chain on the host, in f32 as the kernels compute it, and replaces its
// result with one constant. What it does not understand it leaves alone.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstring>
#include <optional>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFOLDWEIGHTTRANSFORMS
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// A tensor the pass knows the value of: a splat, or every element in
/// row-major order.
struct KnownTensor {
  RankedTensorType type;
  std::optional<float> splat;
  std::vector<float> data;
  int64_t weightElements = 0; // the real (non-splat) weights it derives from
  bool computed = false;      // whether an op that computes is in its chain

  int64_t size() const { return type.getNumElements(); }
  float at(int64_t i) const { return splat ? *splat : data[i]; }
  void materialize() {
    if (splat) {
      data.assign(size(), *splat);
      splat.reset();
    }
  }
};

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Calls `fn` with each multi-index of `shape` and its row-major position.
template <typename Fn> void forEachIndex(ArrayRef<int64_t> shape, Fn fn) {
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t linear = 0; linear < total; ++linear) {
    fn(ArrayRef<int64_t>(index), linear);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// One scalar op of a linalg body, on slots of a register file.
struct Instruction {
  enum Kind { Add, Sub, Mul, Div, Neg, Max, Min, Sqrt, Constant } kind;
  unsigned result;
  unsigned lhs = 0, rhs = 0;
  float value = 0;
};

/// The body of `op` as instructions over slots (block arguments first), or
/// nothing when it holds an op this evaluator does not know.
std::optional<std::pair<std::vector<Instruction>, unsigned>>
compileBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  llvm::DenseMap<Value, unsigned> slots;
  for (BlockArgument arg : body->getArguments()) {
    if (!arg.getType().isF32())
      return std::nullopt;
    slots[arg] = slots.size();
  }
  std::vector<Instruction> program;
  for (Operation &inner : body->without_terminator()) {
    if (inner.getNumResults() != 1 || !inner.getResult(0).getType().isF32())
      return std::nullopt;
    Instruction ins{Instruction::Constant, static_cast<unsigned>(slots.size())};
    auto operand = [&](unsigned i) -> std::optional<unsigned> {
      auto it = slots.find(inner.getOperand(i));
      if (it == slots.end())
        return std::nullopt;
      return it->second;
    };
    if (auto c = dyn_cast<arith::ConstantOp>(inner)) {
      auto f = dyn_cast<FloatAttr>(c.getValue());
      if (!f)
        return std::nullopt;
      ins.value = static_cast<float>(f.getValueAsDouble());
    } else {
      Instruction::Kind kind;
      if (isa<arith::AddFOp>(inner))
        kind = Instruction::Add;
      else if (isa<arith::SubFOp>(inner))
        kind = Instruction::Sub;
      else if (isa<arith::MulFOp>(inner))
        kind = Instruction::Mul;
      else if (isa<arith::DivFOp>(inner))
        kind = Instruction::Div;
      else if (isa<arith::NegFOp>(inner))
        kind = Instruction::Neg;
      else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(inner))
        kind = Instruction::Max;
      else if (isa<arith::MinimumFOp, arith::MinNumFOp>(inner))
        kind = Instruction::Min;
      else if (isa<math::SqrtOp>(inner))
        kind = Instruction::Sqrt;
      else
        return std::nullopt;
      ins.kind = kind;
      std::optional<unsigned> lhs = operand(0);
      if (!lhs)
        return std::nullopt;
      ins.lhs = *lhs;
      if (inner.getNumOperands() == 2) {
        std::optional<unsigned> rhs = operand(1);
        if (!rhs)
          return std::nullopt;
        ins.rhs = *rhs;
      }
    }
    slots[inner.getResult(0)] = ins.result;
    program.push_back(ins);
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto yielded = slots.find(yield.getOperand(0));
  if (yielded == slots.end())
    return std::nullopt;
  return std::make_pair(std::move(program), yielded->second);
}

void run(const std::vector<Instruction> &program, std::vector<float> &slot) {
  for (const Instruction &ins : program) {
    float a = slot[ins.lhs], b = slot[ins.rhs], r = 0;
    switch (ins.kind) {
    case Instruction::Add: r = a + b; break;
    case Instruction::Sub: r = a - b; break;
    case Instruction::Mul: r = a * b; break;
    case Instruction::Div: r = a / b; break;
    case Instruction::Neg: r = -a; break;
    case Instruction::Max: r = std::fmax(a, b); break;
    case Instruction::Min: r = std::fmin(a, b); break;
    case Instruction::Sqrt: r = std::sqrt(a); break;
    case Instruction::Constant: r = ins.value; break;
    }
    slot[ins.result] = r;
  }
}

class Folder {
public:
  explicit Folder(int64_t slack) : slack(slack) {}

  /// The value of `v` when the pass can know it.
  KnownTensor *lookup(Value v) {
    auto it = known.find(v);
    if (it != known.end())
      return &it->second;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return nullptr;
    auto c = v.getDefiningOp<arith::ConstantOp>();
    if (!c)
      return nullptr;
    KnownTensor t{type};
    if (auto dense = dyn_cast<DenseElementsAttr>(c.getValue())) {
      if (dense.isSplat()) {
        t.splat = dense.getSplatValue<float>();
      } else {
        auto values = dense.getValues<float>();
        t.data.assign(values.begin(), values.end());
        t.weightElements = t.size();
      }
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(c.getValue())) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob || blob->getData().size() != static_cast<size_t>(t.size()) * 4)
        return nullptr;
      ArrayRef<char> raw = blob->getData();
      t.data.resize(t.size());
      std::memcpy(t.data.data(), raw.data(), raw.size());
      t.weightElements = t.size();
    } else {
      return nullptr;
    }
    return &known.try_emplace(v, std::move(t)).first->second;
  }

  /// Evaluates `op` when all it reads is known; true if it did.
  bool evaluate(Operation *op) {
    if (op->getNumResults() != 1)
      return false;
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return false;
    std::optional<KnownTensor> result;
    if (isa<tensor::EmptyOp>(op)) {
      // Undefined contents: any value, zero here, is a valid one.
      result = KnownTensor{type, 0.0f};
    } else if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      FloatAttr value;
      if (!matchPattern(fill.getInputs()[0], m_Constant(&value)))
        return false;
      result = KnownTensor{type, static_cast<float>(value.getValueAsDouble())};
    } else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op)) {
      KnownTensor *src = lookup(op->getOperand(0));
      if (!src)
        return false;
      result = *src;
      result->type = type;
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      result = insertSlice(insert);
    } else if (auto extract = dyn_cast<tensor::ExtractSliceOp>(op)) {
      result = extractSlice(extract);
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      result = evaluateLinalg(linalgOp);
    }
    if (!result)
      return false;
    known[op->getResult(0)] = std::move(*result);
    return true;
  }

  /// Replaces the uses of `op`'s result that the pass does not evaluate with
  /// a constant, when the chain is worth it.
  void materialize(Operation *op, const llvm::DenseSet<Operation *> &evaluated) {
    Value v = op->getResult(0);
    auto it = known.find(v);
    if (it == known.end())
      return;
    KnownTensor &t = it->second;
    bool outsideUse = llvm::any_of(v.getUses(), [&](OpOperand &use) {
      return !evaluated.contains(use.getOwner());
    });
    if (!outsideUse || !t.computed || t.weightElements == 0 ||
        tooLarge(t.type, t.weightElements))
      return;
    OpBuilder b(op);
    DenseElementsAttr attr =
        t.splat ? DenseElementsAttr::get(t.type, ArrayRef<float>(*t.splat))
                : DenseElementsAttr::get(t.type, ArrayRef<float>(t.data));
    Value c = arith::ConstantOp::create(b, op->getLoc(), attr);
    v.replaceUsesWithIf(c, [&](OpOperand &use) {
      return !evaluated.contains(use.getOwner());
    });
    ++folded;
  }

  int folded = 0;

private:
  /// Whether a constant of `type` would hold too much beyond the
  /// `weightElements` it derives from to be worth storing.
  bool tooLarge(RankedTensorType type, int64_t weightElements) const {
    return type.getNumElements() > 2 * weightElements + slack;
  }

  static bool allStatic(ArrayRef<int64_t> values) {
    return llvm::none_of(values, ShapedType::isDynamic);
  }

  std::optional<KnownTensor> insertSlice(tensor::InsertSliceOp op) {
    KnownTensor *src = lookup(op.getSource());
    KnownTensor *dst = lookup(op.getDest());
    if (!src || !dst || !allStatic(op.getStaticOffsets()) ||
        !allStatic(op.getStaticStrides()) ||
        op.getSourceType().getRank() != op.getType().getRank())
      return std::nullopt;
    if (tooLarge(op.getType(), src->weightElements + dst->weightElements))
      return std::nullopt;
    KnownTensor t = *dst;
    t.materialize();
    SmallVector<int64_t> strides = rowMajorStrides(t.type.getShape());
    ArrayRef<int64_t> offsets = op.getStaticOffsets(), steps = op.getStaticStrides();
    forEachIndex(src->type.getShape(), [&](ArrayRef<int64_t> index, int64_t linear) {
      int64_t at = 0;
      for (size_t d = 0; d < index.size(); ++d)
        at += (offsets[d] + index[d] * steps[d]) * strides[d];
      t.data[at] = src->at(linear);
    });
    t.weightElements = src->weightElements + dst->weightElements;
    t.computed = true;
    return t;
  }

  std::optional<KnownTensor> extractSlice(tensor::ExtractSliceOp op) {
    KnownTensor *src = lookup(op.getSource());
    if (!src || !allStatic(op.getStaticOffsets()) || !allStatic(op.getStaticStrides()) ||
        op.getSourceType().getRank() != op.getType().getRank())
      return std::nullopt;
    KnownTensor t{op.getType()};
    t.weightElements = src->weightElements;
    t.computed = src->computed;
    if (src->splat) {
      t.splat = src->splat;
      return t;
    }
    SmallVector<int64_t> strides = rowMajorStrides(src->type.getShape());
    ArrayRef<int64_t> offsets = op.getStaticOffsets(), steps = op.getStaticStrides();
    t.data.resize(t.size());
    forEachIndex(t.type.getShape(), [&](ArrayRef<int64_t> index, int64_t linear) {
      int64_t at = 0;
      for (size_t d = 0; d < index.size(); ++d)
        at += (offsets[d] + index[d] * steps[d]) * strides[d];
      t.data[linear] = src->data[at];
    });
    return t;
  }

  /// An all-parallel linalg op with one result, evaluated point by point.
  std::optional<KnownTensor> evaluateLinalg(linalg::LinalgOp op) {
    if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0 ||
        op.hasIndexSemantics() || !op.hasPureTensorSemantics())
      return std::nullopt;
    SmallVector<KnownTensor *> operands;
    for (OpOperand &operand : op->getOpOperands()) {
      // An init the body never reads may be anything.
      bool read = !op.isDpsInit(&operand) || op.payloadUsesValueFromOperand(&operand);
      KnownTensor *t = lookup(operand.get());
      if (!t && read)
        return std::nullopt;
      operands.push_back(read ? t : nullptr);
    }
    int64_t weights = 0;
    for (KnownTensor *operand : operands)
      if (operand)
        weights += operand->weightElements;
    if (tooLarge(cast<RankedTensorType>(op->getResult(0).getType()), weights))
      return std::nullopt;
    auto program = compileBody(op);
    if (!program)
      return std::nullopt;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (!allStatic(ranges))
      return std::nullopt;
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<SmallVector<int64_t>> strides;
    KnownTensor t{cast<RankedTensorType>(op->getResult(0).getType())};
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.get().getType());
      if (!type)
        return std::nullopt; // a scalar operand
      strides.push_back(rowMajorStrides(type.getShape()));
    }
    t.data.resize(t.size());
    unsigned outputIndex = op->getNumOperands() - 1;
    std::vector<float> slots(op.getBlock()->getNumArguments() + program->first.size());
    forEachIndex(ranges, [&](ArrayRef<int64_t> point, int64_t) {
      int64_t outAt = 0;
      for (unsigned i = 0; i < maps.size(); ++i) {
        SmallVector<int64_t> index = maps[i].compose(point);
        int64_t at = 0;
        for (size_t d = 0; d < index.size(); ++d)
          at += index[d] * strides[i][d];
        if (i == outputIndex)
          outAt = at;
        slots[i] = operands[i] ? operands[i]->at(at) : 0.0f;
      }
      run(program->first, slots);
      t.data[outAt] = slots[program->second];
    });
    t.weightElements = weights;
    t.computed = true;
    return t;
  }

  int64_t slack;
  llvm::DenseMap<Value, KnownTensor> known;
};

struct KilnFoldWeightTransformsPass
    : impl::KilnFoldWeightTransformsBase<KilnFoldWeightTransformsPass> {
  using Base::Base;

  void runOnOperation() override {
    Folder folder(slackElements);
    llvm::DenseSet<Operation *> evaluated;
    SmallVector<Operation *> order;
    getOperation().walk([&](Operation *op) {
      if (op->getParentOp() != getOperation())
        return; // bodies of linalg ops are evaluated with their op
      if (folder.evaluate(op)) {
        evaluated.insert(op);
        order.push_back(op);
      }
    });
    for (Operation *op : order)
      folder.materialize(op, evaluated);
    // The chains are dead now; the canonicalizer after this pass drops them.
  }
};

} // namespace
} // namespace kiln
