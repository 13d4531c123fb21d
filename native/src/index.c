/*
 * Per-row negatives read from a table by row number — rows.wat's indexGroupDots, indexGroupBack and indexScatter with
 * the same arguments, for the folded per-row step of tensor/fused-contrastive.ts. The rows a batch names are scattered
 * over a table of megabytes: the WebAssembly kernels wait on each one (about 2.5 GFLOP/s on Yelp2018's shapes);
 * here the rows AHEAD entries on are fetched while the current one is worked on. Each function is compiled for AVX-512,
 * AVX2 and the baseline (target_clones); without -ffp-contract the products and sums round as written, and a row's
 * result does not depend on the thread that computes it.
 */
#include <stddef.h>
#include "kernels.h"

#define AHEAD 8

typedef float v8f __attribute__((vector_size(32), aligned(4)));

#define F32(base, off) ((float *)((base) + (off)))
#define I32(base, off) ((const int32_t *)((base) + (off)))

static inline void prefetch_row(const float *row, uint32_t D, int write) {
  for (uint32_t b = 0; b < D * 4; b += 64) __builtin_prefetch((const char *)row + b, write);
}

/* ⟨a, b⟩ over D floats: 8 lanes, summed pairwise, then the tail */
static inline float dot(const float *a, const float *b, uint32_t D) {
  v8f acc = { 0 };
  uint32_t d = 0;
  for (; d + 8 <= D; d += 8) acc += *(const v8f *)(a + d) * *(const v8f *)(b + d);
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; d < D; d++) s += a[d] * b[d];
  return s;
}

/* y += g·x over D floats */
static inline void axpy(float *y, float g, const float *x, uint32_t D) {
  uint32_t d = 0;
  for (; d + 8 <= D; d += 8) *(v8f *)(y + d) += g * *(const v8f *)(x + d);
  for (; d < D; d++) y[d] += g * x[d];
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void index_group_dots(uint8_t *mem, uint32_t u, uint32_t X, uint32_t idx, uint32_t S, uint32_t b0, uint32_t b1, uint32_t K,
                      uint32_t sb, uint32_t rb) {
  const uint32_t D = rb / 4;
  const float *x = F32(mem, X);
  for (uint32_t b = b0; b < b1; b++) {
    const float *ub = F32(mem, u + (size_t)b * rb);
    const int32_t *ib = I32(mem, idx + (size_t)b * K * 4);
    float *sr = F32(mem, S + (size_t)b * sb);
    for (uint32_t k = 0; k < K; k++) {
      if (k + AHEAD < K) prefetch_row(x + (size_t)ib[k + AHEAD] * D, D, 0);
      sr[k] = dot(ub, x + (size_t)ib[k] * D, D);
    }
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void index_group_back(uint8_t *mem, uint32_t X, uint32_t idx, uint32_t G, uint32_t dU, uint32_t b0, uint32_t b1, uint32_t K,
                      uint32_t sb, uint32_t rb, int acc) {
  const uint32_t D = rb / 4;
  const float *x = F32(mem, X);
  for (uint32_t b = b0; b < b1; b++) {
    float *du = F32(mem, dU + (size_t)b * rb);
    const int32_t *ib = I32(mem, idx + (size_t)b * K * 4);
    const float *gr = F32(mem, G + (size_t)b * sb);
    if (!acc) for (uint32_t d = 0; d < D; d++) du[d] = 0;
    for (uint32_t k = 0; k < K; k++) {
      if (k + AHEAD < K) prefetch_row(x + (size_t)ib[k + AHEAD] * D, D, 0);
      axpy(du, gr[k], x + (size_t)ib[k] * D, D);
    }
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void index_scatter(uint8_t *mem, uint32_t u, uint32_t idx, uint32_t G, uint32_t dX, uint32_t count, uint32_t i0, uint32_t i1,
                   uint32_t B, uint32_t K, uint32_t sb, uint32_t rb, uint32_t list) {
  const uint32_t D = rb / 4, n = i1 - i0, entries = B * K;
  float *dx = F32(mem, dX);
  int32_t *cnt = (int32_t *)(mem + count), *lst = (int32_t *)(mem + list);
  const int32_t *ids = I32(mem, idx);
  for (size_t j = (size_t)i0 * D; j < (size_t)i1 * D; j++) dx[j] = 0;
  for (uint32_t i = i0; i < i1; i++) cnt[i] = 0;
  /* the entries naming a row of the range, branch-free (unsigned: a row below i0 wraps above n) */
  uint32_t m = 0;
  for (uint32_t e = 0; e < entries; e++) {
    lst[m] = (int32_t)e;
    m += (uint32_t)(ids[e] - (int32_t)i0) < n;
  }
  for (uint32_t j = 0; j < m; j++) {
    if (j + AHEAD < m) prefetch_row(dx + (size_t)ids[lst[j + AHEAD]] * D, D, 1);
    const uint32_t e = (uint32_t)lst[j], b = e / K, i = (uint32_t)ids[e];
    cnt[i]++;
    axpy(dx + (size_t)i * D, *F32(mem, G + (size_t)b * sb + (size_t)(e - b * K) * 4), F32(mem, u + (size_t)b * rb), D);
  }
}
