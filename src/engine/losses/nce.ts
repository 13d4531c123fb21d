/**
 * Noise-contrastive estimation (Gutmann & Hyvärinen 2010; Mnih & Teh 2012 for language models): each row's positive
 * is told apart from its k noise items by a logistic classifier whose logit is the model's score minus the log of the
 * noise's expected share, Δ(j) = z_j − log(k·q(j)):
 *   ℓ_b = softplus(−Δ(pos)) + Σ_{j∈N_b} softplus(Δ(j)),   z = s (raw) or s/τ, minus a fixed log-normaliser `logZ`
 * The model is self-normalised: its exp(z) is read as an unnormalised probability whose partition function is fixed
 * (logZ, 0 as Mnih & Teh) instead of being computed. k is the number of unmasked negatives of the row; q is the
 * sampler's per-draw probability (exact: uniform 1/|I|, popularity c^α/Σc^α, the mixed mixture, in-batch c_j/|R|) or
 * Yi et al.'s streaming estimate of the per-step probability, divided by the draws of a step (per-row: B·N; shared
 * and in-batch columns: their number) to approximate a per-draw probability. Unlike the softmax, NCE does not cancel
 * a constant factor of q, so the per-draw scale matters.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import { tf } from '../tensor/backend';
import type { LossInputs, LossSpec } from './types';
import { REDUCTION_OPTION, firstPositive, negInvTau, posInvTau, reduceRows, scale } from './common';

export interface NceOptions extends Record<string, unknown> {
  scores: 'raw' | 'tau';
  noise: 'exact' | 'streaming';
  logQAlpha: number;
  logZ: number;
  reduction: 'mean' | 'sum';
}

/** log q per draw of the negatives and of the positive, from the LossInputs' log q (see the file comment). */
export function perDrawLogQ(x: LossInputs, noise: NceOptions['noise']): { pos: tfc.Tensor; neg: tfc.Tensor } {
  if (!x.logQNeg || !x.logQPos) throw new Error('nce needs the noise distribution\'s log q (LossInputs.logQPos / logQNeg)');
  if (noise === 'exact') return { pos: x.logQPos, neg: x.logQNeg };
  const draws = x.logQNeg.shape.reduce((a, b) => a * b, 1);
  const shift = Math.log(Math.max(draws, 1));
  return { pos: tf.sub(x.logQPos, shift), neg: tf.sub(x.logQNeg, shift) };
}

export const nce: LossSpec<NceOptions> = {
  name: 'nce',
  title: 'NCE',
  description: 'Noise-contrastive estimation: logistic discrimination of the positive against k noise items with the log(k·q) correction; self-normalised.',
  options: {
    scores: { enum: ['raw', 'tau'], default: 'raw', description: 'logits are the raw scores, or scores / τ (use with cosine scores)' },
    noise: {
      enum: ['exact', 'streaming'], default: 'exact',
      description: 'q of the noise: exact (the sampler\'s own per-draw q: uniform, popularity, mixed, in-batch frequency); streaming (Yi et al.\'s estimate of the per-step probability, divided by the draws per step)',
    },
    logQAlpha: { type: 'number', default: 0.01, exclusiveMinimum: 0, maximum: 1, description: 'learning rate α of the streaming estimator (noise "streaming")' },
    logZ: { type: 'number', default: 0, description: 'the fixed log-partition function subtracted from every logit (self-normalisation; 0 as Mnih & Teh)' },
    reduction: REDUCTION_OPTION,
  },
  usesTemperature: (o) => o.scores === 'tau',
  logQ: (o) => ({ mode: o.noise, alpha: o.logQAlpha }),
  create: (o) => ({
    compute: (x) => {
      const logQ = perDrawLogQ(x, o.noise);
      const pos = firstPositive(x.pos);
      let zPos = o.scores === 'tau' ? scale(pos, posInvTau(x)) : pos;
      let zNeg = o.scores === 'tau' ? scale(x.neg, negInvTau(x)) : x.neg;
      if (o.logZ !== 0) {
        zPos = tf.sub(zPos, o.logZ);
        zNeg = tf.sub(zNeg, o.logZ);
      }
      // k = the row's noise samples (unmasked negatives), at least 1 so log k stays finite
      const logK: tfc.Tensor | number = x.negMask ? tf.log(tf.maximum(tf.sum(x.negMask, 1, true), 1)) : Math.log(Math.max(x.neg.shape[1], 1));
      const logQPos = logQ.pos.shape.length === 2 && logQ.pos.shape[1] !== 1 ? tf.slice(logQ.pos, [0, 0], [-1, 1]) : logQ.pos;
      const dPos = tf.sub(tf.sub(zPos, logQPos), logK); // [B,1]
      const dNeg = tf.sub(tf.sub(zNeg, logQ.neg), logK); // [B,N]
      const negTerms = tf.softplus(dNeg);
      const negSum = tf.sum(x.negMask ? tf.mul(negTerms, x.negMask) : negTerms, 1);
      const perRow = tf.add(tf.reshape(tf.softplus(tf.neg(dPos)), [-1]), negSum) as tfc.Tensor1D;
      return { loss: reduceRows(perRow, o.reduction) };
    },
  }),
};
