//===- kiln-halide-kernels.cpp - Halide stencil kernels, AOT per target ---===//
//
// Run once per target when Kiln is built. Writes one LLVM bitcode file per
// kernel variant; kilnc links the ones a model calls into its object. The
// kernels are built without Halide's runtime, asserts or bounds queries: the
// caller (kernels/halide/calls.c, linked alongside) hands them buffers
// whose shapes the compiler has already checked, so they call nothing.
//
// Depthwise convolution, NCHW with batch 1, over an input already padded by
// the compiler:
//   out(x, y, c) = act(bias(c) + sum_{kx,ky} w(kx, ky, c) * in(sx*x + kx, sy*y + ky, c))
// with act one of: none, clip(lo, hi), hard_swish. Variants: kernel 3 or 5,
// strides (sy, sx) of 1 or 2 each (recognizers downsample height alone).
//
// usage: kiln-halide-kernels OUTDIR HALIDE-TARGET
//===----------------------------------------------------------------------===//
#include "Halide.h"

#include <cstdio>
#include <string>

using namespace Halide;

namespace {

enum class Activation { None, Clip, HardSwish };
const char *activationName(Activation a) {
  switch (a) {
  case Activation::None: return "none";
  case Activation::Clip: return "clip";
  case Activation::HardSwish: return "hswish";
  }
  return "";
}

void emitDepthwise(const std::string &dir, const Target &target, int k, int sy,
                   int sx, Activation act) {
  ImageParam input(Float(32), 3, "input"), weight(Float(32), 3, "weight"),
      bias(Float(32), 1, "bias");
  Param<float> lo("lo"), hi("hi");
  Var x("x"), y("y"), c("c"), xi("xi"), yi("yi");

  Func acc("acc");
  Expr total = bias(c);
  for (int ky = 0; ky < k; ++ky)
    for (int kx = 0; kx < k; ++kx)
      total += weight(kx, ky, c) * input(x * sx + kx, y * sy + ky, c);
  acc(x, y, c) = total;
  Expr sum = acc(x, y, c);
  Expr value = sum;
  if (act == Activation::Clip)
    value = clamp(sum, lo, hi);
  else if (act == Activation::HardSwish)
    value = sum * clamp(sum * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f);
  Func out("out");
  out(x, y, c) = value;

  // Dense rows and a K x K x C weight: the compiler passes exactly these.
  input.dim(0).set_stride(1);
  weight.dim(0).set_stride(1).dim(0).set_bounds(0, k);
  weight.dim(1).set_stride(k).set_bounds(0, k);
  out.output_buffer().dim(0).set_stride(1);

  // One vector of x per row, four rows in flight (two for 5x5 on AVX2 and
  // AVX-512): their input rows overlap, so the unrolled rows can share
  // loads. Rows that are a multiple of
  // half a vector but not of a vector (40 with 16 lanes) take half vectors,
  // which waste no lanes; other rows at least a vector wide overlap their
  // last vector with the one before, and images of at least that many
  // rows their last rows, instead of guarding a tail.
  const int lanes = target.natural_vector_size<float>();
  // See sharedLoads below: a 5x5 filter's sums share loads two rows at a
  // time on AVX2 and AVX-512.
  const bool wideX86 = target.has_feature(Target::AVX2);
  const int rows = k == 5 && wideX86 ? 2 : 4;
  Expr width = out.output_buffer().dim(0).extent();
  Expr tall = out.output_buffer().dim(1).extent() >= rows;
  auto rowsOfVectors = [&](Stage stage, int v) {
    stage.split(x, x, xi, v, TailStrategy::ShiftInwards)
        .split(y, y, yi, rows, TailStrategy::ShiftInwards)
        .reorder(xi, yi, x, y, c)
        .vectorize(xi)
        .unroll(yi);
  };
  rowsOfVectors(out.specialize(tall && width % lanes == 0), lanes);
  if (lanes >= 8)
    rowsOfVectors(out.specialize(tall && width % (lanes / 2) == 0), lanes / 2);
  rowsOfVectors(out.specialize(tall && width >= lanes), lanes);
  out.split(y, y, yi, rows, TailStrategy::GuardWithIf)
      .reorder(x, yi, y, c)
      .unroll(yi);
  // Stored row by row, each tap loads again (folded into its FMA): a
  // store between two rows' sums keeps LLVM from reusing the first row's
  // loads. Where the rows' sums fit in registers beside the loads they
  // share, they are all computed before any is stored (bench/RESULTS.md,
  // "Depthwise on AVX-512 and AVX2"): with AVX-512's 32 registers, a
  // 3x3 filter's four rows (1.1-1.4x for strides 1, 1x2 and 2x1; mixed for
  // 2x2); on AVX2 and AVX-512, a 5x5 filter's two rows (1.1-1.5x; four
  // spill). ARM and baseline x86-64 are not measured: plain schedule.
  bool sharedLoads = (target.has_feature(Target::AVX512) && k == 3 && (sx == 1 || sy == 1)) ||
                     (wideX86 && k == 5);
  if (sharedLoads)
    acc.compute_at(out, x).store_in(MemoryType::Register).vectorize(x).unroll(y);

  // The names HalideDepthwiseOp::getVariant gives.
  std::string strides = std::to_string(sy);
  if (sx != sy)
    strides += "x" + std::to_string(sx);
  std::string name = "kiln_hl_dw_k" + std::to_string(k) + "_s" + strides +
                     "_" + activationName(act);
  out.compile_to_bitcode(dir + "/" + name + ".bc",
                         {input, weight, bias, lo, hi}, name, target);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kiln-halide-kernels OUTDIR HALIDE-TARGET\n");
    return 2;
  }
  std::string dir = argv[1];
  Target target = Target(argv[2])
                      .with_feature(Target::NoRuntime)
                      .with_feature(Target::NoAsserts)
                      .with_feature(Target::NoBoundsQuery);
  const int strides[][2] = {{1, 1}, {2, 2}, {2, 1}, {1, 2}};
  for (int k : {3, 5})
    for (const auto &s : strides)
      for (Activation act :
           {Activation::None, Activation::Clip, Activation::HardSwish})
        emitDepthwise(dir, target, k, s[0], s[1], act);
  return 0;
}
