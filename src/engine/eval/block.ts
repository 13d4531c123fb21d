import type { MetricAccumulator } from './accumulate';
import type { EvalTables } from './tables';
import type { ScanAbove } from './simd-scan';
import { selectTopK, selectTopKScanned } from './topk';

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
