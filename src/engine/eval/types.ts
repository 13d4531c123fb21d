import type { Interactions } from '../data/types';
import type { MetricValues } from '../../protocol/events';

/**
 * Accuracy metrics (recall … mrr) and the beyond-accuracy ones of beyond.ts: arp and aplt are averaged over users
 * like the accuracy metrics; coverage and gini are properties of all users' lists together (catalogue metrics).
 */
export type MetricName = 'recall' | 'ndcg' | 'precision' | 'hit' | 'mrr' | 'coverage' | 'gini' | 'arp' | 'aplt';
export const ACCURACY_METRICS: readonly MetricName[] = ['recall', 'ndcg', 'precision', 'hit', 'mrr'];
export const BEYOND_ACCURACY_METRICS: readonly MetricName[] = ['coverage', 'gini', 'arp', 'aplt'];
export const METRIC_NAMES: readonly MetricName[] = [...ACCURACY_METRICS, ...BEYOND_ACCURACY_METRICS];
/** metrics computed from every user's list together rather than averaged over users */
export const CATALOG_METRICS: readonly MetricName[] = ['coverage', 'gini'];

export interface PopularityRequest {
  /** training interactions of each item */
  counts: Int32Array;
  groups: number;
  /** cut-off of the per-group recall */
  k: number;
}

export interface EvalRequest {
  /** row-major [nUsers × dim] */
  users: Float32Array;
  /** row-major [nItems × dim] */
  items: Float32Array;
  dim: number;
  /** cosine normalises user and item rows before the dot product */
  score: 'dot' | 'cosine';
  /** items excluded from each user's ranking (train, and valid when evaluating test) */
  mask: Interactions[];
  /** held-out items; users without any are skipped */
  target: Interactions;
  ks: number[];
  metrics: MetricName[];
  popularity?: PopularityRequest;
  /**
   * training interactions of each item: the popularity of `arp` and the long tail of `aplt`
   * (default: `popularity.counts`; required by arp and aplt otherwise)
   */
  itemCounts?: Int32Array;
  /** share of training interactions held by the short head, for `aplt` (default 0.8) */
  headShare?: number;
  /** users scored per matMul (default DEFAULT_BLOCK_USERS) */
  blockUsers?: number;
  /** also return every evaluated user's metric values (EvalResult.perUser), for paired significance tests */
  perUser?: boolean;
}

/** Each evaluated user's metric values: `values[r * keys.length + j]` is metric `keys[j]` of user `users[r]`. */
export interface PerUserValues {
  users: Int32Array;
  /** `<metric>@<k>` in layout order */
  keys: string[];
  values: Float32Array;
}

export interface PopularityGroupResult {
  label: string;
  items: number;
  recall: number;
}

export interface EvalResult {
  /** `<metric>@<k>`, e.g. `recall@20` */
  metrics: MetricValues;
  /** users evaluated (those with at least one target item) */
  users: number;
  seconds: number;
  byPopularity?: { k: number; groups: PopularityGroupResult[] };
  /** with EvalRequest.perUser */
  perUser?: PerUserValues;
}

export interface EvaluateOptions {
  /** fraction of users done, 0..1 */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_BLOCK_USERS = 256;
/** items per score tile of the native evaluation (256 users × 1024 items = 1 MB, ranked while in a core's 2 MB L2) */
export const DEFAULT_TILE_ITEMS = 1024;
