/**
 * IRGAN for item recommendation (Wang et al., SIGIR 2017; geek-ai/irgan `item_recommendation/cf_gan.py`,
 * `gen_model.py`, `dis_model.py`). The discriminator is the model RecLab trains with its loss; this sampler holds the
 * generator G — its own user/item tables and item biases, logits z_j = g_uᵀ g_j + b_j — and
 *  - draws the discriminator's negatives from G's softmax at temperature τ (the code's generate_for_d: τ = 0.2), over
 *    all items or over a pool of `pool` uniform candidates per row (a sampled softmax for large catalogues);
 *  - trains G by policy gradient (REINFORCE) with the discriminator's reward r = 2·σ(s_D(u, j)) − 1, where s_D is the
 *    model's training score. As the code, per user the samples (samplesPerPositive·|pos| of them) come from the
 *    proposal p_n = (1 − λ)·p_θ + λ·uniform(user's positives) (λ = sampleLambda) and the reward is importance-weighted
 *    by p_θ/p_n; the loss −mean_k w_k·log p_θ(j_k) (+ gL2 on the gathered rows) takes one SGD step per user;
 *  - alternates: after every `dEpochs` training epochs of the discriminator, `gEpochs` passes of G over all users
 *    (the code: 100 D epochs, then 50 G epochs, per round).
 * Pre-training: G from a previous run's checkpoint (`from`; the code starts G from a DNS-trained MF), the
 * discriminator through model.init.from (warm start). The sampler event reports G's entropy (nats, of the
 * distribution the negatives are drawn from) and the mean reward of G's last update.
 *
 * The logits are plain typed-array loops, [D]·[D × candidates] per user (not a measured hot path): the all-items mode
 * costs |U|·|I|·D per G epoch and B·|I|·D per batch — use `pool` on large catalogues.
 */
import path from 'node:path';
import type { Sampler, SamplerContext, SamplerData, SamplerSpec } from './types';
import type { Interactions } from '../data/types';
import { readCheckpoint } from '../checkpoint';
import { drawUniformRejecting, Scratch } from './reject';
import { Rng } from '../rng';

export interface IrganOptions extends Record<string, unknown> {
  pool: number;
  temperature: number;
  dim: number;
  initRange: number;
  from: string;
  which: 'best' | 'last';
  experiment: string;
  dEpochs: number;
  gEpochs: number;
  gLr: number;
  gL2: number;
  gTemperature: number;
  samplesPerPositive: number;
  sampleLambda: number;
}

/** G's tables: user and item embeddings and item biases (row-major Float32). */
export class Generator {
  readonly users: Float32Array;
  readonly items: Float32Array;
  readonly bias: Float32Array;

  constructor(readonly nUsers: number, readonly nItems: number, readonly dim: number, init: { range: number; rng: Rng } | { users: Float32Array; items: Float32Array }) {
    if ('users' in init) {
      this.users = Float32Array.from(init.users);
      this.items = Float32Array.from(init.items);
    } else {
      this.users = new Float32Array(nUsers * dim);
      this.items = new Float32Array(nItems * dim);
      for (const t of [this.users, this.items]) for (let k = 0; k < t.length; k++) t[k] = (2 * init.rng.float() - 1) * init.range;
    }
    this.bias = new Float32Array(nItems);
  }

  /** out[k] = z(u, cand[k]) (cand null: all items, out[j] = z(u, j)) */
  logits(u: number, cand: Int32Array | null, out: Float64Array): Float64Array {
    const D = this.dim;
    const U = this.users;
    const V = this.items;
    const uo = u * D;
    const n = cand ? cand.length : this.nItems;
    for (let k = 0; k < n; k++) {
      const j = cand ? cand[k] : k;
      const jo = j * D;
      let s = this.bias[j];
      for (let d = 0; d < D; d++) s += U[uo + d] * V[jo + d];
      out[k] = s;
    }
    return out;
  }

