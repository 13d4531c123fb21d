/*
 * The loss half of the fused many-negative step in native code: the softmax and hinge reductions over rows of the
 * score block (wasm/tasks.ts softmaxRows and hingeRows, with kernels/scores.wat's rowMax, rowExp, rowScale, rowHinge
 * and rowCount inside), one call per thread for its whole share of rows — a call per row costs more than the row.
 *
 * The row kernels are written once with GCC vector extensions over W float lanes and compiled three times: W = 4 for
 * the baseline ISA (SSE2 on x86-64; the same operations in the same order as scores.wat, so it gives the wasm
 * kernels' floats), W = 8 for AVX2 and W = 16 for AVX-512 (lane sums then differ in rounding only; a row's last
 * bytes short of a whole vector go through the 4-lane form, rows being a multiple of 16 bytes as for the wasm kernels). The double
 * precision around them (shifts, log, the loss) is the JavaScript task's, line for line. exp is scores.wat's: Cephes'
 * expf, n = round-to-even(x·log2 e) (by the 1.5·2^23 trick, exact for |x·log2 e| < 2^22; x is clamped to [−87, 88.7]),
 * its degree-6 polynomial, 2^n in the exponent bits. NaN propagates through max and the clamp as in the wasm kernels.
 */
#include <math.h>
#include <string.h>
#include "kernels.h"

#define F32(base, off) ((float *)((base) + (off)))

/* Math.max of JavaScript: NaN when either is NaN */
static inline double js_max(double a, double b) {
  if (a != a || b != b) return NAN;
  return a > b ? a : b;
}

