import type { MetricAccumulator } from './accumulate';
import type { EvalTables } from './tables';
import type { ScanAbove } from './simd-scan';
import { continueTopKScanned, selectTopK, selectTopKScanned } from './topk';
import type { NativeScores } from './native-scores';

/** Copies the embeddings of evalUsers[start..end) into `out` as a [rows × dim] matrix. */
export function gatherUsers(t: EvalTables, start: number, end: number, out: Float32Array): Float32Array {
  const { dim, users, evalUsers } = t;
  const block = out.subarray(0, (end - start) * dim);
  for (let b = start; b < end; b++) {
    const u = evalUsers[b];
    block.set(users.subarray(u * dim, (u + 1) * dim), (b - start) * dim);
  }
  return block;
}

/** Scratch buffers of one scorer, reused across blocks. */
export class RankScratch {
  readonly topIdx: Int32Array;
  readonly topScore: Float64Array;
  /** the tiled ranking's lists of a block's users ([rows × maxK]) and their lengths, grown on demand */
  blockIdx = new Int32Array(0);
  blockScore = new Float64Array(0);
  blockCount = new Int32Array(0);
  /** SIMD scanner over the memory holding the score rows (the tfjs wasm heap), when available */
  constructor(maxK: number, readonly scan: ScanAbove | null = null) {
    this.topIdx = new Int32Array(maxK);
    this.topScore = new Float64Array(maxK);
  }
}

/**
 * Ranks the users evalUsers[start..end) from their score rows ([rows × nItems], overwritten: masked items become
 * -Infinity) and adds their metrics to `acc`.
 */
export function rankBlock(
  t: EvalTables,
  scores: Float32Array,
  start: number,
  end: number,
  acc: MetricAccumulator,
  scratch: RankScratch,
): void {
  const { nItems, evalUsers, masks, target } = t;
  const k = t.layout.maxK;
  for (let b = start; b < end; b++) {
    const u = evalUsers[b];
    const row = (b - start) * nItems;
    for (const m of masks) {
      if (u + 1 >= m.indptr.length) continue;
      for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) scores[row + m.indices[p]] = -Infinity;
    }
    const count = scratch.scan
      ? selectTopKScanned(scores, row, nItems, k, scratch.topIdx, scratch.topScore, scratch.scan)
      : selectTopK(scores, row, nItems, k, scratch.topIdx, scratch.topScore);
    acc.addUser(scratch.topIdx, count, target.indices, target.indptr[u], target.indptr[u + 1], b);
  }
}

/**
 * rankBlock over item tiles on the native gemm: the scores of a tile of `tileItems` items are ranked while the tile is
 * still in cache, each user's list carried from tile to tile (continueTopKScanned), so no [rows × nItems] block is
 * written. Same lists as rankBlock over the whole rows. Measured in docs/benchmarks.md (session 8): a 256 × 38,048
 * block is 39 MB, more than the L3 two cores share, and two workers writing such blocks slowed each other's gemm 1.4–1.7×.
 */
export function rankBlockTiled(
  t: EvalTables,
  native: NativeScores,
  start: number,
  end: number,
  acc: MetricAccumulator,
  scratch: RankScratch,
  tileItems: number,
): void {
  const { nItems, evalUsers, masks, target } = t;
  const k = t.layout.maxK;
  const rows = native.loadUsers(start, end);
  if (scratch.blockCount.length < rows) {
    scratch.blockIdx = new Int32Array(rows * k);
    scratch.blockScore = new Float64Array(rows * k);
    scratch.blockCount = new Int32Array(rows);
  }
  const { blockIdx, blockScore, blockCount } = scratch;
  blockCount.fill(0, 0, rows);
  for (let first = 0; first < nItems; first += tileItems) {
    const width = Math.min(tileItems, nItems - first);
    const last = first + width;
    const tile = native.scoreTile(rows, first, width);
    for (let b = 0; b < rows; b++) {
      const u = evalUsers[start + b];
      const row = b * width;
      for (const m of masks) {
        if (u + 1 >= m.indptr.length) continue;
        for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) {
          const i = m.indices[p];
          if (i >= first && i < last) tile[row + i - first] = -Infinity;
        }
      }
      blockCount[b] = continueTopKScanned(tile, row, width, first, k, blockIdx, blockScore, b * k, blockCount[b], native.scan);
    }
  }
  for (let b = 0; b < rows; b++) {
    const u = evalUsers[start + b];
    acc.addUser(blockIdx.subarray(b * k, (b + 1) * k), blockCount[b], target.indices, target.indptr[u], target.indptr[u + 1], start + b);
  }
}
