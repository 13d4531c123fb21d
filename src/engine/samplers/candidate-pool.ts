/**
 * A fixed-size pool of candidate negatives per user (SRNS's per-user candidate set, GDNS's candidate pool): |U|·C item
 * ids, uniform non-training items, distinct within a user while the user's complement allows. Memory is linear in
 * users; slots can be refreshed individually so the pool keeps exploring the catalogue across epochs.
 */
import type { Interactions } from '../data/types';
import type { Rng } from '../rng';
import { complementSize, drawUniformRejecting } from './reject';

export class CandidatePool {
  readonly items: Int32Array;
  private readonly stamp: Int32Array;
  private stampValue = 0;

  constructor(
    private readonly train: Interactions,
    private readonly nItems: number,
    readonly size: number,
    private readonly reject: boolean,
    rng: Rng,
  ) {
    this.items = new Int32Array(train.nUsers * size);
    this.stamp = new Int32Array(nItems);
    for (let u = 0; u < train.nUsers; u++) this.fillUser(u, rng);
  }

  private available(u: number): number {
    return this.reject ? complementSize(this.train, this.nItems, u) : this.nItems;
  }

  private markUser(u: number, except = -1): void {
    this.stampValue++;
    const base = u * this.size;
    for (let s = 0; s < this.size; s++) if (s !== except) this.stamp[this.items[base + s]] = this.stampValue;
  }

  private drawUnmarked(u: number, rng: Rng, distinct: boolean): number {
    let j = drawUniformRejecting(rng, this.train, this.nItems, u, this.reject);
    for (let t = 0; distinct && t < 64 && this.stamp[j] === this.stampValue; t++) j = drawUniformRejecting(rng, this.train, this.nItems, u, this.reject);
    return j;
  }

  fillUser(u: number, rng: Rng): void {
    const distinct = this.available(u) >= this.size;
    this.stampValue++;
    const base = u * this.size;
    for (let s = 0; s < this.size; s++) {
      const j = this.drawUnmarked(u, rng, distinct);
      this.items[base + s] = j;
      this.stamp[j] = this.stampValue;
    }
  }

  /** Replaces one slot of user u with a new candidate not already in the user's pool (when possible). */
  replace(u: number, slot: number, rng: Rng): number {
    this.markUser(u, slot);
    const j = this.drawUnmarked(u, rng, this.available(u) > this.size);
    this.items[u * this.size + slot] = j;
    return j;
  }
}

/**
 * Indices of the n largest of values[0..m) into out, descending, the first on ties (partial insertion selection:
 * a comparison per value once n are kept). Used by SRNS and GDNS every step.
 */
export function topIndices(values: Float64Array, m: number, n: number, out: Int32Array): void {
  let count = 0;
  for (let k = 0; k < m; k++) {
    const v = values[k];
    if (count === n && !(v > values[out[n - 1]])) continue;
    let p = count < n ? count++ : n - 1;
    while (p > 0 && values[out[p - 1]] < v) {
      out[p] = out[p - 1];
      p--;
    }
    out[p] = k;
  }
}

/** k distinct values of [0, n) in out[0..k), drawn by a partial Fisher–Yates over the persistent permutation `perm`. */
export function distinctSlots(perm: Int32Array, n: number, k: number, rng: Rng, out: Int32Array, outOffset = 0): void {
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const r = i + rng.int(n - i);
    const t = perm[i];
    perm[i] = perm[r];
    perm[r] = t;
    out[outOffset + i] = perm[i];
  }
}

export function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
