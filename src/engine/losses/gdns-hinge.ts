/**
 * The group hinge of GDNS (Zhu et al. WWW'22; no public code, the brief's formula):
 *   ℓ_b = Σ_{i∈P_u} Σ_{j∈N_u} max(0, s_uj − s_ui + γ)
 * P_u is the row's positives (positivesPerRow = `positives`), N_u its negatives (the sampler's N). `pairs: "mean"`
 * divides by |P_u|·|N_u| so γ and the learning rate do not depend on the group sizes. Batch mean over rows.
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { LossSpec } from './types';
import { REDUCTION_OPTION, reduceRows } from './common';

export interface GdnsHingeOptions extends Record<string, unknown> {
  margin: number;
  positives: number;
  pairs: 'sum' | 'mean';
  reduction: 'mean' | 'sum';
}

export const gdnsHinge: LossSpec<GdnsHingeOptions> = {
  name: 'gdns-hinge',
  title: 'GDNS group hinge',
  description: 'Group hinge Σ_{i∈P_u} Σ_{j∈N_u} [s_uj − s_ui + γ]_+ over a positive group and a negative group per row.',
  options: {
    margin: { type: 'number', default: 0.1, minimum: 0, description: 'margin γ (unverified: the paper\'s value was not retrieved)' },
    positives: { type: 'integer', default: 1, minimum: 1, description: 'size of the positive group P_u (the row\'s positive plus items of the user drawn with replacement)' },
    pairs: { enum: ['sum', 'mean'], default: 'sum', description: 'sum over the |P_u|·|N_u| pairs (the formula) or their mean' },
    reduction: REDUCTION_OPTION,
  },
  positivesPerRow: (o) => o.positives,
  create: (o) => ({
    // one positive per row: Σ_j max(0, s_j − s⁺ + γ), the hinge form with a margin relative to the positive (m = −γ)
    fused: { kind: 'hinge', posMargin: null, terms: [{ margin: -o.margin, weight: 1 }], average: o.pairs, relative: true, reduction: o.reduction },
    compute: (x) => {
      const [B, P] = x.pos.shape;
      const N = x.neg.shape[1];
      // [B, P, N] = s_neg[b, ·, j] − s_pos[b, i, ·] + γ
      const hinges = tf.relu(tf.add(tf.sub(tf.reshape(x.neg, [B, 1, N]), tf.reshape(x.pos, [B, P, 1])), o.margin));
      const masked = x.negMask ? tf.mul(hinges, tf.reshape(x.negMask, [B, 1, N])) : hinges;
      let perRow = tf.sum(masked, [1, 2]);
      if (o.pairs === 'mean') {
        const counted = x.negMask ? tf.mul(tf.maximum(tf.sum(x.negMask, 1), 1), P) : P * N;
        perRow = tf.div(perRow, counted);
      }
      return { loss: reduceRows(perRow as tfc.Tensor1D, o.reduction) };
    },
  }),
};
