/**
 * The native kernels (native/src/*.c, an N-API addon built by node-gyp at `npm ci` / `npm run build` time and copied to
 * dist/native/reclab-kernels.node): the SpMM family, the gemm, Adam and MF's fused dot step of the WebAssembly
 * kernels, compiled for AVX2+FMA / AVX-512 with a portable C variant, chosen at run time by the CPU. They work directly on a heap's shared
 * WebAssembly memory, at the same byte offsets as the wasm kernels, so the pool tasks (wasm/tasks.ts) call either
 * through the same interface (`train.kernels`). A missing or unloadable addon is an error that names its cause and the
 * setting — never a silent fallback to wasm.
 */
import { findDistFile } from '../paths';

/** the addon's exports (native/src/addon.c) */
export interface NativeAddon {
  /** the memory's base address (the same in every thread) */
  address(view: Uint8Array): bigint;
  spmmPass(view: Uint8Array, indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number, rb: number,
    z: number, zs: number, f: number, fs: number, ekey: number, ethr: number, es: number, etrans: number, mkey: number, mthr: number, ms: number,
    list: number, mask: number): void;
  dropRows(view: Uint8Array, x: number, r0: number, r1: number, rb: number, mkey: number, mthr: number, ms: number): void;
  gemm(view: Uint8Array, a: number, ai: number, ak: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, acc: number): void;
  /** the loss rows of the fused many-negative step (native/src/rows.c; wasm/loss-rows.ts has the arguments) */
  softmaxRows(view: Uint8Array, S: number, mask: number, maskStride: number, sPos: number, dPos: number, rowLoss: number, perRow: number, tmp: number,
    from: number, to: number, rowBytes: number, incl: number, unit: number, tau: number, tauRow: number, posInvTau: number, r: number,
    off: number, offStride: number, posOff: number): void;
  hingeRows(view: Uint8Array, S: number, mask: number, maskStride: number, sPos: number, dPos: number, rowLoss: number, from: number, to: number,
    rowBytes: number, N: number, posMargin: number, terms: number, nTerms: number, mean: number, relative: number, r: number, P: number): void;
  /** per-row negatives read from a table by row number (native/src/index.c; kernels/rows.wat has the arguments) */
  indexGroupDots(view: Uint8Array, u: number, X: number, idx: number, S: number, b0: number, b1: number, K: number, sb: number, rb: number): void;
  indexGroupBack(view: Uint8Array, X: number, idx: number, G: number, dU: number, b0: number, b1: number, K: number, sb: number, rb: number, acc: number): void;
  indexScatter(view: Uint8Array, u: number, idx: number, G: number, dX: number, count: number, i0: number, i1: number, B: number, K: number, sb: number, rb: number, list: number): void;
  /** out[r] = table[ids[r]] (rows of D floats; native/src/gather.c) */
  gatherRows(out: Float32Array, table: Float32Array, ids: Int32Array, D: number): void;
  /** an optimiser's per-row sums += grads of rows (tensor/sparse-optimizer.ts accumulate); returns the new pending count */
  accumulateRows(slots: Int32Array, unique: Int32Array, pending: number, sums: Float32Array, rows: Int32Array, grads: Float32Array, D: number): number;
  /** the same for an L2 term c·w of the rows' weights (table rows by id, or listed: row r at r·D); adds Σ w² to sq[0] */
  accumulateL2(slots: Int32Array, unique: Int32Array, pending: number, sums: Float32Array, rows: Int32Array, table: Float32Array, D: number, c: number, sq: Float64Array, listed: number): number;
  /** out [D × R] = xᵀ for x [R × D] */
  transposeRows(out: Float32Array, x: Float32Array, R: number, D: number): void;
  /** inverted dropout drawn by xoshiro128** from state (rng.ts, draw for draw), over x's length */
  dropoutRows(state: Uint32Array, x: Float32Array, out: Float32Array, mask: Float32Array, p: number): void;
  // adam.c, mfdot.c: adam.wat's and mfdot.wat's kernels; mfSlots: SparseOptimizer.accumulate over a batch (returns the slots in use)
  adamRows(view: Uint8Array, w: number, m: number, v: number, g: number, rows: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  adamDense(view: Uint8Array, w: number, m: number, v: number, g: number, slots: number, first: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  adamFull(view: Uint8Array, w: number, m: number, v: number, g: number, first: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  mfScores(view: Uint8Array, U: number, I: number, users: number, pos: number, negs: number, sPos: number, sNeg: number, sq: number, b0: number, b1: number, N: number, rb: number): void;
  mfGrads(view: Uint8Array, U: number, I: number, gU: number, gI: number, users: number, pos: number, negs: number, slotU: number, slotP: number, slotN: number,
    dPos: number, dNeg: number, B: number, N: number, rb: number, c: number, u0: number, u1: number, i0: number, i1: number): void;
  /** samplers/uniform.ts's per-row draws with state = the Rng's xoshiro128** state (read and advanced) */
  uniformRows(indptr: Int32Array, indices: Int32Array, users: Int32Array, out: Int32Array, state: Uint32Array, nItems: number, n: number, reject: number): void;
  mfSlots(view: Uint8Array, slots: number, rowIds: number, sums: number, used: number, rb: number, a: number, b: number, B: number, N: number, outA: number, outB: number): number;
  /** the instruction set in use: scalar, avx2 or avx512 */
  isa(): string;
  /** the best the CPU supports */
  bestIsa(): string;
  /** choose a variant for the whole process (tests, benchmarks); false when the CPU lacks it */
  setIsa(isa: 'scalar' | 'avx2' | 'avx512'): boolean;
}

export const ADDON_FILE = 'native/reclab-kernels.node';

let loaded: NativeAddon | null = null;

/** The addon (loaded once per thread); throws an error naming the cause and `train.kernels` when it cannot load. */
export function nativeAddon(): NativeAddon {
  if (loaded) return loaded;
  const file = findDistFile(ADDON_FILE);
  const hint = 'rebuild it with `npm run build` (needs a C compiler: node-gyp), or set train.kernels to "wasm"';
  if (!file) throw new Error(`native kernels (train.kernels = "native") are not built: dist/${ADDON_FILE} is missing; ${hint}`);
  const mod = { exports: {} as NativeAddon };
  try {
    process.dlopen(mod, file);
  } catch (e) {
    throw new Error(`native kernels (train.kernels = "native") failed to load from ${file}: ${(e as Error).message}; ${hint}`);
  }
  for (const name of ['spmmPass', 'dropRows', 'gemm', 'softmaxRows', 'hingeRows', 'gatherRows', 'accumulateRows', 'accumulateL2', 'transposeRows', 'dropoutRows',
    'indexGroupDots', 'indexGroupBack', 'indexScatter', 'adamRows', 'mfScores', 'mfSlots', 'uniformRows', 'isa'] as const) {
    if (typeof mod.exports[name] !== 'function') throw new Error(`native kernels at ${file} lack ${name}() (a stale build); ${hint}`);
  }
  return (loaded = mod.exports);
}