  /**
   * One policy-gradient SGD step for user u over the candidate set `cand` (null: all items): with p = softmax(z/τ) over
   * the candidates, the loss −(1/S)·Σ_k w_k·log p(c_k) + l2·(½‖g_u‖² + Σ_k ½‖g_{c_k}‖² + ½b_{c_k}²), where `picks` are
   * indices into the candidates and w the (importance-weighted) rewards. ∂loss/∂z_j = −(1/(S·τ))·(Σ_k w_k·[c_k = j] −
   * p_j·Σ_k w_k). `p` must hold softmax(z/τ) of the current tables. Returns the loss before the step.
   */
  policyStep(u: number, cand: Int32Array | null, p: Float64Array, picks: Int32Array, w: Float64Array, tau: number, lr: number, l2: number): number {
    const D = this.dim;
    const n = cand ? cand.length : this.nItems;
    const S = picks.length;
    const g = new Float64Array(n);
    let wSum = 0;
    let loss = 0;
    for (let k = 0; k < S; k++) {
      g[picks[k]] += w[k];
      wSum += w[k];
      loss -= (w[k] * Math.log(p[picks[k]])) / S;
    }
    for (let j = 0; j < n; j++) g[j] = (-(g[j] - p[j] * wSum)) / (S * tau);
    const U = this.users;
    const V = this.items;
    const uo = u * D;
    const gu = new Float64Array(D);
    for (let j = 0; j < n; j++) {
      if (g[j] === 0) continue;
      const jo = (cand ? cand[j] : j) * D;
      for (let d = 0; d < D; d++) gu[d] += g[j] * V[jo + d];
    }
    if (l2 > 0) {
      let reg = 0;
      for (let d = 0; d < D; d++) {
        reg += U[uo + d] * U[uo + d];
        gu[d] += l2 * U[uo + d];
      }
      for (let k = 0; k < S; k++) {
        const j = cand ? cand[picks[k]] : picks[k];
        for (let d = 0; d < D; d++) reg += V[j * D + d] * V[j * D + d];
        reg += this.bias[j] * this.bias[j];
      }
      loss += (l2 * reg) / 2;
    }
    // each gathered occurrence adds l2·row to its row's gradient (a row drawn twice counts twice, as tf.nn.l2_loss of a gather)
    const count = l2 > 0 ? new Float64Array(n) : null;
    if (count) for (let k = 0; k < S; k++) count[picks[k]]++;
    for (let j = 0; j < n; j++) {
      const c = count ? count[j] : 0;
      if (g[j] === 0 && c === 0) continue;
      const item = cand ? cand[j] : j;
      const jo = item * D;
      for (let d = 0; d < D; d++) V[jo + d] -= lr * (g[j] * U[uo + d] + l2 * c * V[jo + d]);
      this.bias[item] -= lr * (g[j] + l2 * c * this.bias[item]);
    }
    for (let d = 0; d < D; d++) U[uo + d] -= lr * gu[d];
    return loss;
  }
}

/** In place: p ← softmax(z/τ) over the first n entries (entries with mask false get probability 0). Returns the entropy (nats). */
export function softmaxInPlace(z: Float64Array, n: number, tau: number, excluded?: (k: number) => boolean): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (!excluded?.(k) && z[k] / tau > max) max = z[k] / tau;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = excluded?.(k) || max === -Infinity ? 0 : Math.exp(z[k] / tau - max);
    z[k] = e;
    sum += e;
  }
  let h = 0;
  for (let k = 0; k < n; k++) {
    z[k] = sum > 0 ? z[k] / sum : 0;
    if (z[k] > 0) h -= z[k] * Math.log(z[k]);
  }
  return h;
}

