/**
 * Shared negatives (SSM's neg_dist=1, the fast path for many negatives): N = `negatives` items drawn once per batch,
 * uniformly or ∝ c_j^α, and contrasted with every row — one [B,D]×[D,N] product instead of a [B,N,D] gather. With
 * rejectPositives the columns that are a training item of the row's user are masked (a shared draw cannot be
 * resampled per row).
 */
import type { SamplerSpec } from './types';
import { CollisionMasker } from './reject';
import { PopularityDistribution, POPULARITY_OPTIONS } from './popularity';

export interface SharedOptions extends Record<string, unknown> {
  distribution: 'uniform' | 'popularity';
  alpha: number;
  smoothing: number;
}

export const shared: SamplerSpec<SharedOptions> = {
  name: 'shared',
  title: 'Shared negatives',
  description: 'N = negatives items per batch shared by all rows (uniform or ∝ popularity^α); the fast many-negative path.',
  options: {
    distribution: { enum: ['uniform', 'popularity'], default: 'uniform', description: 'uniform over items, or ∝ c_j^α (SSM-TF neg_dist=1 uses popularity with α = 1)' },
    ...POPULARITY_OPTIONS,
  },
  create: (o, data) => {
    const dist = o.distribution === 'popularity' ? new PopularityDistribution(data.popularity, o.alpha, o.smoothing) : null;
    const masker = o.rejectPositives ? new CollisionMasker(data.nItems) : null;
    const uniformLogQ = -Math.log(data.nItems);
    return {
      sample: (users, _pos, ctx) => {
        const n = o.negatives;
        const items = new Int32Array(n);
        if (dist) for (let k = 0; k < n; k++) items[k] = dist.table.draw(ctx.rng);
        else for (let k = 0; k < n; k++) items[k] = ctx.rng.int(data.nItems);
        return masker ? { layout: 'shared', items, mask: masker.mask(users, items, data.train) } : { layout: 'shared', items };
      },
      logQ: (items) => {
        const out = new Float32Array(items.length);
        for (let k = 0; k < items.length; k++) out[k] = dist ? dist.logQ[items[k]] : uniformLogQ;
        return out;
      },
    };
  },
};
