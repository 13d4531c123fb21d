/**
 * Uniform negatives, per row, optionally rejecting the user's training items (LightGCN's `while j in I_u+`).
 * Rejection is a binary search in the user's sorted CSR row; hopeless users (who interacted with every item) fall back
 * to an unrejected draw after a bounded number of tries, so sampling always terminates.
 */
import { hasItem, type Interactions } from '../data/types';
import type { Rng } from '../rng';
import type { SamplerSpec } from './types';

const MAX_TRIES = 64;

export function drawUniformRejecting(rng: Rng, train: Interactions, nItems: number, u: number, reject: boolean): number {
  let j = rng.int(nItems);
  if (!reject) return j;
  for (let t = 0; t < MAX_TRIES && hasItem(train, u, j); t++) j = rng.int(nItems);
  return j;
}

export const uniform: SamplerSpec = {
  name: 'uniform',
  title: 'Uniform',
  description: 'N items drawn uniformly per row, with rejection of the user\'s training items when rejectPositives is true.',
  options: {},
  create: (o, data) => ({
    sample: (users, _pos, ctx) => {
      const n = o.negatives;
      const out = new Int32Array(users.length * n);
      for (let b = 0; b < users.length; b++) {
        const u = users[b];
        for (let k = 0; k < n; k++) out[b * n + k] = drawUniformRejecting(ctx.rng, data.train, data.nItems, u, o.rejectPositives);
      }
      return { layout: 'per-row', n, items: out };
    },
    logQ: (items) => new Float32Array(items.length).fill(-Math.log(data.nItems)),
  }),
};
