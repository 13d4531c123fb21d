/**
 * Adam's storage for one table in a WebAssembly heap, updated by the kernel pool's Adam kernels (train.kernels: native
 * native/src/adam.c, or wasm/kernels/adam.wat) — shares of the rows on the pool's threads, or directly on this one.
 *
 * Why: the update does a square root and a division per coordinate; on Yelp2018 (4,096 item rows + 2,048 user rows of
 * 64 floats per step, 604 steps an epoch) the plain-JS loop cost about a third of the epoch (docs/benchmarks.md).
 *
 * The heap holds [weights | m | v | gradient sums | row ids | slots]: the table the engine reads is a view into it
 * (EmbeddingTable data), `grads`/`rowIds` hold the summed gradients of the rows a step touched, and `slots[row]` is the
 * row's index in them (−1 when untouched) — which lets dense Adam treat every other row as gradient 0 without writing
 * or clearing a full-table gradient.
 */
import { Heap } from '../wasm/heap';
import { KernelPool } from '../wasm/pool';

export class AdamKernelStorage {
  readonly heap: Heap;
  readonly weights: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** summed gradients of the unique rows of a step, row after row */
  readonly grads: Float32Array;
  readonly rowIds: Int32Array;
  /** slots[row] = index of the row in rowIds / grads this step, −1 when the row is untouched (kept −1 between steps) */
  readonly slots: Int32Array;
  /** byte offsets of the regions in the heap */
  readonly at: { w: number; m: number; v: number; g: number; rows: number; slots: number };

  private constructor(readonly rows: number, readonly dim: number, heap?: Heap) {
    const bytes = rows * dim * 4;
    this.heap = heap ?? new Heap(bytes * 4 + rows * 8 + 6 * 64);
    const h = this.heap;
    this.at = { w: h.alloc(bytes), m: h.alloc(bytes), v: h.alloc(bytes), g: h.alloc(bytes), rows: h.alloc(rows * 4), slots: h.alloc(rows * 4) };
    const n = rows * dim;
    this.weights = h.f32(this.at.w, n);
    this.m = h.f32(this.at.m, n);
    this.v = h.f32(this.at.v, n);
    this.grads = h.f32(this.at.g, n);
    this.rowIds = h.i32(this.at.rows, rows);
    this.slots = h.i32(this.at.slots, rows).fill(-1);
  }

  /** null when the row width is not a multiple of 4 floats (the SIMD lanes); the caller then runs the JS loops */
  static create(rows: number, dim: number, heap?: Heap): AdamKernelStorage | null {
    if (dim % 4 !== 0) return null;
    return new AdamKernelStorage(rows, dim, heap);
  }

  /**
   * Lazy Adam on the first n rows listed in rowIds (unique), whose summed gradients are in grads; shares of the rows
   * run on the kernel pool's threads when there are enough of them to pay for the hand-off (and the caller does not
   * ask for `inline`: all on this thread).
   */
  update(n: number, beta1: number, beta2: number, stepSize: number, epsHat: number, inline = false): void {
    const a = this.at;
    const pool = KernelPool.get();
    if (pool.threads > 1 && n >= 256 && !inline) pool.run('adamRows', this.heap, [a.w, a.m, a.v, a.g, a.rows, n, this.dim * 4, beta1, beta2, stepSize, epsHat]);
    else pool.kernelsFor(this.heap).adam.adamRows(a.w, a.m, a.v, a.g, a.rows, n, this.dim * 4, beta1, beta2, stepSize, epsHat);
  }

  /**
   * Dense Adam over table rows [first, first + count): rows with a slot take their summed gradient from grads, every
   * other row gradient 0. Row shares run on the kernel pool's threads (wasm/pool.ts).
   */
  updateDense(beta1: number, beta2: number, stepSize: number, epsHat: number): void {
    const a = this.at;
    KernelPool.get().run('adamDense', this.heap, [a.w, a.m, a.v, a.g, a.slots, this.rows, this.dim * 4, beta1, beta2, stepSize, epsHat]);
  }

  /** Dense Adam over every row with a full gradient in grads (row r at r·D), row shares on the kernel pool's threads. */
  updateFull(beta1: number, beta2: number, stepSize: number, epsHat: number): void {
    const a = this.at;
    KernelPool.get().run('adamFull', this.heap, [a.w, a.m, a.v, a.g, this.rows, this.dim * 4, beta1, beta2, stepSize, epsHat]);
  }
}
