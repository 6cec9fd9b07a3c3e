// Would an int8 depthwise kernel beat the float one? Times, on rec's 5x5
// stride-1 shapes, three Halide kernels JIT-compiled for the host with the
// schedule of Kiln's float kernel (kernels/halide: a vector of x, four rows
// unrolled):
//   float: out = bias + sum w * in, as Kiln links it;
//   int8:  i8 input and weights, 16-bit products summed in i32 from an i32
//          bias, then Kiln's fixed-point requantization (a 32x32->64-bit
//          multiply, a shift rounding half to even, the zero point, the
//          clamp) to i8;
//   int8, cheap rescale: the same sums, rescaled by a plain shift (a lower
//          bound for any exact requantization).
// Prints one markdown row per shape: the best of 7 means of 50 runs, in us.
//
// usage: g++ -O2 -std=c++17 -I/usr/include/halide14 bench/int8_depthwise_probe.cpp \
//          -lHalide14 -o probe && ./probe
#include "Halide.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace Halide;
using namespace Halide::ConciseCasts;

namespace {

constexpr int kK = 5;

void schedule(Func out, const Target &target) {
  Var x = out.args()[0], y = out.args()[1], c = out.args()[2], xi("xi"), yi("yi");
  out.split(x, x, xi, target.natural_vector_size<float>(), TailStrategy::ShiftInwards)
      .split(y, y, yi, 4, TailStrategy::ShiftInwards)
      .reorder(xi, yi, x, y, c)
      .vectorize(xi)
      .unroll(yi);
}

template <class Run> double bestMicros(Run run) {
  double best = 1e30;
  for (int round = 0; round < 7; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i)
      run();
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count() / 50);
  }
  return best;
}

} // namespace

int main() {
  Target target = get_host_target();
  Var x("x"), y("y"), c("c");

  ImageParam fin(Float(32), 3, "fin"), fw(Float(32), 3, "fw"), fb(Float(32), 1, "fb");
  Func fout("fout");
  Expr fsum = fb(c);
  for (int ky = 0; ky < kK; ++ky)
    for (int kx = 0; kx < kK; ++kx)
      fsum += fw(kx, ky, c) * fin(x + kx, y + ky, c);
  fout(x, y, c) = fsum;
  schedule(fout, target);
  fout.compile_jit(target);

  ImageParam qin(Int(8), 3, "qin"), qw(Int(8), 3, "qw"), qb(Int(32), 1, "qb"),
      qm(Int(32), 1, "qm"), qs(UInt(8), 1, "qs");
  Param<int> zp("zp"), lo("lo"), hi("hi");
  Func acc("acc");
  Expr qsum = qb(c);
  for (int ky = 0; ky < kK; ++ky)
    for (int kx = 0; kx < kK; ++kx)
      qsum += i32(i16(qw(kx, ky, c)) * i16(qin(x + kx, y + ky, c)));
  acc(x, y, c) = qsum;
  // Kiln's epilogue (lib/Conversion/KilnToLinalg/QuantToLinalg.cpp) on
  // wrapping unsigned 64-bit values.
  Expr product = cast<uint64_t>(i64(acc(x, y, c)) * i64(qm(c)));
  Expr shift = cast<uint64_t>(qs(c));
  Expr half = (cast<uint64_t>(1) << (shift - 1)) +
              Internal::make_const(UInt(64), uint64_t(0x7fffffffffffffffULL));
  Expr odd = (product >> shift) & cast<uint64_t>(1);
  Expr offset = i64(zp) - (cast<int64_t>(1) << (cast<uint64_t>(63) - shift));
  Expr rounded = i64((product + half + odd) >> shift) + offset;
  Func qout("qout"), cheap("cheap");
  qout(x, y, c) = i8(clamp(rounded, i64(lo), i64(hi)));
  cheap(x, y, c) = i8(clamp((acc(x, y, c) >> 8) + zp, lo, hi));
  for (Func f : {qout, cheap}) {
    schedule(f, target);
    f.compile_jit(target);
  }

  std::printf("| depthwise 1xCxHxW, 5x5, stride 1 | float us | int8 us | int8/float "
              "| int8 with a shift for rescale us |\n|---|---|---|---|---|\n");
  const int shapes[][3] = {{240, 12, 80}, {480, 6, 80}, {256, 12, 80}, {128, 24, 160}};
  for (const auto &s : shapes) {
    int channels = s[0], h = s[1], w = s[2];
    Buffer<float> bfin(w + kK - 1, h + kK - 1, channels), bfw(kK, kK, channels),
        bfb(channels), bfout(w, h, channels);
    Buffer<int8_t> bqin(w + kK - 1, h + kK - 1, channels), bqw(kK, kK, channels),
        bqout(w, h, channels);
    Buffer<int32_t> bqb(channels), bqm(channels);
    Buffer<uint8_t> bqs(channels);
    unsigned seed = 1;
    auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0xff; };
    bfin.for_each_value([&](float &v) { v = next() / 255.0f; });
    bfw.fill(0.04f);
    bfb.fill(0.0f);
    bqin.for_each_value([&](int8_t &v) { v = static_cast<int8_t>(next() - 128); });
    bqw.for_each_value([&](int8_t &v) { v = static_cast<int8_t>(next() % 255 - 127); });
    bqb.fill(1000);
    bqm.fill(1 << 30);
    bqs.fill(20);
    fin.set(bfin), fw.set(bfw), fb.set(bfb);
    qin.set(bqin), qw.set(bqw), qb.set(bqb), qm.set(bqm), qs.set(bqs);
    zp.set(-3), lo.set(-128), hi.set(127);
    double tf = bestMicros([&] { fout.realize(bfout); });
    double tq = bestMicros([&] { qout.realize(bqout); });
    double tc = bestMicros([&] { cheap.realize(bqout); });
    std::printf("| %dx%dx%d | %.1f | %.1f | %.2f | %.1f |\n", channels, h, w, tf, tq,
                tq / tf, tc);
  }
  return 0;
}
