/**
 * Pieces shared by the losses: temperature scaling, masking of ignored negatives, reductions.
 *
 * Temperature convention (one rule for every τ-scaled loss): negatives are divided by the row's τ (tauPerRow when the
 * scheme is per user, else the global τ); the positive is multiplied by posInvTau when the scheme sets it (Adap-τ's
 * global β0), else divided by the same τ as the negatives.
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { JsonSchema } from '../config/json-schema';
import type { LossInputs } from './types';
import { logSumExpRows } from '../tensor/ops';

/** 1/τ for the negatives: a number, or [B, 1] per row. */
export function negInvTau(x: LossInputs): number | tfc.Tensor2D {
  if (x.tauPerRow) return tf.reshape(tf.reciprocal(x.tauPerRow), [-1, 1]) as tfc.Tensor2D;
  return 1 / x.tau;
}

/** 1/τ for the positives: posInvTau when given (Adap-τ's β0), else the negatives' 1/τ. */
export function posInvTau(x: LossInputs): number | tfc.Tensor2D {
  return x.posInvTau ?? negInvTau(x);
}

export function scale(s: tfc.Tensor, by: number | tfc.Tensor): tfc.Tensor {
  return typeof by === 'number' && by === 1 ? s : tf.mul(s, by);
}

/** Σ over the last axis of v·mask (mask broadcastable to v), or the plain sum without a mask. */
export function maskedSum(v: tfc.Tensor, mask?: tfc.Tensor): tfc.Tensor {
  return tf.sum(mask ? tf.mul(v, mask) : v, -1);
}

/** Mean over the last axis of the entries whose mask is 1 (at least one counted to avoid 0/0). */
export function maskedMean(v: tfc.Tensor, mask?: tfc.Tensor): tfc.Tensor {
  if (!mask) return tf.mean(v, -1);
  return tf.div(tf.sum(tf.mul(v, mask), -1), tf.maximum(tf.sum(mask, -1), 1));
}

/** The first positive column [B, 1] (single-positive losses ignore any further columns). */
export function firstPositive(pos: tfc.Tensor2D): tfc.Tensor2D {
  return pos.shape[1] === 1 ? pos : (tf.slice(pos, [0, 0], [-1, 1]) as tfc.Tensor2D);
}

export function reduceRows(perRow: tfc.Tensor, reduction: 'mean' | 'sum'): tfc.Scalar {
  return (reduction === 'sum' ? tf.sum(perRow) : tf.mean(perRow)) as tfc.Scalar;
}

/** The negatives' inverse temperature as plain numbers for the fused reductions: a number, or one per row [B]. */
export function negInvTauValues(x: LossInputs): number | Float32Array {
  if (!x.tauPerRow) return 1 / x.tau;
  return Float32Array.from(x.tauPerRow.dataSync() as Float32Array, (t) => 1 / t);
}

/** The mask as plain numbers for the fused reductions. */
export function maskValues(mask?: tfc.Tensor): Float32Array | undefined {
  return mask ? (mask.dataSync() as Float32Array) : undefined;
}

/**
 * −log softmax of the positive [B] over {positive} ∪ negatives, from the positive's logit zPos [B, 1] and the raw
 * negative scores neg [B, N] times negScale (a number or one factor per row); masked entries excluded.
 * `includePositive: false` drops the positive from the denominator (Adap-τ as coded). One fused pass
 * (tensor/ops.ts logSumExpRows).
 */
export function softmaxCrossEntropy(
  zPos: tfc.Tensor, neg: tfc.Tensor, negScale: number | Float32Array, mask: tfc.Tensor | undefined, includePositive = true,
): tfc.Tensor1D {
  const lse = logSumExpRows(neg, { scale: negScale, mask: maskValues(mask), lead: includePositive ? tf.reshape(zPos, [-1]) : undefined });
  return tf.sub(lse, tf.reshape(zPos, [-1])) as tfc.Tensor1D;
}

export const REDUCTION_OPTION: JsonSchema = {
  enum: ['mean', 'sum'], default: 'mean', description: 'batch reduction over rows: mean, or sum (SSM-TF, SRNS)',
};
