import { DEFAULT_HEAD_SHARE, longTailItems } from './beyond';
import { CATALOG_METRICS, METRIC_NAMES, type EvalRequest, type MetricName } from './types';

/**
 * What one evaluation measures, and where each quantity lives in the per-block sums vector:
 * `[user metric m, cut-off k]` at `m * ks.length + k`, then the popularity-group hits at `popularityOffset + g`, then
 * (with coverage or gini) the exposure counts — how many lists hold item i at cut-off k — at
 * `exposureOffset + k * nItems + i`. Every entry is a plain sum, so blocks and workers add up elementwise.
 */
export interface MetricLayout {
  ks: number[];
  /** every requested metric, in request order */
  metrics: MetricName[];
  /** metrics averaged over users (accuracy, arp, aplt) */
  userMetrics: MetricName[];
  /** metrics of all lists together (coverage, gini), computed from the exposure counts */
  catalogMetrics: MetricName[];
  /** list length to select: the largest of `ks` and the popularity cut-off */
  maxK: number;
  /** popularity cut-off, 0 when not requested */
  popularityK: number;
  groups: number;
  nItems: number;
  /** training count of each item (arp), null when not needed */
  itemCounts: Int32Array | null;
  /** 1 for long-tail items (aplt), null when not needed */
  longTail: Uint8Array | null;
}

export function makeLayout(
  req: Pick<EvalRequest, 'ks' | 'metrics' | 'popularity' | 'itemCounts' | 'headShare'>,
  nItems = 0,
): MetricLayout {
  if (!req.ks.length) throw new Error('evaluation needs at least one cut-off in ks');
  for (const k of req.ks) if (!Number.isInteger(k) || k < 1) throw new Error(`invalid cut-off k=${k}`);
  for (const m of req.metrics) if (!METRIC_NAMES.includes(m)) throw new Error(`unknown metric ${m}`);
  const pop = req.popularity;
  if (pop && (!Number.isInteger(pop.k) || pop.k < 1 || !Number.isInteger(pop.groups) || pop.groups < 1)) {
    throw new Error('popularity needs integer k ≥ 1 and groups ≥ 1');
  }
  const popularityK = pop ? pop.k : 0;
  const needsCounts = req.metrics.includes('arp') || req.metrics.includes('aplt');
  const counts = req.itemCounts ?? pop?.counts ?? null;
  if (needsCounts && !counts) throw new Error('arp and aplt need itemCounts (the training interactions of each item)');
  if (counts && needsCounts && nItems && counts.length !== nItems) throw new Error('itemCounts must have one entry per item');
  return {
    ks: [...req.ks],
    metrics: [...req.metrics],
    userMetrics: req.metrics.filter((m) => !CATALOG_METRICS.includes(m)),
    catalogMetrics: req.metrics.filter((m) => CATALOG_METRICS.includes(m)),
    maxK: Math.max(popularityK, ...req.ks),
    popularityK,
    groups: pop ? pop.groups : 0,
    nItems,
    itemCounts: req.metrics.includes('arp') && counts ? Int32Array.from(counts) : null,
    longTail: req.metrics.includes('aplt') && counts ? longTailItems(counts, req.headShare ?? DEFAULT_HEAD_SHARE) : null,
  };
}

export function popularityOffset(layout: MetricLayout): number {
  return layout.userMetrics.length * layout.ks.length;
}

export function exposureOffset(layout: MetricLayout): number {
  return popularityOffset(layout) + layout.groups;
}

export function sumsLength(layout: MetricLayout): number {
  return exposureOffset(layout) + (layout.catalogMetrics.length ? layout.ks.length * layout.nItems : 0);
}
