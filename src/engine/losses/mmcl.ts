/**
 * Multi-margin cosine loss (MMCL / MML, Özsoy, arXiv 2405.04614). RECONSTRUCTION: no code is public and the paper's
 * formula could not be read; this follows the abstract ("multiple margins and varying weights for negative samples")
 * and reduces to CCL with one margin:
 *   ℓ_b = max(0, 1 − ŷ_pos) + Σ_p w_p · mean_{j∈N} max(0, ŷ_j − m_p)
 * so a negative's gradient weight Σ_{p: ŷ_j > m_p} w_p grows stepwise with its hardness. Batch mean over rows.
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { LossSpec } from './types';
import { maskedMean } from './common';

export interface MmclOptions extends Record<string, unknown> {
  margins: number[];
  weights: number[];
}

export const mmcl: LossSpec<MmclOptions> = {
  name: 'mmcl',
  title: 'MMCL (multi-margin cosine, reconstruction)',
  description: 'Multi-margin cosine loss (reconstructed): relu(1 − ŷ_pos) + Σ_p w_p·mean relu(ŷ_neg − m_p).',
  options: {
    margins: {
      type: 'array', items: { type: 'number', minimum: -1, maximum: 1 }, minItems: 1, default: [0.9, 0.6, 0.3],
      description: 'margins m_p (RecLab\'s default, not the paper\'s: its values were not retrieved)',
    },
    weights: {
      type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1, default: [150, 50, 10],
      description: 'weight w_p of each margin\'s hinge mean (as many as margins; RecLab\'s default)',
    },
  },
  requiresCosine: true,
  check: (o) => (o.margins.length === o.weights.length ? [] : [`$.loss.weights: expected ${o.margins.length} weights, one per margin (got ${o.weights.length})`]),
  create: (o) => {
    if (o.margins.length !== o.weights.length) throw new Error(`mmcl: ${o.margins.length} margins but ${o.weights.length} weights`);
    return {
      fused: { kind: 'hinge', posMargin: 1, terms: o.margins.map((margin, p) => ({ margin, weight: o.weights[p] })), average: 'mean', relative: false, reduction: 'mean' },
      compute: (x) => {
        const posTerm = tf.mean(tf.relu(tf.sub(1, x.pos)), -1);
        // one [B, N] hinge block per margin; weights are applied per entry so the masked mean is taken once
        let weighted: tfc.Tensor = tf.mul(tf.relu(tf.sub(x.neg, o.margins[0])), o.weights[0]);
        for (let p = 1; p < o.margins.length; p++) weighted = tf.add(weighted, tf.mul(tf.relu(tf.sub(x.neg, o.margins[p])), o.weights[p]));
        return { loss: tf.mean(tf.add(posTerm, maskedMean(weighted, x.negMask))) as tfc.Scalar };
      },
    };
  },
};
