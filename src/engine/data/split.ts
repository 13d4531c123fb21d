/**
 * K-core filtering and train/valid/test splits. All random choices go through a seeded Rng, users in index order,
 * so a split is a pure function of (data, config).
 */
import type { SplitConfig } from '../config/types';
import { Rng } from '../rng';
import {
  keepMap,
  mergeInteractions,
  partitionEntries,
  partitionTimed,
  restrict,
  type TimedInteractions,
} from './csr';
import { DatasetError } from './errors';
import type { PoolSource, Source } from './source';
import type { Interactions } from './types';

export interface Splits {
  train: Interactions;
  valid: Interactions | null;
  test: Interactions;
}

/**
 * Users and items of the k-core: repeatedly drops users with fewer than minUser interactions and items with fewer
 * than minItem until nothing changes. A threshold below 1 counts as 1 (an empty row/column is never kept).
 */
export function kcoreMasks(m: Interactions, minUser: number, minItem: number): { users: Uint8Array; items: Uint8Array } {
  const users = new Uint8Array(m.nUsers).fill(1);
  const items = new Uint8Array(m.nItems).fill(1);
  const degU = new Int32Array(m.nUsers);
  const degI = new Int32Array(m.nItems);
  const ku = Math.max(1, minUser);
  const ki = Math.max(1, minItem);
  for (let changed = true; changed; ) {
    degU.fill(0);
    degI.fill(0);
    for (let u = 0; u < m.nUsers; u++) {
      if (!users[u]) continue;
      for (let k = m.indptr[u], e = m.indptr[u + 1]; k < e; k++) {
        const i = m.indices[k];
        if (items[i]) {
          degU[u]++;
          degI[i]++;
        }
      }
    }
    changed = false;
    for (let u = 0; u < m.nUsers; u++) {
      if (users[u] && degU[u] < ku) {
        users[u] = 0;
        changed = true;
      }
    }
    for (let i = 0; i < m.nItems; i++) {
      if (items[i] && degI[i] < ki) {
        items[i] = 0;
        changed = true;
      }
    }
  }
  return { users, items };
}

/** The source restricted to its k-core (a no-op when both thresholds are 0). */
export function applyKcore(src: Source, kcore: SplitConfig['kcore']): Source {
  if (kcore.user <= 0 && kcore.item <= 0) return src;
  const basis = src.kind === 'given' ? mergeInteractions(src.train, src.test) : src.all;
  const masks = kcoreMasks(basis, kcore.user, kcore.item);
  const um = keepMap(masks.users);
  const im = keepMap(masks.items);
  if (um.size === 0) {
    throw new DatasetError(`${src.name}: the ${kcore.user}/${kcore.item} k-core (user/item) is empty; lower split.kcore`);
  }
  const userIds = src.userIds.filter((_, u) => masks.users[u]);
  const itemIds = src.itemIds.filter((_, i) => masks.items[i]);
  const cut = (m: Interactions): { m: Interactions; kept: Int32Array } => restrict(m, um.map, im.map, um.size, im.size);
  const negatives = src.negatives ? { negatives: cut(src.negatives).m } : {};
  if (src.kind === 'given') {
    return { ...src, userIds, itemIds, train: cut(src.train).m, test: cut(src.test).m, ...negatives };
  }
  const r = cut(src.all);
  let timed: TimedInteractions | null = null;
  if (src.timed) {
    const t = src.timed;
    timed = { m: r.m, times: Float64Array.from(r.kept, (k) => t.times[k]), order: Int32Array.from(r.kept, (k) => t.order[k]) };
  }
  return { ...src, userIds, itemIds, all: r.m, timed, ...negatives };
}

/**
 * How many of a user's n interactions are held out: round(n·ratio), at least 1 and at most n−1 when n ≥ 2 (every
 * user with two or more interactions is evaluated and keeps one in train), 0 when n < 2 or ratio ≤ 0.
 */
export function heldOutCount(n: number, ratio: number): number {
  if (n < 2 || ratio <= 0) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * ratio)));
}

