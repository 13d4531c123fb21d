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
  /** log of the sampling probability of each negative / positive (logQ correction), broadcastable to neg / pos */
  logQNeg?: tfc.Tensor;
  logQPos?: tfc.Tensor;
  /** global temperature τ and, for per-user schemes, τ of each row's user [B] */
  tau: number;
  tauPerRow?: tfc.Tensor1D;
  /** inverse temperature of the positive term when it differs from the negatives' (Adap-τ's global β0) */
  posInvTau?: number;
}

export interface LossOutput {
  loss: tfc.Scalar;
  /**
   * [B] per-row loss at τ = 1, detached, for schemes that adapt the temperature from the loss (Adap-τ's `loss_`).
   * Losses that have none omit it; the trainer then uses softplus(neg − pos) means.
   */
  perRow?: tfc.Tensor1D;
}

export interface Loss {
  compute(x: LossInputs): LossOutput;
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
  create(options: O): Loss;
}
