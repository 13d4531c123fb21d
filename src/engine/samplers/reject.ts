/**
 * Rejection of the user's training items, shared by every sampler.
 *
 * Per-row draws resample while the item is in the user's sorted CSR row; after MAX_TRIES failures (a user who has
 * almost every item) they draw exactly from the complement instead, so a rejecting sampler never returns a training
 * item while one exists. Shared and in-batch layouts cannot resample per row, so they mask the colliding columns.
 */
import { hasItem, type Interactions } from '../data/types';
import type { Rng } from '../rng';

export const MAX_TRIES = 32;

/** Number of items the user has not interacted with. */
export function complementSize(train: Interactions, nItems: number, u: number): number {
  return nItems - (train.indptr[u + 1] - train.indptr[u]);
}

/**
 * The r-th item (0-based, ascending) that is not in user u's row. Binary search over the row: before row entry k
 * (row-relative) lie indices[k] − k non-items.
 */
export function nthNonItem(train: Interactions, u: number, r: number): number {
  const start = train.indptr[u];
  const idx = train.indices;
  let lo = 0;
  let hi = train.indptr[u + 1] - start; // first k whose preceding gap count exceeds r
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idx[start + mid] - mid <= r) lo = mid + 1;
    else hi = mid;
  }
  return r + lo;
}

/** Uniform over all items, or over the user's non-training items when `reject` (uniform over all when none exist). */
export function drawUniformRejecting(rng: Rng, train: Interactions, nItems: number, u: number, reject: boolean): number {
  let j = rng.int(nItems);
  if (!reject) return j;
  for (let t = 0; t < MAX_TRIES; t++) {
    if (!hasItem(train, u, j)) return j;
    j = rng.int(nItems);
  }
  const free = complementSize(train, nItems, u);
  return free > 0 ? nthNonItem(train, u, rng.int(free)) : j;
}

/**
 * Zeroes mask[b·cols + c] where column item columns[c] is a training item of users[b]. Cost Σ_b deg(u_b) through an
 * item → columns chain rebuilt per call, instead of B·cols binary searches.
 */
export class CollisionMasker {
  private head: Int32Array;
  private next = new Int32Array(0);
  private buffer = new Float32Array(0);

  constructor(nItems: number) {
    this.head = new Int32Array(nItems).fill(-1);
  }

  /** The [B × cols] mask; the returned buffer is reused by the next call. */
  mask(users: Int32Array, columns: Int32Array, train: Interactions): Float32Array {
    const B = users.length;
    const cols = columns.length;
    if (this.buffer.length !== B * cols) this.buffer = new Float32Array(B * cols);
    if (this.next.length < cols) this.next = new Int32Array(cols);
    const out = this.buffer;
    out.fill(1);
    const head = this.head;
    const next = this.next;
    for (let c = cols - 1; c >= 0; c--) {
      const it = columns[c];
      next[c] = head[it];
      head[it] = c;
    }
    const { indptr, indices } = train;
    for (let b = 0; b < B; b++) {
      const u = users[b];
      const row = b * cols;
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        for (let c = head[indices[k]]; c >= 0; c = next[c]) out[row + c] = 0;
      }
    }
    for (let c = 0; c < cols; c++) head[columns[c]] = -1;
    return out;
  }
}

/** A growable scratch buffer: the same typed array while the requested length fits. */
export class Scratch<T extends Int32Array | Float32Array> {
  private buf: T;
  constructor(private readonly make: (n: number) => T) {
    this.buf = make(0);
  }
  get(n: number): T {
    if (this.buf.length < n) this.buf = this.make(Math.max(n, Math.ceil(this.buf.length * 1.5)));
    return this.buf.subarray(0, n) as T;
  }
}

/** Bounded uniform sample of a stream of numbers (reservoir), for per-epoch percentiles without unbounded arrays. */
export class Reservoir {
  readonly values: Float64Array;
  private seen = 0;
  constructor(private readonly rng: Rng, capacity = 4096) {
    this.values = new Float64Array(capacity);
  }
  add(v: number): void {
    const cap = this.values.length;
    if (this.seen < cap) this.values[this.seen] = v;
    else {
      const r = this.rng.int(this.seen + 1);
      if (r < cap) this.values[r] = v;
    }
    this.seen++;
  }
  sample(): Float64Array {
    return this.values.subarray(0, Math.min(this.seen, this.values.length));
  }
  reset(): void {
    this.seen = 0;
  }
}
