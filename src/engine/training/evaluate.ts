/**
 * One evaluation of a run's embeddings on a split, as the run asks for it: the split's targets, the items masked
 * (train, and valid when evaluating test), the config's metrics, blocks, popularity groups and sampled metrics.
 * `train` evaluates with it at its evaluation epochs; `measureTime` (src/engine/estimate-time.ts) times it on a block
 * of users. `target` replaces the split's targets (the estimate's subset of users).
 */
import type { ExperimentConfig } from '../config/types';
import type { Dataset, Interactions } from '../data/types';
import { withSampledMetrics, type Evaluator } from '../eval';
import type { EvalResult } from '../eval/types';

export type EvaluateSplit = (
  users: Float32Array, items: Float32Array, dim: number, split: 'test' | 'valid', score: 'dot' | 'cosine',
  o?: { signal?: AbortSignal; onProgress?: (fraction: number) => void; target?: Interactions },
) => Promise<EvalResult>;

export function splitEvaluation(c: ExperimentConfig, ds: Dataset, evaluator: Evaluator, popularity: Int32Array): EvaluateSplit {
  return (users, items, dim, split, score, o = {}) => {
    const target = o.target ?? (split === 'test' ? ds.test : ds.valid!);
    const mask = split === 'test' && ds.valid ? [ds.train, ds.valid] : [ds.train];
    return evaluator
      .evaluate(
        {
          users, items, dim, score, mask, target, ks: c.eval.ks, metrics: c.eval.metrics, blockUsers: c.eval.blockUsers, perUser: true,
          popularity: c.eval.popularityGroups > 0 ? { counts: popularity, groups: c.eval.popularityGroups, k: Math.max(...c.eval.ks.filter((k) => k <= 20), c.eval.ks[0]) } : undefined,
          itemCounts: popularity, headShare: c.eval.headShare,
        },
        { signal: o.signal, onProgress: o.onProgress },
      )
      .then((r) => withSampledMetrics(r, { users, items, dim, score, mask, target, ks: c.eval.ks, metrics: c.eval.metrics }, c.eval.sampledNegatives, c.seed));
  };
}

/** The splits a run evaluates at each evaluation epoch: valid then test when selecting on valid, else test. */
export function evaluatedSplits(c: ExperimentConfig): ('test' | 'valid')[] {
  return c.eval.selectOn === 'valid' ? ['valid', 'test'] : ['test'];
}
