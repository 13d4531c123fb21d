/*
 * Y = A·X of a CSR matrix with LightGCN's fused epilogue and dropout: the native form of spmm.wat's spmm, spmm64,
 * spmmFused, spmmDrop and dropRows (same arguments, same order of operations, same dropout masks bit for bit).
 *
 * Per row r of the pass (r = list[i] when there is a row list):
 *   y_r = Σ_k w_k·x_{c_k}     over the row's non-zeros, skipping columns whose mask byte is 0 and dropped edges;
 *                             w_k = values[k] (× es when edge dropout is on)
 *   y_r += zs·z_r             (z ≠ 0)
 *   y_r = keep ⊙ y_r·ms       (message dropout, mthr ≠ 0)
 *   f_r = (f_r + y_r)·fs      (f ≠ 0)
 * The dropout masks are a counter-based hash of (key, index) — mix = lowbias32 (C. Wellons):
 *   edge (a → b) kept   ⇔ mix(mix(a ^ key) + b) >> 8 ≥ thr   (a = row, b = column; etrans swaps them)
 *   element i kept      ⇔ mix(i ^ key) >> 8 ≥ thr            (i = row·D + d)
 *
 * The scalar variant accumulates in the order of the wasm kernel (one lane at a time, multiply then add), so it gives
 * the wasm kernel's floats exactly; the AVX2 / AVX-512 variants use fused multiply-adds (a rounding difference).
 */
#include <string.h>
#include "kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define X86 1
#endif

#define AT(type, off) ((type *)(p->mem + (off)))

