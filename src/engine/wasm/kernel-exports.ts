/**
 * The interfaces of the kernels that have a native twin (kernels/gemm.wat, kernels/spmm.wat, and the loss rows of
 * ./loss-rows.ts over kernels/scores.wat; native/src/*.c through ../native/bind.ts): the wasm form and the native
 * binding both implement them, so the pool tasks (./tasks.ts) call either. Byte offsets into the heap's shared memory
 * throughout.
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
