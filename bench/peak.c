/* One core's fp32 multiply-add peak, measured: 12 independent accumulator
 * chains of the widest multiply-adds the CPU has, picked at run time (one
 * binary runs on any x86-64): AVX-512 FMA, else AVX2 FMA, else SSE
 * multiply and add. 12 chains cover FMA latency on two FMA pipes.
 * Timed the way bench/timing.c times a model: ROUNDS runs of about 1 ms
 * each (as long as a GEMM 512^3 run), median printed, in GFLOP/s (2 flops
 * per lane per multiply-add). Short runs see the same clock the kernels
 * see; one long run averages in slower clocks and would flatter the kernels.
 * cc -O2 peak.c -o peak
 * usage: peak [ROUNDS]    prints GFLOP/s
 *        peak --lanes     prints the fp32 lanes of the multiply-adds used */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACC(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECL(i) vec a##i = SPLAT((float)i);
#define STEP(i) a##i = MADD(a##i, x, y);
#define SUM(i) *sink += LANE0(a##i);

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* `iters` steps of the 12 chains; returns the seconds and adds the lanes
 * into *sink so nothing is optimized away. */
#define KERNEL(NAME, TARGET)                                                  \
  __attribute__((target(TARGET))) static double NAME(long iters, float *sink) { \
    vec x = SPLAT(0.999999f), y = SPLAT(1e-7f);                               \
    ACC(DECL)                                                                 \
    double t0 = seconds();                                                    \
    for (long n = 0; n < iters; ++n) {                                        \
      ACC(STEP)                                                               \
    }                                                                         \
    double s = seconds() - t0;                                                \
    ACC(SUM)                                                                  \
    return s;                                                                 \
  }

#define vec __m512
#define SPLAT(v) _mm512_set1_ps(v)
#define MADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#define LANE0(v) _mm512_cvtss_f32(v)
KERNEL(run_avx512, "avx512f")
#undef vec
#undef SPLAT
#undef MADD
#undef LANE0

#define vec __m256
#define SPLAT(v) _mm256_set1_ps(v)
#define MADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#define LANE0(v) _mm256_cvtss_f32(v)
KERNEL(run_avx2, "avx2,fma")
#undef vec
#undef SPLAT
#undef MADD
#undef LANE0

#define vec __m128
#define SPLAT(v) _mm_set1_ps(v)
#define MADD(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#define LANE0(v) _mm_cvtss_f32(v)
KERNEL(run_sse, "sse2")

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  __builtin_cpu_init();
  double (*run)(long, float *) = run_sse;
  int lanes = 4;
  if (__builtin_cpu_supports("avx512f"))
    run = run_avx512, lanes = 16;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    run = run_avx2, lanes = 8;
  if (argc > 1 && strcmp(argv[1], "--lanes") == 0) {
    printf("%d\n", lanes);
    return 0;
  }
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  if (rounds < 1)
    rounds = 1;
  /* 24 x lanes flops per iteration: 270 MFLOP a run with AVX-512 (a GEMM
   * 512^3's worth), half that with AVX2. */
  const long iters = 700000;
  double *gflops = malloc(sizeof(double) * (size_t)(rounds + 1));
  float sink = 0;
  for (int r = 0; r <= rounds; ++r) /* run 0 warms up */
    gflops[r] = iters * 12.0 * lanes * 2 / run(iters, &sink) / 1e9;
  qsort(gflops + 1, (size_t)rounds, sizeof(double), compare);
  printf("%.1f\n", gflops[1 + rounds / 2]);
  free(gflops);
  return sink == 12345.0f;
}
