/**
 * In-memory dataset: dense user/item indices with their raw-id maps, and each split as a CSR matrix.
 */

/** User × item interactions in compressed sparse rows. Items of a row are sorted ascending and unique. */
export interface Interactions {
  nUsers: number;
  nItems: number;
  /** length nUsers + 1; row u is indices[indptr[u] .. indptr[u+1]) */
  indptr: Int32Array;
  indices: Int32Array;
}

export interface Dataset {
  name: string;
  nUsers: number;
  nItems: number;
  train: Interactions;
  /** validation interactions carved from train (disjoint from `train`), or null */
  valid: Interactions | null;
  test: Interactions;
  /**
   * explicit negatives per user — exposed, not clicked (a csv rating ≤ negativeRatingAtMost, the synthetic exposure
   * model) — disjoint from the user's train / valid / test items; absent when the source has none
   */
  negatives?: Interactions | null;
  /** raw id of each dense user / item index (as it appeared in the source, as a string) */
  userIds: string[];
  itemIds: string[];
}

/** Number of interactions of a CSR matrix. */
export function nnz(m: Interactions): number {
  return m.indptr[m.nUsers];
}

/** Index of v in the sorted slice a[lo, end), or −1 (binary search). */
export function searchSorted(a: Int32Array, lo: number, end: number, v: number): number {
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid];
    if (x === v) return mid;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Position of (u, i) in m.indices, or −1. */
export function indexOfItem(m: Interactions, u: number, i: number): number {
  return searchSorted(m.indices, m.indptr[u], m.indptr[u + 1], i);
}

/** Whether user u has item i in m (binary search on the sorted row). */
export function hasItem(m: Interactions, u: number, i: number): boolean {
  return searchSorted(m.indices, m.indptr[u], m.indptr[u + 1], i) >= 0;
}
