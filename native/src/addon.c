/*
 * The N-API layer of the native kernels (loaded by src/engine/native/addon.ts, in the main thread and in every kernel
 * pool worker). Each kernel takes first a Uint8Array over the whole shared WebAssembly memory of a heap — its data
 * pointer is the memory's base, the same address in every thread (a shared memory grows in place, it never moves) —
 * then the wasm kernel's own arguments: byte offsets into that memory and numbers. Integers arrive as JS numbers and
 * are converted as WebAssembly converts an i32 argument (ToInt32), floats are rounded to float32 as for an f32.
 */
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include "kernels.h"

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return fail(env, "reclab-kernels: N-API call failed: " #call);                              \
  } while (0)

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* the arguments: argv[0] a Uint8Array over the memory (its base and length), then `count` numbers */
typedef struct {
  uint8_t *mem;
  size_t bytes;
  double num[32];
} call_args;

static int read_args(napi_env env, napi_callback_info info, size_t count, call_args *out, const char *name) {
  napi_value argv[33];
  size_t argc = 33;
  char message[160];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count + 1) {
    snprintf(message, sizeof message, "reclab-kernels %s: %zu arguments expected (a Uint8Array over the memory, then %zu numbers), got %zu", name, count + 1, count, argc);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  bool typed = false;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_is_typedarray(env, argv[0], &typed) != napi_ok || !typed ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    snprintf(message, sizeof message, "reclab-kernels %s: the first argument must be a Uint8Array over the heap's memory", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  out->mem = data;
  out->bytes = length;
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_double(env, argv[i + 1], &out->num[i]) != napi_ok) {
      snprintf(message, sizeof message, "reclab-kernels %s: argument %zu must be a number", name, i + 1);
      napi_throw_type_error(env, NULL, message);
      return 0;
    }
  }
  return 1;
}

/* ToInt32 of a JS number, as an unsigned bit pattern (byte offsets up to 4 GiB, hash keys, thresholds) */
static uint32_t u32(double v) {
  if (!(v == v) || v == 1.0 / 0.0 || v == -1.0 / 0.0) return 0;
  double t = v < 0 ? -__builtin_floor(-v) : __builtin_floor(v);
  t = __builtin_fmod(t, 4294967296.0);
  if (t < 0) t += 4294967296.0;
  return (uint32_t)t;
}

/* an offset range that must lie inside the memory */
static int inside(napi_env env, const call_args *a, double from, double bytes, const char *what) {
  if (from < 0 || from + bytes > (double)a->bytes) {
    char message[160];
    snprintf(message, sizeof message, "reclab-kernels: %s [%.0f, %.0f) lies outside the memory (%zu bytes)", what, from, from + bytes, a->bytes);
    napi_throw_range_error(env, NULL, message);
    return 0;
  }
  return 1;
}

/* address(view): the memory's base address (tests: the same in every thread, unchanged when the memory grows) */
static napi_value address(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 0, &a, "address")) return NULL;
  napi_value out;
  CHECK(napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)a.mem, &out));
  return out;
}

/* spmmPass(view, indptr indices values x y r0 r1 rb z zs f fs ekey ethr es etrans mkey mthr ms list mask) */
static napi_value spmm_pass_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 21, &a, "spmmPass")) return NULL;
  const double *v = a.num;
  spmm_pass p = {
    .mem = a.mem, .indptr = u32(v[0]), .indices = u32(v[1]), .values = u32(v[2]), .x = u32(v[3]), .y = u32(v[4]),
    .r0 = u32(v[5]), .r1 = u32(v[6]), .rb = u32(v[7]), .z = u32(v[8]), .zs = (float)v[9], .f = u32(v[10]), .fs = (float)v[11],
    .ekey = u32(v[12]), .ethr = u32(v[13]), .es = (float)v[14], .etrans = u32(v[15]) != 0,
    .mkey = u32(v[16]), .mthr = u32(v[17]), .ms = (float)v[18], .list = u32(v[19]), .mask = u32(v[20]),
  };
  if (p.rb % 16 != 0 || p.rb == 0) return fail(env, "reclab-kernels spmmPass: the row width must be a positive multiple of 16 bytes");
  if (!inside(env, &a, p.indptr, 4, "indptr") || !inside(env, &a, p.x, p.rb, "x") || !inside(env, &a, p.y, p.rb, "y") ||
      (p.list && !inside(env, &a, p.list, 4.0 * p.r1, "the row list"))) return NULL;
  if (p.r1 > p.r0) spmm_pass_run(&p);
  return NULL;
}

