/**
 * Real-negative subsampling, word2vec-style (Mikolov et al. 2013, "frequent words" subsampling): a negative drawn
 * from the base distribution q (uniform or popularity^α) whose item has frequency f_j = c_j/Σc is dropped
 * with probability 1 − sqrt(t/f_j) (kept with k_j = min(1, sqrt(t/f_j)), threshold t) and redrawn, so the negatives
 * follow q_j·k_j / Σ q·k: hot items, which dominate a popularity proposal, are thinned. After 32 dropped draws in a
 * row the negative is drawn exactly from that target (an alias table), which leaves the distribution unchanged.
 * Symmetrically, `positiveThreshold` > 0 keeps each training row (u, i) of an epoch with probability
 * min(1, sqrt(t_p/f_i)) — hot items are down-sampled as positives. The kept fractions are reported per epoch.
 * c_j counts the item's training interactions (`frequency: "popularity"`) or its exposures — training interactions
 * plus explicit (shown, not clicked) negatives, for datasets that have them (`frequency: "exposure"`).
 */
import type { SamplerData, SamplerSpec } from './types';
import { explicitNegatives } from './explicit';
import { drawThinned, ItemDistribution, perRowNegatives } from './weighted';
import { POPULARITY_OPTIONS } from './popularity';
import { nnz } from '../data/types';

export interface SubsampleOptions extends Record<string, unknown> {
  base: 'uniform' | 'popularity';
  alpha: number;
  smoothing: number;
  threshold: number;
  positiveThreshold: number;
  frequency: 'popularity' | 'exposure';
}

const MAX_DROPS = 32;

/** keep probability min(1, sqrt(t/f)) of each item, f = c/|R| (items without interactions are always kept) */
export function keepProbabilities(popularity: Int32Array, threshold: number): Float64Array {
  let total = 0;
  for (let j = 0; j < popularity.length; j++) total += popularity[j];
  return Float64Array.from(popularity, (c) => (c > 0 && total > 0 ? Math.min(1, Math.sqrt(threshold / (c / total))) : 1));
}

export const subsample: SamplerSpec<SubsampleOptions> = {
  name: 'subsample',
  title: 'Subsampled negatives (word2vec)',
  description: 'Negatives from uniform or popularity^α, each dropped with probability 1 − sqrt(t/f) (f = the item\'s training frequency) and redrawn; optionally hot positives down-sampled too.',
  options: {
    base: { enum: ['uniform', 'popularity'], default: 'popularity', description: 'the distribution q the negatives are first drawn from' },
    ...POPULARITY_OPTIONS,
    threshold: { type: 'number', default: 1e-3, exclusiveMinimum: 0, description: 't: a negative of frequency f = c/|R| is kept with probability min(1, sqrt(t/f)) (word2vec\'s -sample default 1e-3)' },
    positiveThreshold: { type: 'number', default: 0, minimum: 0, description: 't_p > 0: keep each training row (u, i) of an epoch with probability min(1, sqrt(t_p/f_i)), down-sampling hot positives (0 = keep every row)' },
    frequency: { enum: ['popularity', 'exposure'], default: 'popularity', description: 'f counts training interactions, or exposures: training interactions plus explicit (shown, not clicked) negatives (datasets that have them)' },
  },
  create: (o, data) => {
    const base = o.base === 'uniform' ? new ItemDistribution(new Float64Array(data.nItems).fill(1)) : ItemDistribution.power(data.popularity, o.alpha, o.smoothing);
    const counts = o.frequency === 'exposure' ? exposureCounts(data) : data.popularity;
    const keep = keepProbabilities(counts, o.threshold);
    const target = new ItemDistribution(Float64Array.from(base.table.p, (p, j) => p * keep[j]));
    const keepPositive = o.positiveThreshold > 0 ? keepProbabilities(counts, o.positiveThreshold) : null;
    const tally = { proposed: 0, kept: 0 };
    let rowsSeen = 0;
    let rowsKept = 0;
    return {
      sample: (users, _pos, ctx) =>
        perRowNegatives(users, o.negatives, (u) => drawThinned(ctx.rng, data.train, u, o.rejectPositives, base, keep, MAX_DROPS, target, tally)),
      logQ: (items) => target.logQOf(items),
      filterRows: keepPositive
        ? (rows, ctx) => {
            const users: number[] = [];
            const items: number[] = [];
            for (let r = 0; r < rows.users.length; r++) {
              if (ctx.rng.float() < keepPositive[rows.items[r]]) {
                users.push(rows.users[r]);
                items.push(rows.items[r]);
              }
            }
            rowsSeen += rows.users.length;
            rowsKept += users.length;
            // never an empty epoch: keep one row when everything was dropped
            if (!users.length && rows.users.length) return { users: rows.users.subarray(0, 1), items: rows.items.subarray(0, 1) };
            return { users: Int32Array.from(users), items: Int32Array.from(items) };
          }
        : undefined,
      endEpoch: () => {
        const r: Record<string, number> = { keptFraction: tally.proposed ? tally.kept / tally.proposed : 1, expectedKeptFraction: expectedKept(base.table.p, keep), threshold: o.threshold };
        if (keepPositive) {
          r.keptPositiveFraction = rowsSeen ? rowsKept / rowsSeen : 1;
          r.trainRows = nnz(data.train);
        }
        tally.proposed = tally.kept = rowsSeen = rowsKept = 0;
        return r;
      },
    };
  },
};

/** training interactions plus explicit negatives per item (impressions) */
export function exposureCounts(data: SamplerData): Int32Array {
  const negatives = explicitNegatives(data, 'subsample (frequency "exposure")');
  const out = Int32Array.from(data.popularity);
  for (let k = 0; k < negatives.indptr[negatives.nUsers]; k++) out[negatives.indices[k]]++;
  return out;
}

/** Σ_j q_j·k_j: the probability that one draw from q is kept (without rejection of positives) */
function expectedKept(q: Float64Array, keep: Float64Array): number {
  let s = 0;
  for (let j = 0; j < q.length; j++) s += q[j] * keep[j];
  return s;
}
