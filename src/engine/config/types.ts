/**
 * The resolved experiment config (a `*.reclab.json` after validation and defaults).
 * The JSON Schema in ./schema.ts is the single source of truth; these types mirror it.
 */

export type DatasetConfig =
  | {
      kind: 'synthetic';
      users: number;
      items: number;
      /** mean interactions per user */
      interactionsPerUser: number;
      clusters: number;
      /** Zipf exponent of item popularity */
      popularityExponent: number;
      seed: number;
      testRatio: number;
      /** exposure model: skipped impressions per user as a multiple of the user's interactions (0 = none) */
      exposures?: number;
    }
  | {
      /** LightGCN / NGCF text files: one line per user, `uid item item …` */
      kind: 'lightgcn';
      /** directory holding train.txt and test.txt, or explicit files */
      path?: string;
      train?: string;
      test?: string;
    }
  | {
      kind: 'csv';
      path: string;
      delimiter: string;
      header: boolean;
      columns: { user: string | number; item: string | number; rating?: string | number; timestamp?: string | number };
      ratingThreshold?: number;
      /** rows with rating ≤ this are explicit negatives */
      negativeRatingAtMost?: number;
    }
  | { kind: 'movielens'; path: string; ratingThreshold?: number }
  | {
      /** a dataset of the catalogue (catalog/datasets.json), found in or fetched into the cache */
      kind: 'catalog';
      /** catalogue name, optionally `name@version` */
      catalog: string;
      /** fetch it when it is not in the cache (default true) */
      fetch: boolean;
      /** a mirror URL or a local folder to fetch from instead of the catalogue's URLs */
      from?: string;
      /** keep ratings ≥ threshold (MovieLens entries) */
      ratingThreshold?: number;
    };

export interface SplitConfig {
  /** given: the source's own train/test; ratio: random per-user holdout; leave-last-out: by timestamp */
  method: 'given' | 'ratio' | 'leave-last-out';
  testRatio: number;
  /** share of each user's training items moved to a validation split (0 = none) */
  validRatio: number;
  seed: number;
  /** k-core filtering applied before splitting (0 = off) */
  kcore: { user: number; item: number };
}

export interface ModelConfig {
  kind: 'mf' | 'lightgcn' | 'mostpop';
  dim: number;
  /** graph backbones (lightgcn): propagation layers L (set by validation; optional for hand-built MF configs) */
  layers?: number;
  /**
   * graph backbones: how the hops combine into the final embedding (MixGCF's `pool`): mean (LightGCN), sum, concat
   * (D·(L+1) wide) or final (the last hop)
   */
  pooling?: 'mean' | 'sum' | 'concat' | 'final';
  /** graph backbones, training only: dropout of each hop's aggregated embedding (MixGCF / Adap-τ mess_dropout) */
  messageDropout?: number;
  /** graph backbones, training only: dropout of the adjacency's non-zeros at every hop (MixGCF / Adap-τ edge_dropout) */
  edgeDropout?: number;
  score: 'dot' | 'cosine';
  /** score used at evaluation: same as training, or raw dot (the SSM / LightGCN-Adap-τ convention) */
  evalScore: 'same' | 'dot' | 'cosine';
  /** from: a previous run's best checkpoint to start from (model.init.from) */
  init: { dist: 'normal' | 'xavier' | 'uniform'; std: number; from?: string | null };
  /** dropout on the user vector during training (SimpleX, Adap-τ) */
  userDropout: number;
  /** closed-form dot-product step when it applies (models/mf.ts), else tfjs autograd */
  fastPath: boolean;
}

export interface LossConfig {
  kind: string;
  [option: string]: unknown;
}

/** Adap-τ₀'s global β0 options (shared by Adap-τ) */
interface AdapTauGlobalOptions {
  /** epochs using the closed-form warm-up β0 (the reference's cnt_lr) */
  warmupEpochs: number;
  /** the warm-up's assumed gap (−b = 0.7) */
  warmupGap: number;
  /** users above this degree quantile form U′ */
  degreeQuantile: number;
}

export type TemperatureConfig =
  | { kind: 'fixed'; tau: number }
  | ({ kind: 'adaptive-global' } & AdapTauGlobalOptions)
  | ({
      kind: 'adaptive';
      /** base of the normalised loss: mean (weight_mean) or the `quantile` quantile (weight_ratio) */
      base: 'mean' | 'quantile';
      /** t1 */
      quantile: number;
      /** t2 */
      scale: number;
    } & AdapTauGlobalOptions);

