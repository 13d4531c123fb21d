/**
 * Popularity-biased negatives q(j) = c_j^α / Σ_k c_k^α (word2vec's unigram^0.75; SSM-TF's item_popularity**β with
 * β = 1), per row, through an alias table built once (training frequencies are static). Items never seen in training
 * have weight 0 unless `smoothing` adds a pseudo-count.
 */
import type { Interactions } from '../data/types';
import type { JsonSchema } from '../config/json-schema';
import type { Rng } from '../rng';
import type { SamplerSpec } from './types';
import type { AliasTable } from './alias';
import { ItemDistribution, perRowNegatives } from './weighted';

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
  private readonly dist: ItemDistribution;
  readonly logQ: Float32Array;

  constructor(popularity: Int32Array, alpha: number, smoothing: number) {
    this.dist = ItemDistribution.power(popularity, alpha, smoothing);
    this.logQ = Float32Array.from(this.dist.logQ);
  }

  get table(): AliasTable {
    return this.dist.table;
  }

  /**
   * A draw from q restricted to the user's non-training items when `reject`: resampling first, then (a user who has
   * almost every item) an exact weighted scan of the complement; uniform over the complement when its weight is 0.
   */
  draw(rng: Rng, train: Interactions, u: number, reject: boolean): number {
    return this.dist.drawRejecting(rng, train, u, reject);
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
      sample: (users, _pos, ctx) => perRowNegatives(users, o.negatives, (u) => dist.draw(ctx.rng, data.train, u, o.rejectPositives)),
      logQ: (items) => {
        const out = new Float32Array(items.length);
        for (let k = 0; k < items.length; k++) out[k] = dist.logQ[items[k]];
        return out;
      },
    };
  },
};
