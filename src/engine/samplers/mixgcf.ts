/**
 * MixGCF (Huang et al., KDD 2021; huangtinglin/MixGCF `modules/LightGCN.py` negative_sampling; algorithms.md §10):
 * synthesised hard negatives. Per row (u, i⁺) and negative, M uniform non-positive candidates; per hop l an
 * α_l ~ U(alphaLow, alphaHigh) (one per row and hop, shared by the candidates):
 *   positive mixing  ẽ_j^(l) = α_l·e_{i⁺}^(l) + (1 − α_l)·e_j^(l)
 *   hop mixing       j*_l = argmax_j ⟨pool(e_u), ẽ_j^(l)⟩,  the negative = pool_l(ẽ_{j*_l}^(l))
 * pool is the code's one `pool` for users, positives and negatives: `pooling` must equal the backbone's model.pooling.
 * mean / sum: the weighted sum over hops; final: the last hop's mixture alone (pool(e_u) = e_u^(L)); concat (the
 * code's `if self.pool != 'concat'`, lines 141–142): the user is not pooled — hop l's candidates are scored by
 * ⟨e_u^(l), ẽ_j^(l)⟩ — and the negative is [ẽ^(0) | … | ẽ^(L)], D·(L+1) wide (SynthesisedRows.termOffsets).
 * The negative is returned as a synthesised row (samplers/types.ts SynthesisedRows) referencing the backbone's hop
 * sources `items@l`, so the gradient flows through α into the positive's and the chosen candidates' embeddings at
 * every hop (only the choice is detached, as in the code). On MF (no hops) it is positive mixing alone.
 * The L2
 * term is the code's: on the mixed layer-0 embedding ẽ^(0) (SynthesisedRows.ego, step/hop-l2.ts mixedEgoL2).
 */
import type { SamplerSpec } from './types';
import { drawUniformRejecting, Reservoir, Scratch } from './reject';
import { Rng } from '../rng';
import { percentiles } from '../stats';
import { referenceIndexedDots } from '../tensor/indexed-dots';

export interface MixGcfOptions extends Record<string, unknown> {
  candidates: number;
  pooling: 'mean' | 'sum' | 'concat' | 'final';
  alphaLow: number;
  alphaHigh: number;
}

