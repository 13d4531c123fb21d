/*
 * Adam row updates: the native form of adam.wat's adamRows, adamDense and adamFull (same arguments: byte offsets into
 * the shared memory, rows of rb bytes, rb a multiple of 16), used by tensor/adam-kernel.ts and the pool tasks.
 *
 *   m = b1·m + (1−b1)·g;   v = b2·v + (1−b2)·g²;   w −= step·m / (√v + eps)          (a row with gradient g)
 *   m = b1·m;              v = b2·v;               w −= step·m / (√v + eps)          (a row with gradient 0, "coast")
 *
 * Every variant does these operations in this order per element, without fused multiply-adds (the build has
 * -ffp-contract=off), so each gives the wasm kernel's floats bit for bit; the AVX2 and AVX-512 variants only work on
 * 8 / 16 lanes at a time. Dense Adam is bound by memory bandwidth: it reads and writes w, m, v once, in one pass, and
 * runs of untouched rows go through one long contiguous loop. Lazy Adam (rows scattered over a table larger than the
 * caches) is bound by memory latency: it prefetches the rows a few rows ahead.
 */
#include <math.h>
#include "kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define X86 1
#endif

#define F32(off) ((float *)(mem + (off)))
#define I32(off) ((const int32_t *)(mem + (off)))
/* rows ahead of the current one whose weights and moments lazy Adam prefetches */
#define AHEAD 4

typedef struct {
  float b1, b2, c1, c2, step, eps; /* c1 = 1 − b1, c2 = 1 − b2, rounded to float as the wasm kernel does */
} coef_t;

static coef_t coef(float b1, float b2, float step, float eps) {
  const coef_t k = { b1, b2, 1.0f - b1, 1.0f - b2, step, eps };
  return k;
}

/* ---- one row (with gradient, or coasting) over n floats: plain C, and the same operations on 8 / 16 lanes ---- */

static inline __attribute__((always_inline)) void row_c(float *w, float *m, float *v, const float *g, uint32_t n, coef_t k) {
  for (uint32_t d = 0; d < n; d++) {
    const float gk = g[d];
    const float mk = k.b1 * m[d] + k.c1 * gk;
    const float vk = k.b2 * v[d] + k.c2 * (gk * gk);
    m[d] = mk;
    v[d] = vk;
    w[d] = w[d] - (k.step * mk) / (sqrtf(vk) + k.eps);
  }
}

static inline __attribute__((always_inline)) void coast_c(float *w, float *m, float *v, uint32_t n, coef_t k) {
  for (uint32_t d = 0; d < n; d++) {
    const float mk = k.b1 * m[d];
    const float vk = k.b2 * v[d];
    m[d] = mk;
    v[d] = vk;
    w[d] = w[d] - (k.step * mk) / (sqrtf(vk) + k.eps);
  }
}

#ifdef X86
__attribute__((target("avx2"))) static inline __attribute__((always_inline)) void row_avx2(float *w, float *m, float *v, const float *g, uint32_t n, coef_t k) {
  const __m256 b1 = _mm256_set1_ps(k.b1), b2 = _mm256_set1_ps(k.b2), c1 = _mm256_set1_ps(k.c1), c2 = _mm256_set1_ps(k.c2);
  const __m256 step = _mm256_set1_ps(k.step), eps = _mm256_set1_ps(k.eps);
  uint32_t d = 0;
  for (; d + 8 <= n; d += 8) {
    const __m256 gk = _mm256_loadu_ps(g + d);
    const __m256 mk = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + d)), _mm256_mul_ps(c1, gk));
    const __m256 vk = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + d)), _mm256_mul_ps(c2, _mm256_mul_ps(gk, gk)));
    _mm256_storeu_ps(m + d, mk);
    _mm256_storeu_ps(v + d, vk);
    _mm256_storeu_ps(w + d, _mm256_sub_ps(_mm256_loadu_ps(w + d), _mm256_div_ps(_mm256_mul_ps(step, mk), _mm256_add_ps(_mm256_sqrt_ps(vk), eps))));
  }
  row_c(w + d, m + d, v + d, g + d, n - d, k);
}

__attribute__((target("avx2"))) static inline __attribute__((always_inline)) void coast_avx2(float *w, float *m, float *v, uint32_t n, coef_t k) {
  const __m256 b1 = _mm256_set1_ps(k.b1), b2 = _mm256_set1_ps(k.b2), step = _mm256_set1_ps(k.step), eps = _mm256_set1_ps(k.eps);
  uint32_t d = 0;
  for (; d + 8 <= n; d += 8) {
    const __m256 mk = _mm256_mul_ps(b1, _mm256_loadu_ps(m + d));
    const __m256 vk = _mm256_mul_ps(b2, _mm256_loadu_ps(v + d));
    _mm256_storeu_ps(m + d, mk);
    _mm256_storeu_ps(v + d, vk);
    _mm256_storeu_ps(w + d, _mm256_sub_ps(_mm256_loadu_ps(w + d), _mm256_div_ps(_mm256_mul_ps(step, mk), _mm256_add_ps(_mm256_sqrt_ps(vk), eps))));
  }
  coast_c(w + d, m + d, v + d, n - d, k);
}

