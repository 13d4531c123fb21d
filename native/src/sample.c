/*
 * Uniform per-row negatives with rejection of the user's training items: the native form of samplers/uniform.ts over
 * samplers/reject.ts drawUniformRejecting, drawing from the same xoshiro128** stream as src/engine/rng.ts (its state
 * passed in and handed back), so it returns exactly the items the JS loop returns.
 *
 * Per draw: j = int(nItems); with rejection, up to MAX_TRIES redraws while j is in the user's sorted CSR row, then an
 * exact draw from the complement (the r-th non-item, r = int(free)). int(n) = ⌊(x / 2³²)·n⌋ in double precision, as
 * Rng.int. The users' rows are scattered over a CSR larger than the caches: the rows a few users ahead are prefetched.
 */
#include <math.h>
#include "kernels.h"

#define MAX_TRIES 32 /* reject.ts MAX_TRIES */
#define AHEAD 8

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* Rng.nextU32 (xoshiro128**) */
static inline uint32_t next_u32(uint32_t *s) {
  const uint32_t result = rotl(s[1] * 5u, 7) * 9u;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

/* Rng.int: ⌊float()·n⌋ */
static inline uint32_t draw(uint32_t *s, double n) { return (uint32_t)floor(((double)next_u32(s) / 4294967296.0) * n); }

static inline int has_item(const int32_t *row, int32_t deg, int32_t item) {
  int32_t lo = 0, hi = deg;
  while (lo < hi) {
    const int32_t mid = (int32_t)((uint32_t)(lo + hi) >> 1);
    if (row[mid] < item) lo = mid + 1;
    else hi = mid;
  }
  return lo < deg && row[lo] == item;
}

/* reject.ts nthNonItem: the r-th item (ascending) not in the row */
static inline int32_t nth_non_item(const int32_t *row, int32_t deg, int32_t r) {
  int32_t lo = 0, hi = deg;
  while (lo < hi) {
    const int32_t mid = (int32_t)((uint32_t)(lo + hi) >> 1);
    if (row[mid] - mid <= r) lo = mid + 1;
    else hi = mid;
  }
  return r + lo;
}

void uniform_rows(const int32_t *indptr, const int32_t *indices, uint32_t n_items, const int32_t *users, uint32_t B, uint32_t n,
                  int reject, uint32_t *state, int32_t *out) {
  uint32_t s[4] = { state[0], state[1], state[2], state[3] };
  const double items = n_items;
  for (uint32_t b = 0; b < B; b++) {
    if (reject && b + AHEAD < B) {
      const int32_t *ahead = indices + indptr[users[b + AHEAD]];
      __builtin_prefetch(ahead, 0, 3);
      __builtin_prefetch(ahead + 16, 0, 3);
      if (b + 2 * AHEAD < B) __builtin_prefetch(indptr + users[b + 2 * AHEAD], 0, 3);
    }
    const int32_t u = users[b];
    const int32_t *row = indices + indptr[u];
    const int32_t deg = indptr[u + 1] - indptr[u];
    for (uint32_t k = 0; k < n; k++) {
      int32_t j = (int32_t)draw(s, items);
      if (reject) {
        int t = 0;
        for (; t < MAX_TRIES && has_item(row, deg, j); t++) j = (int32_t)draw(s, items);
        if (t == MAX_TRIES) {
          const int32_t free = (int32_t)n_items - deg;
          if (free > 0) j = nth_non_item(row, deg, (int32_t)draw(s, (double)free));
        }
      }
      out[b * n + k] = j;
    }
  }
  for (int i = 0; i < 4; i++) state[i] = s[i];
}
