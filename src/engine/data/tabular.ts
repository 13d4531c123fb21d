/** Shared by the row-per-interaction formats (CSV/TSV, MovieLens): string ids → a pool of interactions. */
import { fromTimedPairs, fromPairs, type PairBuffer } from './csr';
import { DatasetError, type FileRef } from './errors';
import type { StringIdMap } from './ids';
import type { PoolSource } from './source';
import type { Interactions } from './types';

/**
 * Renumbers ids canonically and builds the pool. Duplicate (user, item) rows collapse to one interaction that keeps
 * the latest timestamp.
 */
export function buildPool(name: string, file: FileRef, users: StringIdMap, items: StringIdMap, pairs: PairBuffer, negatives?: PairBuffer): PoolSource {
  if (pairs.length === 0) {
    throw new DatasetError(`${file.display}: no interactions (the file is empty or every row was filtered out)`, file.path);
  }
  const u = users.finish();
  const i = items.finish();
  for (let k = 0; k < pairs.length; k++) {
    pairs.users[k] = u.remap[pairs.users[k]];
    pairs.items[k] = i.remap[pairs.items[k]];
  }
  const nU = u.ids.length;
  const nI = i.ids.length;
  const explicit = negatives ? { negatives: remapped(negatives, u.remap, i.remap, nU, nI) } : {};
  if (pairs.times) {
    const timed = fromTimedPairs(pairs.users, pairs.items, pairs.times, nU, nI, pairs.length);
    return { kind: 'pool', name, all: timed.m, timed, userIds: u.ids, itemIds: i.ids, ...explicit };
  }
  const all = fromPairs(pairs.users, pairs.items, nU, nI, pairs.length);
  return { kind: 'pool', name, all, timed: null, userIds: u.ids, itemIds: i.ids, ...explicit };
}

/** The explicit-negative pairs under the canonical renumbering. */
function remapped(p: PairBuffer, userMap: ArrayLike<number>, itemMap: ArrayLike<number>, nU: number, nI: number): Interactions {
  const us = Int32Array.from({ length: p.length }, (_, k) => userMap[p.users[k]]);
  const is = Int32Array.from({ length: p.length }, (_, k) => itemMap[p.items[k]]);
  return fromPairs(us, is, nU, nI, p.length);
}

/** A number (rating); NaN when the field is not one. */
export function parseNumber(s: string): number {
  return s === '' ? NaN : Number(s);
}

/** A timestamp: a number (as is) or an ISO-8601 date (milliseconds since the epoch); NaN when neither. */
export function parseTimestamp(s: string): number {
  const n = parseNumber(s);
  if (!Number.isNaN(n)) return n;
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : NaN;
}
