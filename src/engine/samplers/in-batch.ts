/**
 * In-batch negatives (SSM's neg_dist=0, the two-tower default): each row's negatives are the other rows' positives,
 * so an item is a negative with probability ∝ its training frequency (implicitly α = 1 popularity sampling) and the
 * step costs one [B,D]×[D,B] product. logQ is the exact frequency c_j/|R| (Yi et al. 2019 for a static dataset).
 * With rejectPositives the columns that are a training item of the row's user are masked (the duplicates and
 * false negatives the SSM code leaves in); without it only the diagonal is.
 */
import { nnz } from '../data/types';
import type { SamplerSpec, SamplerData } from './types';
import { CollisionMasker } from './reject';

/** log(c_j / |R|) for every item (−Infinity for an item without training interactions). */
export function frequencyLogQ(data: SamplerData): Float32Array {
  const total = nnz(data.train);
  const out = new Float32Array(data.nItems);
  for (let j = 0; j < data.nItems; j++) out[j] = Math.log(data.popularity[j] / total);
  return out;
}

export const inBatch: SamplerSpec = {
  name: 'in-batch',
  title: 'In-batch',
  description: 'The other rows\' positives as negatives ([B,B] scores); logQ = exact item frequency. `negatives` is unused.',
  options: {},
  create: (o, data) => {
    const logQ = frequencyLogQ(data);
    const masker = o.rejectPositives ? new CollisionMasker(data.nItems) : null;
    return {
      sample: (users, pos) => (masker ? { layout: 'in-batch', mask: masker.mask(users, pos, data.train) } : { layout: 'in-batch' }),
      logQ: (items) => {
        const out = new Float32Array(items.length);
        for (let k = 0; k < items.length; k++) out[k] = logQ[items[k]];
        return out;
      },
    };
  },
};
