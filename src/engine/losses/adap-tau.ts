/**
 * The Adap-τ loss exactly as its reference code (junkangwu/Adap_tau utils/losses.py Adap_tau_Loss), with inverse
 * temperatures β = 1/τ:
 *   ℓ_b = −β0·ŷ_pos + log Σ_{j∈N} exp(β_u·ŷ_j)       (the positive is NOT in the denominator)
 * β0 is the global inverse temperature (StepTemperature.posInvTau; 1/τ under a fixed τ), β_u the row's user's
 * (1/tauPerRow; 1/τ without a per-user scheme). Mean over rows. The detached per-row `loss_` at β = 1 feeds the
 * per-user temperature. `standardInfoNCE` puts the positive (at β0) back into the denominator.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { LossSpec } from './types';
import { firstPositive, negInvTauValues, posInvTau, reduceRows, scale, softmaxCrossEntropy } from './common';

export interface AdapTauOptions extends Record<string, unknown> {
  standardInfoNCE: boolean;
}

export const adapTau: LossSpec<AdapTauOptions> = {
  name: 'adap-tau',
  title: 'Adap-τ loss',
  description: 'Adap-τ as coded: −β0·ŷ_pos + log Σ_neg exp(β_u·ŷ_neg), the positive not in the denominator (standardInfoNCE: included).',
  options: {
    standardInfoNCE: { type: 'boolean', default: false, description: 'include the positive in the denominator (standard InfoNCE) instead of the reference code\'s negatives-only denominator' },
  },
  requiresCosine: true,
  usesTemperature: () => true,
  perRowLoss: true,
  create: (o) => ({
    fused: { kind: 'softmax', includePositive: o.standardInfoNCE, reduction: 'mean', scale: 'temperature' },
    compute: (x) => {
      const pos = firstPositive(x.pos);
      const perRow = softmaxCrossEntropy(scale(pos, posInvTau(x)), x.neg, negInvTauValues(x), x.negMask, o.standardInfoNCE);
      const out: { loss: tfc.Scalar; perRow?: tfc.Tensor1D } = { loss: reduceRows(perRow, 'mean') };
      if (x.wantPerRow) out.perRow = softmaxCrossEntropy(pos, x.neg, 1, x.negMask, o.standardInfoNCE);
      return out;
    },
  }),
};