/* 16 lanes; the tail (n mod 16: 4, 8 or 12 floats) under a mask, only there (masked stores cost more on some cores) */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void lanes_avx512(float *w, float *m, float *v, const float *g, __mmask16 l, coef_t k, int coast) {
  const __m512 b1 = _mm512_set1_ps(k.b1), b2 = _mm512_set1_ps(k.b2), step = _mm512_set1_ps(k.step), eps = _mm512_set1_ps(k.eps);
  __m512 mk = _mm512_mul_ps(b1, _mm512_maskz_loadu_ps(l, m)), vk = _mm512_mul_ps(b2, _mm512_maskz_loadu_ps(l, v));
  if (!coast) {
    const __m512 gk = _mm512_maskz_loadu_ps(l, g);
    mk = _mm512_add_ps(mk, _mm512_mul_ps(_mm512_set1_ps(k.c1), gk));
    vk = _mm512_add_ps(vk, _mm512_mul_ps(_mm512_set1_ps(k.c2), _mm512_mul_ps(gk, gk)));
  }
  const __m512 wk = _mm512_sub_ps(_mm512_maskz_loadu_ps(l, w), _mm512_div_ps(_mm512_mul_ps(step, mk), _mm512_add_ps(_mm512_sqrt_ps(vk), eps)));
  if (l == (__mmask16)0xFFFF) {
    _mm512_storeu_ps(m, mk);
    _mm512_storeu_ps(v, vk);
    _mm512_storeu_ps(w, wk);
  } else {
    _mm512_mask_storeu_ps(m, l, mk);
    _mm512_mask_storeu_ps(v, l, vk);
    _mm512_mask_storeu_ps(w, l, wk);
  }
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void row_avx512(float *w, float *m, float *v, const float *g, uint32_t n, coef_t k) {
  uint32_t d = 0;
  for (; d + 16 <= n; d += 16) lanes_avx512(w + d, m + d, v + d, g + d, 0xFFFF, k, 0);
  if (d < n) lanes_avx512(w + d, m + d, v + d, g + d, (__mmask16)((1u << (n - d)) - 1), k, 0);
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void coast_avx512(float *w, float *m, float *v, uint32_t n, coef_t k) {
  uint32_t d = 0;
  for (; d + 16 <= n; d += 16) lanes_avx512(w + d, m + d, v + d, NULL, 0xFFFF, k, 1);
  if (d < n) lanes_avx512(w + d, m + d, v + d, NULL, (__mmask16)((1u << (n - d)) - 1), k, 1);
}
#endif

/* ---- the three kernels, written once over a row function and a coast function ---- */

static inline __attribute__((always_inline)) void prefetch_row(const uint8_t *p, uint32_t rb) {
  for (uint32_t o = 0; o < rb; o += 64) __builtin_prefetch(p + o, 1, 3);
}

#define ADAM_KERNELS(SUFFIX, TARGET, ROW, COAST)                                                                             \
  TARGET static void rows_##SUFFIX(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t rows, uint32_t n,  \
                                   uint32_t rb, coef_t k) {                                                                    \
    const int32_t *ids = I32(rows);                                                                                            \
    for (uint32_t r = 0; r < n; r++) {                                                                                         \
      if (r + AHEAD < n) {                                                                                                     \
        const uint32_t o2 = (uint32_t)ids[r + AHEAD] * rb;                                                                     \
        prefetch_row(mem + w + o2, rb);                                                                                        \
        prefetch_row(mem + m + o2, rb);                                                                                        \
        prefetch_row(mem + v + o2, rb);                                                                                        \
      }                                                                                                                        \
      const uint32_t o = (uint32_t)ids[r] * rb;                                                                                \
      ROW(F32(w + o), F32(m + o), F32(v + o), F32(g + r * rb), rb / 4, k);                                                     \
    }                                                                                                                          \
  }                                                                                                                            \
  TARGET static void dense_##SUFFIX(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t slots,             \
                                    uint32_t first, uint32_t n, uint32_t rb, coef_t k) {                                       \
    const int32_t *slot = I32(slots);                                                                                          \
    const uint32_t end = first + n;                                                                                            \
    for (uint32_t r = first; r < end;) {                                                                                       \
      const uint32_t o = r * rb;                                                                                               \
      if (slot[r] >= 0) {                                                                                                      \
        ROW(F32(w + o), F32(m + o), F32(v + o), F32(g + (uint32_t)slot[r] * rb), rb / 4, k);                                   \
        r++;                                                                                                                   \
      } else { /* a run of untouched rows: one contiguous stretch of memory */                                                 \
        uint32_t e = r + 1;                                                                                                    \
        while (e < end && slot[e] < 0) e++;                                                                                    \
        COAST(F32(w + o), F32(m + o), F32(v + o), (e - r) * (rb / 4), k);                                                      \
        r = e;                                                                                                                 \
      }                                                                                                                        \
    }                                                                                                                          \
  }                                                                                                                            \
  TARGET static void full_##SUFFIX(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t first, uint32_t n,  \
                                   uint32_t rb, coef_t k) {                                                                    \
    const uint32_t o = first * rb; /* the rows are contiguous, and so are their gradients: one stretch */                     \
    ROW(F32(w + o), F32(m + o), F32(v + o), F32(g + o), n * (rb / 4), k);                                                      \
  }

ADAM_KERNELS(scalar, , row_c, coast_c)
#ifdef X86
ADAM_KERNELS(avx2, __attribute__((target("avx2"))), row_avx2, coast_avx2)
ADAM_KERNELS(avx512, __attribute__((target("avx512f"))), row_avx512, coast_avx512)
#endif

void adam_rows(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t rows, uint32_t n, uint32_t rb,
               float b1, float b2, float step, float eps) {
  ISA_CALL(rows, mem, w, m, v, g, rows, n, rb, coef(b1, b2, step, eps));
}

void adam_dense(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t slots, uint32_t first, uint32_t n,
                uint32_t rb, float b1, float b2, float step, float eps) {
  ISA_CALL(dense, mem, w, m, v, g, slots, first, n, rb, coef(b1, b2, step, eps));
}

void adam_full(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t first, uint32_t n, uint32_t rb,
               float b1, float b2, float step, float eps) {
  ISA_CALL(full, mem, w, m, v, g, first, n, rb, coef(b1, b2, step, eps));
}
