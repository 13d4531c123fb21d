/**
 * Rejection sampling towards a target distribution p from a proposal q with p(x) ≤ c·q(x) (von Neumann): draw
 * x ~ q, accept with probability p(x)/(c·q(x)), else draw again; accepted draws follow p exactly, and a draw is
 * accepted with probability 1/c. Two targets:
 * - `target: "popularity"`: p ∝ (c_j + smoothing)^α, from the proposal uniform or ∝ (c_j + smoothing)^{α_q};
 *   c = max_j p_j/q_j is computed exactly. logQ = log p (closed form), usable by NCE / importance sampling.
 * - `target: "softmax"`: the model's softmax at temperature T over a candidate pool — per row, M = `candidates`
 *   uniform items (0: the whole catalogue; only for small catalogues) are scored once, the proposal is uniform over
 *   the pool and c = M·max p, so x is accepted with probability exp((s_x − s_max)/T). Hard negatives in the
 *   proportions of the model's own softmax, without sorting.
 * With rejectPositives the proposal excludes the user's training items, so the target is p restricted to the
 * complement. After `maxTries` rejections in a row the negative is drawn exactly from the target (an alias table or
 * a categorical draw over the pool), which keeps the output distribution exact.
 */
import type { SamplerSpec } from './types';
import { drawThinned, ItemDistribution, perRowNegatives } from './weighted';
import { drawUniformRejecting, Reservoir, Scratch } from './reject';
import { Rng } from '../rng';
import { percentiles } from '../stats';
import { hasItem } from '../data/types';

export interface RejectionOptions extends Record<string, unknown> {
  target: 'popularity' | 'softmax';
  alpha: number;
  proposal: 'uniform' | 'popularity';
  proposalAlpha: number;
  smoothing: number;
  candidates: number;
  temperature: number;
  maxTries: number;
}

/** The envelope constant c = max_j p_j / q_j (throws when p has mass where q has none). */
export function envelope(p: Float64Array, q: Float64Array): number {
  let c = 0;
  for (let j = 0; j < p.length; j++) {
    if (p[j] === 0) continue;
    if (q[j] === 0) throw new Error(`rejection: the target gives item ${j} probability ${p[j]} but the proposal gives it 0 (p ≤ c·q cannot hold)`);
    c = Math.max(c, p[j] / q[j]);
  }
  return c;
}

