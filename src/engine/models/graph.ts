/**
 * The user–item graph of graph backbones: the symmetric normalised adjacency Â = D^-1/2 A D^-1/2 of
 * A = [[0, R], [Rᵀ, 0]] (no self-loops) over nodes [users | items], in CSR, and the product Â·X.
 * Nodes of degree 0 have an empty row and column (the reference's D^-1/2 = 0 guard); the product leaves their rows 0.
 */
import type { Interactions } from '../data/types';

export interface NormalizedAdjacency {
  /** users + items */
  nodes: number;
  nUsers: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Â of the training interactions R (users × items): row u lists the items of u, row nUsers + i the users of i. */
export function normalizedAdjacency(r: Interactions): NormalizedAdjacency {
  const { nUsers, nItems, indptr: rp, indices: ri } = r;
  const nodes = nUsers + nItems;
  const E = rp[nUsers];
  const itemDeg = new Int32Array(nItems);
  for (let k = 0; k < E; k++) itemDeg[ri[k]]++;
  const indptr = new Int32Array(nodes + 1);
  for (let u = 0; u < nUsers; u++) indptr[u + 1] = indptr[u] + (rp[u + 1] - rp[u]);
  for (let i = 0; i < nItems; i++) indptr[nUsers + i + 1] = indptr[nUsers + i] + itemDeg[i];
  const indices = new Int32Array(2 * E);
  const values = new Float32Array(2 * E);
  const invSqrtItem = Float64Array.from(itemDeg, (d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const fill = indptr.slice(nUsers, nodes); // next free slot of each item row
  for (let u = 0; u < nUsers; u++) {
    const du = rp[u + 1] - rp[u];
    const su = du > 0 ? 1 / Math.sqrt(du) : 0;
    for (let k = rp[u]; k < rp[u + 1]; k++) {
      const i = ri[k];
      const w = su * invSqrtItem[i];
      const a = indptr[u] + (k - rp[u]);
      indices[a] = nUsers + i;
      values[a] = w;
      const b = fill[i]++;
      indices[b] = u; // users are visited in order: item rows come out sorted
      values[b] = w;
    }
  }
  return { nodes, nUsers, indptr, indices, values };
}

/**
 * Y = Â·X for X, Y row-major [nodes × D] (Y must not alias X). The plain TypeScript reference of the product: the
 * tests check the kernels against it, and it runs where no kernel is available.
 */
export function spmmReference(a: NormalizedAdjacency, x: Float32Array, y: Float32Array, D: number, rowStart = 0, rowEnd = a.nodes, columnMask?: Uint8Array): void {
  const { indptr, indices, values } = a;
  for (let r = rowStart; r < rowEnd; r++) {
    const yo = r * D;
    y.fill(0, yo, yo + D);
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      if (columnMask && !columnMask[indices[k]]) continue;
      const w = values[k];
      const xo = indices[k] * D;
      for (let d = 0; d < D; d++) y[yo + d] += w * x[xo + d];
    }
  }
}