export const mixgcf: SamplerSpec<MixGcfOptions> = {
  name: 'mixgcf',
  title: 'MixGCF (synthesised hard negatives)',
  description: 'per hop, mixes the positive into M uniform candidates and keeps the hardest; the negative is the hop-pooled mixture (gradients flow into the positive and the chosen candidates)',
  options: {
    candidates: { type: 'integer', default: 64, minimum: 1, description: 'M uniform candidates per negative (the code\'s n_negs: 64 on Yelp2018)' },
    pooling: { enum: ['mean', 'sum', 'concat', 'final'], default: 'mean', description: 'pooling of the hop embeddings (mean for LightGCN, as the code\'s README runs; concat: each hop chosen by the user\'s own hop); must equal model.pooling, which pools the users and positives' },
    alphaLow: { type: 'number', default: 0, minimum: 0, maximum: 1, description: 'positive-mixing weight α ~ U(alphaLow, alphaHigh) per row and hop (the code: U(0, 1))' },
    alphaHigh: { type: 'number', default: 1, minimum: 0, maximum: 1, description: 'upper end of α\'s range' },
  },
  create: (o, data) => {
    if (o.alphaHigh < o.alphaLow) throw new Error(`$.sampler.alphaHigh (${o.alphaHigh}) must be ≥ alphaLow (${o.alphaLow})`);
    const backbone = data.model?.kind === 'lightgcn' ? (data.model.pooling ?? 'mean') : null;
    if (backbone && backbone !== o.pooling) {
      throw new Error(`$.sampler.pooling ("${o.pooling}") must equal $.model.pooling ("${backbone}"): MixGCF pools its synthesised negatives as the backbone pools users and positives (the code's one \`pool\`)`);
    }
    const M = o.candidates;
    const candidates = new Scratch((n) => new Int32Array(n));
    const statsRng = new Rng(0x3178);
    const alphas = new Reservoir(statsRng);
    const hopAgreement = new Reservoir(statsRng);
    return {
      sample: (users, pos, ctx) => {
        if (!ctx.embeddings) throw new Error('the mixgcf sampler needs the backbone\'s embeddings (SamplerContext.embeddings)');
        const src = ctx.embeddings();
        const hops = Object.keys(src).filter((k) => /^items@\d+$/.test(k)).sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
        if (!hops.length) hops.push('items');
        const H = hops.length;
        const D = src[hops[0]].dim;
        const concat = o.pooling === 'concat';
        // the user vector hop l is scored with: the pooled user, or (concat) the user's hop l
        const userOf = (h: number): Float32Array => (concat && H > 1 ? src[`users@${hops[h].slice(6)}`].data : src.users.data);
        if (!concat && src.users.dim !== D) throw new Error(`mixgcf: the backbone's final embeddings are ${src.users.dim} wide, its hops ${D}: set sampler.pooling to model.pooling`);
        const B = users.length;
        const K = o.negatives;
        const R = B * K;
        const T = 2 * H;
        // each hop's weight in the pooled negative (final: the last hop only)
        const hopWeight = (h: number): number => (o.pooling === 'mean' ? 1 / H : o.pooling === 'final' ? (h === H - 1 ? 1 : 0) : 1);
        const refs = new Int32Array(R * T);
        const weights = new Float32Array(R * T);
        const items = new Int32Array(R);
        const egoRefs = new Int32Array(R * 2);
        const egoWeights = new Float32Array(R * 2);
        // the draws in the reference order (per row: M candidates, then one α per hop), then every hop's scores in one
        // call each (the backbone's kernels when it has them: tensor/indexed-dots.ts), then the choices
        const cand = candidates.get(R * M);
        const alpha = new Float64Array(R * H);
        const rowUser = new Int32Array(R);
        const rowPos = new Int32Array(R);
        for (let b = 0, r = 0; b < B; b++) {
          for (let k = 0; k < K; k++, r++) {
            rowUser[r] = users[b];
            rowPos[r] = pos[b];
            for (let c = 0; c < M; c++) cand[r * M + c] = drawUniformRejecting(ctx.rng, data.train, data.nItems, users[b], o.rejectPositives);
            for (let h = 0; h < H; h++) alpha[r * H + h] = o.alphaLow + (o.alphaHigh - o.alphaLow) * ctx.rng.float();
          }
        }
        const dots = ctx.dots ?? referenceIndexedDots;
        const candidateScores: Float32Array[] = [];
        const positiveScores: Float32Array[] = [];
        for (let h = 0; h < H; h++) {
          candidateScores.push(dots(userOf(h), src[hops[h]].data, rowUser, cand.subarray(0, R * M), M, D));
          positiveScores.push(dots(userOf(h), src[hops[h]].data, rowUser, rowPos, 1, D));
        }
        const chosen = new Int32Array(H);
        for (let r = 0; r < R; r++) {
          for (let h = 0; h < H; h++) {
            const w = hopWeight(h);
            const a = alpha[r * H + h];
            // ⟨u, α·p + (1−α)·c_j⟩ for each candidate; the argmax (first on ties) is the hop's choice
            const sp = positiveScores[h][r];
            const sc = candidateScores[h];
            let best = 0;
            let bestScore = -Infinity;
            for (let c = 0; c < M; c++) {
              const s = a * sp + (1 - a) * sc[r * M + c];
              if (s > bestScore) {
                bestScore = s;
                best = c;
              }
            }
            const j = cand[r * M + best];
            chosen[h] = j;
            refs[r * T + 2 * h] = rowPos[r];
            weights[r * T + 2 * h] = w * a;
            refs[r * T + 2 * h + 1] = j;
            weights[r * T + 2 * h + 1] = w * (1 - a);
            if (h === 0) {
              egoRefs[2 * r] = rowPos[r];
              egoWeights[2 * r] = a;
              egoRefs[2 * r + 1] = j;
              egoWeights[2 * r + 1] = 1 - a;
            }
            if ((r & 63) === 0) alphas.add(a);
          }
          items[r] = chosen[0];
          if ((r & 15) === 0 && H > 1) {
            let same = 0;
            for (let h = 1; h < H; h++) if (chosen[h] === chosen[0]) same++;
            hopAgreement.add(same / (H - 1));
          }
        }
        const termSources: string[] = [];
        for (const h of hops) termSources.push(h, h);
        const termOffsets = concat ? Int32Array.from({ length: T }, (_, t) => (t >> 1) * D) : undefined;
        return { layout: 'per-row', n: K, items, synth: { terms: T, termSources, refs, weights, termOffsets, ego: { terms: 2, refs: egoRefs, weights: egoWeights } } };
      },
      endEpoch: () => {
        const r = { alpha: percentiles(alphas.sample()), sameChoiceAcrossHops: percentiles(hopAgreement.sample()), candidates: M };
        alphas.reset();
        hopAgreement.reset();
        return r;
      },
    };
  },
};
