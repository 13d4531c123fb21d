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
  /** raw id of each dense user / item index (as it appeared in the source, as a string) */
  userIds: string[];
  itemIds: string[];
}

/** Number of interactions of a CSR matrix. */
export function nnz(m: Interactions): number {
  return m.indptr[m.nUsers];
}

/** Whether user u has item i in m (binary search on the sorted row). */
export function hasItem(m: Interactions, u: number, i: number): boolean {
  let lo = m.indptr[u];
  let hi = m.indptr[u + 1] - 1;
  const idx = m.indices;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = idx[mid];
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
