/** The training rows of an epoch and of a step: which (user, positive) pairs, in which order. */
import type { Dataset, Interactions } from '../data/types';
import type { Rng } from '../rng';

/** Each interaction's user (the row of CSR entry k) and a buffer for the epoch's permutation, per training matrix. */
const interactionScratch = new WeakMap<Interactions, { rowOf: Int32Array; order: Int32Array }>();

/**
 * Training rows of one epoch: interaction-uniform (every pair once, shuffled) or user-uniform (LightGCN-PyTorch).
 * `reuse`: the previous epoch's rows, no longer needed — their arrays are overwritten when the lengths fit (fresh
 * arrays of 1.2 M rows cost ≈ 0.1 s of page faults an epoch on Yelp2018; the rows are the same either way).
 */
export function epochRows(ds: Dataset, mode: 'interaction' | 'user', rng: Rng, reuse?: { users: Int32Array; items: Int32Array }): { users: Int32Array; items: Int32Array } {
  const { indptr, indices } = ds.train;
  if (mode === 'interaction') {
    const n = indices.length;
    let scratch = interactionScratch.get(ds.train);
    if (!scratch || scratch.order.length !== n) {
      const rowOf = new Int32Array(n);
      for (let u = 0; u < ds.nUsers; u++) for (let k = indptr[u]; k < indptr[u + 1]; k++) rowOf[k] = u;
      interactionScratch.set(ds.train, (scratch = { rowOf, order: new Int32Array(n) }));
    }
    const { rowOf, order } = scratch;
    for (let k = 0; k < n; k++) order[k] = k;
    rng.shuffle(order);
    const fits = reuse && reuse.users.length === n && reuse.items.length === n && reuse.users.buffer !== reuse.items.buffer;
    const users = fits ? reuse.users : new Int32Array(n);
    const items = fits ? reuse.items : new Int32Array(n);
    // the row of each interaction, then permuted
    for (let k = 0; k < n; k++) {
      const o = order[k];
      users[k] = rowOf[o];
      items[k] = indices[o];
    }
    return { users, items };
  }
  const active: number[] = [];
  for (let u = 0; u < ds.nUsers; u++) if (indptr[u + 1] > indptr[u]) active.push(u);
  const per = Math.max(1, Math.floor(indices.length / Math.max(1, active.length)));
  const n = active.length * per;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  let k = 0;
  for (const u of active) {
    const start = indptr[u];
    const deg = indptr[u + 1] - start;
    for (let r = 0; r < per; r++, k++) {
      users[k] = u;
      items[k] = indices[start + rng.int(deg)];
    }
  }
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  return { users: order.map((i) => users[i]), items: order.map((i) => items[i]) };
}

/**
 * Rows of one epoch: every training interaction once (interaction), or ⌊interactions / active users⌋ rows for each
 * active user (user) — the lengths `epochRows` returns, before a sampler's row filter.
 */
export function rowsPerEpochOf(mode: 'interaction' | 'user', trainInteractions: number, activeUsers: number): number {
  return mode === 'interaction' ? trainInteractions : activeUsers * Math.max(1, Math.floor(trainInteractions / Math.max(1, activeUsers)));
}

/** Users with at least one training interaction. */
export function countActive(ds: Dataset): number {
  let a = 0;
  for (let u = 0; u < ds.nUsers; u++) if (ds.train.indptr[u + 1] > ds.train.indptr[u]) a++;
  return a;
}

/** K positives per row for multi-positive losses: the row's own positive, then K−1 more of the user's items drawn with replacement (MSCL). */
export function extraPositives(ds: Dataset, users: Int32Array, first: Int32Array, k: number, rng: Rng): Int32Array {
  const out = new Int32Array(users.length * k);
  const { indptr, indices } = ds.train;
  for (let b = 0; b < users.length; b++) {
    const u = users[b];
    const start = indptr[u];
    const deg = indptr[u + 1] - start;
    out[b * k] = first[b];
    for (let j = 1; j < k; j++) out[b * k + j] = indices[start + rng.int(deg)];
  }
  return out;
}
