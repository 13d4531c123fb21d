/**
 * Full-ranking evaluation of implicit-feedback recommenders: every user is scored against all items, masked items
 * are excluded, and Recall/NDCG/Precision/HitRate/MRR@K are averaged over users with held-out items.
 * `Evaluator` runs on a pool of worker threads (tfjs wasm); `evaluateSync` is the in-process reference.
 */
export { Evaluator, evaluatorOptionsFor, type EvaluatorOptions } from './pool';
export { evaluateSync } from './sync';
export { popularityGroups, type PopularityGroups } from './popularity';
export { selectTopK } from './topk';
export { DEFAULT_HEAD_SHARE, giniIndex, itemCoverage, listLongTailShare, listPopularity, longTailItems } from './beyond';
export {
  DEFAULT_BLOCK_USERS,
  ACCURACY_METRICS,
  BEYOND_ACCURACY_METRICS,
  CATALOG_METRICS,
  METRIC_NAMES,
  type EvalRequest,
  type EvalResult,
  type PerUserValues,
  type EvaluateOptions,
  type MetricName,
  type PopularityGroupResult,
  type PopularityRequest,
} from './types';
export type { WorkerBackend, WorkerInfo } from './protocol';
export { evaluateSampled, sampledKey, withSampledMetrics, type SampledOptions } from './sampled';
