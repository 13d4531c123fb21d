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

/** Far enough below any logit that exp underflows to 0 in float32 after max-subtraction. */
const MASKED_LOGIT = -1e9;

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

/**
 * Logits whose mask is 0 pushed to −1e9, so softmax / logsumexp ignore them and their gradient is exactly 0 (their
 * exp underflows to 0). Arithmetic rather than tf.where: about half the cost on wasm for a [B, B] in-batch block.
 */
export function maskLogits(z: tfc.Tensor, mask?: tfc.Tensor): tfc.Tensor {
  return mask ? tf.add(z, tf.mul(tf.sub(1, mask), MASKED_LOGIT)) : z;
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

/**
 * −log softmax of the positive [B] over {positive} ∪ negatives, from logits zPos [B, 1] and zNeg [B, N] (masked
 * entries excluded); `includePositive: false` drops the positive from the denominator (Adap-τ as coded).
 */
export function softmaxCrossEntropy(zPos: tfc.Tensor, zNeg: tfc.Tensor, mask: tfc.Tensor | undefined, includePositive = true): tfc.Tensor1D {
  const negs = maskLogits(zNeg, mask);
  const denominator = tf.logSumExp(includePositive ? tf.concat([zPos, negs], -1) : negs, -1);
  return tf.sub(denominator, tf.squeeze(zPos, [-1])) as tfc.Tensor1D;
}

export const REDUCTION_OPTION: JsonSchema = {
  enum: ['mean', 'sum'], default: 'mean', description: 'batch reduction over rows: mean, or sum (SSM-TF, SRNS)',
};
