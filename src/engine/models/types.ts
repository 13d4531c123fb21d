/**
 * The model axis. A backbone owns its trainable parameters and their optimiser state, and turns them into the
 * embeddings a training step reads ("sources"): MF's sources are its tables as they are; a graph backbone's are its
 * propagated embeddings (and each hop's, for samplers that mix hops). The step (../step/step.ts) gathers source rows,
 * scores them, differentiates the loss with respect to the gathered rows and hands those row gradients back; the
 * backbone carries them to its parameters (MF: a sparse scatter; a graph model: back-propagation through the
 * propagation to its ego tables) and updates them.
 *
 * Life of a step: forward() (cached until the parameters change) → the sampler scores with `score` → the step reads
 * forward()'s sources → backward(gradients) updates the parameters. A backbone may take the whole step itself
 * (`fusedStep`, MF's closed-form dot-product path) when it applies.
 *
 * A new backbone is one file exporting a BackboneSpec, added to ./registry.ts (docs/extending.md).
 */
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Interactions } from '../data/types';
import type { Loss } from '../losses/types';
import type { Scorer } from '../samplers/types';
import type { EmbeddingTable } from '../tensor/embedding';
import type { IndexedDotsFn } from '../tensor/indexed-dots';
import type { Rng } from '../rng';
import type { StepBatch, StepResult, StepTemperature } from '../step/types';

/**
 * The embeddings a step reads, by name. Every backbone has `users` and `items` (the embeddings that score); graph
 * backbones add the hop embeddings `users@l` / `items@l` (l = 0..L) that hop-mixing samplers reference.
 */
export interface Sources {
  users: EmbeddingTable;
  items: EmbeddingTable;
  [name: string]: EmbeddingTable;
}

/**
 * Gradients of the step's loss with respect to rows of the sources: grads[r·D .. (r+1)·D) belongs to row rows[r] of
 * `source`. A source may appear in several entries and a row several times; the backbone sums them.
 */
export interface RowGradients {
  source: string;
  rows: Int32Array;
  grads: Float32Array;
  /**
   * the source rows themselves as the step read them (row r at r·D), when it has them at hand: a backbone whose
   * source is its own table (MF) takes the L2 of these rows from here — read in order — instead of from the table
   */
  values?: Float32Array;
}

/**
 * L2 on the trainable (ego) rows of the batch: c·½Σ‖row‖² over the listed rows (duplicates count once per occurrence),
 * c already scaled by the step (λ, or λ/B in "batch" mode). For MF the ego rows are the gathered rows; for a graph
 * model they are layer 0, not the propagated embeddings (the LightGCN reference).
 */
export interface EgoL2 {
  c: number;
  users: Int32Array;
  items: Int32Array;
  /** item rows listed once with their occurrence counts (a step that folded repeated rows): each counts `weights[r]` times */
  weightedItems?: { rows: Int32Array; weights: Float32Array };
}

export interface Backbone extends Scorer {
  readonly kind: string;
  readonly nUsers: number;
  readonly nItems: number;
  readonly dim: number;
  /**
   * width of the scoring sources `users` / `items` and of the evaluation embeddings when it is not `dim` (LightGCN's
   * concat pooling: dim·(L+1)); the trainable tables stay `dim` wide
   */
  readonly scoreDim?: number;
  /** learning rate of every parameter (model selection decays it) */
  lr: number;
  /**
   * The embeddings of the current parameters; cached until the parameters change (graphs propagate here). With
   * `rows`, only those rows of `users` / `items` (and of every hop source) need to be right until the next backward
   * or the next forward without rows: a graph may then skip the rest of its last layer. A step that knows every row it
   * will read passes them; everyone else calls forward() and gets every row.
   */
  forward(rows?: RowNeed): Sources;
  /**
   * Applies one optimiser update from the row gradients of the sources plus the L2 term; returns the L2 term's value
   * (added to the step's loss).
   */
  backward(grads: RowGradients[], l2: EgoL2 | null): number;
  /**
   * The backbone's own closed-form step when it applies to this batch (MF: dot scores, closed-form score gradients,
   * per-row negatives); null = use the general step.
   */
  fusedStep?(batch: StepBatch, loss: Loss, temp: StepTemperature): StepResult | null;
  /** dots of source rows by row number on the backbone's kernels (samplers that score candidates: MixGCF) */
  readonly indexedDots?: IndexedDotsFn;
  /** the embeddings to rank with (computed once per call: a graph propagates its current parameters) */
  evalEmbeddings(): { users: Float32Array; items: Float32Array };
  /** the trainable tables (a graph's ego embeddings), row-major [rows × dim]: checkpoints hold these */
  parameters(): { users: Float32Array; items: Float32Array };
  /** overwrites the trainable tables (warm start, reloading the best epoch); the optimiser state is kept */
  load(p: { users: Float32Array; items: Float32Array }): void;
}

/** The rows a step will read: user ids, and item ids in one or more arrays (positives, negatives). */
export interface RowNeed {
  users: Int32Array;
  items: Int32Array[];
}

/** The width of a backbone's scoring embeddings. */
export function scoreWidth(b: Backbone): number {
  return b.scoreDim ?? b.dim;
}

/** What a backbone is built from. */
export interface BackboneData {
  nUsers: number;
  nItems: number;
  /** training interactions (the graph of graph backbones) */
  train: Interactions;
}

export interface BackboneSpec {
  name: string;
  title: string;
  description: string;
  /** short label for run headers, e.g. "MF" or "LightGCN-3" */
  label(cfg: ModelConfig): string;
  create(data: BackboneData, cfg: ModelConfig, opt: OptimizerConfig, rng: Rng): Backbone;
}