export const rejection: SamplerSpec<RejectionOptions> = {
  name: 'rejection',
  title: 'Rejection sampling to a target',
  description: 'Negatives from a target p (popularity^α, or the model\'s softmax over a candidate pool) by rejection from a proposal q with p ≤ c·q.',
  options: {
    target: { enum: ['popularity', 'softmax'], default: 'popularity', description: 'target p: ∝ (c + smoothing)^α, or the model\'s softmax at temperature T over a pool of candidates' },
    alpha: { type: 'number', default: 0.75, minimum: 0, description: 'α of the popularity target' },
    proposal: { enum: ['uniform', 'popularity'], default: 'uniform', description: 'proposal q of the popularity target (the softmax target always proposes uniformly from its pool)' },
    proposalAlpha: { type: 'number', default: 0.5, minimum: 0, description: 'α_q of a popularity proposal (q ∝ (c + smoothing)^α_q)' },
    smoothing: { type: 'number', default: 1, minimum: 0, description: 'pseudo-count added to every item\'s frequency (1: every item has p > 0, so a uniform proposal covers it)' },
    candidates: { type: 'integer', default: 64, minimum: 0, description: 'M: pool size of the softmax target per row (0: the whole catalogue)' },
    temperature: { type: 'number', default: 1, exclusiveMinimum: 0, description: 'T of the softmax target p ∝ exp(s/T)' },
    maxTries: { type: 'integer', default: 256, minimum: 1, description: 'rejections in a row before an exact draw from the target' },
  },
  create: (o, data) => {
    const { train, nItems } = data;
    const statsRng = new Rng(0x4e7);
    const chosenScore = new Reservoir(statsRng);
    let proposed = 0;
    let accepted = 0;
    if (o.target === 'popularity') {
      const p = ItemDistribution.power(data.popularity, o.alpha, o.smoothing);
      const q = o.proposal === 'uniform' ? new ItemDistribution(new Float64Array(nItems).fill(1)) : ItemDistribution.power(data.popularity, o.proposalAlpha, o.smoothing);
      const c = envelope(p.table.p, q.table.p);
      const accept = Float64Array.from(p.table.p, (pj, j) => (q.table.p[j] > 0 ? pj / (c * q.table.p[j]) : 0));
      const tally = { proposed: 0, kept: 0 };
      return {
        sample: (users, _pos, ctx) =>
          perRowNegatives(users, o.negatives, (u) => drawThinned(ctx.rng, train, u, o.rejectPositives, q, accept, o.maxTries, p, tally)),
        logQ: (items) => p.logQOf(items),
        endEpoch: () => {
          const r = { acceptanceRate: tally.proposed ? tally.kept / tally.proposed : 0, envelope: c, expectedAcceptance: 1 / c };
          tally.proposed = tally.kept = 0;
          return r;
        },
      };
    }
    const M = o.candidates > 0 ? o.candidates : nItems;
    const pool = new Scratch((m) => new Int32Array(m));
    const weights = new Float64Array(M);
    return {
      sample: (users, _pos, ctx) => {
        const B = users.length;
        const n = o.negatives;
        const cand = pool.get(B * M);
        for (let b = 0; b < B; b++) {
          const u = users[b];
          if (o.candidates > 0) for (let k = 0; k < M; k++) cand[b * M + k] = drawUniformRejecting(ctx.rng, train, nItems, u, o.rejectPositives);
          else for (let k = 0; k < M; k++) cand[b * M + k] = k;
        }
        const scores = ctx.scorer.score(users, cand, M);
        const out = new Int32Array(B * n);
        for (let b = 0; b < B; b++) {
          const u = users[b];
          const off = b * M;
          // the whole catalogue as the pool: the user's training items are not candidates when rejecting
          const allowed = (k: number): boolean => o.candidates > 0 || !o.rejectPositives || !hasItem(train, u, cand[off + k]);
          let sMax = -Infinity;
          for (let k = 0; k < M; k++) if (allowed(k) && scores[off + k] > sMax) sMax = scores[off + k];
          if (sMax === -Infinity) {
            for (let k = 0; k < n; k++) out[b * n + k] = cand[off + ctx.rng.int(M)];
            continue;
          }
          for (let k = 0; k < n; k++) {
            let pick = -1;
            for (let t = 0; t < o.maxTries && pick < 0; t++) {
              const x = ctx.rng.int(M);
              if (!allowed(x)) continue;
              proposed++;
              if (ctx.rng.float() < Math.exp((scores[off + x] - sMax) / o.temperature)) {
                accepted++;
                pick = x;
              }
            }
            if (pick < 0) pick = categorical(scores, off, M, sMax, o.temperature, allowed, weights, ctx.rng);
            out[b * n + k] = cand[off + pick];
            if (((b * n + k) & 7) === 0) chosenScore.add(scores[off + pick]);
          }
        }
        return { layout: 'per-row', n, items: out };
      },
      endEpoch: () => {
        const r = { acceptanceRate: proposed ? accepted / proposed : 0, chosenScore: percentiles(chosenScore.sample()), candidates: M };
        proposed = accepted = 0;
        chosenScore.reset();
        return r;
      },
    };

  },
};

/** An exact draw ∝ exp((s − sMax)/T) among the allowed pool slots. */
function categorical(scores: Float32Array, off: number, M: number, sMax: number, T: number, allowed: (k: number) => boolean, w: Float64Array, rng: Rng): number {
  let total = 0;
  for (let k = 0; k < M; k++) total += w[k] = allowed(k) ? Math.exp((scores[off + k] - sMax) / T) : 0;
  let r = rng.float() * total;
  let last = 0;
  for (let k = 0; k < M; k++) {
    if (w[k] === 0) continue;
    last = k;
    r -= w[k];
    if (r < 0) return k;
  }
  return last;
}
