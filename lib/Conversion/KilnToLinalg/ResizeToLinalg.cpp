//===- ResizeToLinalg.cpp - Separable resize as gather-and-weigh ----------===//
//
// One linalg.generic per resized dimension. The taps (input index and weight
// per output index) are compile-time constant tables; the body reads the
// input with tensor.extract at those indices and sums the weighted values.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"
#include "kiln/Support/ResizeTaps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
namespace {

/// Resizes dimension `dim` of `input` to `outSize` using `taps`.
Value resizeDim(OpBuilder &b, Location loc, Value input, int64_t dim,
                const ResizePlan &plan) {
  const auto &taps = plan.taps;
  auto inType = cast<RankedTensorType>(input.getType());
  Type elem = inType.getElementType();
  int64_t rank = inType.getRank(), outSize = taps.size();
  size_t numTaps = taps.empty() ? 0 : taps[0].size();
  SmallVector<int64_t> outShape(inType.getShape());
  outShape[dim] = outSize;
  auto outType = RankedTensorType::get(outShape, elem);

  // Tables: per tap, one index vector and one weight vector over `dim`.
  SmallVector<Value> tables;
  auto indexType = RankedTensorType::get({outSize}, b.getIndexType());
  auto weightType = RankedTensorType::get({outSize}, elem);
  for (size_t t = 0; t < numTaps; ++t) {
    SmallVector<APInt> indices;
    SmallVector<float> weights;
    for (const auto &row : taps) {
      indices.push_back(APInt(64, row[t].first));
      weights.push_back(static_cast<float>(row[t].second));
    }
    tables.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(indexType, indices)));
    tables.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(weightType, ArrayRef<float>(weights))));
  }
  bool anyOutside =
      llvm::any_of(plan.outside, [](double v) { return v != 0.0; });
  if (anyOutside) {
    SmallVector<float> outside(plan.outside.begin(), plan.outside.end());
    tables.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(weightType, ArrayRef<float>(outside))));
  }
  // The body reads the input through a 1-D view at the element's offset:
  // vectorized, that is one gather per tile whose offsets are right for
  // any buffer the input ends up in (collapsing a strided buffer
  // bufferizes to a dense copy), where a gather over the 4-D input would
  // assume a dense layout.
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < rank; ++d)
    all[0].push_back(d);
  Value flat = tensor::CollapseShapeOp::create(b, loc, input, all);
  AffineMap alongDim = AffineMap::get(rank, 0, b.getAffineDimExpr(dim));
  SmallVector<AffineMap> maps(tables.size(), alongDim);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, outType, tables, emptyTensor(b, loc, outShape, elem), maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               SmallVector<Value> at;
               for (int64_t d = 0; d < rank; ++d)
                 at.push_back(linalg::IndexOp::create(nb, l, d));
               Value sum;
               SmallVector<Value> sizes(1); // the outermost size is not used
               for (int64_t d = 1; d < rank; ++d)
                 sizes.push_back(arith::ConstantIndexOp::create(
                     nb, l, inType.getDimSize(d)));
               // Row-major offset: ((i0 * n1 + i1) * n2 + i2) * n3 + i3.
               auto offsetOf = [&](ArrayRef<Value> index) {
                 Value offset = index[0];
                 for (int64_t d = 1; d < rank; ++d)
                   offset = arith::AddIOp::create(
                       nb, l, arith::MulIOp::create(nb, l, offset, sizes[d]),
                       index[d]);
                 return offset;
               };
               for (size_t t = 0; t < numTaps; ++t) {
                 at[dim] = args[2 * t];
                 Value v = tensor::ExtractOp::create(nb, l, flat,
                                                     ValueRange{offsetOf(at)});
                 if (numTaps > 1 || anyOutside)
                   v = arith::MulFOp::create(nb, l, v, args[2 * t + 1]);
                 sum = sum ? arith::AddFOp::create(nb, l, sum, v).getResult() : v;
               }
               if (anyOutside)
                 sum = arith::AddFOp::create(nb, l, sum, args[2 * numTaps]);
               yieldValue(nb, l, sum);
             })
      .getResult(0);
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    ResizeOptions options{op.getMode().str(), op.getCoordinateMode().str(),
                          op.getNearestMode().str(),
                          op.getCubicCoeffA().convertToDouble(),
                          op.getExcludeOutside(),
                          op.getExtrapolationValue().convertToDouble()};
    ArrayRef<double> roi;
    if (auto r = op.getRoi())
      roi = *r;
    Value value = adaptor.getInput();
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      int64_t in = inType.getDimSize(d), out = outType.getDimSize(d);
      double scale = op.getScales()[d];
      double roiStart = roi.empty() ? 0.0 : roi[d];
      double roiEnd = roi.empty() ? 1.0 : roi[inType.getRank() + d];
      if (in == out && scale == 1.0 && roiStart == 0.0 && roiEnd == 1.0)
        continue; // identity along this dimension in every mode
      auto plan = resizeTaps(in, out, scale, options, roiStart, roiEnd);
      if (!plan)
        return rewriter.notifyMatchFailure(op, "unsupported resize options");
      value = resizeDim(rewriter, op.getLoc(), value, d, *plan);
    }
    rewriter.replaceOp(op, value);
    return success();
  }
};

} // namespace

void populateResizeLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}

} // namespace kiln