/* dropRows(view, x r0 r1 rb mkey mthr ms) */
static napi_value drop_rows_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 7, &a, "dropRows")) return NULL;
  const double *v = a.num;
  const uint32_t x = u32(v[0]), r0 = u32(v[1]), r1 = u32(v[2]), rb = u32(v[3]);
  if (r1 > r0 && !inside(env, &a, x + (double)r0 * rb, (double)(r1 - r0) * rb, "the rows of x")) return NULL;
  if (r1 > r0) drop_rows(a.mem, x, r0, r1, rb, u32(v[4]), u32(v[5]), (float)v[6]);
  return NULL;
}

/* ---- Adam, MF's fused dot step and its uniform sampler (adam.c, mfdot.c, sample.c) ---- */

static int row_width(napi_env env, uint32_t rb, const char *name) {
  if (rb % 16 == 0) return 1;
  char message[120];
  snprintf(message, sizeof message, "reclab-kernels %s: the row width must be a multiple of 16 bytes", name);
  napi_throw_error(env, NULL, message);
  return 0;
}

/* the Adam wrappers' common start: `count` numbers with the row count at v[at] and the row width after it; 0 when
 * the call returns here (an error was thrown, or there is nothing to do) */
static int adam_args(napi_env env, napi_callback_info info, size_t count, const char *name, int at, call_args *a, uint32_t *n, uint32_t *rb) {
  if (!read_args(env, info, count, a, name)) return 0;
  *n = u32(a->num[at]);
  *rb = u32(a->num[at + 1]);
  if (!row_width(env, *rb, name)) return 0;
  return *n != 0 && *rb != 0;
}

/* adamRows(view, w m v g rows n rb b1 b2 step eps) */
static napi_value adam_rows_js(napi_env env, napi_callback_info info) {
  call_args a;
  uint32_t n, rb;
  if (!adam_args(env, info, 11, "adamRows", 5, &a, &n, &rb)) return NULL;
  const double *v = a.num;
  if (!inside(env, &a, v[4], 4.0 * n, "the row ids") || !inside(env, &a, v[3], (double)n * rb, "the gradient rows")) return NULL;
  adam_rows(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), u32(v[4]), n, rb, (float)v[7], (float)v[8], (float)v[9], (float)v[10]);
  return NULL;
}

/* adamDense(view, w m v g slots first n rb b1 b2 step eps) */
static napi_value adam_dense_js(napi_env env, napi_callback_info info) {
  call_args a;
  uint32_t n, rb;
  if (!adam_args(env, info, 12, "adamDense", 6, &a, &n, &rb)) return NULL;
  const double *v = a.num;
  const uint32_t first = u32(v[5]);
  const double end = (double)first + n;
  if (!inside(env, &a, v[4], 4.0 * end, "the slots") || !inside(env, &a, v[0], end * rb, "w") ||
      !inside(env, &a, v[1], end * rb, "m") || !inside(env, &a, v[2], end * rb, "v")) return NULL;
  adam_dense(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), u32(v[4]), first, n, rb, (float)v[8], (float)v[9], (float)v[10], (float)v[11]);
  return NULL;
}

/* adamFull(view, w m v g first n rb b1 b2 step eps) */
static napi_value adam_full_js(napi_env env, napi_callback_info info) {
  call_args a;
  uint32_t n, rb;
  if (!adam_args(env, info, 11, "adamFull", 5, &a, &n, &rb)) return NULL;
  const double *v = a.num;
  const uint32_t first = u32(v[4]);
  const double end = ((double)first + n) * rb;
  if (!inside(env, &a, v[0], end, "w") || !inside(env, &a, v[1], end, "m") || !inside(env, &a, v[2], end, "v") || !inside(env, &a, v[3], end, "g"))
    return NULL;
  adam_full(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), first, n, rb, (float)v[7], (float)v[8], (float)v[9], (float)v[10]);
  return NULL;
}

