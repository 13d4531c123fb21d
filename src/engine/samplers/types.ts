/**
 * A negative sampler chooses, for a batch of (user, positive) rows, the items the loss contrasts against.
 * Three layouts cover the literature: per-row negatives [B, N]; one shared set [N] for the whole batch (the fast path
 * for many negatives); and in-batch (the other rows' positives, plus optional extra shared items).
 */
import type { IndexedDotsFn } from '../tensor/indexed-dots';
import type { Interactions } from '../data/types';
import type { EmbeddingTable } from '../tensor/embedding';
import type { JsonSchema } from '../config/json-schema';
import type { Rng } from '../rng';
import type { Percentiles } from '../../protocol/events';
import type { ModelConfig } from '../config/types';

/**
 * `mask` (shared and in-batch layouts) is [B × columns], 1 for a real negative and 0 for a column to ignore: with
 * rejectPositives, the columns that are a training item of the row's user (the row's own positive included). The
 * buffer belongs to the sampler and is overwritten by its next call. In-batch columns are the batch's first positives
 * followed by `extra`; without a mask the trainer ignores only the diagonal.
 */
export type NegativeBatch =
  | { layout: 'per-row'; n: number; items: Int32Array; synth?: SynthesisedRows }
  | { layout: 'shared'; items: Int32Array; mask?: Float32Array }
  | { layout: 'in-batch'; extra?: Int32Array; mask?: Float32Array };

/**
 * Negatives that are not item rows but weighted sums of source rows (MixGCF's positive and hop mixing): negative
 * row r (of the per-row layout's B·N) is Σ_t weights[r·T + t] · sources[termSources[t]][refs[r·T + t]], T = terms.
 * Source names are the backbone's (`items`, a graph's hop embeddings `items@l`); gradients flow back through the
 * weights into every referenced row. `items` of the batch still names one item per row (diagnostics, ego L2).
 */
export interface SynthesisedRows {
  terms: number;
  /** the source of each term slot, length T */
  termSources: string[];
  refs: Int32Array;
  weights: Float32Array;
  /**
   * the column of a synthesised row where each term's source row lands (length T; default all 0): with LightGCN's
   * concat pooling the rows are D·(L+1) wide and hop l's terms land at l·D
   */
  termOffsets?: Int32Array;
  /**
   * The L2 term of a synthesised negative, as the reference regularises it: on the ego-layer mixture Σ_t weights[r·T + t]·
   * ego[refs[r·T + t]] (MixGCF: ẽ^(0) = α_0·e_{i⁺}^(0) + (1 − α_0)·e_{j*_0}^(0)), T = terms. Without it the L2 takes the
   * ego row of the row's `items` entry.
   */
  ego?: { terms: number; refs: Int32Array; weights: Float32Array };
}

/** Scores under the current model, for samplers that look at the model (DNS, SRNS, GDNS, hard negatives). */
export interface Scorer {
  /** scores[b*perUser + k] = s(users[b], items[b*perUser + k]) */
  score(users: Int32Array, items: Int32Array, perUser: number): Float32Array;
}

export interface SamplerContext {
  rng: Rng;
  train: Interactions;
  nItems: number;
  /** training interactions per item */
  popularity: Int32Array;
  scorer: Scorer;
  /** the backbone's current sources (`users`, `items`, a graph's hops `items@l`), for samplers that mix embeddings */
  embeddings?: () => Record<string, EmbeddingTable>;
  /** dots of source rows by row number on the backbone's kernels (tensor/indexed-dots.ts); absent: the plain loop */
  dots?: IndexedDotsFn;
  epoch: number;
}

export interface Sampler {
  sample(users: Int32Array, pos: Int32Array, ctx: SamplerContext): NegativeBatch;
  /** log q(j) of drawing item j, for the logQ correction; undefined when the sampler has no closed form */
  logQ?(items: Int32Array): Float32Array;
  /**
   * Thins the epoch's training rows before the first batch (word2vec-style down-sampling of hot positives); returns
   * the rows to train on. Optional: without it every row is kept.
   */
  filterRows?(rows: { users: Int32Array; items: Int32Array }, ctx: SamplerContext): { users: Int32Array; items: Int32Array };
  /** called once per epoch after training; returns sampler-specific statistics for the sampler event */
  endEpoch?(ctx: SamplerContext): Record<string, number | Percentiles> | void;
}

export interface SamplerData {
  train: Interactions;
  nItems: number;
  popularity: Int32Array;
  /** explicit negatives (exposed, not clicked) per user, disjoint from the user's positives, when the dataset has them */
  negatives?: Interactions | null;
  /** folder the config's relative paths are resolved against (hard-rank's checkpoint) */
  baseDir?: string;
  /** the backbone's config (MixGCF pools its negatives as the backbone pools its layers) */
  model?: ModelConfig;
}

export interface SamplerSpec<O extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  title: string;
  description: string;
  options: Record<string, JsonSchema>;
  create(options: O & { negatives: number; rejectPositives: boolean }, data: SamplerData): Sampler;
}
