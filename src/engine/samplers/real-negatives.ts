/**
 * Real negatives: items the user was exposed to and did not click (a CSV label / rating column, or the synthetic
 * generator's exposure model), kept by the dataset as a per-user negative set disjoint from the user's positives.
 * Each row's N negatives are split into ⌊ρN⌋ (+1 with probability frac(ρN)) drawn uniformly from the user's real
 * negatives and the rest from another per-row sampler (`rest`, any registered one with its own options, uniform by
 * default; not a composition such as real-negatives or dfn); a user without real negatives gets all N from `rest`. The trainer's false-negative diagnostic counts the
 * real negatives separately (`explicitNegativeRate`); `extra` reports the realised share.
 */
import type { Sampler, SamplerData, SamplerSpec } from './types';
import { BASE_SAMPLERS } from './base-registry';
import { drawFromRow, shareCount } from './weighted';
import { explicitNegatives } from './explicit';


export interface RealNegativesOptions extends Record<string, unknown> {
  share: number;
  rest: { kind: string; [option: string]: unknown };
}

/** Creates the per-row sampler `rest` ({kind, ...options}) with its options' defaults and the outer negatives count. */
export function createInner(rest: RealNegativesOptions['rest'], negatives: number, rejectPositives: boolean, data: SamplerData, owner: string): Sampler {
  const spec = BASE_SAMPLERS[rest.kind];
  if (!spec) throw new Error(`$.sampler.rest.kind: "${rest.kind}" is not a sampler that draws on its own (known: ${Object.keys(BASE_SAMPLERS).join(', ')}; ${owner} is not one)`);
  const options: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec.options)) options[k] = s.default;
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'kind') continue;
    if (!(k in spec.options)) throw new Error(`$.sampler.rest.${k}: sampler "${rest.kind}" has no option "${k}" (options: ${Object.keys(spec.options).join(', ') || 'none'})`);
    options[k] = v;
  }
  return spec.create({ ...options, negatives, rejectPositives } as never, data);
}

export const realNegatives: SamplerSpec<RealNegativesOptions> = {
  name: 'real-negatives',
  title: 'Real (exposed, not clicked) negatives',
  description: 'A share ρ of each row\'s negatives drawn from the user\'s explicit negatives (exposed, not clicked), the rest from another per-row sampler.',
  options: {
    share: { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'ρ: expected share of each row\'s negatives drawn from the user\'s explicit negatives' },
    rest: {
      type: 'object', default: { kind: 'uniform' }, required: ['kind'], properties: { kind: { type: 'string', description: 'a per-row sampler' } },
      description: 'the sampler of the other negatives, with its options: {"kind": "uniform"}, {"kind": "popularity", "alpha": 0.75}, {"kind": "dns", "candidates": 32}, …',
    },
  },
  create: (o, data) => {
    const negatives = explicitNegatives(data, 'real-negatives');
    const rest = createInner(o.rest, o.negatives, o.rejectPositives, data, 'real-negatives');
    let real = 0;
    let total = 0;
    let rowsWithReal = 0;
    let rows = 0;
    return {
      sample: (users, pos, ctx) => {
        const n = o.negatives;
        const inner = rest.sample(users, pos, ctx);
        if (inner.layout !== 'per-row') throw new Error(`$.sampler.rest.kind: "${o.rest.kind}" is not a per-row sampler (layout ${inner.layout})`);
        const out = new Int32Array(users.length * n);
        for (let b = 0; b < users.length; b++) {
          const u = users[b];
          const has = negatives.indptr[u + 1] > negatives.indptr[u];
          const m = has ? shareCount(n, o.share, ctx.rng) : 0;
          for (let k = 0; k < n; k++) out[b * n + k] = k < m ? drawFromRow(negatives, u, ctx.rng) : inner.items[b * inner.n + k];
          real += m;
          total += n;
          rows++;
          if (has) rowsWithReal++;
        }
        return { layout: 'per-row', n, items: out };
      },
      endEpoch: (ctx) => {
        const innerExtra = rest.endEpoch?.(ctx);
        const r = { realShare: total ? real / total : 0, rowsWithRealNegatives: rows ? rowsWithReal / rows : 0, ...(innerExtra ? prefixed(innerExtra, 'rest.') : {}) };
        real = total = rows = rowsWithReal = 0;
        return r;
      },
    };
  },
};

export function prefixed<T>(r: Record<string, T>, prefix: string): Record<string, T> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [prefix + k, v]));
}
