// Depthwise convolutions in Halide, for comparison with Kiln's MLIR kernels
// on the same shapes (bench.py's stencil table).
//
// One NCHW (batch 1) depthwise conv with zero padding, JIT-compiled for the
// host with two schedules a Halide user would write: the boundary handled
// inline (clamped loads and selects), and a zero-padded copy of each channel
// plane computed per channel. Both vectorize 16 lanes along x and keep 4
// output rows in flight. Prints the best median of the two, in ms.
//
// usage: halide_stencils C H W K STRIDE ROUNDS
#include "Halide.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace Halide;

static double medianMs(Pipeline &p, Buffer<float> &out, int rounds) {
  std::vector<double> ms;
  p.realize(out); // warm up
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    p.realize(out);
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int main(int argc, char **argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: halide_stencils C H W K STRIDE ROUNDS\n");
    return 2;
  }
  int c = std::atoi(argv[1]), h = std::atoi(argv[2]), w = std::atoi(argv[3]);
  int k = std::atoi(argv[4]), s = std::atoi(argv[5]), rounds = std::atoi(argv[6]);
  int pad = k / 2;
  int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;

  Buffer<float> input(w, h, c), weight(k, k, c), out(ow, oh, c);
  std::srand(1);
  input.for_each_value([](float &v) { v = std::rand() / float(RAND_MAX) - 0.5f; });
  weight.for_each_value([](float &v) { v = std::rand() / float(RAND_MAX) - 0.5f; });

  double best = 1e30;
  for (int schedule = 0; schedule < 2; ++schedule) {
    Var x("x"), y("y"), ch("ch"), yi("yi");
    Func padded = BoundaryConditions::constant_exterior(input, 0.0f);
    Expr sum = 0.0f;
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx)
        sum += weight(kx, ky, ch) * padded(x * s + kx - pad, y * s + ky - pad, ch);
    Func conv("conv");
    conv(x, y, ch) = sum;
    conv.split(y, y, yi, 4, TailStrategy::GuardWithIf)
        .vectorize(x, 16, TailStrategy::GuardWithIf)
        .unroll(yi);
    if (schedule == 1)
      padded.compute_at(conv, ch).vectorize(_0, 16);
    Pipeline p(conv);
    p.compile_jit(get_host_target());
    best = std::min(best, medianMs(p, out, rounds));
  }
  std::printf("%.4f\n", best);
  return 0;
}
