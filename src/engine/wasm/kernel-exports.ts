/**
 * The interfaces of the kernels that have a native twin (kernels/gemm.wat, spmm.wat, adam.wat, mfdot.wat, and the
 * loss rows of ./loss-rows.ts over kernels/scores.wat; native/src/*.c through ../native/bind.ts): the wasm form and
 * the native binding both implement them, so the pool tasks (./tasks.ts) call either. Byte offsets into the heap's
 * shared memory throughout.
 */
export interface GemmExports {
  gemm(a: number, ai: number, ak: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, acc: number): void;
}

export interface SpmmExports {
  spmm(indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number, rb: number): void;
  spmm64(indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number): void;
  spmmFused(indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number, rb: number, z: number, zs: number, f: number, fs: number, list: number, mask: number): void;
  spmmDrop(indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number, rb: number, z: number, zs: number, f: number, fs: number,
    ekey: number, ethr: number, es: number, etrans: number, mkey: number, mthr: number, ms: number, list: number, mask: number): void;
  dropRows(x: number, r0: number, r1: number, rb: number, mkey: number, mthr: number, ms: number): void;
}

/** kernels/scores.wat: reductions over rows of a score block (the wasm form of ./loss-rows.ts is built on them) */
export interface ScoreRowExports {
  /** max of s·z − off over the kept lanes (off = 0: no offset row) */
  rowMax(z: number, mask: number, bytes: number, s: number, off: number): number;
  /** out = e^{s·z − off − shift} on the kept lanes (off = 0: no offset row); returns Σ out */
  rowExp(z: number, mask: number, out: number, bytes: number, s: number, shift: number, off: number): number;
  rowScale(x: number, bytes: number, c: number): void;
  /** Σ_p w_p·relu(z − m_p) over kept lanes; z ← its gradient coefficient ×c; coefSums ≠ 0: each term's Σ at +16·p */
  rowHinge(z: number, mask: number, bytes: number, terms: number, P: number, c: number, coefSums: number): number;
  rowCount(mask: number, bytes: number): number;
}

export interface AdamExports {
  adamRows(w: number, m: number, v: number, g: number, rows: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  adamDense(w: number, m: number, v: number, g: number, slots: number, first: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  adamFull(w: number, m: number, v: number, g: number, first: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
}

export interface MfDotExports {
  scores(U: number, I: number, users: number, pos: number, negs: number, sPos: number, sNeg: number, sq: number, b0: number, b1: number, N: number, rb: number): void;
  grads(U: number, I: number, gU: number, gI: number, users: number, pos: number, negs: number, slotU: number, slotP: number, slotN: number,
    dPos: number, dNeg: number, B: number, N: number, rb: number, c: number, u0: number, u1: number, i0: number, i1: number): void;
}

/**
 * SparseOptimizer.accumulate for a batch of occurrences, natively (native/src/mfdot.c mf_slots): the occurrences are
 * a[r], then b[r·N .. r·N + N) for r < B (b = 0: a only); a row new this step gets the next slot (slots[row], its id at
 * rowIds[slot], its sum row at sums + slot·rb zeroed); outA / outB get each occurrence's slot. `used` slots were taken
 * before; returns the slots taken after.
 */
export type MfSlots = (slots: number, rowIds: number, sums: number, used: number, rb: number, a: number, b: number, B: number, N: number, outA: number, outB: number) => number;

/** kernels/rows.wat (the per-row negatives' table reads native with the native kernels: native/src/index.c) */
export interface RowExports {
  normalize(x: number, out: number, norms: number, n: number, rb: number): void;
  normalizeBack(xhat: number, g: number, norms: number, n: number, rb: number): void;
  rowDots(x: number, y: number, out: number, n: number, rb: number): void;
  groupDots(u: number, n: number, S: number, b0: number, b1: number, K: number, sb: number, rb: number): void;
  groupBack(u: number, n: number, G: number, dU: number, dN: number, b0: number, b1: number, K: number, sb: number, rb: number, acc: number): void;
  indexDots(U: number, X: number, users: number, idx: number, S: number, b0: number, b1: number, K: number, rb: number): void;
  indexGroupDots(u: number, X: number, idx: number, S: number, b0: number, b1: number, K: number, sb: number, rb: number): void;
  indexGroupBack(X: number, idx: number, G: number, dU: number, b0: number, b1: number, K: number, sb: number, rb: number, acc: number): void;
  indexScatter(u: number, idx: number, G: number, dX: number, count: number, i0: number, i1: number, B: number, K: number, sb: number, rb: number, list: number): void;
}