static inline uint32_t mix(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

/* is edge (r, c) dropped? hr = mix(r ^ ekey), hoisted out of the row; etrans: the mask of (c, r) */
static inline int edge_dropped(uint32_t hr, uint32_t r, uint32_t c, uint32_t ekey, uint32_t ethr, int etrans) {
  uint32_t h = etrans ? mix(mix(c ^ ekey) + r) : mix(hr + c);
  return (h >> 8) < ethr;
}

/* the weight of non-zero k of row r, or 0 when it is skipped (masked column, dropped edge): the callers test w ≠ 0
 * only through `keep` so that a stored zero weight still counts as the wasm kernel counts it */
static inline int nonzero(const spmm_pass *p, uint32_t r, uint32_t hr, uint32_t k, uint32_t *c, float *w) {
  *c = (uint32_t)AT(const int32_t, p->indices)[k];
  if (p->mask && !AT(const uint8_t, p->mask)[*c]) return 0;
  *w = AT(const float, p->values)[k];
  if (p->ethr) {
    if (edge_dropped(hr, r, *c, p->ekey, p->ethr, p->etrans)) return 0;
    *w *= p->es;
  }
  return 1;
}

/* ---- the row product y_r = Σ w·x_c, one variant per instruction set ---- */

static inline void row_scalar(const spmm_pass *p, uint32_t r, float *restrict y) {
  const uint32_t D = p->rb / 4;
  const int32_t *indptr = AT(const int32_t, p->indptr);
  const uint32_t hr = p->ethr ? mix(r ^ p->ekey) : 0;
  memset(y, 0, p->rb);
  for (uint32_t k = (uint32_t)indptr[r], end = (uint32_t)indptr[r + 1]; k < end; k++) {
    uint32_t c; float w;
    if (!nonzero(p, r, hr, k, &c, &w)) continue;
    const float *restrict x = AT(const float, p->x + c * p->rb); /* X and Y never alias (the wasm kernel's contract) */
    for (uint32_t d = 0; d < D; d++) y[d] = y[d] + w * x[d];
  }
}

#ifdef X86
/* prefetch distance in non-zeros: the rows of X are scattered, each a fresh cache miss (256 B at D = 64) */
#define PREFETCH 8

/* the four cache lines of X's row c (D = 64) */
static inline void prefetch_row(const spmm_pass *p, int32_t c) {
  const char *row = (const char *)p->mem + p->x + (uint32_t)c * 256u;
  _mm_prefetch(row, _MM_HINT_T0);
  _mm_prefetch(row + 64, _MM_HINT_T0);
  _mm_prefetch(row + 128, _MM_HINT_T0);
  _mm_prefetch(row + 192, _MM_HINT_T0);
}

__attribute__((target("avx2,fma"))) static inline void row_avx2(const spmm_pass *p, uint32_t r, float *y) {
  const int32_t *indptr = AT(const int32_t, p->indptr), *indices = AT(const int32_t, p->indices);
  const uint32_t hr = p->ethr ? mix(r ^ p->ekey) : 0;
  const uint32_t begin = (uint32_t)indptr[r], end = (uint32_t)indptr[r + 1];
  if (p->rb == 256) {
    /* D = 64: the row's sums in 8 registers, each non-zero one broadcast and 8 fused multiply-adds */
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (uint32_t k = begin; k < end; k++) {
      if (k + PREFETCH < end) prefetch_row(p, indices[k + PREFETCH]);
      uint32_t c; float wf;
      if (!nonzero(p, r, hr, k, &c, &wf)) continue;
      const float *x = AT(const float, p->x + c * 256u);
      const __m256 w = _mm256_set1_ps(wf);
      a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x), a0);
      a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 8), a1);
      a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 16), a2);
      a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 24), a3);
      a4 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 32), a4);
      a5 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 40), a5);
      a6 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 48), a6);
      a7 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 56), a7);
    }
    _mm256_storeu_ps(y, a0); _mm256_storeu_ps(y + 8, a1); _mm256_storeu_ps(y + 16, a2); _mm256_storeu_ps(y + 24, a3);
    _mm256_storeu_ps(y + 32, a4); _mm256_storeu_ps(y + 40, a5); _mm256_storeu_ps(y + 48, a6); _mm256_storeu_ps(y + 56, a7);
    return;
  }
  /* any width (a multiple of 4 floats): the sums stay in y (one row, in L1), 8 lanes at a time, then a 4-lane tail */
  const uint32_t D = p->rb / 4, D8 = D & ~7u;
  memset(y, 0, p->rb);
  for (uint32_t k = begin; k < end; k++) {
    uint32_t c; float wf;
    if (!nonzero(p, r, hr, k, &c, &wf)) continue;
    const float *x = AT(const float, p->x + c * p->rb);
    const __m256 w = _mm256_set1_ps(wf);
    uint32_t d = 0;
    for (; d < D8; d += 8) _mm256_storeu_ps(y + d, _mm256_fmadd_ps(w, _mm256_loadu_ps(x + d), _mm256_loadu_ps(y + d)));
    if (d < D) _mm_storeu_ps(y + d, _mm_fmadd_ps(_mm256_castps256_ps128(w), _mm_loadu_ps(x + d), _mm_loadu_ps(y + d)));
  }
}

__attribute__((target("avx512f,avx2,fma"))) static inline void row_avx512(const spmm_pass *p, uint32_t r, float *y) {
  if (p->rb != 256) {
    row_avx2(p, r, y);
    return;
  }
  /* D = 64: four 16-lane registers */
  const int32_t *indptr = AT(const int32_t, p->indptr), *indices = AT(const int32_t, p->indices);
  const uint32_t hr = p->ethr ? mix(r ^ p->ekey) : 0;
  const uint32_t begin = (uint32_t)indptr[r], end = (uint32_t)indptr[r + 1];
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (uint32_t k = begin; k < end; k++) {
    if (k + PREFETCH < end) prefetch_row(p, indices[k + PREFETCH]);
    uint32_t c; float wf;
    if (!nonzero(p, r, hr, k, &c, &wf)) continue;
    const float *x = AT(const float, p->x + c * 256u);
    const __m512 w = _mm512_set1_ps(wf);
    a0 = _mm512_fmadd_ps(w, _mm512_loadu_ps(x), a0);
    a1 = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + 16), a1);
    a2 = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + 32), a2);
    a3 = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + 48), a3);
  }
  _mm512_storeu_ps(y, a0); _mm512_storeu_ps(y + 16, a1); _mm512_storeu_ps(y + 32, a2); _mm512_storeu_ps(y + 48, a3);
}
#endif

