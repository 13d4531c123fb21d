/**
 * A loss is a tfjs function of score tensors. The trainer gathers the batch rows, normalises them when the model
 * scores by cosine, computes the scores, and asks the loss for a scalar; tfjs autograd then differentiates the whole
 * composition with respect to the gathered rows. Regularisation is the trainer's job, not the loss's.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { JsonSchema } from '../config/json-schema';

export interface LossInputs {
  /** [B, P] scores of each row's positives (P = 1 except for multi-positive losses) */
  pos: tfc.Tensor2D;
  /** [B, N] scores of each row's negatives (per-row, shared or in-batch) */
  neg: tfc.Tensor2D;
  /** [B, N] 1 where neg is a real negative, 0 where it must be ignored (in-batch: the row's own positive) */
  negMask?: tfc.Tensor2D;
  /**
   * [B, P, N] the negatives of each positive column, when they differ by column: in-batch layout with P > 1, where
   * column k contrasts with every row's k-th positive (MSCL). negMask applies to each column. Only built for losses
   * that set `Loss.negativesPerPositive`; absent ⇒ `neg` serves every column.
   */
  negPerPositive?: tfc.Tensor3D;
  /** log of the sampling probability of each negative / positive (logQ correction), broadcastable to neg / pos */
  logQNeg?: tfc.Tensor;
  logQPos?: tfc.Tensor;
  /** global temperature τ and, for per-user schemes, τ of each row's user [B] */
  tau: number;
  tauPerRow?: tfc.Tensor1D;
  /** inverse temperature of the positive term when it differs from the negatives' (Adap-τ's global β0) */
  posInvTau?: number;
  /** the temperature scheme adapts from the per-row loss: fill LossOutput.perRow */
  wantPerRow?: boolean;
}

export interface LossOutput {
  loss: tfc.Scalar;
  /**
   * [B] per-row loss at τ = 1 (no logQ), for schemes that adapt the temperature from the loss (Adap-τ's detached
   * `loss_`). Only losses with `perRowLoss` provide it, and only when asked (`wantPerRow`).
   */
  perRow?: tfc.Tensor1D;
}

export interface Loss {
  compute(x: LossInputs): LossOutput;
  /**
   * The same loss in closed form on plain per-row scores, for the model's fused dot-product step (models/mf.ts): pos
   * [B] (one positive per row), neg [B·N] row-major, no mask, τ or logQ. Writes ∂loss/∂pos into dPos and ∂loss/∂neg
   * into dNeg and returns the loss. Optional: a loss without it always goes through tfjs autograd.
   */
  scoreGrads?(pos: Float32Array, neg: Float32Array, B: number, N: number, dPos: Float32Array, dNeg: Float32Array): number;
  /** the loss reads LossInputs.negPerPositive (the trainer builds that [B, P, N] block only then) */
  readonly negativesPerPositive?: boolean;
  /**
   * The loss's reduction over a [B, N] score block in a form the fused many-negative step runs on WebAssembly kernels
   * (tensor/fused-contrastive.ts); without it the loss always goes through tfjs autograd. Must equal `compute` when
   * there is one positive per row (and no logQ correction, unless the form takes it).
   */
  readonly fused?: FusedLossForm;
}

/**
 * softmax: ℓ_b = log(e^{z⁺} [includePositive] + Σ_j e^{z_bj}) − z⁺, z_bj = s_b·S_bj − log q_j, z⁺ = posInvTau·S⁺ − log q⁺
 *   (or s_b·S⁺ − log q⁺), s_b = 1/τ_b; scale 'unit' ignores the temperature (s_b = 1: K-pair BPR). log q is the batch's
 *   logQ correction (StepBatch.logQ), taken only by a form with `logQ: true` (SSM), 0 otherwise. Per-row loss at scale 1
 *   without correction for adaptive temperatures. `multisample` (MSCL): P positives per row, each k with its own
 *   denominator — in-batch over every row's k-th positive (plus the extra items), else over the row's negatives —,
 *   ℓ_b = Σ_k (1−α)·log(den_k + ε) − α·log(e^{z⁺_k} + ε).
 * hinge: ℓ_b = [posMargin ≠ null] max(0, posMargin − S⁺_b) + A_j Σ_p w_p·max(0, S_bj − o_b − m_p), over the (margin,
 *   weight) terms, A = mean or sum over the row's negatives, o_b = S⁺_b when `relative` (a margin relative to the
 *   positive: GDNS's max(0, S_j − S⁺ + γ) is m = −γ; with a group of positives the hinge is summed over them, A's
 *   mean then over the |P|·|N| pairs) else 0. CCL: one term; MMCL: one per margin. Batch mean or sum.
 */
export type FusedLossForm =
  | {
    kind: 'softmax'; includePositive: boolean; reduction: 'mean' | 'sum'; scale: 'temperature' | 'unit'; logQ?: boolean;
    multisample?: { alpha: number; epsilon: number };
  }
  | {
    kind: 'hinge'; posMargin: number | null; terms: ReadonlyArray<{ margin: number; weight: number }>;
    average: 'mean' | 'sum'; relative: boolean; reduction: 'mean' | 'sum';
  };

/** How the trainer supplies LossInputs.logQPos / logQNeg. */
export interface LogQSettings {
  /** exact: the sampler's log q (in-batch columns: item frequency c_j/|R|); streaming: Yi et al.'s estimator */
  mode: 'exact' | 'streaming';
  /** learning rate α of the streaming estimator */
  alpha: number;
}

export interface LossSpec<O extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  title: string;
  description: string;
  /** JSON Schema properties of the loss's options (besides `kind`), with defaults */
  options: Record<string, JsonSchema>;
  /** scores this loss expects: cosine losses refuse a dot-product model */
  requiresCosine?: boolean;
  /** positives per row the loss consumes (option name or fixed number) */
  positivesPerRow?: (options: O) => number;
  /** whether the loss reads the temperature (a non-fixed scheme with a loss that ignores τ is a config error) */
  usesTemperature?: (options: O) => boolean;
  /** the loss can return its per-row loss at τ = 1 (needed by the per-user `adaptive` temperature) */
  perRowLoss?: boolean;
  /** the logQ correction this configuration asks for, if any */
  logQ?: (options: O) => LogQSettings | null;
  /** cross-field problems of the options, as "$.loss.<key>: …" messages (run by config validation) */
  check?: (options: O) => string[];
  create(options: O): Loss;
}
