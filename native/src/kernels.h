/*
 * The native kernels: the same products as the WebAssembly kernels of src/engine/wasm/kernels/spmm.wat and gemm.wat,
 * with the same arguments — byte offsets into one shared WebAssembly memory, whose base address the N-API layer
 * (addon.c) passes in. Each kernel exists as portable C (the reference: it rounds exactly as the wasm kernel) and as
 * AVX2+FMA (and, for the gemm, AVX-512) variants chosen at run time (isa.c).
 */
#ifndef RECLAB_KERNELS_H
#define RECLAB_KERNELS_H
#include <stdint.h>

typedef enum { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 } isa_t;

/* the instruction set the kernels use now (the best the CPU has, or what isa_set chose) */
isa_t isa_current(void);
/* the best this CPU supports */
isa_t isa_best(void);
/* choose a variant (tests, benchmarks); returns 0 when the CPU does not support it */
int isa_set(isa_t isa);
const char *isa_name(isa_t isa);

/* One pass of Y = A·X over a CSR matrix with LightGCN's epilogue and dropout (spmm.wat spmmDrop's arguments). */
typedef struct {
  uint8_t *mem;            /* base of the shared memory: every offset below is relative to it */
  uint32_t indptr, indices, values, x, y;
  uint32_t r0, r1, rb;     /* rows [r0, r1) (of the list when list ≠ 0); rb bytes a row, a multiple of 16 */
  uint32_t z; float zs;    /* y += zs·z (z ≠ 0) */
  uint32_t f; float fs;    /* f = (f + y)·fs (f ≠ 0) */
  uint32_t ekey, ethr; float es; int etrans; /* edge dropout (ethr ≠ 0) */
  uint32_t mkey, mthr; float ms;             /* message dropout (mthr ≠ 0) */
  uint32_t list, mask;     /* row list (i32 ids), column mask (a byte per column, 0 = skip) */
} spmm_pass;

/* spmm / spmm64 / spmmFused / spmmDrop of spmm.wat are all this pass with some parts off */
void spmm_pass_run(const spmm_pass *p);
/* dropRows: message dropout in place over rows [r0, r1) of x */
void drop_rows(uint8_t *mem, uint32_t x, uint32_t r0, uint32_t r1, uint32_t rb, uint32_t mkey, uint32_t mthr, float ms);

/* gemm.wat's gemm: C[i, j] = (acc ? C[i, j] : 0) + Σ_k A(i, k)·B[k, j], A(i, k) at a + i·ai + k·ak (bytes) */
void gemm_run(uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb, uint32_t c, uint32_t ldc,
              uint32_t m, uint32_t n, uint32_t k, int acc);

/* ---- Adam and MF's fused dot step (adam.c, mfdot.c): adam.wat's and mfdot.wat's kernels, same arguments ---- */
/* fn_avx512, fn_avx2 or fn_scalar(args), by the instruction set in use (fn_scalar off x86) */
#if defined(__x86_64__) || defined(__i386__)
#define ISA_CALL(fn, ...)                                                                                                      \
  do {                                                                                                                         \
    switch (isa_current()) {                                                                                                   \
      case ISA_AVX512: fn##_avx512(__VA_ARGS__); break;                                                                        \
      case ISA_AVX2: fn##_avx2(__VA_ARGS__); break;                                                                            \
      default: fn##_scalar(__VA_ARGS__); break;                                                                                \
    }                                                                                                                          \
  } while (0)
#else
#define ISA_CALL(fn, ...) fn##_scalar(__VA_ARGS__)
#endif
void adam_rows(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t rows, uint32_t n, uint32_t rb,
               float b1, float b2, float step, float eps);
void adam_dense(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t slots, uint32_t first, uint32_t n,
                uint32_t rb, float b1, float b2, float step, float eps);
void adam_full(uint8_t *mem, uint32_t w, uint32_t m, uint32_t v, uint32_t g, uint32_t first, uint32_t n, uint32_t rb,
               float b1, float b2, float step, float eps);
