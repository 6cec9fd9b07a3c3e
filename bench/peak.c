/* One core's fp32 FMA peak, measured: 12 independent accumulator chains of
 * 512-bit FMAs (AVX-512), enough to cover FMA latency on two FMA pipes.
 * Prints GFLOP/s (2 flops per lane per FMA).
 * cc -O2 -mavx512f -mfma peak.c -o peak */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define ACC(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECL(i) __m512 a##i = _mm512_set1_ps((float)i);
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, x, y);
#define SUM(i) sink += _mm512_reduce_add_ps(a##i);

int main(void) {
  __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  ACC(DECL)
  const long iters = 100000000;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long n = 0; n < iters; ++n) {
    ACC(STEP)
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  float sink = 0;
  ACC(SUM)
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%.1f\n", iters * 12.0 * 16 * 2 / s / 1e9);
  return sink == 12345.0f;
}