/* mfScores(view, U I users pos negs sPos sNeg sq b0 b1 N rb) */
static napi_value mf_scores_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 12, &a, "mfScores")) return NULL;
  const double *v = a.num;
  const mf_scores s = { u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), u32(v[4]), u32(v[5]), u32(v[6]), u32(v[7]), u32(v[8]), u32(v[9]), u32(v[10]), u32(v[11]) };
  if (!row_width(env, s.rb, "mfScores")) return NULL;
  if (s.b1 <= s.b0 || s.rb == 0) return NULL;
  if (!inside(env, &a, s.users, 4.0 * s.b1, "the users") || !inside(env, &a, s.pos, 4.0 * s.b1, "the positives") ||
      !inside(env, &a, s.sPos, 4.0 * s.b1, "sPos") || (s.sq && !inside(env, &a, s.sq, 4.0 * s.b1, "sq")) ||
      (s.N && (!inside(env, &a, s.negs, 4.0 * s.b1 * s.N, "the negatives") || !inside(env, &a, s.sNeg, 4.0 * s.b1 * s.N, "sNeg"))))
    return NULL;
  mf_scores_run(a.mem, &s);
  return NULL;
}

/* mfGrads(view, U I gU gI users pos negs slotU slotP slotN dPos dNeg B N rb c u0 u1 i0 i1) */
static napi_value mf_grads_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 20, &a, "mfGrads")) return NULL;
  const double *v = a.num;
  const mf_grads g = { u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), u32(v[4]), u32(v[5]), u32(v[6]), u32(v[7]), u32(v[8]), u32(v[9]),
                       u32(v[10]), u32(v[11]), u32(v[12]), u32(v[13]), u32(v[14]), (float)v[15], u32(v[16]), u32(v[17]), u32(v[18]), u32(v[19]) };
  if (!row_width(env, g.rb, "mfGrads")) return NULL;
  if (g.B == 0 || g.rb == 0) return NULL;
  const double B = g.B, BN = (double)g.B * g.N;
  if (!inside(env, &a, g.users, 4 * B, "the users") || !inside(env, &a, g.pos, 4 * B, "the positives") || !inside(env, &a, g.slotU, 4 * B, "slotU") ||
      !inside(env, &a, g.slotP, 4 * B, "slotP") || !inside(env, &a, g.dPos, 4 * B, "dPos") ||
      (g.N && (!inside(env, &a, g.negs, 4 * BN, "the negatives") || !inside(env, &a, g.slotN, 4 * BN, "slotN") || !inside(env, &a, g.dNeg, 4 * BN, "dNeg"))) ||
      (g.u1 > g.u0 && !inside(env, &a, g.gU, (double)g.u1 * g.rb, "gU")) || (g.i1 > g.i0 && !inside(env, &a, g.gI, (double)g.i1 * g.rb, "gI")))
    return NULL;
  mf_grads_run(a.mem, &g);
  return NULL;
}

/* mfSlots(view, slots rowIds sums used rb a b B N outA outB) → the slots in use after these occurrences */
static napi_value mf_slots_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 11, &a, "mfSlots")) return NULL;
  const double *v = a.num;
  const uint32_t used = u32(v[3]), rb = u32(v[4]), B = u32(v[7]), N = u32(v[6]) ? u32(v[8]) : 0;
  if (!row_width(env, rb, "mfSlots")) return NULL;
  if (!inside(env, &a, v[5], 4.0 * B, "the rows") || !inside(env, &a, v[9], 4.0 * B, "outA") ||
      (N && (!inside(env, &a, v[6], 4.0 * B * N, "the second rows") || !inside(env, &a, v[10], 4.0 * B * N, "outB"))))
    return NULL;
  napi_value out;
  CHECK(napi_create_uint32(env, mf_slots(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), used, rb, u32(v[5]), N ? u32(v[6]) : 0, B, N, u32(v[9]), N ? u32(v[10]) : 0), &out));
  return out;
}

