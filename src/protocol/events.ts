/**
 * Run events: the one record type the engine produces.
 *
 * Every event is written as one line of `metrics.jsonl` in the run directory and, when the engine runs as a child
 * process, also sent to the parent over IPC (see `EngineToHost`). Readers (CLI, extension host, webviews) rebuild
 * everything they show from these records, so a run started from a terminal looks the same as one started from
 * VS Code. All fields are plain JSON.
 *
 * `t` is wall-clock milliseconds since the Unix epoch when the event was emitted.
 */

export type RunStatus = 'queued' | 'running' | 'finished' | 'stopped' | 'failed';

/** Metric name as `<metric>@<k>`, e.g. `recall@20`, `ndcg@20`, `mrr@20`. */
export type MetricKey = string;
export type MetricValues = Record<MetricKey, number>;

export interface Percentiles {
  min: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  max: number;
}

export interface Histogram {
  /** bin edges, length = counts.length + 1 */
  edges: number[];
  counts: number[];
}

interface Base {
  t: number;
}

/** First record of a run. */
export interface StartEvent extends Base {
  kind: 'start';
  runId: string;
  name: string;
  backend: string;
  epochs: number;
  stepsPerEpoch: number;
  dataset: DatasetStats;
  /** short human summary: "MF(cos, d=64) · ssm · uniform×1024 · τ=adaptive" */
  summary: string;
}

/** Mean training loss over the last `steps` optimisation steps (emitted every `train.logEvery` steps). */
export interface StepEvent extends Base {
  kind: 'step';
  epoch: number;
  /** global step index (1-based, counted over the whole run) at the end of the window */
  step: number;
  loss: number;
  /** number of steps averaged into `loss` */
  steps: number;
  /** extra scalar diagnostics of the loss, e.g. {"reg": 0.01} */
  extra?: Record<string, number>;
}

export interface EpochEvent extends Base {
  kind: 'epoch';
  epoch: number;
  /** mean training loss over the epoch */
  loss: number;
  seconds: number;
  examplesPerSec: number;
  lr: number;
  /** estimated seconds until the last epoch ends (ignores early stopping) */
  etaSeconds: number;
}

export interface EvalEvent extends Base {
  kind: 'eval';
  epoch: number;
  split: 'test' | 'valid';
  metrics: MetricValues;
  seconds: number;
  /** users evaluated (those with at least one held-out item) */
  users: number;
  /** Recall@K per item-popularity group (groups hold equal shares of training interactions, least popular first) */
  byPopularity?: { k: number; groups: { label: string; items: number; recall: number }[] };
  /** the metric used for model selection, and whether this evaluation is the best so far */
  selection?: { metric: MetricKey; value: number; best: boolean };
}

export interface TemperatureEvent extends Base {
  kind: 'temperature';
  epoch: number;
  /** global temperature τ (1/β0 for Adap-τ) */
  global: number;
  /** per-user temperatures, when the scheme has them */
  perUser?: Percentiles;
  histogram?: Histogram;
}

export interface SamplerEvent extends Base {
  kind: 'sampler';
  epoch: number;
  sampler: string;
  /** scores of the sampled negatives under the model at sampling time */
  negScore: Percentiles & { mean: number };
  /** share of sampled negatives that are held-out test items of the same user */
  falseNegativeRate: number;
  /** share of sampled negatives that are training positives of the user (0 with rejection) */
  positiveCollisionRate: number;
  /** datasets with explicit negatives: share of sampled negatives that are the user's explicit (exposed, not clicked) negatives */
  explicitNegativeRate?: number;
  /** datasets with explicit negatives: false-negative rate among the other sampled negatives */
  falseNegativeRateOther?: number;
  /** sampler-specific statistics (GDNS gain, SRNS variance, …) */
  extra?: Record<string, number | Percentiles>;
}

export interface LogEvent extends Base {
  kind: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Coarse phase progress for long non-epoch work (loading, evaluation). */
export interface PhaseEvent extends Base {
  kind: 'phase';
  phase: 'load' | 'prepare' | 'train' | 'eval' | 'checkpoint';
  /** 0..1 when known */
  progress?: number;
  message?: string;
}

/** Last record of a run. */
export interface EndEvent extends Base {
  kind: 'end';
  status: Exclude<RunStatus, 'queued' | 'running'>;
  reason?: string;
  epochs: number;
  seconds: number;
  best?: { epoch: number; metric: MetricKey; value: number; metrics: MetricValues };
}

export type RunEvent =
  | StartEvent
  | StepEvent
  | EpochEvent
  | EvalEvent
  | TemperatureEvent
  | SamplerEvent
  | LogEvent
  | PhaseEvent
  | EndEvent;

export type RunEventKind = RunEvent['kind'];

export interface DatasetStats {
  name: string;
  users: number;
  items: number;
  train: number;
  valid: number;
  test: number;
  density: number;
  /** Gini coefficient of item popularity in the training set (0 = uniform, 1 = one item has everything) */
  giniItemPopularity: number;
}

/** Messages a forked engine process sends to its parent over IPC. */
export type EngineToHost =
  | { type: 'event'; runId: string; event: RunEvent }
  | { type: 'started'; runId: string; runDir: string; pid: number };

/** Messages the parent sends to a forked engine process. */
export type HostToEngine = { type: 'stop'; reason?: string };
