// How well this machine's cores scale on their own, with no RecLab in the way: the same work on 1 thread, then twice
// the work on 2 threads, for (a) independent integer adds and xors (8 chains; no memory) and (b) AVX-512 FMAs
// (12 independent accumulators; no memory). 2.0x means two full cores; SMT siblings or a contended host give less.
// docs/benchmarks.md reads the thread scaling of the evaluation and the SSM step against these two numbers.
// Usage: gcc -O2 -march=native -pthread bench/cores.c -o /tmp/cores && /tmp/cores   (needs AVX-512F for (b))
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static const long N = 400000000;
static volatile long int_sink;
static volatile float fma_sink;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *integer_work(void *unused) {
  (void)unused;
  long x0 = 1, x1 = 2, x2 = 3, x3 = 4, x4 = 5, x5 = 6, x6 = 7, x7 = 8;
  for (long i = 0; i < N; i++) {
    x0 += i; x1 ^= i; x2 += x0; x3 ^= x1; x4 += i; x5 ^= i; x6 += x4; x7 ^= x5;
    __asm__ volatile("" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)); // keeps the loop from being folded
  }
  int_sink = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
  return 0;
}

__attribute__((target("avx512f"))) static void *fma_work(void *unused) {
  (void)unused;
  __m512 acc[12];
  for (int j = 0; j < 12; j++) acc[j] = _mm512_set1_ps(j * 0.001f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < N / 4; i++)
    for (int j = 0; j < 12; j++) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
  float s = 0;
  for (int j = 0; j < 12; j++) s += _mm512_reduce_add_ps(acc[j]);
  fma_sink = s;
  return 0;
}

/** seconds for `threads` threads each doing the whole work */
static double timed(void *(*work)(void *), int threads) {
  pthread_t t[2];
  const double start = now();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, work, 0);
  for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
  return now() - start;
}

int main(void) {
  for (int round = 1; round <= 3; round++) {
    const double i1 = timed(integer_work, 1), i2 = timed(integer_work, 2);
    const double f1 = timed(fma_work, 1), f2 = timed(fma_work, 2);
    printf("round %d  integer: %.3f s / %.3f s -> %.2fx   AVX-512 FMA: %.3f s / %.3f s -> %.2fx\n",
           round, i1, i2, 2 * i1 / i2, f1, f2, 2 * f1 / f2);
  }
  return 0;
}
