/**
 * Popularity-biased negatives q(j) = c_j^α / Σ_k c_k^α (word2vec's unigram^0.75; SSM-TF's item_popularity**β with
 * β = 1), per row, through an alias table built once (training frequencies are static). Items never seen in training
 * have weight 0 unless `smoothing` adds a pseudo-count.
 */
import type { Interactions } from '../data/types';
import type { JsonSchema } from '../config/json-schema';
import type { Rng } from '../rng';
import type { SamplerSpec } from './types';
import { AliasTable } from './alias';
import { MAX_TRIES } from './reject';
import { hasItem } from '../data/types';

export interface PopularityOptions extends Record<string, unknown> {
  alpha: number;
  smoothing: number;
}

export const POPULARITY_OPTIONS: Record<string, JsonSchema> = {
  alpha: { type: 'number', default: 0.75, minimum: 0, description: 'exponent α of the training frequency: q(j) ∝ c_j^α (0.75 word2vec, 1.0 SSM-TF / in-batch)' },
  smoothing: { type: 'number', default: 0, minimum: 0, description: 'pseudo-count added to every item\'s frequency before the exponent (0: unseen items are never drawn)' },
};

/** The popularity distribution and its draws, shared by the per-row and shared-negative samplers. */
export class PopularityDistribution {
  readonly table: AliasTable;
  readonly logQ: Float32Array;
  private readonly weights: Float64Array;

  constructor(popularity: Int32Array, alpha: number, smoothing: number) {
    this.weights = new Float64Array(popularity.length);
    for (let j = 0; j < popularity.length; j++) {
      const c = popularity[j] + smoothing;
      this.weights[j] = c > 0 ? Math.pow(c, alpha) : 0;
    }
    this.table = new AliasTable(this.weights);
    this.logQ = new Float32Array(popularity.length);
    for (let j = 0; j < popularity.length; j++) this.logQ[j] = Math.log(this.table.p[j]);
  }

  /**
   * A draw from q restricted to the user's non-training items when `reject`: resampling first, then (a user who has
   * almost every item) an exact weighted scan of the complement; uniform over the complement when its weight is 0.
   */
  draw(rng: Rng, train: Interactions, u: number, reject: boolean): number {
    let j = this.table.draw(rng);
    if (!reject) return j;
    for (let t = 0; t < MAX_TRIES; t++) {
      if (!hasItem(train, u, j)) return j;
      j = this.table.draw(rng);
    }
    return this.drawFromComplement(rng, train, u, j);
  }

  private drawFromComplement(rng: Rng, train: Interactions, u: number, fallback: number): number {
    const { indptr, indices } = train;
    const n = this.weights.length;
    let total = 0;
    let free = 0;
    for (let j = 0, k = indptr[u]; j < n; j++) {
      if (k < indptr[u + 1] && indices[k] === j) { k++; continue; }
      total += this.weights[j];
      free++;
    }
    if (free === 0) return fallback;
    const uniform = total <= 0;
    let r = uniform ? rng.int(free) : rng.float() * total;
    let last = fallback;
    for (let j = 0, k = indptr[u]; j < n; j++) {
      if (k < indptr[u + 1] && indices[k] === j) { k++; continue; }
      last = j;
      r -= uniform ? 1 : this.weights[j];
      if (r < 0) return j;
    }
    return last;
  }
}

export const popularity: SamplerSpec<PopularityOptions> = {
  name: 'popularity',
  title: 'Popularity (c^α)',
  description: 'N items per row drawn with probability ∝ (training frequency)^α through an alias table; logQ provided.',
  options: { ...POPULARITY_OPTIONS },
  create: (o, data) => {
    const dist = new PopularityDistribution(data.popularity, o.alpha, o.smoothing);
    return {
      sample: (users, _pos, ctx) => {
        const n = o.negatives;
        const out = new Int32Array(users.length * n);
        for (let b = 0; b < users.length; b++) {
          const u = users[b];
          for (let k = 0; k < n; k++) out[b * n + k] = dist.draw(ctx.rng, data.train, u, o.rejectPositives);
        }
        return { layout: 'per-row', n, items: out };
      },
      logQ: (items) => {
        const out = new Float32Array(items.length);
        for (let k = 0; k < items.length; k++) out[k] = dist.logQ[items[k]];
        return out;
      },
    };
  },
};