export interface SamplerConfig {
  kind: string;
  negatives: number;
  rejectPositives: boolean;
  [option: string]: unknown;
}

export interface OptimizerConfig {
  kind: 'adam' | 'adagrad' | 'sgd';
  /** Adam: lazy (batch rows only) or dense (every row every step, as torch.optim.Adam) */
  lazy: boolean;
  lr: number;
  /** L2 weight; see l2Mode */
  l2: number;
  /** batch: λ·½Σ‖rows‖²/B on the batch rows (LightGCN); batch-sum: not divided by B (SSM); none */
  l2Mode: 'batch' | 'batch-sum' | 'none';
  /** graph backbones: L2 on the ego (layer-0) rows only, or on every layer's rows (Adap-τ's LGN_tau); default ego */
  l2Layers?: 'ego' | 'all';
  beta1: number;
  beta2: number;
  eps: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  /** interaction: one pass over shuffled (u,i) pairs; user: ⌊|R|/|U|⌋ rows per user (LightGCN-PyTorch) */
  sampling: 'interaction' | 'user';
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** threads of the training kernels; 0 = one per core */
  threads: number;
  /** the sparse product's and the fused step's gemm implementation (wasm/tasks.ts KernelImpl) */
  kernels: 'native' | 'wasm';
  /** emit a step event every N steps */
  logEvery: number;
  /** learning-rate decay ×factor when the selection metric plateaus `patience` evaluations (0 = off) */
  lrDecayOnPlateau: number;
  /** reload the best epoch's embeddings when the lr decays on a plateau (RecZoo protocol) */
  reloadBestOnPlateau: boolean;
}

export interface EvalConfig {
  every: number;
  ks: number[];
  /** accuracy metrics, and the beyond-accuracy coverage / gini / arp / aplt (docs/evaluation.md) */
  metrics: ('recall' | 'ndcg' | 'precision' | 'hit' | 'mrr' | 'coverage' | 'gini' | 'arp' | 'aplt')[];
  /** model selection: metric key and split. `test` is the papers' protocol and is labelled as such */
  selectMetric: string;
  selectOn: 'test' | 'valid';
  /** stop after this many evaluations without improvement (0 = never) */
  patience: number;
  /** users scored per block */
  blockUsers: number;
  /** evaluation worker threads; 0 = one per core */
  workers: number;
  /** popularity groups for the recall-by-popularity breakdown (0 = off) */
  popularityGroups: number;
  /** share of training interactions held by the short head (the long tail of aplt) */
  headShare: number;
  /** > 0: also report the accuracy metrics on sampled candidates (`recall@10/s100`); 0 = off (the default) */
  sampledNegatives: number;
}

export interface ExperimentConfig {
  name: string;
  description?: string;
  seed: number;
  dataset: DatasetConfig;
  split: SplitConfig;
  model: ModelConfig;
  loss: LossConfig;
  temperature: TemperatureConfig;
  sampler: SamplerConfig;
  optimizer: OptimizerConfig;
  train: TrainConfig;
  eval: EvalConfig;
  /** grid over dotted paths: {"optimizer.lr": [1e-3, 1e-4]} */
  sweep?: Record<string, unknown[]>;
  /** one run per seed, grouped (src/scale/group.ts) */
  repeat?: { seeds: number[] };
  /** how a sweep explores (src/scale/) */
  search?: SearchConfig;
  /** where runs execute (src/scale/executors/) */
  executor?: ExecutorConfig;
}

export type ParamSpec =
  | { type: 'uniform' | 'log-uniform' | 'integer'; min: number; max: number }
  | { type: 'choice'; values: unknown[] };

export interface SearchConfig {
  strategy: 'grid' | 'random' | 'tpe';
  space: Record<string, ParamSpec>;
  budget: { runs: number; wallSeconds: number };
  seed: number;
  parallel: number;
  tpe: { startup: number; gamma: number; candidates: number };
  scheduler: { kind: 'none' | 'asha'; minEpochs: number; eta: number };
}

export interface ExecutorConfig {
  kind: 'local' | 'slurm';
  partition?: string;
  time?: string;
  cpus?: number;
  mem?: string;
  sbatchArgs?: string[];
  node?: string;
}
