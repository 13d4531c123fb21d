/**
 * Importance-sampled softmax, with the proposal and the importance weights explicit (Bengio & Senécal 2003/2008;
 * Jean et al. 2015). The full softmax loss over the catalogue is ℓ = −z_pos + log Z, Z = Σ_{j∈I} e^{z_j}, z = s/τ.
 * With N negatives j ~ q, the target p = 1/|I| (every item once in Z) and the importance weights w_j = p_j / q_j:
 *   Ẑ = e^{z_pos} + (|I|/N)·Σ_j w_j e^{z_j} = e^{z_pos} + (1/N)·Σ_j e^{z_j − log q_j}      (unbiased for Z when the
 *   positive is counted exactly and q covers the other items; `includePositive: false` drops the e^{z_pos} term)
 *   ℓ_b = log Ẑ − z_pos
 * - weights "unbiased": Ẑ as above; q must be the sampler's normalised per-draw probability.
 * - weights "self-normalised" (Bengio & Senécal's biased importance sampling): the weights are normalised among the
 *   row's samples, w̃_j = (e^{z_j}/q_j)/Σ_k (e^{z_k}/q_k); the loss log(e^{z_pos} + Σ_j e^{z_j − log q_j}) − z_pos has
 *   exactly the gradient −∇z_pos + Σ_j w̃_j ∇z_j (with the positive as one more sample of weight e^{z_pos}). A
 *   constant factor of q cancels, so an unnormalised proposal works.
 * - proposal "sampler": log q from the sampler (uniform, popularity^α, mixed; in-batch frequency; or the streaming
 *   estimate). proposal "score": the score-based proposal q̃_j ∝ exp(ŝ_j/T) of a model-aware sampler (rejection or
 *   Metropolis–Hastings towards the model's softmax at temperature T), log q̃_j = stop-gradient(s_j)/T — only with
 *   self-normalised weights (its normaliser is unknown).
 * Relation to `ssm` with logQ: `ssm` subtracts log q from every logit, the positive's included (Yi et al.); this loss
 * leaves the positive uncorrected (it is known, not sampled) and, unbiased, adds the −log N of the 1/N average.
 * `correctPositive: true` subtracts log q from the positive too, and then self-normalised is exactly `ssm` with logQ.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import { tf } from '../tensor/backend';
import type { LossSpec } from './types';
import { REDUCTION_OPTION, firstPositive, negInvTau, posInvTau, reduceRows, scale, softmaxCrossEntropy } from './common';

export interface IsSoftmaxOptions extends Record<string, unknown> {
  proposal: 'sampler' | 'score';
  weights: 'unbiased' | 'self-normalised';
  proposalTemperature: number;
  logQ: 'exact' | 'streaming';
  logQAlpha: number;
  includePositive: boolean;
  correctPositive: boolean;
  reduction: 'mean' | 'sum';
}

export const isSoftmax: LossSpec<IsSoftmaxOptions> = {
  name: 'is-softmax',
  title: 'Importance-sampled softmax',
  description: 'Softmax over the catalogue estimated by importance sampling: weights p/q of the sampler\'s proposal (uniform, popularity^α, mixture) or of a score-based proposal; unbiased or self-normalised weights.',
  options: {
    proposal: {
      enum: ['sampler', 'score'], default: 'sampler',
      description: 'q: the sampler\'s own log q (uniform, popularity^α, mixed, in-batch frequency), or the score-based proposal exp(s/T) of a model-aware sampler (rejection / mh towards the softmax; self-normalised weights only)',
    },
    weights: {
      enum: ['unbiased', 'self-normalised'], default: 'unbiased',
      description: 'unbiased: Ẑ = e^{z_pos} + (1/N)Σ e^{z_j}/q_j; self-normalised: the weights normalised among the row\'s samples (Bengio & Senécal\'s biased importance sampling)',
    },
    proposalTemperature: { type: 'number', default: 1, exclusiveMinimum: 0, description: 'T of the score-based proposal q̃ ∝ exp(s/T) (set it to the sampler\'s temperature)' },
    logQ: { enum: ['exact', 'streaming'], default: 'exact', description: 'proposal "sampler": the sampler\'s exact q, or Yi et al.\'s streaming estimate' },
    logQAlpha: { type: 'number', default: 0.01, exclusiveMinimum: 0, maximum: 1, description: 'learning rate α of the streaming estimator' },
    includePositive: { type: 'boolean', default: true, description: 'count the positive\'s own term e^{z_pos} in Ẑ' },
    correctPositive: { type: 'boolean', default: false, description: 'subtract log q from the positive\'s logit too (Yi et al.; with self-normalised weights this is ssm with logQ)' },
    reduction: REDUCTION_OPTION,
  },
  usesTemperature: () => true,
  logQ: (o) => (o.proposal === 'sampler' ? { mode: o.logQ, alpha: o.logQAlpha } : null),
  check: (o) => {
    const p: string[] = [];
    if (o.proposal === 'score' && o.weights === 'unbiased') p.push('$.loss.weights: a score-based proposal has no known normaliser; use "self-normalised"');
    if (o.proposal === 'score' && o.correctPositive) p.push('$.loss.correctPositive: only with proposal "sampler"');
    if (o.proposal === 'sampler' && o.logQ === 'streaming' && o.weights === 'unbiased') {
      p.push('$.loss.weights: the streaming estimate is a per-step, not a normalised per-draw, probability; use "self-normalised"');
    }
    return p;
  },
  create: (o) => ({
    compute: (x) => {
      const pos = firstPositive(x.pos);
      let zPos = scale(pos, posInvTau(x));
      const zNegRaw = scale(x.neg, negInvTau(x));
      let logQNeg: tfc.Tensor;
      if (o.proposal === 'score') {
        // a copy of the scores outside the gradient tape: the proposal is a constant of the step (stop-gradient)
        logQNeg = tf.div(tf.tensor2d(x.neg.dataSync() as Float32Array, x.neg.shape), o.proposalTemperature);
      } else {
        if (!x.logQNeg || !x.logQPos) throw new Error('is-softmax needs the sampler\'s log q (LossInputs.logQPos / logQNeg)');
        logQNeg = x.logQNeg;
        if (o.correctPositive) zPos = tf.sub(zPos, x.logQPos.shape[1] === 1 ? x.logQPos : tf.slice(x.logQPos, [0, 0], [-1, 1]));
      }
      let zNeg = tf.sub(zNegRaw, logQNeg);
      if (o.weights === 'unbiased') {
        // (1/N)·Σ over the row's unmasked samples
        const n = x.negMask ? tf.maximum(tf.sum(x.negMask, 1, true), 1) : x.neg.shape[1];
        zNeg = tf.sub(zNeg, typeof n === 'number' ? Math.log(n) : tf.log(n));
      }
      const perRow = softmaxCrossEntropy(zPos, zNeg, 1, x.negMask, o.includePositive);
      return { loss: reduceRows(perRow, o.reduction) };
    },
  }),
};
