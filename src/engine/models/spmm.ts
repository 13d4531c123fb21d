/**
 * Â·X on the SpMM kernel (wasm/kernels/spmm.wat): the adjacency and a graph backbone's [nodes × D] buffers live in
 * one WebAssembly heap, allocated once (the heap never grows, so the views stay valid). Widths that are not a
 * multiple of 4 floats use the plain reference (models/graph.ts) over ordinary arrays — an explicit choice, not a
 * fallback on failure: a kernel that does not compile throws.
 */
import { Heap } from '../wasm/heap';
import { spmmReference, type NormalizedAdjacency } from './graph';

type SpmmExports = {
  spmm(indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number, rb: number): void;
  spmm64(indptr: number, indices: number, values: number, x: number, y: number, r0: number, r1: number): void;
};

export interface GraphBuffers {
  /** `count` zeroed buffers of nodes × D floats */
  buffers: Float32Array[];
  /** y = Â·x over rows [r0, r1) (default all) for x, y among `buffers` */
  spmm(x: Float32Array, y: Float32Array, r0?: number, r1?: number): void;
  /** kernel or reference, for logs and benchmarks */
  readonly engine: 'wasm-simd' | 'reference';
}

export function graphBuffers(a: NormalizedAdjacency, D: number, count: number, engine: 'auto' | 'reference' = 'auto'): GraphBuffers {
  const floats = a.nodes * D;
  if (engine === 'reference' || D % 4 !== 0) {
    return { buffers: Array.from({ length: count }, () => new Float32Array(floats)), spmm: (x, y, r0 = 0, r1 = a.nodes) => spmmReference(a, x, y, D, r0, r1), engine: 'reference' };
  }
  const nnz = a.indices.length;
  const round = (b: number): number => Math.ceil(b / 64) * 64;
  const heap = new Heap(round((a.nodes + 1) * 4) + 2 * round(nnz * 4) + count * round(floats * 4) + 65536);
  const at = { indptr: heap.alloc((a.nodes + 1) * 4), indices: heap.alloc(nnz * 4), values: heap.alloc(nnz * 4) };
  heap.i32(at.indptr, a.nodes + 1).set(a.indptr);
  heap.i32(at.indices, nnz).set(a.indices);
  heap.f32(at.values, nnz).set(a.values);
  const buffers = Array.from({ length: count }, () => heap.f32(heap.alloc(floats * 4), floats));
  const k = heap.kernel<SpmmExports>('spmm');
  const rb = D * 4;
  return {
    buffers,
    spmm(x, y, r0 = 0, r1 = a.nodes) {
      if (x.buffer !== heap.memory.buffer || y.buffer !== heap.memory.buffer) throw new Error('spmm: x and y must be buffers of this graph');
      if (D === 64) k.spmm64(at.indptr, at.indices, at.values, x.byteOffset, y.byteOffset, r0, r1);
      else k.spmm(at.indptr, at.indices, at.values, x.byteOffset, y.byteOffset, r0, r1, rb);
    },
    engine: 'wasm-simd',
  };
}
