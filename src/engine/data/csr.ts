/**
 * Building and combining CSR interaction matrices over typed arrays. Construction buckets pairs by user (counting
 * sort) and sorts each row only when it is not already sorted, which is the common case for all supported formats.
 */
import type { Interactions } from './types';

/** Interactions with a timestamp per stored entry (aligned with `m.indices`). */
export interface TimedInteractions {
  m: Interactions;
  times: Float64Array;
  /** position of the kept entry in the source pair list (file order), used to break timestamp ties */
  order: Int32Array;
}

/** Growable (user, item[, time]) list that loaders append to. */
export class PairBuffer {
  users: Int32Array;
  items: Int32Array;
  times: Float64Array | null;
  length = 0;

  constructor(capacity = 1024, withTimes = false) {
    const c = Math.max(16, capacity | 0);
    this.users = new Int32Array(c);
    this.items = new Int32Array(c);
    this.times = withTimes ? new Float64Array(c) : null;
  }

  push(u: number, i: number, t = 0): void {
    if (this.length === this.users.length) this.grow();
    const k = this.length++;
    this.users[k] = u;
    this.items[k] = i;
    if (this.times) this.times[k] = t;
  }

  private grow(): void {
    const c = this.users.length * 2;
    const users = new Int32Array(c);
    users.set(this.users);
    this.users = users;
    const items = new Int32Array(c);
    items.set(this.items);
    this.items = items;
    if (this.times) {
      const times = new Float64Array(c);
      times.set(this.times);
      this.times = times;
    }
  }
}

export function emptyInteractions(nUsers: number, nItems: number): Interactions {
  return { nUsers, nItems, indptr: new Int32Array(nUsers + 1), indices: new Int32Array(0) };
}

/** CSR from parallel (user, item) arrays; duplicate pairs collapse to one entry. */
export function fromPairs(
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  nUsers: number,
  nItems: number,
  count = users.length,
): Interactions {
  return build(users, items, null, nUsers, nItems, count).m;
}

/** Like fromPairs, keeping a timestamp per entry; a duplicate pair keeps its latest timestamp (ties: the later one). */
export function fromTimedPairs(
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  times: ArrayLike<number>,
  nUsers: number,
  nItems: number,
  count = users.length,
): TimedInteractions {
  const r = build(users, items, times, nUsers, nItems, count);
  return { m: r.m, times: r.times!, order: r.order };
}

function build(
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  times: ArrayLike<number> | null,
  nUsers: number,
  nItems: number,
  n: number,
): { m: Interactions; times: Float64Array | null; order: Int32Array } {
  const rowStart = new Int32Array(nUsers + 1);
  for (let k = 0; k < n; k++) {
    const u = users[k];
    const i = items[k];
    if (!(u >= 0 && u < nUsers && i >= 0 && i < nItems)) {
      throw new RangeError(`pair ${k} (${u}, ${i}) is outside ${nUsers} users × ${nItems} items`);
    }
    rowStart[u + 1]++;
  }
  for (let u = 0; u < nUsers; u++) rowStart[u + 1] += rowStart[u];
  // stable bucket by user (sequential when the input is already grouped by user, as every supported format is)
  const cursor = rowStart.slice(0, nUsers);
  if (!times) {
    const bucketed = new Int32Array(n);
    for (let k = 0; k < n; k++) bucketed[cursor[users[k]]++] = items[k];
    return dedupPlain(bucketed, rowStart, nUsers, nItems);
  }
  const pos = new Int32Array(n);
  for (let k = 0; k < n; k++) pos[cursor[users[k]]++] = k;
  return dedupTimed(items, times, pos, rowStart, nUsers, nItems);
}

/**
 * Sorts each row of items bucketed by user in place (natively, without a comparator: rows of real files are often
 * unsorted, e.g. Yelp2018's train.txt) and drops repeated items.
 */
function dedupPlain(
  buf: Int32Array,
  rowStart: Int32Array,
  nUsers: number,
  nItems: number,
): { m: Interactions; times: null; order: Int32Array } {
  const n = buf.length;
  const indptr = new Int32Array(nUsers + 1);
  let w = 0;
  for (let u = 0; u < nUsers; u++) {
    indptr[u] = w;
    const start = rowStart[u];
    const end = rowStart[u + 1];
    let sorted = true;
    for (let p = start + 1; p < end && sorted; p++) sorted = buf[p] > buf[p - 1];
    if (!sorted) buf.subarray(start, end).sort();
    let prev = -1;
    for (let p = start; p < end; p++) {
      const i = buf[p];
      if (i !== prev) buf[w++] = i;
      prev = i;
    }
  }
  indptr[nUsers] = w;
  return { m: { nUsers, nItems, indptr, indices: w < n ? buf.slice(0, w) : buf }, times: null, order: new Int32Array(0) };
}

