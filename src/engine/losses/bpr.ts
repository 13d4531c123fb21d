/**
 * BPR (Rendle et al. 2009): −ln σ(s_ui − s_uj) = softplus(s_uj − s_ui).
 * - form "mean": mean over the row's negatives (RecBox PairwiseLogisticLoss; 1 negative = classic BPR)
 * - form "kpair": log(1 + Σ_k exp(s_uk − s_ui)) (MixGCF's multi-negative form; equals BPR for one negative)
 * Batch reduction "mean" (LightGCN, MixGCF) or "sum" (SRNS, SSM-TF's BPR).
 */
import { tf } from '../tensor/backend';
import { logSumExpRows } from '../tensor/ops';
import { maskValues } from './common';
import type { LossSpec } from './types';

export interface BprOptions extends Record<string, unknown> {
  form: 'mean' | 'kpair';
  reduction: 'mean' | 'sum';
}

export const bpr: LossSpec<BprOptions> = {
  name: 'bpr',
  title: 'BPR',
  description: 'Bayesian personalised ranking: softplus(s_neg − s_pos), mean over negatives or the K-pair form.',
  options: {
    form: { enum: ['mean', 'kpair'], default: 'mean', description: 'mean over negatives, or log(1+Σexp(s_neg−s_pos)) (MixGCF K-pair)' },
    reduction: { enum: ['mean', 'sum'], default: 'mean', description: 'batch reduction (mean: LightGCN; sum: SRNS/SSM code)' },
  },
  create: (o) => ({
    // K-pair: log(1 + Σ_k e^{s_k − s⁺}) = log(e^{s⁺} + Σ_k e^{s_k}) − s⁺, the softmax form at scale 1
    fused: o.form === 'kpair' ? { kind: 'softmax', includePositive: true, reduction: o.reduction, scale: 'unit' } : undefined,
    compute: ({ pos, neg, negMask }) => {
      const diff = tf.sub(neg, tf.slice(pos, [0, 0], [-1, 1])); // [B,N]
      let perRow: import('@tensorflow/tfjs-core').Tensor1D;
      if (o.form === 'kpair') {
        perRow = logSumExpRows(diff, { mask: maskValues(negMask), constant: 0 }) as typeof perRow; // log(1 + Σ exp)
      } else if (negMask) {
        perRow = tf.div(tf.sum(tf.mul(tf.softplus(diff), negMask), 1), tf.maximum(tf.sum(negMask, 1), 1));
      } else {
        perRow = tf.mean(tf.softplus(diff), 1);
      }
      const loss = o.reduction === 'sum' ? tf.sum(perRow) : tf.mean(perRow);
      return { loss: loss as import('@tensorflow/tfjs-core').Scalar };
    },
    scoreGrads: (pos, neg, B, N, dPos, dNeg) => {
      // d_k = s_neg,k − s_pos. mean: ℓ_b = (1/N)Σ softplus(d_k), ∂/∂d_k = σ(d_k)/N. kpair: ℓ_b = log(1 + Σ e^{d_k}),
      // ∂/∂d_k = e^{d_k} / (1 + Σ e^d). ∂/∂s_pos = −Σ_k ∂/∂d_k. Batch factor r = 1/B (mean) or 1 (sum).
      const r = o.reduction === 'sum' ? 1 : 1 / B;
      let total = 0;
      for (let b = 0; b < B; b++) {
        const sp = pos[b];
        const o0 = b * N;
        let gPos = 0;
        if (o.form === 'kpair') {
          let mx = 0;
          for (let k = 0; k < N; k++) mx = Math.max(mx, neg[o0 + k] - sp);
          let sum = Math.exp(-mx);
          for (let k = 0; k < N; k++) sum += Math.exp(neg[o0 + k] - sp - mx);
          const lse = mx + Math.log(sum);
          total += lse;
          for (let k = 0; k < N; k++) {
            const g = Math.exp(neg[o0 + k] - sp - lse) * r;
            dNeg[o0 + k] = g;
            gPos -= g;
          }
        } else {
          let rowLoss = 0;
          for (let k = 0; k < N; k++) {
            const d = neg[o0 + k] - sp;
            rowLoss += d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d));
            const g = r / (N * (1 + Math.exp(-d)));
            dNeg[o0 + k] = g;
            gPos -= g;
          }
          total += rowLoss / N;
        }
        dPos[b] = gPos;
      }
      return total * r;
    },
  }),
};
