import type { Interactions } from '../data/types';
import type { MetricValues } from '../../protocol/events';

export type MetricName = 'recall' | 'ndcg' | 'precision' | 'hit' | 'mrr';
export const METRIC_NAMES: readonly MetricName[] = ['recall', 'ndcg', 'precision', 'hit', 'mrr'];

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