typedef struct { uint32_t U, I, users, pos, negs, sPos, sNeg, sq, b0, b1, N, rb; } mf_scores;
typedef struct { uint32_t U, I, gU, gI, users, pos, negs, slotU, slotP, slotN, dPos, dNeg, B, N, rb; float c; uint32_t u0, u1, i0, i1; } mf_grads;
void mf_scores_run(uint8_t *mem, const mf_scores *a);
void mf_grads_run(uint8_t *mem, const mf_grads *a);
uint32_t mf_slots(uint8_t *mem, uint32_t slots, uint32_t rowIds, uint32_t sums, uint32_t used, uint32_t rb, uint32_t a,
                  uint32_t b, uint32_t B, uint32_t N, uint32_t outA, uint32_t outB);
/* sample.c: samplers/uniform.ts's per-row draws (xoshiro128** state in and out) */
void uniform_rows(const int32_t *indptr, const int32_t *indices, uint32_t n_items, const int32_t *users, uint32_t B, uint32_t n,
                  int reject, uint32_t *state, int32_t *out);
/* The softmax form over rows [from, to) of a score block, one positive per row (rows.c; wasm/tasks.ts softmaxRows'
 * plain branch). Offsets are bytes into mem; tauRow, perRow, off and posOff are 0 when absent, posInvTau NaN. */
typedef struct {
  uint8_t *mem;
  uint32_t S, mask, maskStride, sPos, dPos, rowLoss, perRow, tmp, from, to, rowBytes;
  int incl, unit;
  double tau; uint32_t tauRow; double posInvTau, r;
  uint32_t off, offStride, posOff;
} softmax_rows;
void softmax_rows_run(const softmax_rows *a);

/* The hinge form over rows [from, to) with P positives a row (wasm/tasks.ts hingeRows); posMargin NaN: no positive
 * term. Returns 0 when P × nTerms exceeds the kernel's limit (64). */
typedef struct {
  uint8_t *mem;
  uint32_t S, mask, maskStride, sPos, dPos, rowLoss, from, to, rowBytes, N;
  double posMargin;
  uint32_t terms, nTerms;
  int mean, relative;
  double r;
  uint32_t P;
} hinge_rows;
int hinge_rows_run(const hinge_rows *a);

/* Rows between a table and a step (gather.c). out[r] = table[ids[r]] for r < n, D floats a row. */
void gather_rows(float *out, const float *table, const int32_t *ids, uint32_t n, uint32_t D);
/* The optimiser's per-row sums (tensor/sparse-optimizer.ts accumulate): for each r, the slot of rows[r] (a new one,
 * zeroed, on its first use: slots[row] = pending++, unique[slot] = row), then sums[slot] += grads[r]. Returns pending. */
uint32_t accumulate_rows(int32_t *slots, int32_t *unique, uint32_t pending, float *sums, const int32_t *rows, uint32_t n,
                         const float *grads, uint32_t D);
/* The same for an L2 term: sums[slot(rows[r])] += c·w_r with w_r = table[rows[r]] (listed: table[r], a copy of the
 * rows in list order); returns pending and adds Σ w_r² to *sq (summed in 8 partial sums: not JavaScript's order). */
uint32_t accumulate_l2(int32_t *slots, int32_t *unique, uint32_t pending, float *sums, const int32_t *rows, uint32_t n,
                       const float *table, int listed, uint32_t D, double c, double *sq);
/* out [D × R] = xᵀ for x [R × D] */
void transpose_rows(float *out, const float *x, uint32_t R, uint32_t D);
/* Inverted dropout with xoshiro128** (rng.ts, draw for draw): mask[k] = u < p ? 0 : keep, out[k] = x[k]·keep as a
 * double rounded to float; state is the generator's (a, b, c, d), advanced by n draws. */
void dropout_rows(uint32_t state[4], const float *x, float *out, float *mask, uint32_t n, double p);

/* index.c: rows.wat's indexGroupDots, indexGroupBack and indexScatter (same arguments, byte offsets into mem) */
void index_group_dots(uint8_t *mem, uint32_t u, uint32_t X, uint32_t idx, uint32_t S, uint32_t b0, uint32_t b1, uint32_t K,
                      uint32_t sb, uint32_t rb);
void index_group_back(uint8_t *mem, uint32_t X, uint32_t idx, uint32_t G, uint32_t dU, uint32_t b0, uint32_t b1, uint32_t K,
                      uint32_t sb, uint32_t rb, int acc);
void index_scatter(uint8_t *mem, uint32_t u, uint32_t idx, uint32_t G, uint32_t dX, uint32_t count, uint32_t i0, uint32_t i1,
                   uint32_t B, uint32_t K, uint32_t sb, uint32_t rb, uint32_t list);

#endif
