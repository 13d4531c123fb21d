/**
 * GDNS, gain-tuning dynamic negative sampling (Zhu et al., WWW 2022) — a RECONSTRUCTION: no public code exists and
 * only the abstract was readable; the selection rule and every default below are our choices, exposed as options.
 *
 * Each user keeps a pool of C candidate negatives. After every epoch (and once from the initial model, at the first
 * batch) the expectational preference gap is measured for every pool candidate:
 *   H^t(u,j) = mean_{i ∈ P_u} σ(s_uj − s_ui)      (P_u: up to `positivesPerUser` of the user's training items)
 * and the gain is an EMA over epochs:
 *   G^t(u,j) = α·G^{t−1}(u,j) + (1−α)·σ( (H^{t−1}(u,j) − H^t(u,j)) / (H^t(u,j) + ε) )
 * A true negative is pushed down by training (H falls, gain above ½); a false negative is not (gain at or below ½).
 * Per row, `candidates` pool slots are drawn and negatives are selected by key = G + hardnessWeight·H with `rule`:
 * argmax (each negative the best of its own M draws), top-k (the `negatives` best of one M-set, GDNS's negative group)
 * or proportional (draws ∝ key within one M-set). The group hinge loss is a loss, not part of the sampler.
 * hardnessWeight is 1 by default: by gain alone (weight 0) the selection prefers the negatives whose H falls fastest,
 * i.e. those the model already pushes down — easy negatives — and trains far worse than uniform negatives (the gain
 * moves by about 10⁻³ per epoch, so it only breaks ties; measured in docs/methods.md). A dynamic negative sampler
 * ranks by hardness; the gain tunes it.
 */
import type { Sampler, SamplerSpec, Scorer } from './types';
import { Reservoir } from './reject';
import { CandidatePool, distinctSlots, identity, sigmoid, topIndices } from './candidate-pool';
import { Rng } from '../rng';
import { percentiles } from '../stats';
import type { Interactions } from '../data/types';

export interface GdnsOptions extends Record<string, unknown> {
  poolSize: number;
  candidates: number;
  rule: 'argmax' | 'top-k' | 'proportional';
  emaAlpha: number;
  epsilon: number;
  positivesPerUser: number;
  hardnessWeight: number;
  initialGain: number;
  poolRefresh: number;
}

/** One EMA step of the gain: α·G + (1−α)·σ((Hprev − H)/(H + ε)). */
export function gainUpdate(gPrev: number, hPrev: number, h: number, alpha: number, eps: number): number {
  return alpha * gPrev + (1 - alpha) * sigmoid((hPrev - h) / (h + eps));
}

/**
 * H(u, j) for every pool slot of users [u0, u1): mean over (up to P) positives of σ(s_uj − s_ui), into out[u·C + s].
 * Users with more than P training items use P positions drawn with replacement.
 */
export function expectedGap(scorer: Scorer, train: Interactions, pool: Int32Array, C: number, P: number, u0: number, u1: number, rng: Rng, out: Float32Array): void {
  const n = u1 - u0;
  const us = identity(n).map((x) => x + u0);
  const negScores = scorer.score(us, pool.subarray(u0 * C, u1 * C), C);
  const posItems = new Int32Array(n * P);
  const counts = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    const u = u0 + q;
    const start = train.indptr[u];
    const deg = train.indptr[u + 1] - start;
    counts[q] = Math.min(deg, P);
    for (let k = 0; k < P; k++) posItems[q * P + k] = deg === 0 ? 0 : deg <= P ? train.indices[start + (k % deg)] : train.indices[start + rng.int(deg)];
  }
  const posScores = scorer.score(us, posItems, P);
  for (let q = 0; q < n; q++) {
    const m = counts[q];
    for (let s = 0; s < C; s++) {
      const sj = negScores[q * C + s];
      let acc = 0;
      for (let k = 0; k < m; k++) acc += sigmoid(sj - posScores[q * P + k]);
      out[(u0 + q) * C + s] = m > 0 ? acc / m : NaN;
    }
  }
}