/** Row offsets up to 2^21 are packed below the item id into one float64 sort key (exact below 2^53). */
const OFFSET_SPAN = 2 ** 21;

/** Like dedupPlain, carrying timestamps; a repeated pair keeps its latest timestamp (ties: the later in the source). */
function dedupTimed(
  items: ArrayLike<number>,
  times: ArrayLike<number>,
  pos: Int32Array,
  rowStart: Int32Array,
  nUsers: number,
  nItems: number,
): { m: Interactions; times: Float64Array; order: Int32Array } {
  const n = pos.length;
  const indptr = new Int32Array(nUsers + 1);
  let indices = new Int32Array(n);
  let outTimes = new Float64Array(n);
  let order = new Int32Array(n);
  let maxRow = 0;
  for (let u = 0; u < nUsers; u++) maxRow = Math.max(maxRow, rowStart[u + 1] - rowStart[u]);
  const keys = new Float64Array(maxRow);
  const byItemThenPos = (a: number, b: number): number => items[a] - items[b] || a - b;
  let w = 0;
  for (let u = 0; u < nUsers; u++) {
    indptr[u] = w;
    const start = rowStart[u];
    const len = rowStart[u + 1] - start;
    // after this block pos[start..start+len) lists the row's source positions by (item, source position)
    if (len > OFFSET_SPAN) pos.subarray(start, start + len).sort(byItemThenPos);
    else {
      let sorted = true;
      for (let j = 1; j < len && sorted; j++) sorted = items[pos[start + j]] >= items[pos[start + j - 1]];
      if (!sorted) {
        const row = keys.subarray(0, len);
        for (let j = 0; j < len; j++) row[j] = items[pos[start + j]] * OFFSET_SPAN + j;
        row.sort();
        const original = pos.slice(start, start + len);
        for (let j = 0; j < len; j++) pos[start + j] = original[row[j] % OFFSET_SPAN];
      }
    }
    let prev = -1;
    for (let j = 0; j < len; j++) {
      const k = pos[start + j];
      const i = items[k];
      if (i === prev) {
        if (times[k] >= outTimes[w - 1]) {
          outTimes[w - 1] = times[k];
          order[w - 1] = k;
        }
        continue;
      }
      indices[w] = i;
      outTimes[w] = times[k];
      order[w] = k;
      w++;
      prev = i;
    }
  }
  indptr[nUsers] = w;
  if (w < n) {
    indices = indices.slice(0, w);
    order = order.slice(0, w);
    outTimes = outTimes.slice(0, w);
  }
  return { m: { nUsers, nItems, indptr, indices }, times: outTimes, order };
}

/** Items of user u (a view, not a copy). */
export function row(m: Interactions, u: number): Int32Array {
  return m.indices.subarray(m.indptr[u], m.indptr[u + 1]);
}

/** Number of interactions of each item. */
export function itemPopularity(m: Interactions): Int32Array {
  const pop = new Int32Array(m.nItems);
  const idx = m.indices;
  for (let k = 0, n = m.indptr[m.nUsers]; k < n; k++) pop[idx[k]]++;
  return pop;
}

/** Number of interactions of each user. */
export function userDegrees(m: Interactions): Int32Array {
  const deg = new Int32Array(m.nUsers);
  for (let u = 0; u < m.nUsers; u++) deg[u] = m.indptr[u + 1] - m.indptr[u];
  return deg;
}

/** The (user, item) pairs, row by row. */
export function toPairs(m: Interactions): { users: Int32Array; items: Int32Array } {
  const n = m.indptr[m.nUsers];
  const users = new Int32Array(n);
  for (let u = 0; u < m.nUsers; u++) users.fill(u, m.indptr[u], m.indptr[u + 1]);
  return { users, items: m.indices.slice(0, n) };
}

/** Row-wise union a ∪ b (same shape). */
export function mergeInteractions(a: Interactions, b: Interactions): Interactions {
  return combine(a, b, true);
}

/** Row-wise difference a \ b (same shape). */
export function subtractInteractions(a: Interactions, b: Interactions): Interactions {
  return combine(a, b, false);
}

