/**
 * Two-group weighted random sampling: the items are split by training popularity into A_high (c_j ≥ a count
 * threshold, or ≥ the given quantile of the item counts) and A_low (the rest). Each negative is drawn with probability
 * P_l uniformly from A_low, otherwise from A_high by the unigram distribution c_j / Σ_{A_high} c:
 *   q_j = P_l / |A_low|                   (j ∈ A_low)
 *   q_j = (1 − P_l) · c_j / Σ_{A_high} c  (j ∈ A_high)
 * so the long tail gets a fixed share P_l of the negatives however small its total popularity. An empty group gives
 * its share to the other. Rejection of training items by resampling (then an exact weighted scan of the complement);
 * logQ is the closed form above.
 */
import type { SamplerSpec } from './types';
import { ItemDistribution, perRowNegatives } from './weighted';
import { MAX_TRIES } from './reject';
import { hasItem } from '../data/types';

export interface TwoGroupOptions extends Record<string, unknown> {
  split: 'count' | 'quantile';
  countThreshold: number;
  quantile: number;
  lowProbability: number;
}

/** The count threshold of A_high: the given count, or the q-quantile of the item counts (linear interpolation). */
export function highThreshold(popularity: Int32Array, o: Pick<TwoGroupOptions, 'split' | 'countThreshold' | 'quantile'>): number {
  if (o.split === 'count') return o.countThreshold;
  const s = Float64Array.from(popularity).sort();
  const x = o.quantile * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (x - lo);
}

/** The two groups and the mixture's per-item probability q. */
export function twoGroupDistribution(popularity: Int32Array, o: TwoGroupOptions): { high: Int32Array; low: Int32Array; q: Float64Array; lowShare: number } {
  const t = highThreshold(popularity, o);
  const high: number[] = [];
  const low: number[] = [];
  let highTotal = 0;
  for (let j = 0; j < popularity.length; j++) {
    if (popularity[j] >= t && popularity[j] > 0) {
      high.push(j);
      highTotal += popularity[j];
    } else low.push(j);
  }
  const lowShare = high.length === 0 ? 1 : low.length === 0 ? 0 : o.lowProbability;
  const q = new Float64Array(popularity.length);
  for (const j of low) q[j] = lowShare / low.length;
  for (const j of high) q[j] = ((1 - lowShare) * popularity[j]) / highTotal;
  return { high: Int32Array.from(high), low: Int32Array.from(low), q, lowShare };
}

export const twoGroup: SamplerSpec<TwoGroupOptions> = {
  name: 'two-group',
  title: 'Two-group weighted random',
  description: 'Items split by popularity into A_high and A_low; each negative uniform from A_low with probability P_l, else from A_high ∝ frequency.',
  options: {
    split: { enum: ['count', 'quantile'], default: 'quantile', description: 'A_high: items with count ≥ countThreshold, or with count ≥ the quantile of item counts' },
    countThreshold: { type: 'number', default: 20, minimum: 0, description: 'training count from which an item is in A_high (split "count")' },
    quantile: { type: 'number', default: 0.8, minimum: 0, maximum: 1, description: 'quantile of the item counts from which an item is in A_high (split "quantile"; 0.8: the top 20%)' },
    lowProbability: { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'P_l: probability of drawing from A_low (uniformly)' },
  },
  create: (o, data) => {
    const g = twoGroupDistribution(data.popularity, o);
    const highTable = g.high.length ? ItemDistribution.power(Int32Array.from(g.high, (j) => data.popularity[j]), 1, 0) : null;
    const whole = new ItemDistribution(g.q);
    let fromLow = 0;
    let draws = 0;
    const drawOnce = (rng: import('../rng').Rng): number => {
      draws++;
      if (!highTable || rng.float() < g.lowShare) {
        fromLow++;
        return g.low[rng.int(g.low.length)];
      }
      return g.high[highTable.draw(rng)];
    };
    return {
      sample: (users, _pos, ctx) =>
        perRowNegatives(users, o.negatives, (u) => {
          let j = drawOnce(ctx.rng);
          if (o.rejectPositives) {
            let t = 0;
            while (hasItem(data.train, u, j) && t++ < MAX_TRIES) j = drawOnce(ctx.rng);
            if (hasItem(data.train, u, j)) j = whole.drawRejecting(ctx.rng, data.train, u, true);
          }
          return j;
        }),
      logQ: (items) => whole.logQOf(items),
      endEpoch: () => {
        const r = { lowDrawShare: draws ? fromLow / draws : 0, lowProbability: g.lowShare, highItems: g.high.length, lowItems: g.low.length };
        fromLow = draws = 0;
        return r;
      },
    };
  },
};
