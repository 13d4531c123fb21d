/*
 * Dense products with a small inner dimension: the native form of gemm.wat's gemm (the fused contrastive step's
 * score block S = Û·N̂ᵀ and its backward ∂Û = ∂S·N̂, ∂N̂ = ∂Sᵀ·Û, tensor/fused-contrastive.ts).
 *
 *   C[i, j] = (C[i, j] if acc) + Σ_{k<K} A(i, k)·B[k, j]      for i < M, j < N (N a multiple of 8)
 *
 * A(i, k) is at a + i·ai + k·ak (bytes: Aᵀ costs nothing); B is row-major with row stride ldb bytes; C has row stride
 * ldc bytes. The scalar variant sums each C[i, j] over k in order (multiply, then add) as the wasm kernel does, so it
 * gives the same floats; the AVX2 variant works in register tiles of 6 rows × 16 columns (12 accumulators, two
 * vectors of B, one broadcast of A), the AVX-512 variant in tiles of 8 rows × 32 columns, both with fused multiply-adds.
 */
#include "kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define X86 1
#endif

#define F32(base, off) ((float *)((base) + (off)))

/* a row of C in blocks of up to 256 columns, each C[i, j] summed over k in order (multiply, then add) from 0 and
 * added to C last: the wasm kernel's rounding; the inner loop runs along B's row, so the compiler vectorizes it */
static void gemm_scalar(uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb, uint32_t c, uint32_t ldc,
                        uint32_t m, uint32_t n, uint32_t kk, int acc) {
  float s[256];
  for (uint32_t i = 0; i < m; i++) {
    for (uint32_t j0 = 0; j0 < n; j0 += 256) {
      const uint32_t w = n - j0 < 256 ? n - j0 : 256;
      for (uint32_t l = 0; l < w; l++) s[l] = 0.0f;
      for (uint32_t k = 0; k < kk; k++) {
        const float x = *F32(mem, a + i * ai + k * ak);
        const float *bk = F32(mem, b + k * ldb + j0 * 4);
        for (uint32_t l = 0; l < w; l++) s[l] = s[l] + x * bk[l];
      }
      float *ci = F32(mem, c + i * ldc + j0 * 4);
      for (uint32_t l = 0; l < w; l++) ci[l] = acc ? s[l] + ci[l] : s[l];
    }
  }
}

#ifdef X86
/* R rows × W·8 columns of C (R ≤ 6, W ≤ 2; constants after inlining, so the accumulators live in registers) */
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline)) void tile_avx2(
    const uint8_t *A, uint32_t ai, uint32_t ak, const uint8_t *B, uint32_t ldb, uint8_t *C, uint32_t ldc, uint32_t kk, int acc,
    const int R, const int W) {
  __m256 s[6][2];
  for (int r = 0; r < R; r++)
    for (int w = 0; w < W; w++) s[r][w] = _mm256_setzero_ps();
  for (uint32_t k = 0; k < kk; k++) {
    const float *bk = (const float *)(B + k * ldb);
    const __m256 b0 = _mm256_loadu_ps(bk), b1 = W > 1 ? _mm256_loadu_ps(bk + 8) : b0;
    const uint8_t *ak0 = A + k * ak;
    for (int r = 0; r < R; r++) {
      const __m256 x = _mm256_broadcast_ss((const float *)(ak0 + r * ai));
      s[r][0] = _mm256_fmadd_ps(x, b0, s[r][0]);
      if (W > 1) s[r][1] = _mm256_fmadd_ps(x, b1, s[r][1]);
    }
  }
  for (int r = 0; r < R; r++) {
    float *cr = (float *)(C + r * ldc);
    for (int w = 0; w < W; w++) {
      __m256 v = s[r][w];
      if (acc) v = _mm256_add_ps(v, _mm256_loadu_ps(cr + 8 * w));
      _mm256_storeu_ps(cr + 8 * w, v);
    }
  }
}

/* rows i .. i+R of C across all columns: 16 at a time, then 8 */
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline)) void rows_avx2(
    uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb, uint32_t c, uint32_t ldc, uint32_t n, uint32_t kk, int acc,
    uint32_t i, const int R) {
  uint32_t j = 0;
  for (; j + 16 <= n; j += 16) tile_avx2(mem + a + i * ai, ai, ak, mem + b + j * 4, ldb, mem + c + i * ldc + j * 4, ldc, kk, acc, R, 2);
  if (j < n) tile_avx2(mem + a + i * ai, ai, ak, mem + b + j * 4, ldb, mem + c + i * ldc + j * 4, ldc, kk, acc, R, 1);
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb,
                                                          uint32_t c, uint32_t ldc, uint32_t m, uint32_t n, uint32_t kk, int acc) {
  uint32_t i = 0;
  for (; i + 6 <= m; i += 6) rows_avx2(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 6);
  switch (m - i) {
    case 5: rows_avx2(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 5); break;
    case 4: rows_avx2(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 4); break;
    case 3: rows_avx2(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 3); break;
    case 2: rows_avx2(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 2); break;
    case 1: rows_avx2(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 1); break;
    default: break;
  }
}

