/**
 * Pointwise binary cross-entropy: positives labelled 1, negatives 0, on raw scores or on scores / τ.
 *   ℓ_b = mean_{k∈P} softplus(−z_bk) + w · agg_{j∈N} softplus(z_bj),   z = s (raw) or s/τ
 * agg is the mean over the row's negatives (balanced: one positive against the average negative) or their sum (every
 * labelled pair counts once, the NCF / "log loss" form).
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { LossSpec } from './types';
import { REDUCTION_OPTION, maskedMean, maskedSum, negInvTau, posInvTau, reduceRows, scale } from './common';

export interface BceOptions extends Record<string, unknown> {
  scores: 'raw' | 'tau';
  negatives: 'mean' | 'sum';
  negativeWeight: number;
  reduction: 'mean' | 'sum';
}

export const bce: LossSpec<BceOptions> = {
  name: 'bce',
  title: 'BCE',
  description: 'Pointwise binary cross-entropy: softplus(−s_pos) + w·(mean or sum of softplus(s_neg)), on raw or τ-scaled scores.',
  options: {
    scores: { enum: ['raw', 'tau'], default: 'raw', description: 'logits are the raw scores, or scores / τ (use with cosine scores)' },
    negatives: { enum: ['mean', 'sum'], default: 'mean', description: 'aggregate the negatives\' terms of a row by mean or sum' },
    negativeWeight: { type: 'number', default: 1, minimum: 0, description: 'weight w of the negatives\' term' },
    reduction: REDUCTION_OPTION,
  },
  usesTemperature: (o) => o.scores === 'tau',
  create: (o) => ({
    compute: (x) => {
      const zPos = o.scores === 'tau' ? scale(x.pos, posInvTau(x)) : x.pos;
      const zNeg = o.scores === 'tau' ? scale(x.neg, negInvTau(x)) : x.neg;
      const posTerm = tf.mean(tf.softplus(tf.neg(zPos)), -1);
      const negLosses = tf.softplus(zNeg);
      const negTerm = o.negatives === 'sum' ? maskedSum(negLosses, x.negMask) : maskedMean(negLosses, x.negMask);
      const perRow = tf.add(posTerm, scale(negTerm, o.negativeWeight)) as tfc.Tensor1D;
      return { loss: reduceRows(perRow, o.reduction) };
    },
  }),
};
