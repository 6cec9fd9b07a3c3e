//===- LoweringUtils.h - Linalg builders of the lowering and the backends -===//
#ifndef KILN_CONVERSION_KILNTOLINALG_LOWERINGUTILS_H
#define KILN_CONVERSION_KILNTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

class ConvOp;

using BodyBuilder =
    llvm::function_ref<void(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Map from the iteration space of a `outRank`-D elementwise op to an operand
/// of `shape` under numpy broadcasting (right-aligned, size-1 dims pinned to 0).
mlir::AffineMap broadcastMap(llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<int64_t> outShape,
                             mlir::MLIRContext *ctx);

/// tensor.empty of the given shape (`dynamicSizes`: one per dynamic dim).
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                        mlir::ValueRange dynamicSizes = {});

/// The dynamic dims of `outType`, read from `source` (dim `sourceDim(d)` for
/// result dim d).
llvm::SmallVector<mlir::Value>
mappedDynamicSizes(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType outType, mlir::Value source,
                   llvm::function_ref<int64_t(int64_t)> sourceDim);

/// The dynamic dims of `outType`, the numpy broadcast of `inputs`, read from
/// the inputs that have them.
llvm::SmallVector<mlir::Value>
broadcastDynamicSizes(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::RankedTensorType outType, mlir::ValueRange inputs);
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                         mlir::TypedAttr value, mlir::ValueRange dynamicSizes = {});

/// For generics that add one loop (dim `rank`) over an axis' extent, as
/// running sums and rankings do: the identity over dims 0..rank-1, with
/// dim `axis` replaced by the extra loop when `extraOnAxis`.
mlir::AffineMap axisLoopMap(mlir::MLIRContext *ctx, int64_t rank, int64_t axis,
                            bool extraOnAxis);

/// An all-parallel linalg.generic over `outType`, broadcasting the inputs.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType outType,
                             mlir::ValueRange inputs, BodyBuilder body);

/// Terminates a linalg.generic body with one value.
void yieldValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// (d_dims[0], d_dims[1], ..., tail...) over `numDims` loops.
mlir::AffineMap dimsMap(unsigned numDims, llvm::ArrayRef<unsigned> dims,
                        llvm::ArrayRef<mlir::AffineExpr> tail,
                        mlir::MLIRContext *ctx);

/// Grouped convolution of an already padded N x C x S... `input` with an
/// M x C/group x K... `weight`, accumulating from `bias` (optional) in
/// `outType`'s element type.
mlir::Value buildConv(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      mlir::Value weight, mlir::Value bias,
                      llvm::ArrayRef<int64_t> strides,
                      llvm::ArrayRef<int64_t> dilations, int64_t group,
                      mlir::RankedTensorType outType);

/// A conv accumulator of `accType` (N x A x B x ...) starting from `bias`
/// (M = A * B values, any rank, read along dims 1 and 2), or from zero when
/// there is no bias.
mlir::Value biasAccumulator(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value bias, mlir::RankedTensorType accType);

/// The body of every contraction: `acc + a * b` (args: a, b, acc). Integer
/// operands narrower than the accumulator are sign-extended first.
void multiplyAccumulateBody(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::ValueRange args);

/// The register tile a backend asked a contraction's constant operand to be
/// packed for (`kiln.pack_tile` on the op): blocks of `rows` filters, panels
/// of `lanes` columns. `registerTile` (optional) goes onto the packed
/// generic for kiln-tile-and-vectorize to follow.
struct PackTile {
  int64_t rows = 8;
  int64_t lanes = 32;
  mlir::DenseI64ArrayAttr registerTile;
};

/// The tile `op` is marked with, or none: a contraction without the mark is
/// lowered unpacked.
std::optional<PackTile> packTileOf(mlir::Operation *op);

/// `init + sum(inputs[0] * inputs[1])` as a linalg.generic whose last
/// `numReductions` loops reduce. Integer `inputs[0]` is zero-extended
/// when `unsignedLhs`.
mlir::Value buildContraction(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::ValueRange inputs, mlir::Value init,
                             llvm::ArrayRef<mlir::AffineMap> maps,
                             unsigned numReductions, bool unsignedLhs = false);

/// How a packed integer contraction takes its input channels: `size` per
/// step (2: i16 pairs, 4: i8 quads), the input bytes read as unsigned when
/// `unsignedInput` (quads for x86's vpdpbusd); weights are signed.
struct ChannelGroup {
  ChannelGroup(int64_t size, bool unsignedInput = false)
      : size(size), unsignedInput(unsignedInput) {}
  int64_t size;
  bool unsignedInput;
};