/** index k with cdf[k−1] ≤ x·cdf[n−1] < cdf[k] (cdf: running sums of the first n probabilities) */
function drawFromCdf(cdf: Float64Array, n: number, x: number): number {
  const t = x * cdf[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulative(p: Float64Array, n: number, out: Float64Array): Float64Array {
  let s = 0;
  for (let k = 0; k < n; k++) out[k] = s += p[k];
  return out;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The statistics of one generator epoch. */
export interface GeneratorEpoch {
  meanReward: number;
  meanWeight: number;
  loss: number;
  entropy: number;
  users: number;
}

/**
 * One pass of G over every user with training items (the code's inner G loop): sample from the proposal, reward by
 * the discriminator (ctx.scorer), importance-weight, one policy-gradient step per user.
 */
export function generatorEpoch(G: Generator, train: Interactions, ctx: SamplerContext, o: Pick<IrganOptions, 'pool' | 'gLr' | 'gL2' | 'gTemperature' | 'samplesPerPositive' | 'sampleLambda'>, rejectPositives: boolean): GeneratorEpoch {
  const rng = ctx.rng;
  let rewardSum = 0;
  let weightSum = 0;
  let lossSum = 0;
  let entropySum = 0;
  let samples = 0;
  let users = 0;
  const maxCand = o.pool > 0 ? o.pool + maxDegree(train) : G.nItems;
  const z = new Float64Array(maxCand);
  const pn = new Float64Array(maxCand);
  const cdf = new Float64Array(maxCand);
  for (let u = 0; u < train.nUsers; u++) {
    const a = train.indptr[u];
    const nPos = train.indptr[u + 1] - a;
    if (nPos === 0) continue;
    // candidates: all items, or `pool` uniform items (non-positive with rejectPositives) followed by the user's positives
    let cand: Int32Array | null = null;
    let posIndex: (k: number) => number;
    if (o.pool > 0) {
      cand = new Int32Array(o.pool + nPos);
      for (let k = 0; k < o.pool; k++) cand[k] = drawUniformRejecting(rng, train, G.nItems, u, rejectPositives);
      for (let k = 0; k < nPos; k++) cand[o.pool + k] = train.indices[a + k];
      posIndex = (k) => o.pool + k;
    } else {
      posIndex = (k) => train.indices[a + k];
    }
    const n = cand ? cand.length : G.nItems;
    G.logits(u, cand, z);
    entropySum += softmaxInPlace(z, n, o.gTemperature);
    const p = z;
    for (let k = 0; k < n; k++) pn[k] = (1 - o.sampleLambda) * p[k];
    for (let k = 0; k < nPos; k++) pn[posIndex(k)] += o.sampleLambda / nPos;
    cumulative(pn, n, cdf);
    const S = o.samplesPerPositive * nPos;
    const picks = new Int32Array(S);
    const items = new Int32Array(S);
    for (let k = 0; k < S; k++) {
      picks[k] = drawFromCdf(cdf, n, rng.float());
      items[k] = cand ? cand[picks[k]] : picks[k];
    }
    const scores = ctx.scorer.score(Int32Array.of(u), items, S);
    const w = new Float64Array(S);
    for (let k = 0; k < S; k++) {
      const r = 2 * (sigmoid(scores[k]) - 0.5);
      w[k] = (r * p[picks[k]]) / pn[picks[k]];
      rewardSum += r;
      weightSum += p[picks[k]] / pn[picks[k]];
    }
    samples += S;
    lossSum += G.policyStep(u, cand, p, picks, w, o.gTemperature, o.gLr, o.gL2);
    users++;
  }
  return { meanReward: rewardSum / Math.max(samples, 1), meanWeight: weightSum / Math.max(samples, 1), loss: lossSum / Math.max(users, 1), entropy: entropySum / Math.max(users, 1), users };
}

function maxDegree(train: Interactions): number {
  let m = 0;
  for (let u = 0; u < train.nUsers; u++) m = Math.max(m, train.indptr[u + 1] - train.indptr[u]);
  return m;
}

export const irgan: SamplerSpec<IrganOptions> = {
  name: 'irgan',
  title: 'IRGAN (generator negatives, policy gradient)',
  description: 'negatives drawn from a generator\'s softmax (all items or a candidate pool, temperature τ); the generator is trained by policy gradient with the discriminator\'s (the trained model\'s) reward, alternating with it',
  options: {
    pool: { type: 'integer', default: 0, minimum: 0, description: 'G\'s softmax over all items (0, the code) or over this many uniform candidates per row / per user (plus the user\'s positives in G\'s update): a sampled softmax for large catalogues' },
    temperature: { type: 'number', default: 0.2, exclusiveMinimum: 0, description: 'τ of the softmax the discriminator\'s negatives are drawn from (the code\'s generate_for_d: 0.2)' },
    dim: { type: 'integer', default: 64, minimum: 1, description: 'G\'s embedding dimension (ignored with `from`: the checkpoint\'s); the code: 5 on ml-100k' },
    initRange: { type: 'number', default: 0.05, minimum: 0, description: 'G\'s tables start uniform in (−initRange, initRange) (the code\'s INIT_DELTA 0.05), biases 0' },
    from: { type: 'string', default: '', description: 'pre-trained G: a previous run (directory, checkpoint folder or runs folder, relative to the config file) whose user/item tables start G (the code starts G from a DNS-trained MF); pre-train the discriminator with model.init.from' },
    which: { enum: ['best', 'last'], default: 'best', description: 'which checkpoint of `from`' },
    experiment: { type: 'string', default: '', description: 'when `from` is a runs folder: the latest run of this experiment (empty: the latest run)' },
    dEpochs: { type: 'integer', default: 1, minimum: 1, description: 'discriminator epochs (the ordinary training epochs) per round; G trains after each round (the code: 100)' },
    gEpochs: { type: 'integer', default: 1, minimum: 0, description: 'G passes over all users per round (the code: 50); 0 = G stays fixed (its pre-trained or initial tables)' },
    gLr: { type: 'number', default: 0.001, exclusiveMinimum: 0, description: 'G\'s SGD learning rate (the code: 0.001), one step per user' },
    gL2: { type: 'number', default: 0, minimum: 0, description: 'G\'s L2 on the user row and the sampled rows and biases (the code: 0)' },
    gTemperature: { type: 'number', default: 1, exclusiveMinimum: 0, description: 'temperature of G\'s policy p_θ in its update (the code: 1)' },
    samplesPerPositive: { type: 'integer', default: 2, minimum: 1, description: 'G\'s samples per user = this × the user\'s training items (the code: 2)' },
    sampleLambda: { type: 'number', default: 0.2, minimum: 0, maximum: 1, description: 'λ: G samples from (1 − λ)·p_θ + λ·uniform(positives) and weights rewards by p_θ/p_n (the code: 0.2); 0 = on-policy' },
  },
  create: (o, data) => irganSampler(o, data),
};

/** The IRGAN sampler with its generator exposed (tests read G's tables to know the distribution it draws from). */
export function irganSampler(o: IrganOptions & { negatives: number; rejectPositives: boolean }, data: SamplerData): Sampler & { generator: Generator } {
  const { train, nItems } = data;
  let G: Generator;
  if (o.from) {
    const ck = readCheckpoint(path.resolve(data.baseDir ?? '.', o.from), o.which, o.experiment || undefined);
    if (ck.nUsers !== train.nUsers || ck.nItems !== nItems) {
      throw new Error(`$.sampler.from: checkpoint ${ck.dir} has ${ck.nUsers} users × ${ck.nItems} items, the dataset ${train.nUsers} × ${nItems}`);
    }
    G = new Generator(train.nUsers, nItems, ck.dim, { users: ck.users, items: ck.items });
  } else {
    G = new Generator(train.nUsers, nItems, o.dim, { range: o.initRange, rng: new Rng(0x1e6a) });
  }
  const n = o.pool > 0 ? o.pool : nItems;
  const z = new Float64Array(n);
  const candidates = new Scratch((m) => new Int32Array(m));
  // the all-items distribution of the last user drawn for (one [items] buffer: a per-batch cache would hold B·|I| floats)
  const cdf = new Float64Array(o.pool > 0 ? 0 : nItems);
  let cdfUser = -1;
  let entropySum = 0;
  let entropyRows = 0;
  let last: GeneratorEpoch | null = null;
  let gEpochsRun = 0;
  return {
    generator: G,
    sample: (users, _pos, ctx) => {
      const B = users.length;
      const K = o.negatives;
      const out = new Int32Array(B * K);
      cdfUser = -1;
      for (let b = 0; b < B; b++) {
        const u = users[b];
        if (o.pool > 0) {
          const cand = candidates.get(o.pool);
          for (let k = 0; k < o.pool; k++) cand[k] = drawUniformRejecting(ctx.rng, train, nItems, u, o.rejectPositives);
          G.logits(u, cand, z);
          entropySum += softmaxInPlace(z, n, o.temperature);
          entropyRows++;
          const poolCdf = cumulative(z, n, z);
          for (let k = 0; k < K; k++) out[b * K + k] = cand[drawFromCdf(poolCdf, n, ctx.rng.float())];
          continue;
        }
        if (cdfUser !== u) {
          G.logits(u, null, z);
          const a = train.indptr[u];
          const e = train.indptr[u + 1];
          let excluded: ((k: number) => boolean) | undefined;
          if (o.rejectPositives && e > a) {
            const own = new Set(train.indices.subarray(a, e));
            excluded = (k) => own.has(k);
          }
          entropySum += softmaxInPlace(z, n, o.temperature, excluded);
          entropyRows++;
          cumulative(z, n, cdf);
          cdfUser = u;
        }
        for (let k = 0; k < K; k++) {
          out[b * K + k] = cdf[n - 1] > 0 ? drawFromCdf(cdf, n, ctx.rng.float()) : drawUniformRejecting(ctx.rng, train, nItems, u, o.rejectPositives);
        }
      }
      return { layout: 'per-row', n: K, items: out };
    },
    endEpoch: (ctx) => {
      const trained = o.gEpochs > 0 && ctx.epoch % o.dEpochs === 0;
      if (trained) {
        for (let e = 0; e < o.gEpochs; e++) last = generatorEpoch(G, train, ctx, o, o.rejectPositives);
        gEpochsRun += o.gEpochs;
      }
      const r: Record<string, number> = {
        generatorEntropy: entropyRows ? entropySum / entropyRows : 0,
        generatorEpochs: gEpochsRun,
      };
      if (trained && last) {
        r.reward = last.meanReward;
        r.importanceWeight = last.meanWeight;
        r.generatorLoss = last.loss;
        r.policyEntropy = last.entropy;
      }
      entropySum = 0;
      entropyRows = 0;
      return r;
    },
  };
}
