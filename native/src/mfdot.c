/*
 * MF's fused dot-product step (models/mf.ts stepDotKernels, the MF-BPR hot path): the native form of mfdot.wat's
 * scores and grads (same arguments), and the slot bookkeeping of the optimisers' per-row sums that the JS loop of
 * SparseOptimizer.accumulate did.
 *
 * The rows are scattered over tables larger than the caches: each kernel prefetches the rows AHEAD batch rows ahead
 * (the user's, the positive's and the negatives' rows, and in grads their sum rows), so the misses overlap the
 * arithmetic. Prefetches change no result.
 *
 * Rounding: the portable variant sums a dot product in four lanes (lane l over elements l, l+4, …, multiply then add)
 * and adds the lanes as (l0 + l1) + (l2 + l3) — the wasm kernel's order, so it gives its floats bit for bit. The
 * AVX2 / AVX-512 dot products use 8 / 16 lanes and fused multiply-adds (a rounding difference). The gradient sums are
 * element-wise (y += a·x + c·z, without fusing): every variant gives the wasm kernel's floats.
 */
#include <string.h>
#include "kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define X86 1
#endif

#define F32(off) ((float *)(mem + (off)))
#define I32(off) ((int32_t *)(mem + (off)))
/* batch rows ahead whose table rows are prefetched */
#define AHEAD 6

static inline __attribute__((always_inline)) void prefetch(const uint8_t *p, uint32_t rb) {
  for (uint32_t o = 0; o < rb; o += 64) __builtin_prefetch(p + o, 0, 3);
}

static inline __attribute__((always_inline)) void prefetch_w(const uint8_t *p, uint32_t rb) {
  for (uint32_t o = 0; o < rb; o += 64) __builtin_prefetch(p + o, 1, 3);
}

/* ---- ⟨x, y⟩ over n floats (n a multiple of 4) ---- */

static inline __attribute__((always_inline)) float dot_c(const float *x, const float *y, uint32_t n) {
  float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (uint32_t d = 0; d < n; d += 4) {
    a0 = a0 + x[d] * y[d];
    a1 = a1 + x[d + 1] * y[d + 1];
    a2 = a2 + x[d + 2] * y[d + 2];
    a3 = a3 + x[d + 3] * y[d + 3];
  }
  return (a0 + a1) + (a2 + a3);
}

#ifdef X86
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline)) float dot_avx2(const float *x, const float *y, uint32_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  uint32_t d = 0;
  for (; d + 16 <= n; d += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + d), _mm256_loadu_ps(y + d), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + d + 8), _mm256_loadu_ps(y + d + 8), s1);
  }
  if (d + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + d), _mm256_loadu_ps(y + d), s0);
    d += 8;
  }
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(_mm256_add_ps(s0, s1)), _mm256_extractf128_ps(_mm256_add_ps(s0, s1), 1));
  if (d < n) s = _mm_fmadd_ps(_mm_loadu_ps(x + d), _mm_loadu_ps(y + d), s); /* the last 4 */
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx512f,avx2,fma"))) static inline __attribute__((always_inline)) float dot_avx512(const float *x, const float *y, uint32_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  uint32_t d = 0;
  for (; d + 32 <= n; d += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + d), _mm512_loadu_ps(y + d), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + d + 16), _mm512_loadu_ps(y + d + 16), s1);
  }
  for (; d < n; d += 16) {
    const __mmask16 l = n - d >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - d)) - 1);
    s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(l, x + d), _mm512_maskz_loadu_ps(l, y + d), s0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}
#endif

/* y += a·x + c·z over n floats, element-wise (the compiler widens it to the variant's lanes; no fusing) */
static inline __attribute__((always_inline)) void axpy2(float *restrict y, float a, const float *x, float c, const float *z, uint32_t n) {
  for (uint32_t d = 0; d < n; d++) y[d] = y[d] + (a * x[d] + c * z[d]);
}

/* ---- the kernels, written once over a dot product; TARGET widens the element-wise loops too ---- */

