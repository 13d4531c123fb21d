/**
 * The three kinds of feedback of DFN-style training in one config: the row's positive (the trainer's), easy negatives
 * (uniform random items) and hard negatives (uniform from ranks rankFrom–rankTo of a previous model's ranking, the
 * `hard-rank` sampler), mixed with stated proportions — per row ⌊hardShare·N⌋ hard (+1 with probability of the
 * fraction), optionally ⌊realShare·N⌋ explicit (exposed, not clicked) negatives when the dataset has them, the rest
 * easy. Facebook's embedding-based retrieval (Huang et al. KDD'20) found that hard negatives alone hurt and a
 * mostly-easy mix (e.g. 100:1) helps; `hardShare` states that mix. `extra` reports the realised share of each kind
 * next to hard-rank's cache statistics.
 */
import type { SamplerSpec } from './types';
import { hardRank, type HardRankOptions } from './hard-rank';
import { drawUniformRejecting } from './reject';
import { drawFromRow, shareCount } from './weighted';
import { prefixed } from './real-negatives';
import { explicitNegatives } from './explicit';

export interface DfnOptions extends HardRankOptions {
  hardShare: number;
  realShare: number;
}

export const dfn: SamplerSpec<DfnOptions> = {
  name: 'dfn',
  title: 'DFN mix: easy, hard (rank window) and real negatives',
  description: 'Per row: a share of hard negatives from a previous run\'s rank window, optionally a share of explicit negatives, the rest easy uniform negatives.',
  options: {
    hardShare: { type: 'number', default: 0.2, minimum: 0, maximum: 1, description: 'expected share of each row\'s negatives that are hard (from the rank window)' },
    realShare: { type: 'number', default: 0, minimum: 0, maximum: 1, description: 'expected share that are explicit (exposed, not clicked) negatives; needs a dataset that has them' },
    ...hardRank.options,
  },
  create: (o, data) => {
    if (o.hardShare + o.realShare > 1) throw new Error(`$.sampler: hardShare + realShare = ${o.hardShare + o.realShare} > 1`);
    const real = o.realShare > 0 ? explicitNegatives(data, 'dfn') : null;
    const hard = hardRank.create(o, data);
    const counts = { hard: 0, real: 0, easy: 0 };
    return {
      sample: (users, pos, ctx) => {
        const n = o.negatives;
        const h = hard.sample(users, pos, ctx);
        if (h.layout !== 'per-row') throw new Error('dfn: hard-rank returned a non per-row layout');
        const out = new Int32Array(users.length * n);
        for (let b = 0; b < users.length; b++) {
          const u = users[b];
          const nHard = shareCount(n, o.hardShare, ctx.rng);
          const hasReal = real !== null && real.indptr[u + 1] > real.indptr[u];
          const nReal = hasReal ? Math.min(n - nHard, shareCount(n, o.realShare, ctx.rng)) : 0;
          for (let k = 0; k < n; k++) {
            if (k < nHard) out[b * n + k] = h.items[b * h.n + k];
            else if (k < nHard + nReal) out[b * n + k] = drawFromRow(real!, u, ctx.rng);
            else out[b * n + k] = drawUniformRejecting(ctx.rng, data.train, data.nItems, u, o.rejectPositives);
          }
          counts.hard += nHard;
          counts.real += nReal;
          counts.easy += n - nHard - nReal;
        }
        return { layout: 'per-row', n, items: out };
      },
      endEpoch: (ctx) => {
        const total = counts.hard + counts.real + counts.easy || 1;
        const r = { hardShare: counts.hard / total, realShare: counts.real / total, easyShare: counts.easy / total, ...prefixed((hard.endEpoch?.(ctx) ?? {}) as Record<string, number>, 'hard.') };
        counts.hard = counts.real = counts.easy = 0;
        return r;
      },
    };
  },
};
