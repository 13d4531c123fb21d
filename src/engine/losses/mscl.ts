/**
 * MSCL / MCL, the multisample-based contrastive loss (Tang et al., IEEE TMM 2021; haotangxjtu/MSCL). Each row has K
 * positives of its user (drawn with replacement); positive column k is contrasted with every row's k-th positive:
 *   S_k = exp(Û·Î_kᵀ / T)  [B, B]
 *   ℓ_k = mean_b [ −α·log(S_k[b,b] + ε) + (1−α)·log(Σ_c S_k[b,c] + ε) ],   ℓ = Σ_k ℓ_k
 * computed in log space (logsumexp, with ε entering as an extra e^{log ε} term, so nothing overflows). The trainer
 * builds the per-column in-batch blocks as LossInputs.negPerPositive; with per-row or shared negatives every column
 * is contrasted with the row's sampled negatives instead. α = 0.5 gives ½·InfoNCE.
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { LossSpec } from './types';
import { maskValues, negInvTauValues, posInvTau, scale } from './common';
import { logSumExpRows } from '../tensor/ops';

export interface MsclOptions extends Record<string, unknown> {
  positives: number;
  alpha: number;
  epsilon: number;
}

export const mscl: LossSpec<MsclOptions> = {
  name: 'mscl',
  title: 'MSCL (multi-sample contrastive)',
  description: 'Multisample contrastive loss: K positives per row, each against the in-batch k-th positives, weighted by α.',
  options: {
    positives: { type: 'integer', default: 15, minimum: 1, description: 'positives per row K (the README\'s sgk15)' },
    alpha: { type: 'number', default: 0.45, minimum: 0, maximum: 1, description: 'weight α of the positive term; 1−α weights the log-denominator (Yelp2018 / Amazon-Book 0.45, iFashion 0.6)' },
    epsilon: { type: 'number', default: 1e-5, minimum: 0, description: 'ε inside both logs, as the reference code (0 = none)' },
  },
  requiresCosine: true,
  usesTemperature: () => true,
  positivesPerRow: (o) => o.positives,
  create: (o) => ({
    negativesPerPositive: true,
    fused: { kind: 'softmax', includePositive: true, reduction: 'mean', scale: 'temperature', multisample: { alpha: o.alpha, epsilon: o.epsilon } },
    compute: (x) => {
      const [B, P] = x.pos.shape;
      const zPos = tf.reshape(scale(x.pos, posInvTau(x)), [B * P]);
      // rows (b, k) of the [B·P, N] negative block share row b's mask and temperature (period P)
      const negs = x.negPerPositive ?? tf.tile(tf.reshape(x.neg, [B, 1, x.neg.shape[1]]), [1, P, 1]);
      const constant = o.epsilon > 0 ? Math.log(o.epsilon) : undefined;
      const logDenominator = tf.reshape(
        logSumExpRows(negs, { scale: negInvTauValues(x), mask: maskValues(x.negMask), period: P, lead: zPos, constant }), [B, P]);
      const logNumerator = tf.reshape(constant !== undefined ? logSumExpRows(tf.reshape(zPos, [B * P, 1]), { constant }) : zPos, [B, P]);
      const perEntry = tf.add(tf.mul(logNumerator, -o.alpha), tf.mul(logDenominator, 1 - o.alpha)); // [B, P]
      return { loss: tf.div(tf.sum(perEntry), B) as tfc.Scalar };
    },
  }),
};