/* ---- the epilogue and the pass (one body, compiled once per instruction set) ---- */

/* message dropout of one row in place: y[d] = keep(i0 + d) ? ms·y[d] : 0 */
static inline void drop_row(float *y, uint32_t D, uint32_t i0, uint32_t mkey, uint32_t mthr, float ms) {
  for (uint32_t d = 0; d < D; d++) y[d] = (mix((i0 + d) ^ mkey) >> 8) >= mthr ? ms * y[d] : 0.0f;
}

typedef void (*row_fn)(const spmm_pass *, uint32_t, float *);

static inline __attribute__((always_inline)) void pass_body(const spmm_pass *p, row_fn row) {
  const uint32_t D = p->rb / 4;
  const int32_t *list = p->list ? AT(const int32_t, p->list) : 0;
  for (uint32_t i = p->r0; i < p->r1; i++) {
    const uint32_t r = list ? (uint32_t)list[i] : i;
    const uint32_t o = r * p->rb;
    float *y = AT(float, p->y + o);
    row(p, r, y);
    if (p->z) {
      const float *z = AT(const float, p->z + o);
      for (uint32_t d = 0; d < D; d++) y[d] = y[d] + p->zs * z[d];
    }
    if (p->mthr) drop_row(y, D, o / 4, p->mkey, p->mthr, p->ms);
    if (p->f) {
      float *f = AT(float, p->f + o);
      for (uint32_t d = 0; d < D; d++) f[d] = p->fs * (f[d] + y[d]);
    }
  }
}

static void pass_scalar(const spmm_pass *p) { pass_body(p, row_scalar); }
#ifdef X86
__attribute__((target("avx2,fma"))) static void pass_avx2(const spmm_pass *p) { pass_body(p, row_avx2); }
__attribute__((target("avx512f,avx2,fma"))) static void pass_avx512(const spmm_pass *p) { pass_body(p, row_avx512); }
#endif

void spmm_pass_run(const spmm_pass *p) {
#ifdef X86
  switch (isa_current()) {
    case ISA_AVX512: pass_avx512(p); return;
    case ISA_AVX2: pass_avx2(p); return;
    default: break;
  }
#endif
  pass_scalar(p);
}

static inline __attribute__((always_inline)) void drop_rows_body(uint8_t *mem, uint32_t x, uint32_t r0, uint32_t r1, uint32_t rb, uint32_t mkey, uint32_t mthr, float ms) {
  for (uint32_t r = r0; r < r1; r++) drop_row((float *)(mem + x + r * rb), rb / 4, r * rb / 4, mkey, mthr, ms);
}
static void drop_rows_scalar(uint8_t *mem, uint32_t x, uint32_t r0, uint32_t r1, uint32_t rb, uint32_t mkey, uint32_t mthr, float ms) {
  drop_rows_body(mem, x, r0, r1, rb, mkey, mthr, ms);
}
#ifdef X86
/* the same loop compiled for AVX2: eight hashes at a time (vpmulld) */
__attribute__((target("avx2,fma"))) static void drop_rows_avx2(uint8_t *mem, uint32_t x, uint32_t r0, uint32_t r1, uint32_t rb, uint32_t mkey, uint32_t mthr, float ms) {
  drop_rows_body(mem, x, r0, r1, rb, mkey, mthr, ms);
}
#endif

void drop_rows(uint8_t *mem, uint32_t x, uint32_t r0, uint32_t r1, uint32_t rb, uint32_t mkey, uint32_t mthr, float ms) {
#ifdef X86
  if (isa_current() != ISA_SCALAR) {
    drop_rows_avx2(mem, x, r0, r1, rb, mkey, mthr, ms);
    return;
  }
#endif
  drop_rows_scalar(mem, x, r0, r1, rb, mkey, mthr, ms);
}
