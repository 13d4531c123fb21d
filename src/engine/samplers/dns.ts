/**
 * Dynamic negative sampling (Zhang et al., SIGIR 2013): per negative, M = `candidates` uniform non-positive items are
 * scored with the current model and the highest-scoring one is kept — DNS(M). With `topN` > 1 one of the top-N is
 * picked uniformly — DNS(M, N). Each of a row's `negatives` is an independent draw of M candidates. No gradient flows
 * through the choice. Scoring B·negatives·M candidates is one Scorer call per batch (plain typed-array dot products).
 */
import type { SamplerSpec } from './types';
import { drawUniformRejecting, Reservoir, Scratch } from './reject';
import { Rng } from '../rng';
import { percentiles } from '../stats';

export interface DnsOptions extends Record<string, unknown> {
  candidates: number;
  topN: number;
}

/**
 * Index (within [offset, offset+m)) of the chosen candidate: the argmax for topN = 1 (first on ties), else a uniform
 * pick among the topN highest. `top` is scratch of length ≥ topN.
 */
export function chooseAmongTop(scores: Float32Array, offset: number, m: number, topN: number, top: Int32Array, pick: () => number): number {
  if (topN <= 1) {
    let best = offset;
    for (let k = offset + 1; k < offset + m; k++) if (scores[k] > scores[best]) best = k;
    return best - offset;
  }
  const n = Math.min(topN, m);
  let count = 0;
  for (let k = 0; k < m; k++) {
    const s = scores[offset + k];
    if (count === n && !(s > scores[offset + top[n - 1]])) continue;
    let p = count < n ? count++ : n - 1;
    while (p > 0 && scores[offset + top[p - 1]] < s) {
      top[p] = top[p - 1];
      p--;
    }
    top[p] = k;
  }
  return top[Math.min(count - 1, Math.floor(pick() * count))];
}

export const dns: SamplerSpec<DnsOptions> = {
  name: 'dns',
  title: 'DNS (dynamic negatives)',
  description: 'DNS(M): the highest-scoring of M uniform candidates under the current model; DNS(M, N): uniform among the top N.',
  options: {
    candidates: { type: 'integer', default: 32, minimum: 1, description: 'M uniform candidates scored per negative (MixGCF baselines use 32–64)' },
    topN: { type: 'integer', default: 1, minimum: 1, description: 'N: pick uniformly among the N highest-scoring candidates (1 = argmax, classic DNS)' },
  },
  create: (o, data) => {
    const M = o.candidates;
    const topN = Math.min(o.topN, M);
    const candidates = new Scratch((n) => new Int32Array(n));
    const top = new Int32Array(topN);
    const statsRng = new Rng(0x5eed);
    const chosenMinusMean = new Reservoir(statsRng);
    const chosenRank = new Reservoir(statsRng);
    return {
      sample: (users, _pos, ctx) => {
        const B = users.length;
        const K = o.negatives;
        const cand = candidates.get(B * K * M);
        for (let b = 0; b < B; b++) {
          const u = users[b];
          const base = b * K * M;
          for (let k = 0; k < K * M; k++) cand[base + k] = drawUniformRejecting(ctx.rng, data.train, data.nItems, u, o.rejectPositives);
        }
        const scores = ctx.scorer.score(users, cand, K * M);
        const out = new Int32Array(B * K);
        const pick = (): number => ctx.rng.float();
        for (let g = 0; g < B * K; g++) {
          const off = g * M;
          const c = chooseAmongTop(scores, off, M, topN, top, pick);
          out[g] = cand[off + c];
          if ((g & 15) === 0) {
            let mean = 0;
            let above = 0;
            for (let k = 0; k < M; k++) {
              mean += scores[off + k];
              if (scores[off + k] > scores[off + c]) above++;
            }
            chosenMinusMean.add(scores[off + c] - mean / M);
            chosenRank.add(above + 1);
          }
        }
        return { layout: 'per-row', n: K, items: out };
      },
      endEpoch: () => {
        const r = { hardnessGap: percentiles(chosenMinusMean.sample()), chosenRank: percentiles(chosenRank.sample()), candidates: M, topN };
        chosenMinusMean.reset();
        chosenRank.reset();
        return r;
      },
    };
  },
};
