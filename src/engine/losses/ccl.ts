/**
 * Cosine contrastive loss (SimpleX, Mao et al. CIKM'21; reczoo/RecBox cosine_contrastive_loss.py):
 *   ℓ_b = max(0, 1 − ŷ_pos) + w · mean_{j∈N} max(0, ŷ_j − m)      (w = null ⇒ the sum over negatives, as the code)
 * Batch mean over rows.
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { LossSpec } from './types';
import { maskedMean, maskedSum, scale } from './common';

export interface CclOptions extends Record<string, unknown> {
  margin: number;
  negativeWeight: number | null;
}

export const ccl: LossSpec<CclOptions> = {
  name: 'ccl',
  title: 'CCL (SimpleX)',
  description: 'Cosine contrastive loss: relu(1 − ŷ_pos) + w·mean relu(ŷ_neg − m) (w null: sum over negatives).',
  options: {
    margin: { type: 'number', default: 0.9, minimum: -1, maximum: 1, description: 'margin m: negatives with cosine above m are pushed down' },
    negativeWeight: {
      type: ['number', 'null'], default: 150, minimum: 0,
      description: 'w, the weight of the mean over negatives; null sums over the negatives instead (RecBox negative_weight=None)',
    },
  },
  requiresCosine: true,
  create: (o) => ({
    fused: {
      kind: 'hinge', posMargin: 1, terms: [{ margin: o.margin, weight: o.negativeWeight ?? 1 }],
      average: o.negativeWeight === null ? 'sum' : 'mean', relative: false, reduction: 'mean',
    },
    compute: (x) => {
      const posTerm = tf.mean(tf.relu(tf.sub(1, x.pos)), -1);
      const hinges = tf.relu(tf.sub(x.neg, o.margin));
      const negTerm = o.negativeWeight === null ? maskedSum(hinges, x.negMask) : scale(maskedMean(hinges, x.negMask), o.negativeWeight);
      return { loss: tf.mean(tf.add(posTerm, negTerm)) as tfc.Scalar };
    },
  }),
};