/* gemm(view, a ai ak b ldb c ldc m n k acc) */
static napi_value gemm_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 11, &a, "gemm")) return NULL;
  const double *v = a.num;
  const uint32_t m = u32(v[7]), n = u32(v[8]), k = u32(v[9]);
  if (n % 8 != 0) return fail(env, "reclab-kernels gemm: the number of columns must be a multiple of 8");
  if (m == 0 || n == 0) return NULL;
  if (!inside(env, &a, v[5], (m - 1) * v[6] + n * 4.0, "C") ||
      (k > 0 && (!inside(env, &a, v[3], (k - 1) * v[4] + n * 4.0, "B") || !inside(env, &a, v[0], (m - 1) * v[1] + (k - 1) * v[2] + 4.0, "A"))))
    return NULL;
  gemm_run(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), u32(v[4]), u32(v[5]), u32(v[6]), m, n, k, u32(v[10]) != 0);
  return NULL;
}


/* softmaxRows(view, S mask maskStride sPos dPos rowLoss perRow tmp from to rowBytes incl unit tau tauRow posInvTau r
 * off offStride posOff): rows.c, the plain softmax form over rows [from, to) */
static napi_value softmax_rows_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 20, &a, "softmaxRows")) return NULL;
  const double *v = a.num;
  softmax_rows p = {
    .mem = a.mem, .S = u32(v[0]), .mask = u32(v[1]), .maskStride = u32(v[2]), .sPos = u32(v[3]), .dPos = u32(v[4]), .rowLoss = u32(v[5]),
    .perRow = u32(v[6]), .tmp = u32(v[7]), .from = u32(v[8]), .to = u32(v[9]), .rowBytes = u32(v[10]), .incl = v[11] != 0, .unit = v[12] != 0,
    .tau = v[13], .tauRow = u32(v[14]), .posInvTau = v[15], .r = v[16], .off = u32(v[17]), .offStride = u32(v[18]), .posOff = u32(v[19]),
  };
  if (p.rowBytes % 16 != 0) return fail(env, "reclab-kernels softmaxRows: the row width must be a multiple of 16 bytes");
  if (p.to <= p.from) return NULL;
  const double rows = p.to, last = rows - 1;
  if (!inside(env, &a, p.S, rows * p.rowBytes, "the score rows") || !inside(env, &a, p.mask, last * p.maskStride + p.rowBytes, "the mask rows") ||
      !inside(env, &a, p.sPos, rows * 4, "sPos") || !inside(env, &a, p.dPos, rows * 4, "dPos") || !inside(env, &a, p.rowLoss, rows * 4, "rowLoss") ||
      (p.perRow && (!inside(env, &a, p.perRow, rows * 4, "perRow") || !inside(env, &a, p.tmp, p.rowBytes, "the scratch row"))) ||
      (p.tauRow && !inside(env, &a, p.tauRow, rows * 4, "tau")) || (p.posOff && !inside(env, &a, p.posOff, rows * 4, "the positives' log q")) ||
      (p.off && !inside(env, &a, p.off, last * p.offStride + p.rowBytes, "the columns' log q")))
    return NULL;
  softmax_rows_run(&p);
  return NULL;
}

/* hingeRows(view, S mask maskStride sPos dPos rowLoss from to rowBytes N posMargin terms nTerms mean relative r P):
 * rows.c, the hinge form over rows [from, to) */
