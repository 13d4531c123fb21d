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
   */
  spmmFused(x: Float32Array, y: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number): void;
  /**
   * spmmFused with a hop's dropout (./dropout.ts): y = (Â ⊙ edge mask)·x·es; y += zs·z; y = message mask ⊙ y·ms;
   * f = (f + y)·fs
   */
  spmmDrop(x: Float32Array, y: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number, drop: HopDropout): void;
  /** x = message mask ⊙ x·ms, in place */
  dropRows(x: Float32Array, drop: HopDropout): void;
  /** kernel or reference, for logs and benchmarks */
  readonly engine: 'wasm-simd' | 'reference';
}

export function graphBuffers(a: NormalizedAdjacency, D: number, count: number, engine: 'auto' | 'reference' = 'auto', reserveBytes = 0): GraphBuffers {
  const floats = a.nodes * D;
  if (engine === 'reference' || D % 4 !== 0) {
    return {
      buffers: Array.from({ length: count }, () => new Float32Array(floats)),
      heap: null,
      spmm: (x, y) => spmmReference(a, x, y, D),
      spmmFused(x, y, z, zs, f, fs) {
        spmmReference(a, x, y, D);
        if (z) for (let k = 0; k < floats; k++) y[k] += zs * z[k];
        if (f) for (let k = 0; k < floats; k++) f[k] = (f[k] + y[k]) * fs;
      },
      spmmDrop(x, y, z, zs, f, fs, drop) {
        spmmDropReference(a, x, y, D, drop);
        if (z) for (let k = 0; k < floats; k++) y[k] += zs * z[k];
        if (drop.msgThr) dropReference(y, drop);
        if (f) for (let k = 0; k < floats; k++) f[k] = (f[k] + y[k]) * fs;
      },
      dropRows: (x, drop) => dropReference(x, drop),
      engine: 'reference',
    };
  }
  const nnz = a.indices.length;
  const round = (b: number): number => Math.ceil(b / 64) * 64;
  const heap = new Heap(round((a.nodes + 1) * 4) + 2 * round(nnz * 4) + count * round(floats * 4) + reserveBytes + 65536);
  const at = { indptr: heap.alloc((a.nodes + 1) * 4), indices: heap.alloc(nnz * 4), values: heap.alloc(nnz * 4) };
  heap.i32(at.indptr, a.nodes + 1).set(a.indptr);
  heap.i32(at.indices, nnz).set(a.indices);
  heap.f32(at.values, nnz).set(a.values);
  const buffers = Array.from({ length: count }, () => heap.f32(heap.alloc(floats * 4), floats));
  const offset = (x: Float32Array | null, what: string): number => {
    if (!x) return 0;
    if (x.buffer !== heap.memory.buffer || x.length !== floats) throw new Error(`spmm: ${what} must be a [nodes × D] buffer of this graph's heap`);
    return x.byteOffset;
  };
  const args = [at.indptr, at.indices, at.values, 0, 0, a.nodes, D * 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return {
    buffers,
    heap,
    spmm(x, y) {
      args[3] = offset(x, 'x');
      args[4] = offset(y, 'y');
      KernelPool.get().run('spmm', heap, args.slice(0, 7));
    },
    spmmFused(x, y, z, zs, f, fs) {
      args[3] = offset(x, 'x');
      args[4] = offset(y, 'y');
      args[7] = offset(z, 'z');
      args[8] = zs;
      args[9] = offset(f, 'f');
      args[10] = fs;
      KernelPool.get().run('spmmFused', heap, args.slice(0, 11));
    },
    spmmDrop(x, y, z, zs, f, fs, d) {
      args[3] = offset(x, 'x');
      args[4] = offset(y, 'y');
      args[7] = offset(z, 'z');
      args[8] = zs;
      args[9] = offset(f, 'f');
      args[10] = fs;
      args[11] = d.edgeKey;
      args[12] = d.edgeThr;
      args[13] = d.edgeScale;
      args[14] = d.transpose ? 1 : 0;
      args[15] = d.msgKey;
      args[16] = d.msgThr;
      args[17] = d.msgScale;
      KernelPool.get().run('spmmDrop', heap, args);
    },
    dropRows(x, d) {
      KernelPool.get().run('dropRows', heap, [offset(x, 'x'), a.nodes, D * 4, d.msgKey, d.msgThr, d.msgScale]);
    },
    engine: 'wasm-simd',
  };
}

/** Â·x with the edge mask (the plain reference of the kernel's pass; the weight is rounded to float32 as there) */
function spmmDropReference(a: NormalizedAdjacency, x: Float32Array, y: Float32Array, D: number, d: HopDropout): void {
  if (!d.edgeThr) {
    spmmReference(a, x, y, D);
    return;
  }
  const { indptr, indices, values } = a;
  const es = Math.fround(d.edgeScale);
  for (let r = 0; r < a.nodes; r++) {
    const yo = r * D;
    y.fill(0, yo, yo + D);
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const c = indices[k];
      if (d.transpose ? edgeDropped(d.edgeKey, c, r, d.edgeThr) : edgeDropped(d.edgeKey, r, c, d.edgeThr)) continue;
      const w = Math.fround(values[k] * es);
      const xo = c * D;
      for (let j = 0; j < D; j++) y[yo + j] += w * x[xo + j];
    }
  }
}

/** x = message mask ⊙ x·ms in place (element i = row·D + d) */
function dropReference(x: Float32Array, d: HopDropout): void {
  const ms = Math.fround(d.msgScale);
  for (let i = 0; i < x.length; i++) x[i] = messageKept(d.msgKey, i, d.msgThr) ? ms * x[i] : 0;
}
