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
  /** row ids for `spmmFused(…, rows)`: [nodes] */
  readonly rowList: Int32Array;
  /** a byte per node for `spmmFused(…, masked)`: 0 = that node's row of x is zero */
  readonly columnMask: Uint8Array;
  /** kernel or reference, for logs and benchmarks */
  readonly engine: 'wasm-simd' | 'reference';
}

export function graphBuffers(a: NormalizedAdjacency, D: number, count: number, engine: 'auto' | 'reference' = 'auto', reserveBytes = 0): GraphBuffers {
  const floats = a.nodes * D;
  if (engine === 'reference' || D % 4 !== 0) {
    const rowList = new Int32Array(a.nodes);
    const columnMask = new Uint8Array(a.nodes);
    return {
      buffers: Array.from({ length: count }, () => new Float32Array(floats)),
      heap: null,
      spmm: (x, y) => spmmReference(a, x, y, D),
      spmmFused(x, y, z, zs, f, fs, rows = 0, masked = false) {
        const one = (r: number): void => {
          spmmReference(a, x, y, D, r, r + 1, masked ? columnMask : undefined);
          for (let k = r * D; k < (r + 1) * D; k++) {
            if (z) y[k] += zs * z[k];
            if (f) f[k] = (f[k] + y[k]) * fs;
          }
        };
        if (rows > 0) for (let i = 0; i < rows; i++) one(rowList[i]);
        else for (let r = 0; r < a.nodes; r++) one(r);
      },
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
    if (x.buffer !== heap.memory.buffer || x.length !== floats) throw new Error(`spmm: ${what} must be a [nodes × D] buffer of this graph's heap`);
    return x.byteOffset;
  };
  const args = [at.indptr, at.indices, at.values, 0, 0, a.nodes, D * 4, 0, 0, 0, 0, 0, 0, 0];
  return {
    buffers,
    heap,
    spmm(x, y) {
      args[3] = offset(x, 'x');
      args[4] = offset(y, 'y');
      KernelPool.get().run('spmm', heap, args.slice(0, 7));
    },
    spmmFused(x, y, z, zs, f, fs, rows = 0, masked = false) {
      args[3] = offset(x, 'x');
      args[4] = offset(y, 'y');
      args[7] = offset(z, 'z');
      args[8] = zs;
      args[9] = offset(f, 'f');
      args[10] = fs;
      args[11] = rows > 0 ? at.rowList : 0;
      args[12] = rows;
      args[13] = masked ? at.columnMask : 0;
      KernelPool.get().run('spmmFused', heap, args);
    },
    rowList: heap.i32(at.rowList, a.nodes),
    columnMask: new Uint8Array(heap.memory.buffer, at.columnMask, a.nodes),
    engine: 'wasm-simd',
  };
}
