import { METRIC_NAMES, type EvalRequest, type MetricName } from './types';

/**
 * What one evaluation measures, and where each quantity lives in the per-block sums vector:
 * `[metric m, cut-off k]` at `m * ks.length + k`, then the popularity-group hits at `popularityOffset + g`.
 */
export interface MetricLayout {
  ks: number[];
  metrics: MetricName[];
  /** list length to select: the largest of `ks` and the popularity cut-off */
  maxK: number;
  /** popularity cut-off, 0 when not requested */
  popularityK: number;
  groups: number;
}

export function makeLayout(req: Pick<EvalRequest, 'ks' | 'metrics' | 'popularity'>): MetricLayout {
  if (!req.ks.length) throw new Error('evaluation needs at least one cut-off in ks');
  for (const k of req.ks) if (!Number.isInteger(k) || k < 1) throw new Error(`invalid cut-off k=${k}`);
  for (const m of req.metrics) if (!METRIC_NAMES.includes(m)) throw new Error(`unknown metric ${m}`);
  const pop = req.popularity;
  if (pop && (!Number.isInteger(pop.k) || pop.k < 1 || !Number.isInteger(pop.groups) || pop.groups < 1)) {
    throw new Error('popularity needs integer k ≥ 1 and groups ≥ 1');
  }
  const popularityK = pop ? pop.k : 0;
  return {
    ks: [...req.ks],
    metrics: [...req.metrics],
    maxK: Math.max(popularityK, ...req.ks),
    popularityK,
    groups: pop ? pop.groups : 0,
  };
}

export function popularityOffset(layout: MetricLayout): number {
  return layout.metrics.length * layout.ks.length;
}

export function sumsLength(layout: MetricLayout): number {
  return popularityOffset(layout) + layout.groups;
}
