/**
 * Plain-JS [rows × dim]·[dim × nItems] product for the in-process reference path. Four user rows share each load of
 * an item-matrix row (measured 1.5× faster than one row at a time; still only ~0.5 GMAC/s, so it is meant for small
 * data and tests, not for the full-size evaluation).
 */
export function matMulInto(a: Float32Array, rows: number, dim: number, bT: Float32Array, nItems: number, out: Float32Array): void {
  out.fill(0, 0, rows * nItems);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * nItems, o1 = o0 + nItems, o2 = o1 + nItems, o3 = o2 + nItems;
    for (let d = 0; d < dim; d++) {
      const a0 = a[r * dim + d], a1 = a[(r + 1) * dim + d], a2 = a[(r + 2) * dim + d], a3 = a[(r + 3) * dim + d];
      const bo = d * nItems;
      for (let j = 0; j < nItems; j++) {
        const x = bT[bo + j];
        out[o0 + j] += a0 * x;
        out[o1 + j] += a1 * x;
        out[o2 + j] += a2 * x;
        out[o3 + j] += a3 * x;
      }
    }
  }
  for (; r < rows; r++) {
    const o = r * nItems;
    for (let d = 0; d < dim; d++) {
      const ad = a[r * dim + d];
      const bo = d * nItems;
      for (let j = 0; j < nItems; j++) out[o + j] += ad * bT[bo + j];
    }
  }
}
