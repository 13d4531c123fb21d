/**
 * The interfaces of the two kernels that have a native twin (kernels/gemm.wat, kernels/spmm.wat; native/src/*.c through
 * ../native/bind.ts): the wasm exports and the native binding both implement them, so the pool tasks (./tasks.ts) call
 * either. Byte offsets into the heap's shared memory throughout.
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
