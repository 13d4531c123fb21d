/**
 * Sampled softmax / InfoNCE (SSM, Wu et al.; official code wujcan/SSM-TensorFlow), optionally logQ-corrected (Yi et
 * al. RecSys'19):
 *   z_j = ŷ_uj / τ − log q_j   (every logit, the positive's included; without correction log q = 0)
 *   ℓ_b = −log( e^{z_pos} / (e^{z_pos} + Σ_{j∈N} e^{z_j}) ) = logsumexp(z_pos, z_N) − z_pos
 * The denominator includes the positive. Works with per-row, shared and in-batch negatives (negMask drops the row's
 * own positive from the in-batch block). The official code sums over the batch; mean is the default here.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import { tf } from '../tensor/backend';
import type { LossSpec } from './types';
import { REDUCTION_OPTION, firstPositive, negInvTau, negInvTauValues, posInvTau, reduceRows, scale, softmaxCrossEntropy } from './common';

export interface SsmOptions extends Record<string, unknown> {
  reduction: 'mean' | 'sum';
  logQ: 'none' | 'exact' | 'streaming';
  logQAlpha: number;
}

export const ssm: LossSpec<SsmOptions> = {
  name: 'ssm',
  title: 'Sampled softmax (InfoNCE)',
  description: 'Sampled softmax / InfoNCE on scores / τ with the positive in the denominator; optional logQ correction.',
  options: {
    reduction: REDUCTION_OPTION,
    logQ: {
      enum: ['none', 'exact', 'streaming'], default: 'none',
      description: 'logQ correction of every logit: none; exact (the sampler\'s q, item frequency c_j/|R| for in-batch columns); streaming (Yi et al.\'s frequency estimator)',
    },
    logQAlpha: { type: 'number', default: 0.01, exclusiveMinimum: 0, maximum: 1, description: 'learning rate α of the streaming frequency estimator' },
  },
  usesTemperature: () => true,
  perRowLoss: true,
  logQ: (o) => (o.logQ === 'none' ? null : { mode: o.logQ, alpha: o.logQAlpha }),
  create: (o) => ({
    fused: { kind: 'softmax', includePositive: true, reduction: o.reduction, scale: 'temperature', logQ: true },
    compute: (x) => {
      const pos = firstPositive(x.pos);
      let zPos = scale(pos, posInvTau(x));
      if (x.logQPos) zPos = tf.sub(zPos, x.logQPos);
      // without logQ the 1/τ scaling folds into the fused reduction; with it, the corrected logits are formed first
      const perRow = x.logQNeg
        ? softmaxCrossEntropy(zPos, tf.sub(scale(x.neg, negInvTau(x)), x.logQNeg), 1, x.negMask)
        : softmaxCrossEntropy(zPos, x.neg, negInvTauValues(x), x.negMask);
      const out: { loss: tfc.Scalar; perRow?: tfc.Tensor1D } = { loss: reduceRows(perRow, o.reduction) };
      if (x.wantPerRow) out.perRow = softmaxCrossEntropy(pos, x.neg, 1, x.negMask);
      return out;
    },
  }),
};
