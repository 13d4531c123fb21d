/**
 * Uniform negatives, per row, optionally rejecting the user's training items (LightGCN's `while j in I_u+`).
 * Rejection is a binary search in the user's sorted CSR row, with an exact draw from the complement once resampling
 * has failed a few times (see reject.ts).
 */
import type { SamplerSpec } from './types';
import { drawUniformRejecting } from './reject';
import { nativeUniformRows } from '../native/sampling';

export { drawUniformRejecting } from './reject';

export const uniform: SamplerSpec = {
  name: 'uniform',
  title: 'Uniform',
  description: 'N items drawn uniformly per row, with rejection of the user\'s training items when rejectPositives is true.',
  options: {},
  create: (o, data) => ({
    sample: (users, _pos, ctx) => {
      const n = o.negatives;
      const out = new Int32Array(users.length * n);
      const native = nativeUniformRows(); // train.kernels = "native": the same draws in C
      if (native) {
        native(ctx.rng, data.train, data.nItems, users, n, o.rejectPositives, out);
        return { layout: 'per-row', n, items: out };
      }
      for (let b = 0; b < users.length; b++) {
        const u = users[b];
        for (let k = 0; k < n; k++) out[b * n + k] = drawUniformRejecting(ctx.rng, data.train, data.nItems, u, o.rejectPositives);
      }
      return { layout: 'per-row', n, items: out };
    },
    logQ: (items) => new Float32Array(items.length).fill(-Math.log(data.nItems)),
  }),
};