/* the kernels of one lane width: row_max, row_exp, row_scale, row_hinge, row_count, suffixed _<W> */
#define ROW_KERNELS(W, TARGET)                                                                                          \
  typedef float vf##W __attribute__((vector_size(4 * W), aligned(4)));                                                \
  typedef int vi##W __attribute__((vector_size(4 * W), aligned(4)));                                                  \
                                                                                                                       \
  /* lanes summed down to 4 by halves, then (l0 + l1) + (l2 + l3): scores.wat's order when W = 4 */                  \
  TARGET static inline float hsum_##W(vf##W v) {                                                                      \
    float l[W];                                                                                                        \
    memcpy(l, &v, sizeof l);                                                                                           \
    for (int w = W / 2; w >= 4; w /= 2)                                                                                \
      for (int i = 0; i < w; i++) l[i] = l[i] + l[i + w];                                                             \
    return (l[0] + l[1]) + (l[2] + l[3]);                                                                              \
  }                                                                                                                    \
                                                                                                                       \
  TARGET static float row_max_##W(uint8_t *mem, uint32_t z, uint32_t mask, uint32_t bytes, float s, uint32_t off) {   \
    vf##W acc, neg = { 0 };                                                                                            \
    vi##W nan = { 0 };                                                                                                 \
    const uint32_t main = bytes - bytes % (4 * W);                                                                     \
    for (int i = 0; i < W; i++) acc[i] = -INFINITY, neg[i] = -INFINITY;                                              \
    for (uint32_t k = 0; k < main; k += 4 * W) {                                                                       \
      vf##W x = *(vf##W *)(mem + z + k) * s;                                                                           \
      if (off) x = x - *(vf##W *)(mem + off + k);                                                                      \
      const vi##W keep = *(vf##W *)(mem + mask + k) != 0;                                                             \
      nan |= keep & (x != x);                                                                                          \
      x = (vf##W)((keep & (vi##W)x) | (~keep & (vi##W)neg));                                                          \
      const vi##W gt = x > acc;                                                                                        \
      acc = (vf##W)((gt & (vi##W)x) | (~gt & (vi##W)acc));                                                            \
    }                                                                                                                  \
    float m = -INFINITY;                                                                                               \
    for (int i = 0; i < W; i++) {                                                                                      \
      if (nan[i]) return NAN;                                                                                          \
      if (acc[i] > m) m = acc[i];                                                                                      \
    }                                                                                                                  \
    if (W > 4 && main < bytes) {                                                                                       \
      const float t = row_max_4(mem, z + main, mask + main, bytes - main, s, off ? off + main : 0);                   \
      if (t != t) return NAN;                                                                                          \
      if (t > m) m = t;                                                                                                \
    }                                                                                                                  \
    return m;                                                                                                          \
  }                                                                                                                    \
                                                                                                                       \
  TARGET static float row_exp_##W(uint8_t *mem, uint32_t z, uint32_t mask, uint32_t out, uint32_t bytes, float s,    \
                                  float shift, uint32_t off) {                                                        \
    vf##W acc = { 0 };                                                                                                 \
    const uint32_t main = bytes - bytes % (4 * W);                                                                     \
    for (uint32_t k = 0; k < main; k += 4 * W) {                                                                       \
      const vi##W keep = *(vf##W *)(mem + mask + k) != 0;                                                             \
      vf##W x = *(vf##W *)(mem + z + k) * s - shift;                                                                  \
      if (off) x = x - *(vf##W *)(mem + off + k);                                                                      \
      const vi##W lo = x < -87.0f, hi = x > 88.7f; /* false for NaN: it passes through */                             \
      x = (vf##W)((lo & (vi##W)((vf##W){ 0 } - 87.0f)) | (~lo & (vi##W)x));                                            \
      x = (vf##W)((hi & (vi##W)((vf##W){ 0 } + 88.7f)) | (~hi & (vi##W)x));                                            \
      x = (vf##W)(keep & (vi##W)x);                                                                                    \
      const vf##W n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;                                          \
      x = (x - n * 0.693359375f) - n * -2.12194440e-4f;                                                                \
      vf##W y = x * 1.9875691500e-4f + 1.3981999507e-3f;                                                              \
      y = y * x + 8.3334519073e-3f;                                                                                    \
      y = y * x + 4.1665795894e-2f;                                                                                    \
      y = y * x + 1.6666665459e-1f;                                                                                    \
      y = y * x + 5.0000001201e-1f;                                                                                    \
      y = (y * (x * x) + x) + 1.0f;                                                                                    \
      const vi##W e = (__builtin_convertvector(n, vi##W) + 127) << 23;                                                \
      y = (vf##W)(keep & (vi##W)(y * (vf##W)e));                                                                      \
      *(vf##W *)(mem + out + k) = y;                                                                                   \
      acc = acc + y;                                                                                                   \
    }                                                                                                                  \
    if (W > 4 && main < bytes)                                                                                         \
      return hsum_##W(acc) + row_exp_4(mem, z + main, mask + main, out + main, bytes - main, s, shift, off ? off + main : 0); \
    return hsum_##W(acc);                                                                                              \
  }                                                                                                                    \
                                                                                                                       \
  TARGET static void row_scale_##W(uint8_t *mem, uint32_t x, uint32_t bytes, float c) {                              \
    const uint32_t main = bytes - bytes % (4 * W);                                                                     \
    for (uint32_t k = 0; k < main; k += 4 * W) *(vf##W *)(mem + x + k) = *(vf##W *)(mem + x + k) * c;               \
    if (W > 4 && main < bytes) row_scale_4(mem, x + main, bytes - main, c);                                           \
  }                                                                                                                    \
                                                                                                                       \
  /* Σ_k Σ_p w_p·relu(z − m_p) over kept lanes; z ← c·Σ_p w_p·[z − m_p > 0]; sums[p] = Σ_k c·w_p·[…] when sums */    \
  TARGET static float row_hinge_##W(uint8_t *mem, uint32_t z, uint32_t mask, uint32_t bytes, const float *terms,     \
                                    uint32_t P, float c, float *sums) {                                               \
    vf##W acc = { 0 };                                                                                                 \
    vf##W part[HINGE_TERMS_MAX];                                                                                       \
    if (sums)                                                                                                          \
      for (uint32_t p = 0; p < P; p++) part[p] = (vf##W){ 0 };                                                        \
    const uint32_t main = bytes - bytes % (4 * W);                                                                     \
    for (uint32_t k = 0; k < main; k += 4 * W) {                                                                       \
      const vf##W x = *(vf##W *)(mem + z + k);                                                                         \
      const vi##W keep = *(vf##W *)(mem + mask + k) != 0;                                                             \
      vf##W g = { 0 };                                                                                                 \
      for (uint32_t p = 0; p < P; p++) {                                                                               \
        const vf##W h = x - terms[2 * p];                                                                              \
        const vf##W w = (vf##W){ 0 } + terms[2 * p + 1];                                                               \
        const vi##W on = (h > 0.0f) & keep;                                                                            \
        acc = acc + (vf##W)(on & (vi##W)(w * h));                                                                      \
        g = g + (vf##W)(on & (vi##W)w);                                                                                \
        if (sums) part[p] = part[p] + (vf##W)(on & (vi##W)(w * c));                                                   \
      }                                                                                                                \
      *(vf##W *)(mem + z + k) = g * c;                                                                                 \
    }                                                                                                                  \
    float tail = 0, tailSums[HINGE_TERMS_MAX];                                                                         \
    if (W > 4 && main < bytes) tail = row_hinge_4(mem, z + main, mask + main, bytes - main, terms, P, c, sums ? tailSums : NULL); \
    if (sums)                                                                                                          \
      for (uint32_t p = 0; p < P; p++) sums[p] = hsum_##W(part[p]) + (W > 4 && main < bytes ? tailSums[p] : 0.0f);    \
    return hsum_##W(acc) + tail;                                                                                       \
  }                                                                                                                    \
                                                                                                                       \
  TARGET static uint32_t row_count_##W(uint8_t *mem, uint32_t mask, uint32_t bytes) {                                 \
    vi##W acc = { 0 };                                                                                                 \
    const uint32_t main = bytes - bytes % (4 * W);                                                                     \
    for (uint32_t k = 0; k < main; k += 4 * W) acc -= *(vf##W *)(mem + mask + k) != 0;                                \
    uint32_t n = W > 4 && main < bytes ? row_count_4(mem, mask + main, bytes - main) : 0;                              \
    for (int i = 0; i < W; i++) n += (uint32_t)acc[i];                                                                 \
    return n;                                                                                                          \
  }                                                                                                                    \
                                                                                                                       \
  static const row_kernels rows_##W = { row_max_##W, row_exp_##W, row_scale_##W, row_hinge_##W, row_count_##W };

/* the most (margin, weight) terms of one row's hinge (terms × positives; the caller checks) */
#define HINGE_TERMS_MAX 64

typedef struct {
  float (*max)(uint8_t *, uint32_t, uint32_t, uint32_t, float, uint32_t);
  float (*exp)(uint8_t *, uint32_t, uint32_t, uint32_t, uint32_t, float, float, uint32_t);
  void (*scale)(uint8_t *, uint32_t, uint32_t, float);
  float (*hinge)(uint8_t *, uint32_t, uint32_t, uint32_t, const float *, uint32_t, float, float *);
  uint32_t (*count)(uint8_t *, uint32_t, uint32_t);
} row_kernels;

ROW_KERNELS(4, )
#if defined(__x86_64__) || defined(__i386__)
ROW_KERNELS(8, __attribute__((target("avx2,fma"))))
ROW_KERNELS(16, __attribute__((target("avx512f"))))
#endif

static const row_kernels *kernels_now(void) {
#if defined(__x86_64__) || defined(__i386__)
  switch (isa_current()) {
    case ISA_AVX512: return &rows_16;
    case ISA_AVX2: return &rows_8;
    default: break;
  }
#endif
  return &rows_4;
}

/* rows [from, to) of the softmax form, one positive per row (wasm/tasks.ts softmaxRows' plain branch, line for line) */
void softmax_rows_run(const softmax_rows *a) {
  const row_kernels *k = kernels_now();
  uint8_t *mem = a->mem;
  const float *sPos = F32(mem, a->sPos), *tauRow = a->tauRow ? F32(mem, a->tauRow) : NULL, *posOff = a->posOff ? F32(mem, a->posOff) : NULL;
  float *dPos = F32(mem, a->dPos), *rowLoss = F32(mem, a->rowLoss), *perRow = a->perRow ? F32(mem, a->perRow) : NULL;
  for (uint32_t b = a->from; b < a->to; b++) {
    const uint32_t S = a->S + b * a->rowBytes, M = a->mask + b * a->maskStride, off = a->off ? a->off + b * a->offStride : 0;
    const double s = a->unit ? 1 : 1 / (tauRow ? (double)tauRow[b] : a->tau);
    const double ps = a->unit ? 1 : a->posInvTau != a->posInvTau ? s : a->posInvTau;
    const double sp = sPos[b];
    const double zmax = k->max(mem, S, M, a->rowBytes, (float)s, off);
    if (perRow) {
      const double zmax1 = off ? k->max(mem, S, M, a->rowBytes, 1, 0) : zmax / s;
      const double mx1 = a->incl ? js_max(zmax1, sp) : zmax1;
      const double sum1 = (double)k->exp(mem, S, M, a->tmp, a->rowBytes, 1, (float)mx1, 0) + (a->incl ? exp(sp - mx1) : 0);
      perRow[b] = (float)(mx1 + log(sum1) - sp);
    }
    const double zp = ps * sp - (posOff ? (double)posOff[b] : 0);
    const double mx = a->incl ? js_max(zmax, zp) : zmax;
    const double eLead = a->incl ? exp(zp - mx) : 0;
    const double sum = (double)k->exp(mem, S, M, S, a->rowBytes, (float)s, (float)mx, off) + eLead;
    rowLoss[b] = (float)(mx + log(sum) - zp);
    k->scale(mem, S, a->rowBytes, sum > 0 ? (float)((a->r * s) / sum) : 0.0f);
    dPos[b] = (float)(a->r * ps * (eLead / sum - 1));
  }
}

/* rows [from, to) of the hinge form (wasm/tasks.ts hingeRows, line for line) */
int hinge_rows_run(const hinge_rows *a) {
  const row_kernels *k = kernels_now();
  uint8_t *mem = a->mem;
  const uint32_t P = a->P, T = a->nTerms;
  if (P * T > HINGE_TERMS_MAX || T == 0) return 0;
  const float *terms = F32(mem, a->terms);
  const float *sPos = F32(mem, a->sPos);
  float *dPos = F32(mem, a->dPos), *rowLoss = F32(mem, a->rowLoss);
  float rowTerms[2 * HINGE_TERMS_MAX], coefs[HINGE_TERMS_MAX];
  const int posTerm = a->posMargin == a->posMargin;
  for (uint32_t b = a->from; b < a->to; b++) {
    const uint32_t S = a->S + b * a->rowBytes, M = a->mask + b * a->maskStride;
    const double kept = a->maskStride == 0 ? a->N : k->count(mem, M, a->rowBytes);
    const double c = a->mean ? 1 / ((kept > 1 ? kept : 1) * P) : 1;
    if (a->relative) {
      for (uint32_t i = 0; i < P; i++)
        for (uint32_t q = 0; q < T; q++) {
          rowTerms[2 * (i * T + q)] = (float)((double)terms[2 * q] + (double)sPos[b * P + i]);
          rowTerms[2 * (i * T + q) + 1] = terms[2 * q + 1];
        }
      rowLoss[b] = (float)(c * (double)k->hinge(mem, S, M, a->rowBytes, rowTerms, P * T, (float)(a->r * c), coefs));
      for (uint32_t i = 0; i < P; i++) {
        double g = 0;
        for (uint32_t q = 0; q < T; q++) g += coefs[i * T + q];
        dPos[b * P + i] = (float)-g;
      }
    } else {
      const double hinge = k->hinge(mem, S, M, a->rowBytes, terms, T, (float)(a->r * c), NULL);
      const double posGap = posTerm ? a->posMargin - (double)sPos[b] : 0;
      rowLoss[b] = (float)((posGap > 0 ? posGap : 0) + c * hinge);
      dPos[b] = posGap > 0 ? (float)-a->r : 0.0f;
    }
  }
  return 1;
}
