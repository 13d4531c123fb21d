/**
 * Dot products straight from two embedding tables by row number: S[b·K + k] = ⟨U[users[b]], X[items[b·K + k]]⟩, K items
 * per row, with no gathered copies of the rows. When both tables live in one kernel heap (a graph backbone's
 * propagated embeddings) the rows are shared over the kernel pool's threads (kernels/rows.wat indexDots); otherwise a
 * plain loop computes them, which is also the reference the kernel is tested against (test/unit/indexed-dots.test.ts).
 *
 * MixGCF's candidate scoring is the user (samplers/mixgcf.ts): on Yelp2018 a step scores 2048 rows × 64 candidates ×
 * 4 hops, ≈ 0.5 M random 256-byte rows; in the sampler's own JS loop that was ≈ 45 % of the step on the main thread
 * while the pool's other thread waited (docs/benchmarks.md, session 6).
 */
import type { Heap } from '../wasm/heap';
import { KernelPool } from '../wasm/pool';

export type IndexedDotsFn = (U: Float32Array, X: Float32Array, users: Int32Array, items: Int32Array, K: number, D: number) => Float32Array;

/** The plain loop: float32 products summed in float64 (the reference). */
export function referenceIndexedDots(U: Float32Array, X: Float32Array, users: Int32Array, items: Int32Array, K: number, D: number): Float32Array {
  const out = new Float32Array(items.length);
  for (let b = 0; b < users.length; b++) {
    const uo = users[b] * D;
    for (let k = 0; k < K; k++) {
      const xo = items[b * K + k] * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += U[uo + d] * X[xo + d];
      out[b * K + k] = s;
    }
  }
  return out;
}

/** The kernel form over one heap: its index and score blocks are scratch space in that heap, grown by doubling. */
export class HeapIndexedDots {
  private at = 0;
  private capacity = 0;

  constructor(private readonly heap: Heap) {}

  /**
   * Scores as above. Tables that are not views of this heap, or rows that are not whole 16-byte vectors (D % 4 ≠ 0),
   * take the plain loop: the same numbers up to float rounding.
   */
  readonly run: IndexedDotsFn = (U, X, users, items, K, D) => {
    if (!this.heap.owns(U) || !this.heap.owns(X) || D % 4 !== 0) return referenceIndexedDots(U, X, users, items, K, D);
    const B = users.length, R = items.length;
    if (R !== B * K) throw new Error(`indexed dots: ${R} items for ${B} rows × ${K}`);
    const bytes = 4 * (B + 2 * R);
    if (bytes > this.capacity) {
      this.capacity = Math.max(bytes, 2 * this.capacity);
      this.at = this.heap.alloc(this.capacity);
    }
    const usersAt = this.at, itemsAt = usersAt + 4 * B, outAt = itemsAt + 4 * R;
    this.heap.i32(usersAt, B).set(users);
    this.heap.i32(itemsAt, R).set(items);
    KernelPool.get().run('indexDots', this.heap, [U.byteOffset, X.byteOffset, usersAt, itemsAt, outAt, B, K, D * 4]);
    return this.heap.f32(outAt, R).slice();
  };
}