static napi_value hinge_rows_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 17, &a, "hingeRows")) return NULL;
  const double *v = a.num;
  hinge_rows p = {
    .mem = a.mem, .S = u32(v[0]), .mask = u32(v[1]), .maskStride = u32(v[2]), .sPos = u32(v[3]), .dPos = u32(v[4]), .rowLoss = u32(v[5]),
    .from = u32(v[6]), .to = u32(v[7]), .rowBytes = u32(v[8]), .N = u32(v[9]), .posMargin = v[10], .terms = u32(v[11]), .nTerms = u32(v[12]),
    .mean = v[13] != 0, .relative = v[14] != 0, .r = v[15], .P = u32(v[16]),
  };
  if (p.rowBytes % 16 != 0) return fail(env, "reclab-kernels hingeRows: the row width must be a multiple of 16 bytes");
  if (p.to <= p.from) return NULL;
  const double rows = p.to, last = rows - 1;
  if (!inside(env, &a, p.S, rows * p.rowBytes, "the score rows") || !inside(env, &a, p.mask, last * p.maskStride + p.rowBytes, "the mask rows") ||
      !inside(env, &a, p.sPos, rows * p.P * 4, "sPos") || !inside(env, &a, p.dPos, rows * p.P * 4, "dPos") || !inside(env, &a, p.rowLoss, rows * 4, "rowLoss") ||
      !inside(env, &a, p.terms, 8.0 * p.nTerms, "the terms"))
    return NULL;
  if (!hinge_rows_run(&p)) return fail(env, "reclab-kernels hingeRows: between 1 and 64 hinge terms × positives a row");
  return NULL;
}

/* a typed array argument of the wanted type: its data and length (elements) */
static int typed_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length, const char *fn, int index) {
  bool typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed || napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok || type != want) {
    static const char *names[] = { [napi_int32_array] = "an Int32Array", [napi_uint32_array] = "a Uint32Array", [napi_float32_array] = "a Float32Array", [napi_float64_array] = "a Float64Array" };
    char message[160];
    snprintf(message, sizeof message, "reclab-kernels %s: argument %d must be %s", fn, index + 1, want <= napi_float64_array && names[want] ? names[want] : "a typed array");
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

/* the arguments of a typed-array function: `types` gives each one's type, or -1 for a number */
static int typed_args(napi_env env, napi_callback_info info, size_t count, const int *types, void **data, size_t *length, double *num, const char *fn) {
  napi_value argv[12];
  size_t argc = 12; /* (count ≤ 12) */
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) {
    char message[120];
    snprintf(message, sizeof message, "reclab-kernels %s: %zu arguments expected, got %zu", fn, count, argc);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    if (types[i] >= 0) {
      if (!typed_arg(env, argv[i], (napi_typedarray_type)types[i], &data[i], &length[i], fn, (int)i)) return 0;
    } else if (napi_get_value_double(env, argv[i], &num[i]) != napi_ok) {
      char message[120];
      snprintf(message, sizeof message, "reclab-kernels %s: argument %zu must be a number", fn, i + 1);
      napi_throw_type_error(env, NULL, message);
      return 0;
    }
  }
  return 1;
}

/* every id in [0, rows), else a RangeError naming the first that is not */
static int ids_inside(napi_env env, const int32_t *ids, size_t n, size_t rows, const char *fn) {
  for (size_t r = 0; r < n; r++) {
    if (ids[r] < 0 || (size_t)ids[r] >= rows) {
      char message[160];
      snprintf(message, sizeof message, "reclab-kernels %s: row id %d (at %zu) lies outside the table's %zu rows", fn, ids[r], r, rows);
      napi_throw_range_error(env, NULL, message);
      return 0;
    }
  }
  return 1;
}

/* ---- index.c: per-row negatives read from a table by row number (rows.wat's arguments after the memory) ---- */

/* the row numbers idx[e0 .. e1) name rows of X inside the memory (rb bytes each); a bad one is named by its place
 * within [e0, e1) */
static int index_rows_inside(napi_env env, const call_args *a, uint32_t idx, size_t e0, size_t e1, uint32_t X, uint32_t rb, const char *fn) {
  const size_t rows = X < a->bytes && rb ? (a->bytes - X) / rb : 0;
  return ids_inside(env, (const int32_t *)(a->mem + idx) + e0, e1 - e0, rows, fn);
}