#define MF_KERNELS(SUFFIX, TARGET, DOT)                                                                                        \
  TARGET static void scores_##SUFFIX(uint8_t *mem, const mf_scores *a) {                                                      \
    const int32_t *users = I32(a->users), *pos = I32(a->pos), *negs = I32(a->negs);                                            \
    const uint32_t rb = a->rb, n = rb / 4, N = a->N;                                                                           \
    float *sPos = F32(a->sPos), *sNeg = F32(a->sNeg), *sq = a->sq ? F32(a->sq) : NULL;                                        \
    for (uint32_t b = a->b0; b < a->b1; b++) {                                                                                 \
      if (b + AHEAD < a->b1) {                                                                                                 \
        const uint32_t f = b + AHEAD;                                                                                          \
        prefetch(mem + a->U + (uint32_t)users[f] * rb, rb);                                                                    \
        prefetch(mem + a->I + (uint32_t)pos[f] * rb, rb);                                                                      \
        for (uint32_t k = 0; k < N; k++) prefetch(mem + a->I + (uint32_t)negs[f * N + k] * rb, rb);                            \
      }                                                                                                                        \
      const float *u = F32(a->U + (uint32_t)users[b] * rb), *p = F32(a->I + (uint32_t)pos[b] * rb);                            \
      sPos[b] = DOT(u, p, n);                                                                                                  \
      float q = 0;                                                                                                             \
      if (sq) q = DOT(u, u, n) + DOT(p, p, n);                                                                                 \
      for (uint32_t k = 0; k < N; k++) {                                                                                       \
        const uint32_t j = b * N + k;                                                                                          \
        const float *x = F32(a->I + (uint32_t)negs[j] * rb);                                                                   \
        sNeg[j] = DOT(u, x, n);                                                                                                \
        if (sq) q = q + DOT(x, x, n);                                                                                          \
      }                                                                                                                        \
      if (sq) sq[b] = q;                                                                                                       \
    }                                                                                                                          \
  }                                                                                                                            \
  TARGET static void grads_##SUFFIX(uint8_t *mem, const mf_grads *a) {                                                        \
    const int32_t *users = I32(a->users), *pos = I32(a->pos), *negs = I32(a->negs);                                            \
    const int32_t *slotU = I32(a->slotU), *slotP = I32(a->slotP), *slotN = I32(a->slotN);                                      \
    const float *dPos = F32(a->dPos), *dNeg = F32(a->dNeg);                                                                    \
    const uint32_t rb = a->rb, n = rb / 4, N = a->N;                                                                           \
    const float c = a->c;                                                                                                      \
    for (uint32_t b = 0; b < a->B; b++) {                                                                                      \
      if (b + AHEAD < a->B) {                                                                                                  \
        const uint32_t f = b + AHEAD;                                                                                          \
        prefetch(mem + a->U + (uint32_t)users[f] * rb, rb);                                                                    \
        prefetch(mem + a->I + (uint32_t)pos[f] * rb, rb);                                                                      \
        const uint32_t su = (uint32_t)slotU[f], sp = (uint32_t)slotP[f];                                                       \
        if (su >= a->u0 && su < a->u1) prefetch_w(mem + a->gU + su * rb, rb);                                                  \
        if (sp >= a->i0 && sp < a->i1) prefetch_w(mem + a->gI + sp * rb, rb);                                                  \
        for (uint32_t k = 0; k < N; k++) {                                                                                     \
          const uint32_t sn = (uint32_t)slotN[f * N + k];                                                                      \
          prefetch(mem + a->I + (uint32_t)negs[f * N + k] * rb, rb);                                                           \
          if (sn >= a->i0 && sn < a->i1) prefetch_w(mem + a->gI + sn * rb, rb);                                                \
        }                                                                                                                      \
      }                                                                                                                        \
      const float *u = F32(a->U + (uint32_t)users[b] * rb), *p = F32(a->I + (uint32_t)pos[b] * rb);                            \
      const uint32_t su = (uint32_t)slotU[b], sp = (uint32_t)slotP[b];                                                         \
      const int own = su >= a->u0 && su < a->u1;                                                                               \
      float *gu = F32(a->gU + su * rb);                                                                                        \
      if (own) axpy2(gu, dPos[b], p, c, u, n);                                                                                 \
      if (sp >= a->i0 && sp < a->i1) axpy2(F32(a->gI + sp * rb), dPos[b], u, c, p, n);                                         \
      for (uint32_t k = 0; k < N; k++) {                                                                                       \
        const uint32_t j = b * N + k, sn = (uint32_t)slotN[j];                                                                 \
        const float *x = F32(a->I + (uint32_t)negs[j] * rb);                                                                   \
        const float g = dNeg[j];                                                                                               \
        if (own) axpy2(gu, g, x, 0.0f, x, n);                                                                                  \
        if (sn >= a->i0 && sn < a->i1) axpy2(F32(a->gI + sn * rb), g, u, c, x, n);                                             \
      }                                                                                                                        \
    }                                                                                                                          \
  }

MF_KERNELS(scalar, , dot_c)
#ifdef X86
MF_KERNELS(avx2, __attribute__((target("avx2,fma"))), dot_avx2)
MF_KERNELS(avx512, __attribute__((target("avx512f,avx2,fma"))), dot_avx512)
#endif

void mf_scores_run(uint8_t *mem, const mf_scores *a) { ISA_CALL(scores, mem, a); }

void mf_grads_run(uint8_t *mem, const mf_grads *a) { ISA_CALL(grads, mem, a); }

/*
 * SparseOptimizer.accumulate for every occurrence, in order: the occurrences are a[r] and then b[r·N .. r·N + N) for
 * r < B (b = 0 or N = 0: a only). A row seen for the first time this step gets the next slot (its id appended to
 * rowIds, its sum row zeroed); outA / outB receive each occurrence's slot. Returns the number of slots in use.
 */
uint32_t mf_slots(uint8_t *mem, uint32_t slots, uint32_t rowIds, uint32_t sums, uint32_t used, uint32_t rb, uint32_t a,
                  uint32_t b, uint32_t B, uint32_t N, uint32_t outA, uint32_t outB) {
  int32_t *slot = I32(slots), *ids = I32(rowIds), *oa = I32(outA), *ob = outB ? I32(outB) : NULL;
  const int32_t *ra = I32(a), *rbIds = b ? I32(b) : NULL;
#define SLOT(row, out)                                                                                                         \
  do {                                                                                                                         \
    const int32_t id = (row);                                                                                                  \
    int32_t s = slot[id];                                                                                                      \
    if (s < 0) {                                                                                                               \
      s = slot[id] = (int32_t)used;                                                                                            \
      ids[used++] = id;                                                                                                        \
      memset(mem + sums + (uint32_t)s * rb, 0, rb);                                                                            \
    }                                                                                                                          \
    (out) = s;                                                                                                                 \
  } while (0)
  for (uint32_t r = 0; r < B; r++) {
    SLOT(ra[r], oa[r]);
    if (rbIds)
      for (uint32_t k = r * N; k < (r + 1) * N; k++) SLOT(rbIds[k], ob[k]);
  }
#undef SLOT
  return used;
}
