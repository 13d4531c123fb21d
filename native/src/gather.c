/*
 * Moving rows between the tables and a step, in native code (the fused many-negative step's gather, the backbones'
 * sparse accumulation into the optimiser's per-row sums, the user-row dropout): loops that were JavaScript, each the
 * same arithmetic in the same order, so results are bit for bit those of the JavaScript they replace.
 */
#include <string.h>
#include "kernels.h"

/* rows this far ahead are fetched while the current one is worked on (they are scattered over tables far larger than
 * the caches); every 64-byte line of the row, the hardware fetching at most the adjacent one by itself */
#define AHEAD 8

static inline void prefetch_row(const float *table, const int32_t *ids, uint32_t r, uint32_t n, uint32_t D) {
  if (r + AHEAD >= n) return;
  const char *row = (const char *)(table + (size_t)ids[r + AHEAD] * D);
  for (uint32_t b = 0; b < D * 4; b += 64) __builtin_prefetch(row + b);
}

void gather_rows(float *out, const float *table, const int32_t *ids, uint32_t n, uint32_t D) {
  for (uint32_t r = 0; r < n; r++) {
    prefetch_row(table, ids, r, n, D);
    memcpy(out + (size_t)r * D, table + (size_t)ids[r] * D, (size_t)D * 4);
  }
}

static inline uint32_t slot_of(int32_t *slots, int32_t *unique, uint32_t *pending, float *sums, int32_t row, uint32_t D) {
  int32_t s = slots[row];
  if (s < 0) {
    s = slots[row] = (int32_t)(*pending)++;
    unique[s] = row;
    memset(sums + (size_t)s * D, 0, (size_t)D * 4);
  }
  return (uint32_t)s;
}

uint32_t accumulate_rows(int32_t *slots, int32_t *unique, uint32_t pending, float *sums, const int32_t *rows, uint32_t n,
                         const float *grads, uint32_t D) {
  for (uint32_t r = 0; r < n; r++) {
    if (r + AHEAD < n) __builtin_prefetch(slots + rows[r + AHEAD]);
    float *o = sums + (size_t)slot_of(slots, unique, &pending, sums, rows[r], D) * D;
    const float *g = grads + (size_t)r * D;
    for (uint32_t d = 0; d < D; d++) o[d] += g[d];
  }
  return pending;
}

typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef double v8d __attribute__((vector_size(64)));

/* Σ w² in 8 partial sums (a single chain of dependent double adds would bound the loop; the L2 value only enters the
 * reported loss), 8 floats at a time through double vectors: the sums' rounding is JavaScript's (double, then float),
 * whatever the ISA the clone runs on */
__attribute__((target_clones("avx512f", "avx2", "default")))
uint32_t accumulate_l2(int32_t *slots, int32_t *unique, uint32_t pending, float *sums, const int32_t *rows, uint32_t n,
                       const float *table, int listed, uint32_t D, double c, double *sq) {
  v8d q = { 0 };
  double tail = 0;
  for (uint32_t r = 0; r < n; r++) {
    if (!listed) prefetch_row(table, rows, r, n, D);
    if (r + AHEAD < n) __builtin_prefetch(slots + rows[r + AHEAD]);
    float *o = sums + (size_t)slot_of(slots, unique, &pending, sums, rows[r], D) * D;
    const float *w = table + (size_t)(listed ? (int32_t)r : rows[r]) * D;
    uint32_t d = 0;
    for (; d + 8 <= D; d += 8) {
      const v8d x = __builtin_convertvector(*(const v8f *)(w + d), v8d);
      q += x * x;
      *(v8f *)(o + d) = __builtin_convertvector(__builtin_convertvector(*(v8f *)(o + d), v8d) + c * x, v8f);
    }
    for (; d < D; d++) {
      const double x = w[d];
      tail += x * x;
      o[d] = (float)((double)o[d] + c * x);
    }
  }
  *sq += (((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]))) + tail;
  return pending;
}

void transpose_rows(float *out, const float *x, uint32_t R, uint32_t D) {
  /* blocks of 8 rows: each output row gets 8 consecutive floats per pass */
  uint32_t r0 = 0;
  for (; r0 + 8 <= R; r0 += 8)
    for (uint32_t d = 0; d < D; d++)
      for (uint32_t l = 0; l < 8; l++) out[(size_t)d * R + r0 + l] = x[(size_t)(r0 + l) * D + d];
  for (; r0 < R; r0++)
    for (uint32_t d = 0; d < D; d++) out[(size_t)d * R + r0] = x[(size_t)r0 * D + d];
}

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void dropout_rows(uint32_t st[4], const float *x, float *out, float *mask, uint32_t n, double p) {
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  const double keep = 1 / (1 - p);
  const float keepF = (float)keep;
  for (uint32_t k = 0; k < n; k++) {
    const uint32_t u = rotl(b * 5, 7) * 9;
    const uint32_t t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    const int drop = (double)u / 4294967296.0 < p;
    mask[k] = drop ? 0.0f : keepF;
    out[k] = (float)((double)x[k] * (drop ? 0.0 : keep));
  }
  st[0] = a, st[1] = b, st[2] = c, st[3] = d;
}
