/**
 * Metropolis–Hastings negatives: per user and negative slot a Markov chain over the items whose stationary
 * distribution is the model's softmax p(x) ∝ exp(s_ux/T) (restricted to the user's non-training items when
 * rejecting) — hard negatives in proportion to the softmax without scoring the catalogue. A transition proposes
 * x′ ~ q (uniform, or ∝ (c + smoothing)^α) and moves with probability
 *   min(1, p(x′)q(x) / (p(x)q(x′))) = min(1, exp((s_x′ − s_x)/T) · q(x)/q(x′)).
 * Chains persist across steps and epochs (one item id per user and slot); a chain's first use runs `burnIn`
 * transitions from a proposal draw, every use then `steps` transitions, and the state is the negative. Both scores are
 * taken under the current model at each transition, so the chain follows the moving softmax. Rows of the same user in
 * one batch advance the chain one after the other. Reports the acceptance rate and the chain states' score percentiles
 * per epoch.
 */
import type { SamplerSpec } from './types';
import { ItemDistribution } from './weighted';
import { POPULARITY_OPTIONS } from './popularity';
import { Reservoir } from './reject';
import { Rng } from '../rng';
import { percentiles } from '../stats';

export interface MhOptions extends Record<string, unknown> {
  proposal: 'uniform' | 'popularity';
  alpha: number;
  smoothing: number;
  temperature: number;
  steps: number;
  burnIn: number;
}

export const mh: SamplerSpec<MhOptions> = {
  name: 'mh',
  title: 'Metropolis–Hastings (softmax chains)',
  description: 'Per-user Markov chains whose stationary distribution is the model\'s softmax at temperature T; uniform or popularity proposals, persisted across steps, with burn-in.',
  options: {
    proposal: { enum: ['uniform', 'popularity'], default: 'uniform', description: 'proposal q of a transition: uniform, or ∝ (c + smoothing)^α' },
    ...POPULARITY_OPTIONS,
    temperature: { type: 'number', default: 1, exclusiveMinimum: 0, description: 'T of the stationary softmax p ∝ exp(s/T)' },
    steps: { type: 'integer', default: 2, minimum: 1, description: 'transitions per negative drawn' },
    burnIn: { type: 'integer', default: 20, minimum: 0, description: 'extra transitions when a chain is first used' },
  },
  create: (o, data) => {
    const { train, nItems } = data;
    const q = o.proposal === 'uniform' ? new ItemDistribution(new Float64Array(nItems).fill(1)) : ItemDistribution.power(data.popularity, o.alpha, o.smoothing);
    const K = o.negatives;
    const chains = new Int32Array(train.nUsers * K).fill(-1);
    const statsRng = new Rng(0x3c4);
    const chainScore = new Reservoir(statsRng);
    let proposed = 0;
    let accepted = 0;
    let started = 0;
    return {
      sample: (users, _pos, ctx) => {
        const B = users.length;
        const out = new Int32Array(B * K);
        // the r-th occurrence of a user in the batch runs in round r, so a chain is never advanced twice at once
        const seen = new Map<number, number>();
        const round = new Int32Array(B);
        let rounds = 0;
        for (let b = 0; b < B; b++) {
          const r = seen.get(users[b]) ?? 0;
          seen.set(users[b], r + 1);
          round[b] = r;
          rounds = Math.max(rounds, r + 1);
        }
        for (let r = 0; r < rounds; r++) {
          // the chains of this round and their remaining transitions
          const slots: number[] = [];
          const rows: number[] = [];
          const left: number[] = [];
          for (let b = 0; b < B; b++) {
            if (round[b] !== r) continue;
            const u = users[b];
            for (let k = 0; k < K; k++) {
              const c = u * K + k;
              let extra = 0;
              if (chains[c] < 0) {
                chains[c] = q.drawRejecting(ctx.rng, train, u, o.rejectPositives);
                extra = o.burnIn;
                started++;
              }
              slots.push(c);
              rows.push(b);
              left.push(o.steps + extra);
            }
          }
          const lastScore = new Float64Array(slots.length);
          for (let active = slots.map((_, i) => i); active.length; active = active.filter((i) => left[i] > 0)) {
            const m = active.length;
            const us = new Int32Array(m);
            const pair = new Int32Array(2 * m);
            for (let a = 0; a < m; a++) {
              const i = active[a];
              const u = users[rows[i]];
              us[a] = u;
              pair[2 * a] = chains[slots[i]];
              pair[2 * a + 1] = q.drawRejecting(ctx.rng, train, u, o.rejectPositives);
            }
            const s = ctx.scorer.score(us, pair, 2);
            for (let a = 0; a < m; a++) {
              const i = active[a];
              const x = pair[2 * a];
              const y = pair[2 * a + 1];
              const logRatio = (s[2 * a + 1] - s[2 * a]) / o.temperature + q.logQ[x] - q.logQ[y];
              proposed++;
              if (logRatio >= 0 || ctx.rng.float() < Math.exp(logRatio)) {
                chains[slots[i]] = y;
                lastScore[i] = s[2 * a + 1];
                accepted++;
              } else lastScore[i] = s[2 * a];
              left[i]--;
            }
          }
          for (let i = 0; i < slots.length; i++) {
            out[rows[i] * K + (slots[i] % K)] = chains[slots[i]];
            if ((i & 7) === 0) chainScore.add(lastScore[i]);
          }
        }
        return { layout: 'per-row', n: K, items: out };
      },
      endEpoch: () => {
        const r = { acceptanceRate: proposed ? accepted / proposed : 0, chainScore: percentiles(chainScore.sample()), chainsStarted: started, transitions: proposed };
        proposed = accepted = started = 0;
        chainScore.reset();
        return r;
      },
    };
  },
};