/* u X idx S b0 b1 K sb rb */
static napi_value index_group_dots_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 9, &a, "indexGroupDots")) return NULL;
  const double *v = a.num;
  const uint32_t b0 = u32(v[4]), b1 = u32(v[5]), K = u32(v[6]), sb = u32(v[7]), rb = u32(v[8]);
  if (b1 <= b0 || K == 0) return NULL;
  if (rb % 16 != 0) return fail(env, "reclab-kernels indexGroupDots: rows must be a multiple of 16 bytes");
  if (!inside(env, &a, v[0], (double)b1 * rb, "u") || !inside(env, &a, v[2], (double)b1 * K * 4, "idx") ||
      !inside(env, &a, v[3], (double)(b1 - 1) * sb + K * 4.0, "S") ||
      !index_rows_inside(env, &a, u32(v[2]), (size_t)b0 * K, (size_t)b1 * K, u32(v[1]), rb, "indexGroupDots"))
    return NULL;
  index_group_dots(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), b0, b1, K, sb, rb);
  return NULL;
}

/* X idx G dU b0 b1 K sb rb acc */
static napi_value index_group_back_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 10, &a, "indexGroupBack")) return NULL;
  const double *v = a.num;
  const uint32_t b0 = u32(v[4]), b1 = u32(v[5]), K = u32(v[6]), sb = u32(v[7]), rb = u32(v[8]);
  if (b1 <= b0) return NULL;
  if (rb % 16 != 0) return fail(env, "reclab-kernels indexGroupBack: rows must be a multiple of 16 bytes");
  if (!inside(env, &a, v[3], (double)b1 * rb, "dU") || !inside(env, &a, v[1], (double)b1 * K * 4, "idx") ||
      (K > 0 && !inside(env, &a, v[2], (double)(b1 - 1) * sb + K * 4.0, "G")) ||
      !index_rows_inside(env, &a, u32(v[1]), (size_t)b0 * K, (size_t)b1 * K, u32(v[0]), rb, "indexGroupBack"))
    return NULL;
  index_group_back(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), b0, b1, K, sb, rb, u32(v[9]) != 0);
  return NULL;
}

/* u idx G dX count i0 i1 B K sb rb list: every entry is read, so all of idx, G and u must lie in the memory, the
 * range's rows of dX and count, and a list of B·K entries; the row numbers themselves are checked where they are used */
static napi_value index_scatter_js(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, 12, &a, "indexScatter")) return NULL;
  const double *v = a.num;
  const uint32_t i0 = u32(v[5]), i1 = u32(v[6]), B = u32(v[7]), K = u32(v[8]), sb = u32(v[9]), rb = u32(v[10]);
  if (i1 <= i0) return NULL;
  if (rb % 16 != 0) return fail(env, "reclab-kernels indexScatter: rows must be a multiple of 16 bytes");
  if (!inside(env, &a, v[3], (double)i1 * rb, "dX") || !inside(env, &a, v[4], (double)i1 * 4, "count")) return NULL;
  if (B > 0 && K > 0 &&
      (!inside(env, &a, v[0], (double)B * rb, "u") || !inside(env, &a, v[1], (double)B * K * 4, "idx") ||
       !inside(env, &a, v[2], (double)(B - 1) * sb + K * 4.0, "G") || !inside(env, &a, v[11], (double)B * K * 4, "list")))
    return NULL;
  index_scatter(a.mem, u32(v[0]), u32(v[1]), u32(v[2]), u32(v[3]), u32(v[4]), i0, i1, B, K, sb, rb, u32(v[11]));
  return NULL;
}

#define I32 napi_int32_array
#define F32A napi_float32_array
#define NUM -1

/* gatherRows(out: Float32Array, table: Float32Array, ids: Int32Array, D) */
static napi_value gather_rows_js(napi_env env, napi_callback_info info) {
  static const int types[] = { F32A, F32A, I32, NUM };
  void *d[4]; size_t n[4]; double num[4];
  if (!typed_args(env, info, 4, types, d, n, num, "gatherRows")) return NULL;
  const uint32_t D = u32(num[3]);
  if (D == 0 || n[1] % D != 0 || n[0] < n[2] * D) return fail(env, "reclab-kernels gatherRows: the table must be rows of D floats and out hold ids × D");
  if (!ids_inside(env, d[2], n[2], n[1] / D, "gatherRows")) return NULL;
  gather_rows(d[0], d[1], d[2], (uint32_t)n[2], D);
  return NULL;
}

