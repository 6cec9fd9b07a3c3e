/* One core's fp32 FMA peak, measured: 12 independent accumulator chains of
 * the widest FMAs the compiler may use (AVX-512, else AVX2+FMA), enough to
 * cover FMA latency on two FMA pipes.
 * Timed the way bench/timing.c times a model: ROUNDS runs of about 1 ms
 * each (as long as a GEMM 512^3 run), median printed, in GFLOP/s (2 flops
 * per lane per FMA). Short runs see the same clock the kernels see; one
 * long run averages in slower clocks and would flatter the kernels.
 * cc -O2 -march=native peak.c -o peak
 * usage: peak [ROUNDS] */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACC(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#if defined(__AVX512F__)
#define LANES 16
typedef __m512 vec;
#define SPLAT(v) _mm512_set1_ps(v)
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define LANE0(v) _mm512_cvtss_f32(v)
#elif defined(__AVX2__) && defined(__FMA__)
#define LANES 8
typedef __m256 vec;
#define SPLAT(v) _mm256_set1_ps(v)
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define LANE0(v) _mm256_cvtss_f32(v)
#else
#error "peak.c needs AVX-512 or AVX2 with FMA (x86-64-v3)"
#endif
#define DECL(i) vec a##i = SPLAT((float)i);
#define STEP(i) a##i = FMA(a##i, x, y);
#define SUM(i) sink += LANE0(a##i);

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  if (rounds < 1)
    rounds = 1;
  vec x = SPLAT(0.999999f), y = SPLAT(1e-7f);
  ACC(DECL)
  /* 24 x LANES flops per iteration: 270 MFLOP a run with AVX-512 (a GEMM
   * 512^3's worth), half that with AVX2. */
  const long iters = 700000;
  double *gflops = malloc(sizeof(double) * (size_t)(rounds + 1));
  for (int r = 0; r <= rounds; ++r) { /* run 0 warms up */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long n = 0; n < iters; ++n) {
      ACC(STEP)
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    gflops[r] = iters * 12.0 * LANES * 2 / s / 1e9;
  }
  float sink = 0;
  ACC(SUM)
  qsort(gflops + 1, (size_t)rounds, sizeof(double), compare);
  printf("%.1f\n", gflops[1 + rounds / 2]);
  free(gflops);
  return sink == 12345.0f;
}