/// Map of a batched-matmul operand (batch..., row, col) from the iteration
/// space (batch..., m, n, k) of an `outType` result; batch dims broadcast.
mlir::AffineMap matMulOperandMap(mlir::Value operand,
                                 mlir::RankedTensorType outType, unsigned row,
                                 unsigned col);

/// The blob name of a packed copy of constant `weight`: its own blob's name
/// and `suffix`, or "packed" when it is not a blob.
std::string packedName(mlir::Value weight, llvm::StringRef suffix = "_packed");

/// Contractions over a constant operand packed at compile time into the
/// order their register tiles read it; null when the operand is not a
/// constant or the shape does not split into whole tiles.
/// `input` N x C x P, `weight` the kiln.constant M x C x 1..., `bias` M or
/// null; the result is N x M x P.
mlir::Value buildPackedPointwiseConv(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value input, mlir::Value weight,
                                     mlir::Value bias,
                                     mlir::RankedTensorType outType,
                                     const PackTile &tile);
/// The integer form: `input` N x C x P of i16 (centered) when `g` (the
/// group's size) is 2, i8 when it is 4, `weight` the M x C weight values, `bias` M of i32 or
/// null; the i32 result N x M x P. Input channels are taken in groups of g
/// (the last one filled with zeros), adjacent in the packed weight
/// M/R x C/g x R x g and in a copy of the input N x C/g x P x g, so a pair
/// multiply-add (g = 2) or a dot product (g = 4) computes g steps at once.
mlir::Value buildPackedGroupPointwiseConv(mlir::OpBuilder &b, mlir::Location loc,
                                          mlir::Value input,
                                          llvm::ArrayRef<int64_t> weight,
                                          mlir::Value bias,
                                          mlir::RankedTensorType accType,
                                          ChannelGroup group, const PackTile &tile,
                                          llvm::StringRef name);
/// The integer 2-D conv form (group 1; a width stride above 1 needs width
/// dilation 1): `input` the padded N x C x H x W (element as above),
/// `weight` the M x C x KH x KW values; the i32 result N x M x OH x OW.
/// Channels group as in the pointwise form, weights packed
/// M/R x C/g x KH x KW x R x g.
mlir::Value buildPackedGroupConv(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value input, llvm::ArrayRef<int64_t> weight,
                                 llvm::ArrayRef<int64_t> kernel, mlir::Value bias,
                                 llvm::ArrayRef<int64_t> strides,
                                 llvm::ArrayRef<int64_t> dilations,
                                 mlir::RankedTensorType accType, ChannelGroup group,
                                 const PackTile &tile, llvm::StringRef name);
/// The integer matmul form: `lhs` (batch..., M, K) (element as above), `rhs`
/// the K x N values of a constant, `bias` N of i32 or null; the i32 result
/// (batch..., M, N). Rows of k come in groups of g (adjacent in lhs
/// already, the last one filled with zeros), rhs is packed in panels
/// N/V x K/g x V x g (the last panel zero-filled past N).
mlir::Value buildPackedGroupMatMul(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::Value lhs, llvm::ArrayRef<int64_t> rhs,
                                   mlir::Value bias,
                                   mlir::RankedTensorType accType, ChannelGroup group,
                                   const PackTile &tile, llvm::StringRef name);
/// `lhs` (batch..., M, K), or K x M when `transposeLhs` (rank 2 only);
/// `rhs` the kiln.constant K x N, or N x K when `transposeRhs`.
mlir::Value buildPackedMatMul(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value lhs, bool transposeLhs,
                              mlir::Value rhs, bool transposeRhs,
                              mlir::RankedTensorType outType,
                              const PackTile &tile);

/// A copy into a new `outType` tensor whose element at each index is read
/// from `input` through `readMap` (broadcast, flip, strided gather ...).
mlir::Value buildCopy(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      mlir::AffineMap readMap, mlir::RankedTensorType outType);

mlir::Value floatConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                       double value);

/// Pads the spatial dimensions (2..rank) of an N x C x S... tensor.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> padBegin,
                       llvm::ArrayRef<int64_t> padEnd, mlir::Value padValue);

/// keepdims: re-inserts the reduced `axes` of `outType` as size-1 dims into
/// `reduced` (each kept dim groups with the reduced dims after it; leading
/// reduced dims join the first group).
mlir::Value expandReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value reduced, mlir::RankedTensorType outType,
                              llvm::ArrayRef<int64_t> axes);

void populateElementwiseLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateWindowLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateContractionLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateSoftmaxLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateReductionLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateResizeLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateIndexingLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateQuantLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateTopKLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif
