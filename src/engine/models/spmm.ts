/**
 * Â·X on the SpMM kernel (wasm/kernels/spmm.wat): the adjacency and a graph backbone's [nodes × D] buffers live in
 * one WebAssembly heap, allocated once (a shared memory: views stay valid even when it grows). The backbone can put
 * its tables and optimiser state in the same heap (`heap`, sized by `reserveBytes`), so that one kernel call reads
 * the ego table and writes the ego gradient in place. Widths that are not a multiple of 4 floats use the plain
 * reference (models/graph.ts) over ordinary arrays — an explicit choice, not a fallback on failure: a kernel that does
 * not compile throws.
 */
import { Heap } from '../wasm/heap';
import { KernelPool } from '../wasm/pool';
import { spmmReference, type NormalizedAdjacency } from './graph';
import { edgeDropped, messageKept, type HopDropout } from './dropout';

export interface GraphBuffers {
  /** `count` zeroed buffers of nodes × D floats */
  buffers: Float32Array[];
  /** the kernel's heap (null for the reference): buffers of the backbone allocated in it can be the product's operands */
  heap: Heap | null;
  /** y = Â·x: on the kernel pool's threads (rows shared by non-zeros) */
  spmm(x: Float32Array, y: Float32Array): void;
  /**
   * y = Â·x, then per row y += zs·z (z ≠ null) and f = (f + y)·fs (f ≠ null): LightGCN's layer loop with its
   * running layer mean (forward) or its direct gradients (backward) in the same pass over the rows.
   * `rows` > 0: only the rows rowList[0 .. rows) (the other rows of y and f are left as they are).
   * `masked`: the columns whose byte of columnMask is 0 are skipped — the caller promises that their rows of x are zero
   * (the result is the same, the product reads only the rows that can contribute).
   */
  spmmFused(x: Float32Array, y: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number, rows?: number, masked?: boolean): void;
  /**
   * spmmFused with a hop's dropout (./dropout.ts): y = (Â ⊙ edge mask)·x·es; y += zs·z; y = message mask ⊙ y·ms;
   * f = (f + y)·fs; `rows` and `masked` as spmmFused's
   */
  spmmDrop(x: Float32Array, y: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number, drop: HopDropout, rows?: number, masked?: boolean): void;
  /** row ids for `rows`: [nodes] */
  readonly rowList: Int32Array;
  /** a byte per node for `masked`: 0 = that node's row of x is zero */
  readonly columnMask: Uint8Array;
  /** x = message mask ⊙ x·ms, in place */
  dropRows(x: Float32Array, drop: HopDropout): void;
  /** the pool's kernels (native C or WebAssembly SIMD) or the plain reference, for logs and benchmarks */
  readonly engine: 'native' | 'wasm-simd' | 'reference';
}

export function graphBuffers(a: NormalizedAdjacency, D: number, count: number, engine: 'auto' | 'reference' = 'auto', reserveBytes = 0): GraphBuffers {
  const floats = a.nodes * D;
  if (engine === 'reference' || D % 4 !== 0) {
    const rowList = new Int32Array(a.nodes);
    const columnMask = new Uint8Array(a.nodes);
    /** the pass row by row, as the kernel: the product, y += zs·z, the message mask, f = (f + y)·fs */
    const pass = (x: Float32Array, y: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number, drop: HopDropout | null, rows = 0, masked = false): void => {
      const one = (r: number): void => {
        spmmDropReference(a, x, y, D, drop, r, r + 1, masked ? columnMask : undefined);
        if (z) for (let k = r * D; k < (r + 1) * D; k++) y[k] += zs * z[k];
        if (drop?.msgThr) dropReference(y, drop, r * D, (r + 1) * D);
        if (f) for (let k = r * D; k < (r + 1) * D; k++) f[k] = (f[k] + y[k]) * fs;
      };
      if (rows > 0) for (let i = 0; i < rows; i++) one(rowList[i]);
      else for (let r = 0; r < a.nodes; r++) one(r);
    };
    return {
      buffers: Array.from({ length: count }, () => new Float32Array(floats)),
      heap: null,
      spmm: (x, y) => spmmReference(a, x, y, D),
      spmmFused: (x, y, z, zs, f, fs, rows, masked) => pass(x, y, z, zs, f, fs, null, rows, masked),
      spmmDrop: (x, y, z, zs, f, fs, drop, rows, masked) => pass(x, y, z, zs, f, fs, drop, rows, masked),
      dropRows: (x, drop) => dropReference(x, drop, 0, x.length),
      rowList,
      columnMask,
      engine: 'reference',
    };
  }
  const nnz = a.indices.length;
  const round = (b: number): number => Math.ceil(b / 64) * 64;
  const heap = new Heap(round((a.nodes + 1) * 4) + 2 * round(nnz * 4) + round(a.nodes * 4) + round(a.nodes) + count * round(floats * 4) + reserveBytes + 65536);
  const at = {
    indptr: heap.alloc((a.nodes + 1) * 4), indices: heap.alloc(nnz * 4), values: heap.alloc(nnz * 4),
    rowList: heap.alloc(a.nodes * 4), columnMask: heap.alloc(a.nodes),
  };
  heap.i32(at.indptr, a.nodes + 1).set(a.indptr);
  heap.i32(at.indices, nnz).set(a.indices);
  heap.f32(at.values, nnz).set(a.values);
  const buffers = Array.from({ length: count }, () => heap.f32(heap.alloc(floats * 4), floats));
  const offset = (x: Float32Array | null, what: string): number => {
    if (!x) return 0;
    if (!heap.owns(x) || x.length !== floats) throw new Error(`spmm: ${what} must be a [nodes × D] buffer of this graph's heap`);
    return x.byteOffset;
  };
  const args = [at.indptr, at.indices, at.values, 0, 0, a.nodes, D * 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  /** the operands and epilogue of a fused pass: args 3..10 */
  const operands = (x: Float32Array, y: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number): void => {
    args[3] = offset(x, 'x');
    args[4] = offset(y, 'y');
    args[7] = offset(z, 'z');
    args[8] = zs;
    args[9] = offset(f, 'f');
    args[10] = fs;
  };
  /** a pass's row list, its length and the column mask (0 = every row, no mask) */
  const rowArgs = (rows: number, masked: boolean): number[] => [rows > 0 ? at.rowList : 0, rows, masked ? at.columnMask : 0];
  return {
    buffers,
    heap,
    spmm(x, y) {
      args[3] = offset(x, 'x');
      args[4] = offset(y, 'y');
      KernelPool.get().run('spmm', heap, args.slice(0, 7));
    },
    spmmFused(x, y, z, zs, f, fs, rows = 0, masked = false) {
      operands(x, y, z, zs, f, fs);
      KernelPool.get().run('spmmFused', heap, [...args.slice(0, 11), ...rowArgs(rows, masked)]);
    },
    spmmDrop(x, y, z, zs, f, fs, d, rows = 0, masked = false) {
      operands(x, y, z, zs, f, fs);
      args[11] = d.edgeKey;
      args[12] = d.edgeThr;
      args[13] = d.edgeScale;
      args[14] = d.transpose ? 1 : 0;
      args[15] = d.msgKey;
      args[16] = d.msgThr;
      args[17] = d.msgScale;
      args.splice(18, 3, ...rowArgs(rows, masked));
      KernelPool.get().run('spmmDrop', heap, args);
    },
    dropRows(x, d) {
      KernelPool.get().run('dropRows', heap, [offset(x, 'x'), a.nodes, D * 4, d.msgKey, d.msgThr, d.msgScale]);
    },
    rowList: heap.i32(at.rowList, a.nodes),
    columnMask: new Uint8Array(heap.memory.buffer, at.columnMask, a.nodes),
    engine: KernelPool.get().kernels === 'native' ? 'native' : 'wasm-simd',
  };
}

/**
 * Rows [r0, r1) of Â·x with the edge mask (the plain reference of the kernel's pass; the weight is rounded to float32
 * as there); no mask without `d`; columns whose byte of `columnMask` is 0 are skipped (their rows of x are zero).
 */
function spmmDropReference(a: NormalizedAdjacency, x: Float32Array, y: Float32Array, D: number, d: HopDropout | null, r0: number, r1: number, columnMask?: Uint8Array): void {
  if (!d?.edgeThr) {
    spmmReference(a, x, y, D, r0, r1, columnMask);
    return;
  }
  const { indptr, indices, values } = a;
  const es = Math.fround(d.edgeScale);
  for (let r = r0; r < r1; r++) {
    const yo = r * D;
    y.fill(0, yo, yo + D);
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const c = indices[k];
      if (columnMask && !columnMask[c]) continue;
      if (d.transpose ? edgeDropped(d.edgeKey, c, r, d.edgeThr) : edgeDropped(d.edgeKey, r, c, d.edgeThr)) continue;
      const w = Math.fround(values[k] * es);
      const xo = c * D;
      for (let j = 0; j < D; j++) y[yo + j] += w * x[xo + j];
    }
  }
}

/** x[i0 .. i1) = message mask ⊙ x·ms in place (element i = row·D + d) */
function dropReference(x: Float32Array, d: HopDropout, i0: number, i1: number): void {
  const ms = Math.fround(d.msgScale);
  for (let i = i0; i < i1; i++) x[i] = messageKept(d.msgKey, i, d.msgThr) ? ms * x[i] : 0;
}
