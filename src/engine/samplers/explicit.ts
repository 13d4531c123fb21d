/** The dataset's explicit (exposed, not clicked) negatives, for the samplers that read them. */
import type { Interactions } from '../data/types';
import type { SamplerData } from './types';

/** The dataset's explicit negatives, or a clear error naming how to get them. */
export function explicitNegatives(data: SamplerData, sampler: string): Interactions {
  if (!data.negatives) {
    throw new Error(
      `${sampler}: the dataset has no explicit negatives; use a synthetic dataset with "exposures" > 0, or a csv dataset with columns.rating and "negativeRatingAtMost" (e.g. 2 for ratings, 0 for click labels)`,
    );
  }
  return data.negatives;
}
