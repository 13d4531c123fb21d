/**
 * Mixed negative sampling (Yang et al., WWW'20 companion): the B in-batch positives plus B′ = `negatives` items drawn
 * uniformly from the whole catalogue, shared by every row ([B, B+B′] scores), so long-tail items also appear as
 * negatives. logQ of the mixture proposal per slot: q_j = (B·c_j/|R| + B′/|I|) / (B + B′), with B the size of the
 * latest batch. With rejectPositives every column that is a training item of the row's user is masked.
 */
import { nnz } from '../data/types';
import type { SamplerSpec } from './types';
import { CollisionMasker, Scratch } from './reject';

/** log q_j of the in-batch + uniform mixture for a batch of B rows and B′ uniform extras. */
export function mixtureLogQ(count: number, totalInteractions: number, nItems: number, batch: number, extra: number): number {
  return Math.log((batch * (count / totalInteractions) + extra / nItems) / (batch + extra));
}

export const mixed: SamplerSpec = {
  name: 'mixed',
  title: 'Mixed (in-batch + uniform)',
  description: 'In-batch negatives plus B′ = negatives uniform items shared by the batch (MNS), with the mixture\'s logQ.',
  options: {},
  create: (o, data) => {
    const total = nnz(data.train);
    const extraCount = o.negatives;
    const masker = o.rejectPositives ? new CollisionMasker(data.nItems) : null;
    const columns = new Scratch((n) => new Int32Array(n));
    let lastBatch = 0;
    return {
      sample: (users, pos, ctx) => {
        const B = users.length;
        lastBatch = B;
        const extra = new Int32Array(extraCount);
        for (let k = 0; k < extraCount; k++) extra[k] = ctx.rng.int(data.nItems);
        if (!masker) return { layout: 'in-batch', extra };
        const cols = columns.get(B + extraCount);
        cols.set(pos.subarray(0, B));
        cols.set(extra, B);
        return { layout: 'in-batch', extra, mask: masker.mask(users, cols, data.train) };
      },
      logQ: (items) => {
        const out = new Float32Array(items.length);
        const B = lastBatch || 1;
        for (let k = 0; k < items.length; k++) out[k] = mixtureLogQ(data.popularity[items[k]], total, data.nItems, B, extraCount);
        return out;
      },
    };
  },
};
