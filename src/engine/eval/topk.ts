import type { ScanAbove } from './simd-scan';

/**
 * Partial top-K selection over one row of raw scores.
 *
 * Hand-written hot path (measured faster than sorting or tf.topk): one pass with a running threshold, so almost every
 * item costs a single comparison once the first K are in; an insertion into a K-long sorted buffer otherwise.
 *
 * Ranking rule: higher score first; equal scores rank the lower item index first (items are visited in index order
 * and only a strictly greater score displaces a kept one). -Infinity (masked) and NaN never enter the list, so a
 * user with fewer than K rankable items gets a shorter list.
 */
export function selectTopK(
  scores: Float32Array,
  offset: number,
  nItems: number,
  k: number,
  outIdx: Int32Array,
  outScore: Float64Array,
): number {
  let count = 0;
  let threshold = -Infinity;
  for (let j = 0; j < nItems; j++) {
    const s = scores[offset + j];
    if (!(s > threshold)) continue;
    let pos = count < k ? count++ : k - 1;
    while (pos > 0 && outScore[pos - 1] < s) {
      outScore[pos] = outScore[pos - 1];
      outIdx[pos] = outIdx[pos - 1];
      pos--;
    }
    outScore[pos] = s;
    outIdx[pos] = j;
    if (count === k) threshold = outScore[k - 1];
  }
  return count;
}

/**
 * selectTopK with the comparison scan done by a SIMD kernel (see simd-scan.ts) over the same memory as `scores`.
 * Same result as selectTopK: candidates found by the kernel are inserted by the same rule, in index order.
 */
export function selectTopKScanned(
  scores: Float32Array,
  offset: number,
  nItems: number,
  k: number,
  outIdx: Int32Array,
  outScore: Float64Array,
  scan: ScanAbove,
): number {
  let count = 0;
  let threshold = -Infinity;
  let j = 0;
  for (; j < nItems && count < k; j++) {
    const s = scores[offset + j];
    if (!(s > threshold)) continue;
    let pos = count++;
    while (pos > 0 && outScore[pos - 1] < s) {
      outScore[pos] = outScore[pos - 1];
      outIdx[pos] = outIdx[pos - 1];
      pos--;
    }
    outScore[pos] = s;
    outIdx[pos] = j;
  }
  if (count < k) return count;
  threshold = outScore[k - 1];
  const base = scores.byteOffset + 4 * offset;
  // the kernel reads a 16-float group only when it lies wholly inside the row; the tail is left to the JS loop
  const scanEnd = base + 4 * (nItems - 16) + 1;
  while (j < nItems) {
    if (j + 16 <= nItems) j = ((scan(base + 4 * j, scanEnd, threshold) >>> 0) - base) / 4;
    const groupEnd = Math.min(nItems, j + 16);
    for (; j < groupEnd; j++) {
      const s = scores[offset + j];
      if (!(s > threshold)) continue;
      let pos = k - 1;
      while (pos > 0 && outScore[pos - 1] < s) {
        outScore[pos] = outScore[pos - 1];
        outIdx[pos] = outIdx[pos - 1];
        pos--;
      }
      outScore[pos] = s;
      outIdx[pos] = j;
      threshold = outScore[k - 1];
    }
  }
  return count;
}

/**
 * selectTopKScanned continued over the next columns of a row: `scores[offset .. offset + n)` are the scores of items
 * `first .. first + n)`, and the user's list so far (`count` entries, sorted by the same rule) is
 * `outIdx/outScore[at .. at + count)`. Returns the new count. Visiting the columns tile after tile, in index order,
 * gives exactly selectTopKScanned's list over the whole row (the ranking rule only looks at scores and visiting order).
 */
export function continueTopKScanned(
  scores: Float32Array,
  offset: number,
  n: number,
  first: number,
  k: number,
  outIdx: Int32Array,
  outScore: Float64Array,
  at: number,
  count: number,
  scan: ScanAbove,
): number {
  let j = 0;
  for (; j < n && count < k; j++) {
    const s = scores[offset + j];
    if (!(s > -Infinity)) continue; // -Infinity (masked) and NaN never enter
    let pos = count++;
    while (pos > 0 && outScore[at + pos - 1] < s) {
      outScore[at + pos] = outScore[at + pos - 1];
      outIdx[at + pos] = outIdx[at + pos - 1];
      pos--;
    }
    outScore[at + pos] = s;
    outIdx[at + pos] = first + j;
  }
  if (count < k) return count;
  let threshold = outScore[at + k - 1];
  const base = scores.byteOffset + 4 * offset;
  // the kernel reads a 16-float group only when it lies wholly inside the tile; the tail is left to the JS loop
  const scanEnd = base + 4 * (n - 16) + 1;
  while (j < n) {
    if (j + 16 <= n) j = ((scan(base + 4 * j, scanEnd, threshold) >>> 0) - base) / 4;
    const groupEnd = Math.min(n, j + 16);
    for (; j < groupEnd; j++) {
      const s = scores[offset + j];
      if (!(s > threshold)) continue;
      let pos = k - 1;
      while (pos > 0 && outScore[at + pos - 1] < s) {
        outScore[at + pos] = outScore[at + pos - 1];
        outIdx[at + pos] = outIdx[at + pos - 1];
        pos--;
      }
      outScore[at + pos] = s;
      outIdx[at + pos] = first + j;
      threshold = outScore[at + k - 1];
    }
  }
  return count;
}