/* the slots, unique rows and sums of an optimiser's accumulation, checked for the rows about to be added */
static int accumulation_ok(napi_env env, size_t slots, size_t unique, double pending, size_t sums, const int32_t *rows, size_t n, uint32_t D, const char *fn) {
  const double need = pending + n < slots ? pending + n : slots;
  if (D == 0 || pending < 0 || unique < need || sums < need * D) {
    fail(env, "reclab-kernels: the optimiser's unique rows and sums are too small for these rows");
    return 0;
  }
  return ids_inside(env, rows, n, slots, fn);
}

/* accumulateRows(slots: Int32Array, unique: Int32Array, pending, sums: Float32Array, rows: Int32Array, grads: Float32Array, D) → pending */
static napi_value accumulate_rows_js(napi_env env, napi_callback_info info) {
  static const int types[] = { I32, I32, NUM, F32A, I32, F32A, NUM };
  void *d[7]; size_t n[7]; double num[7];
  if (!typed_args(env, info, 7, types, d, n, num, "accumulateRows")) return NULL;
  const uint32_t D = u32(num[6]);
  if (!accumulation_ok(env, n[0], n[1], num[2], n[3], d[4], n[4], D, "accumulateRows")) return NULL;
  if (n[5] < n[4] * D) return fail(env, "reclab-kernels accumulateRows: grads must hold rows × D floats");
  napi_value out;
  CHECK(napi_create_uint32(env, accumulate_rows(d[0], d[1], u32(num[2]), d[3], d[4], (uint32_t)n[4], d[5], D), &out));
  return out;
}

/* accumulateL2(slots, unique, pending, sums, rows, table: Float32Array, D, c, sq: Float64Array(1), listed) → pending;
 * sq[0] += Σ w²; listed ≠ 0: table holds the rows in list order (row r at r·D), else it is indexed by row id */
static napi_value accumulate_l2_js(napi_env env, napi_callback_info info) {
  static const int types[] = { I32, I32, NUM, F32A, I32, F32A, NUM, NUM, napi_float64_array, NUM };
  void *d[10]; size_t n[10]; double num[10];
  if (!typed_args(env, info, 10, types, d, n, num, "accumulateL2")) return NULL;
  const uint32_t D = u32(num[6]);
  const int listed = num[9] != 0;
  if (!accumulation_ok(env, n[0], n[1], num[2], n[3], d[4], n[4], D, "accumulateL2")) return NULL;
  if (n[5] < (listed ? n[4] : n[0]) * (size_t)D || n[8] < 1) return fail(env, "reclab-kernels accumulateL2: the table must hold every row (listed: every listed row), sq one float64");
  napi_value out;
  CHECK(napi_create_uint32(env, accumulate_l2(d[0], d[1], u32(num[2]), d[3], d[4], (uint32_t)n[4], d[5], listed, D, num[7], d[8]), &out));
  return out;
}

/* transposeRows(out: Float32Array, x: Float32Array, R, D): out [D × R] = xᵀ */
static napi_value transpose_rows_js(napi_env env, napi_callback_info info) {
  static const int types[] = { F32A, F32A, NUM, NUM };
  void *d[4]; size_t n[4]; double num[4];
  if (!typed_args(env, info, 4, types, d, n, num, "transposeRows")) return NULL;
  const uint32_t R = u32(num[2]), D = u32(num[3]);
  if ((double)R * D > n[1] || (double)R * D > n[0]) return fail(env, "reclab-kernels transposeRows: x and out must hold R × D floats");
  transpose_rows(d[0], d[1], R, D);
  return NULL;
}

/* dropoutRows(state: Uint32Array(4), x: Float32Array, out: Float32Array, mask: Float32Array, p) over x's length */
static napi_value dropout_rows_js(napi_env env, napi_callback_info info) {
  static const int types[] = { napi_uint32_array, F32A, F32A, F32A, NUM };
  void *d[5]; size_t n[5]; double num[5];
  if (!typed_args(env, info, 5, types, d, n, num, "dropoutRows")) return NULL;
  if (n[0] != 4 || n[2] < n[1] || n[3] < n[1]) return fail(env, "reclab-kernels dropoutRows: a state of 4 words, and out and mask as long as x");
  if (!(num[4] >= 0 && num[4] < 1)) return fail(env, "reclab-kernels dropoutRows: p must lie in [0, 1)");
  dropout_rows(d[0], d[1], d[2], d[3], (uint32_t)n[1], num[4]);
  return NULL;
}