/** Per-entry flags (1 = held out) of a random per-user holdout. */
export function randomHoldout(m: Interactions, ratio: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const flag = new Uint8Array(m.indptr[m.nUsers]);
  let maxRow = 0;
  for (let u = 0; u < m.nUsers; u++) maxRow = Math.max(maxRow, m.indptr[u + 1] - m.indptr[u]);
  const scratch = new Int32Array(maxRow);
  for (let u = 0; u < m.nUsers; u++) {
    const start = m.indptr[u];
    const n = m.indptr[u + 1] - start;
    const k = heldOutCount(n, ratio);
    if (k === 0) continue;
    for (let j = 0; j < n; j++) scratch[j] = j;
    for (let j = 0; j < k; j++) {
      const r = j + rng.int(n - j);
      const t = scratch[r];
      scratch[r] = scratch[j];
      scratch[j] = t;
      flag[start + t] = 1;
    }
  }
  return flag;
}

/** Random per-user holdout: [kept, held out]. */
export function splitByRatio(m: Interactions, ratio: number, seed: number): { rest: Interactions; held: Interactions } {
  const [rest, held] = partitionEntries(m, randomHoldout(m, ratio, seed));
  return { rest, held };
}

/**
 * Holds out each user's latest interaction (ties: the one later in the file); users with a single interaction keep
 * it in the remainder.
 */
export function leaveLastOut(t: TimedInteractions): { rest: TimedInteractions; held: Interactions } {
  const m = t.m;
  const flag = new Uint8Array(m.indptr[m.nUsers]);
  for (let u = 0; u < m.nUsers; u++) {
    const start = m.indptr[u];
    const end = m.indptr[u + 1];
    if (end - start < 2) continue;
    let best = start;
    for (let k = start + 1; k < end; k++) {
      if (t.times[k] > t.times[best] || (t.times[k] === t.times[best] && t.order[k] > t.order[best])) best = k;
    }
    flag[best] = 1;
  }
  const [rest, held] = partitionTimed(t, flag);
  return { rest, held: held.m };
}

/** A seed for a sub-step, derived from the split seed so test and validation draws are independent streams. */
export function deriveSeed(seed: number, salt: number): number {
  return (Math.imul((seed ^ 0x5bd1e995) >>> 0, 0x27d4eb2d) + Math.imul(salt, 0x9e3779b9)) >>> 0;
}

/** Applies split.method and the optional validation carve-out to a (k-core filtered) source. */
export function splitSource(src: Source, cfg: SplitConfig): Splits {
  const method = cfg.method;
  if (method === 'given') {
    if (src.kind !== 'given') {
      throw new DatasetError(
        `${src.name}: split.method "given" needs a dataset that has its own test split (lightgcn files or synthetic); use "ratio" or "leave-last-out"`,
      );
    }
    return withValidation(src.train, src.test, cfg);
  }
  if (method === 'ratio') {
    const pool = src.kind === 'given' ? mergeInteractions(src.train, src.test) : src.all;
    const { rest, held } = splitByRatio(pool, cfg.testRatio, cfg.seed >>> 0);
    return withValidation(rest, held, cfg);
  }
  if (method === 'leave-last-out') {
    const timed = (src as PoolSource).timed;
    if (src.kind !== 'pool' || !timed) {
      throw new DatasetError(
        `${src.name}: split.method "leave-last-out" needs timestamps, and this dataset has none ` +
          `(lightgcn and synthetic data have no time; for csv set columns.timestamp)`,
      );
    }
    const first = leaveLastOut(timed);
    if (cfg.validRatio > 0) {
      // temporal protocol: validate on the latest remaining interaction, not on random past ones
      const second = leaveLastOut(first.rest);
      return { train: second.rest.m, valid: second.held, test: first.held };
    }
    return { train: first.rest.m, valid: null, test: first.held };
  }
  throw new DatasetError(`unknown split.method "${String(method)}"`);
}

function withValidation(train: Interactions, test: Interactions, cfg: SplitConfig): Splits {
  if (cfg.validRatio <= 0) return { train, valid: null, test };
  const { rest, held } = splitByRatio(train, cfg.validRatio, deriveSeed(cfg.seed >>> 0, 1));
  return { train: rest, valid: held, test };
}