function combine(a: Interactions, b: Interactions, union: boolean): Interactions {
  if (a.nUsers !== b.nUsers || a.nItems !== b.nItems) {
    throw new RangeError(`shape mismatch: ${a.nUsers}×${a.nItems} vs ${b.nUsers}×${b.nItems}`);
  }
  const indptr = new Int32Array(a.nUsers + 1);
  const out = new Int32Array(a.indptr[a.nUsers] + (union ? b.indptr[b.nUsers] : 0));
  const ai = a.indices;
  const bi = b.indices;
  let w = 0;
  for (let u = 0; u < a.nUsers; u++) {
    indptr[u] = w;
    let p = a.indptr[u];
    let q = b.indptr[u];
    const pe = a.indptr[u + 1];
    const qe = b.indptr[u + 1];
    while (p < pe && q < qe) {
      const x = ai[p];
      const y = bi[q];
      if (x < y) {
        out[w++] = x;
        p++;
      } else if (y < x) {
        if (union) out[w++] = y;
        q++;
      } else {
        if (union) out[w++] = x;
        p++;
        q++;
      }
    }
    while (p < pe) out[w++] = ai[p++];
    if (union) while (q < qe) out[w++] = bi[q++];
  }
  indptr[a.nUsers] = w;
  return { nUsers: a.nUsers, nItems: a.nItems, indptr, indices: w < out.length ? out.slice(0, w) : out };
}

/** Splits the entries of m by a per-entry flag: [entries with flag 0, entries with flag 1]. Rows stay sorted. */
export function partitionEntries(m: Interactions, flag: Uint8Array): [Interactions, Interactions] {
  const n = m.indptr[m.nUsers];
  let ones = 0;
  for (let k = 0; k < n; k++) ones += flag[k] ? 1 : 0;
  const p0 = new Int32Array(m.nUsers + 1);
  const p1 = new Int32Array(m.nUsers + 1);
  const i0 = new Int32Array(n - ones);
  const i1 = new Int32Array(ones);
  let w0 = 0;
  let w1 = 0;
  for (let u = 0; u < m.nUsers; u++) {
    p0[u] = w0;
    p1[u] = w1;
    for (let k = m.indptr[u], e = m.indptr[u + 1]; k < e; k++) {
      if (flag[k]) i1[w1++] = m.indices[k];
      else i0[w0++] = m.indices[k];
    }
  }
  p0[m.nUsers] = w0;
  p1[m.nUsers] = w1;
  return [
    { nUsers: m.nUsers, nItems: m.nItems, indptr: p0, indices: i0 },
    { nUsers: m.nUsers, nItems: m.nItems, indptr: p1, indices: i1 },
  ];
}

/** Timed version of partitionEntries. */
export function partitionTimed(t: TimedInteractions, flag: Uint8Array): [TimedInteractions, TimedInteractions] {
  const [m0, m1] = partitionEntries(t.m, flag);
  const n = t.m.indptr[t.m.nUsers];
  const parts = [m0, m1].map((m) => ({ m, times: new Float64Array(nnzOf(m)), order: new Int32Array(nnzOf(m)) }));
  const w = [0, 0];
  for (let k = 0; k < n; k++) {
    const s = flag[k] ? 1 : 0;
    parts[s].times[w[s]] = t.times[k];
    parts[s].order[w[s]++] = t.order[k];
  }
  return [parts[0], parts[1]];
}

/**
 * Keeps the users and items whose map entry is ≥ 0 and renumbers them. Maps must be increasing over kept entries
 * (as built by `keepMap`) so rows stay sorted. Returns the source position of each kept entry.
 */
export function restrict(
  m: Interactions,
  userMap: Int32Array,
  itemMap: Int32Array,
  nUsers: number,
  nItems: number,
): { m: Interactions; kept: Int32Array } {
  const indptr = new Int32Array(nUsers + 1);
  const indices = new Int32Array(m.indptr[m.nUsers]);
  const kept = new Int32Array(m.indptr[m.nUsers]);
  let w = 0;
  for (let u = 0; u < m.nUsers; u++) {
    const nu = userMap[u];
    if (nu < 0) continue;
    indptr[nu] = w;
    for (let k = m.indptr[u], e = m.indptr[u + 1]; k < e; k++) {
      const ni = itemMap[m.indices[k]];
      if (ni < 0) continue;
      indices[w] = ni;
      kept[w++] = k;
    }
    indptr[nu + 1] = w;
  }
  return { m: { nUsers, nItems, indptr, indices: indices.slice(0, w) }, kept: kept.slice(0, w) };
}

/** Old index → new index (or -1) for a keep mask; returns the map and the number kept. */
export function keepMap(keep: Uint8Array): { map: Int32Array; size: number } {
  const map = new Int32Array(keep.length);
  let size = 0;
  for (let i = 0; i < keep.length; i++) map[i] = keep[i] ? size++ : -1;
  return { map, size };
}

function nnzOf(m: Interactions): number {
  return m.indptr[m.nUsers];
}