/* isa(): the instruction set in use; setIsa(name): choose one ("scalar", "avx2", "avx512"), false if unsupported */
static napi_value isa_js(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_string_utf8(env, isa_name(isa_current()), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value best_isa_js(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_string_utf8(env, isa_name(isa_best()), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value set_isa_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1, len = 0;
  char name[16] = { 0 };
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
    return fail(env, "reclab-kernels setIsa: one string argument expected (scalar, avx2 or avx512)");
  int isa = strcmp(name, "scalar") == 0 ? ISA_SCALAR : strcmp(name, "avx2") == 0 ? ISA_AVX2 : strcmp(name, "avx512") == 0 ? ISA_AVX512 : -1;
  if (isa < 0) return fail(env, "reclab-kernels setIsa: scalar, avx2 or avx512 expected");
  napi_value out;
  CHECK(napi_get_boolean(env, isa_set((isa_t)isa), &out));
  return out;
}

/* uniformRows(indptr: Int32Array, indices: Int32Array, users: Int32Array, out: Int32Array, state: Uint32Array(4), nItems, n, reject)
 * (sample.c: samplers/uniform.ts's per-row draws; state is the Rng's, read and advanced) */
static napi_value uniform_rows_js(napi_env env, napi_callback_info info) {
  static const int types[] = { I32, I32, I32, I32, napi_uint32_array, NUM, NUM, NUM };
  void *d[8]; size_t n[8]; double num[8];
  if (!typed_args(env, info, 8, types, d, n, num, "uniformRows")) return NULL;
  const int32_t *indptr = d[0], *users = d[2];
  const uint32_t nItems = u32(num[5]), per = u32(num[6]);
  if (n[4] != 4) return fail(env, "reclab-kernels uniformRows: the state must be a Uint32Array of 4");
  if (n[3] < (double)n[2] * per) return fail(env, "reclab-kernels uniformRows: out is shorter than users × n");
  for (size_t b = 0; b < n[2]; b++) /* every user's row must lie inside indices */
    if (users[b] < 0 || (size_t)users[b] + 1 >= n[0] || indptr[users[b]] < 0 || indptr[users[b]] > indptr[users[b] + 1] || (size_t)indptr[users[b] + 1] > n[1])
      return fail(env, "reclab-kernels uniformRows: a user outside the CSR matrix");
  if (nItems == 0 && per > 0 && n[2] > 0) return fail(env, "reclab-kernels uniformRows: no items to draw from");
  uniform_rows(indptr, d[1], nItems, users, (uint32_t)n[2], per, u32(num[7]) != 0, d[4], d[3]);
  return NULL;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
    { "address", NULL, address, NULL, NULL, NULL, napi_enumerable, NULL },
    { "spmmPass", NULL, spmm_pass_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dropRows", NULL, drop_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    /* adam.c, mfdot.c, sample.c */
    { "adamRows", NULL, adam_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "adamDense", NULL, adam_dense_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "adamFull", NULL, adam_full_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mfScores", NULL, mf_scores_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mfGrads", NULL, mf_grads_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mfSlots", NULL, mf_slots_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "uniformRows", NULL, uniform_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gemm", NULL, gemm_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "softmaxRows", NULL, softmax_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "hingeRows", NULL, hinge_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gatherRows", NULL, gather_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "indexGroupDots", NULL, index_group_dots_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "indexGroupBack", NULL, index_group_back_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "indexScatter", NULL, index_scatter_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "accumulateRows", NULL, accumulate_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "accumulateL2", NULL, accumulate_l2_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "transposeRows", NULL, transpose_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dropoutRows", NULL, dropout_rows_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "isa", NULL, isa_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "bestIsa", NULL, best_isa_js, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setIsa", NULL, set_isa_js, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