/* R rows × (W − 1)·16 + (16 or 8) columns: the last 16-lane chunk is masked (`last`) when only 8 columns are left */
__attribute__((target("avx512f,avx2,fma"))) static inline __attribute__((always_inline)) void tile_avx512(
    const uint8_t *A, uint32_t ai, uint32_t ak, const uint8_t *B, uint32_t ldb, uint8_t *C, uint32_t ldc, uint32_t kk, int acc,
    const int R, const int W, __mmask16 last) {
  __m512 s[8][2];
  for (int r = 0; r < R; r++)
    for (int w = 0; w < W; w++) s[r][w] = _mm512_setzero_ps();
  for (uint32_t k = 0; k < kk; k++) {
    const float *bk = (const float *)(B + k * ldb);
    const __m512 b0 = W > 1 ? _mm512_loadu_ps(bk) : _mm512_maskz_loadu_ps(last, bk);
    const __m512 b1 = W > 1 ? _mm512_maskz_loadu_ps(last, bk + 16) : b0;
    const uint8_t *ak0 = A + k * ak;
    for (int r = 0; r < R; r++) {
      const __m512 x = _mm512_set1_ps(*(const float *)(ak0 + r * ai));
      s[r][0] = _mm512_fmadd_ps(x, b0, s[r][0]);
      if (W > 1) s[r][1] = _mm512_fmadd_ps(x, b1, s[r][1]);
    }
  }
  for (int r = 0; r < R; r++) {
    float *cr = (float *)(C + r * ldc);
    for (int w = 0; w < W; w++) {
      const __mmask16 mk = w == W - 1 ? last : (__mmask16)0xFFFF;
      __m512 v = s[r][w];
      if (acc) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, cr + 16 * w));
      _mm512_mask_storeu_ps(cr + 16 * w, mk, v);
    }
  }
}

__attribute__((target("avx512f,avx2,fma"))) static inline __attribute__((always_inline)) void rows_avx512(
    uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb, uint32_t c, uint32_t ldc, uint32_t n, uint32_t kk, int acc,
    uint32_t i, const int R) {
  uint32_t j = 0;
  const uint8_t *A = mem + a + i * ai;
  for (; j + 32 <= n; j += 32) tile_avx512(A, ai, ak, mem + b + j * 4, ldb, mem + c + i * ldc + j * 4, ldc, kk, acc, R, 2, 0xFFFF);
  const uint32_t left = n - j; /* 0, 8, 16 or 24 */
  if (left == 24) tile_avx512(A, ai, ak, mem + b + j * 4, ldb, mem + c + i * ldc + j * 4, ldc, kk, acc, R, 2, 0x00FF);
  else if (left == 16) tile_avx512(A, ai, ak, mem + b + j * 4, ldb, mem + c + i * ldc + j * 4, ldc, kk, acc, R, 1, 0xFFFF);
  else if (left == 8) tile_avx512(A, ai, ak, mem + b + j * 4, ldb, mem + c + i * ldc + j * 4, ldc, kk, acc, R, 1, 0x00FF);
}

__attribute__((target("avx512f,avx2,fma"))) static void gemm_avx512(uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb,
                                                                    uint32_t c, uint32_t ldc, uint32_t m, uint32_t n, uint32_t kk, int acc) {
  uint32_t i = 0;
  for (; i + 8 <= m; i += 8) rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 8);
  switch (m - i) {
    case 7: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 7); break;
    case 6: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 6); break;
    case 5: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 5); break;
    case 4: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 4); break;
    case 3: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 3); break;
    case 2: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 2); break;
    case 1: rows_avx512(mem, a, ai, ak, b, ldb, c, ldc, n, kk, acc, i, 1); break;
    default: break;
  }
}
#endif

void gemm_run(uint8_t *mem, uint32_t a, uint32_t ai, uint32_t ak, uint32_t b, uint32_t ldb, uint32_t c, uint32_t ldc,
              uint32_t m, uint32_t n, uint32_t k, int acc) {
#ifdef X86
  switch (isa_current()) {
    case ISA_AVX512: gemm_avx512(mem, a, ai, ak, b, ldb, c, ldc, m, n, k, acc); return;
    case ISA_AVX2: gemm_avx2(mem, a, ai, ak, b, ldb, c, ldc, m, n, k, acc); return;
    default: break;
  }
#endif
  gemm_scalar(mem, a, ai, ak, b, ldb, c, ldc, m, n, k, acc);
}
