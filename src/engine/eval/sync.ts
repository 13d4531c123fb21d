import { MetricAccumulator } from './accumulate';
import { gatherUsers, rankBlock, RankScratch } from './block';
import { finalizeResult } from './finalize';
import { matMulInto } from './js-matmul';
import { targetsPerGroup } from './popularity';
import { prepareEval } from './tables';
import { DEFAULT_BLOCK_USERS, type EvalRequest, type EvalResult } from './types';

/**
 * Single-threaded, in-process evaluation with a plain-JS matMul: the reference the worker pool is tested against,
 * and the right choice for small data (no worker start-up, no tfjs).
 */
export function evaluateSync(req: EvalRequest): EvalResult {
  const t0 = performance.now();
  const { tables, groups } = prepareEval(req, false);
  const block = Math.max(1, req.blockUsers ?? DEFAULT_BLOCK_USERS);
  const acc = new MetricAccumulator(tables.layout, tables.itemGroup, tables.perUser);
  const scratch = new RankScratch(tables.layout.maxK);
  const nEval = tables.evalUsers.length;
  const rows = Math.min(block, nEval);
  const userBuf = new Float32Array(rows * tables.dim);
  const scores = new Float32Array(rows * tables.nItems);
  for (let start = 0; start < nEval; start += block) {
    const end = Math.min(nEval, start + block);
    const a = gatherUsers(tables, start, end, userBuf);
    matMulInto(a, end - start, tables.dim, tables.itemsT, tables.nItems, scores);
    rankBlock(tables, scores, start, end, acc, scratch);
  }
  const perGroup = groups && tables.itemGroup
    ? targetsPerGroup(tables.target, tables.evalUsers, tables.itemGroup, groups.items.length)
    : null;
  return finalizeResult(tables.layout, acc.sums, acc.users, (performance.now() - t0) / 1000, groups, perGroup, tables);
}