export const gdns: SamplerSpec<GdnsOptions> = {
  name: 'gdns',
  title: 'GDNS (gain-tuned, reconstruction)',
  description: 'GDNS reconstruction: per-user candidate pool, expected preference gap H and its gain G (EMA over epochs); negatives selected by gain.',
  options: {
    poolSize: { type: 'integer', default: 100, minimum: 1, description: 'candidates kept per user (H and G stored for each: |U|·poolSize·2 floats)' },
    candidates: { type: 'integer', default: 16, minimum: 1, description: 'M pool slots drawn per row before selecting by gain' },
    rule: { enum: ['argmax', 'top-k', 'proportional'], default: 'argmax', description: 'selection by gain (unverified in the paper): argmax per negative, top-k of one set, or ∝ gain' },
    emaAlpha: { type: 'number', default: 0.9, minimum: 0, maximum: 1, description: 'α of the gain EMA G^t = α·G^{t−1} + (1−α)·σ(ΔH/H)' },
    epsilon: { type: 'number', default: 1e-6, exclusiveMinimum: 0, description: 'ε in (H^{t−1} − H^t)/(H^t + ε)' },
    positivesPerUser: { type: 'integer', default: 32, minimum: 1, description: 'positives H is averaged over (all when the user has fewer)' },
    hardnessWeight: { type: 'number', default: 1, minimum: 0, description: 'adds this × H (current expected hardness) to the selection key; 0 selects by gain alone, which prefers negatives already pushed down (easy ones: docs/methods.md)' },
    initialGain: { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'gain of a candidate before its first measured change (σ(0) = ½: neutral)' },
    poolRefresh: { type: 'number', default: 0.1, minimum: 0, maximum: 1, description: 'share of each user\'s pool replaced by fresh uniform items after each epoch' },
  },
  create: (o, data) => {
    const { train, nItems } = data;
    const U = train.nUsers;
    const C = o.poolSize;
    const M = Math.min(o.candidates, C);
    const K = o.negatives;
    if (o.rule === 'top-k' && K > M) throw new Error(`gdns: rule top-k needs negatives (${K}) ≤ candidates (${M})`);
    const poolRng = new Rng(0x6d6e ^ U);
    const pool = new CandidatePool(train, nItems, C, o.rejectPositives, poolRng);
    const H = new Float32Array(U * C).fill(NaN);
    const G = new Float32Array(U * C).fill(o.initialGain);
    const Hnext = new Float32Array(U * C);
    let measured = false;
    const perm = identity(C);
    const slots = new Int32Array(Math.max(M, 1));
    const keys = new Float64Array(M);
    const order = new Int32Array(M);
    const statsRng = new Rng(0x6d);
    const chosenGain = new Reservoir(statsRng);
    const chunk = 512;
    const P = o.positivesPerUser;

    const measure = (scorer: Scorer, out: Float32Array): void => {
      for (let u0 = 0; u0 < U; u0 += chunk) expectedGap(scorer, train, pool.items, C, P, u0, Math.min(U, u0 + chunk), poolRng, out);
    };
    const key = (i: number): number => {
      const h = H[i];
      return G[i] + (h === h ? o.hardnessWeight * h : 0);
    };

    const sampler: Sampler = {
      sample: (users, _pos, ctx) => {
        if (!measured) {
          measure(ctx.scorer, H);
          measured = true;
        }
        const B = users.length;
        const out = new Int32Array(B * K);
        for (let b = 0; b < B; b++) {
          const base = users[b] * C;
          if (o.rule === 'argmax') {
            for (let k = 0; k < K; k++) {
              let best = -1;
              let bestKey = -Infinity;
              for (let m = 0; m < M; m++) {
                const s = ctx.rng.int(C);
                const v = key(base + s);
                if (v > bestKey) {
                  bestKey = v;
                  best = s;
                }
              }
              out[b * K + k] = pool.items[base + best];
              if (k === 0 && (b & 7) === 0) chosenGain.add(G[base + best]);
            }
            continue;
          }
          distinctSlots(perm, C, M, ctx.rng, slots);
          for (let m = 0; m < M; m++) keys[m] = key(base + slots[m]);
          if (o.rule === 'top-k') {
            topIndices(keys, M, K, order);
            for (let k = 0; k < K; k++) out[b * K + k] = pool.items[base + slots[order[k]]];
            if ((b & 7) === 0) chosenGain.add(G[base + slots[order[0]]]);
          } else {
            let total = 0;
            for (let m = 0; m < M; m++) total += Math.max(0, keys[m]);
            for (let k = 0; k < K; k++) {
              let r = ctx.rng.float() * total;
              let m = 0;
              if (total > 0) {
                for (; m < M - 1; m++) {
                  r -= Math.max(0, keys[m]);
                  if (r < 0) break;
                }
              } else m = ctx.rng.int(M);
              out[b * K + k] = pool.items[base + slots[m]];
              if (k === 0 && (b & 7) === 0) chosenGain.add(G[base + slots[m]]);
            }
          }
        }
        return { layout: 'per-row', n: K, items: out };
      },

      endEpoch: (ctx) => {
        const refreshPerUser = Math.floor(o.poolRefresh * C);
        measure(ctx.scorer, Hnext);
        const statsGain = new Reservoir(statsRng);
        const statsH = new Reservoir(statsRng);
        const statsDelta = new Reservoir(statsRng);
        let below = 0;
        let counted = 0;
        for (let i = 0; i < U * C; i++) {
          const h = Hnext[i];
          if (h !== h) continue;
          const hp = H[i];
          if (hp === hp) {
            G[i] = gainUpdate(G[i], hp, h, o.emaAlpha, o.epsilon);
            statsDelta.add(hp - h);
          }
          H[i] = h;
          statsGain.add(G[i]);
          statsH.add(h);
          counted++;
          if (G[i] < 0.5) below++;
        }
        const report = {
          gain: percentiles(statsGain.sample()),
          chosenGain: percentiles(chosenGain.sample()),
          expectedGap: percentiles(statsH.sample()),
          gapDecrease: percentiles(statsDelta.sample()),
          shareGainBelowHalf: counted ? below / counted : 0,
        };
        chosenGain.reset();
        // refresh after measuring, so replaced slots start neutral and get their first H next epoch
        if (refreshPerUser > 0) {
          const pick = new Int32Array(refreshPerUser);
          for (let u = 0; u < U; u++) {
            if (train.indptr[u + 1] === train.indptr[u]) continue;
            distinctSlots(perm, C, refreshPerUser, poolRng, pick);
            for (let k = 0; k < refreshPerUser; k++) {
              const s = pick[k];
              pool.replace(u, s, poolRng);
              H[u * C + s] = NaN;
              G[u * C + s] = o.initialGain;
            }
          }
        }
        return report;
      },
    };
    // read by tests: the pool, the latest expected gap H and the gain G of every (user, slot)
    return Object.assign(sampler, { state: { pool, H, G } });
  },
};
