/**
 * SRNS (Ding et al., NeurIPS 2020; dingjingtao/SRNS). Per row (u, i): among the S1 items of the user's memory M_u,
 * pick argmax_k [ l_k + α_t·std_k ] where l_k = σ(s_uk − s_ui) now and std_k is the population standard deviation of
 * σ(s_uk − s_ui) over the last `history` end-of-epoch score snapshots (α < 0: argmax std alone); α_t ramps linearly
 * from 0 over `warmup` epochs. Then the memory of the user's first row in the batch is resampled: S2 fresh candidates
 * join the S1 members and S1 of them are drawn without replacement with p ∝ exp(s/τ) (Gumbel top-k).
 *
 * Bounded memory (the reference keeps 5 future candidate sets of 3000 items per user with 15 epoch-slices of scores —
 * 1.3e9 floats on Gowalla): one persistent pool of `poolSize` candidates per user (|U|·C items and |U|·C·history
 * scores) plus |R|·history positive scores. A share `poolRefresh` of the non-memory slots is redrawn each epoch; a new
 * slot has no history until its first snapshot (its std uses the snapshots it has, 0 before two).
 *
 * Index-rotation gotcha: the reference's memory holds column indices into a candidate set that is swapped every epoch,
 * so the memory's contents are re-randomised each epoch. Here the pool is persistent and the memory keeps pointing at
 * the same items (`memoryReset: "keep"`, the fix); `memoryReset: "epoch"` redraws every memory uniformly from the pool
 * after each epoch, which reproduces the reference's effective behaviour.
 */
import type { Sampler, SamplerSpec } from './types';
import { Reservoir, Scratch } from './reject';
import { CandidatePool, distinctSlots, identity, sigmoid, topIndices } from './candidate-pool';
import { indexOfItem } from '../data/types';
import { Rng } from '../rng';
import { percentiles } from '../stats';

export interface SrnsOptions extends Record<string, unknown> {
  poolSize: number;
  memorySize: number;
  freshCandidates: number;
  alpha: number;
  warmup: number;
  memoryTemperature: number;
  history: number;
  memoryReset: 'keep' | 'epoch';
  poolRefresh: number;
}

/**
 * Population std over the snapshots t of σ(neg_t − pos_t), skipping snapshots missing (NaN) on either side.
 * histNeg[negOff + t], histPos[posOff + t] for t < H.
 */
export function historyStd(histNeg: Float32Array, negOff: number, histPos: Float32Array, posOff: number, H: number): number {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let t = 0; t < H; t++) {
    const a = histNeg[negOff + t];
    const p = histPos[posOff + t];
    if (a !== a || p !== p) continue;
    const l = sigmoid(a - p);
    n++;
    sum += l;
    sumSq += l * l;
  }
  if (n < 2) return 0;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

/** α_t = α·min(1, (epoch − 1)/warmup): 0 in the first epoch, the full α from epoch warmup + 1 on. */
export function warmedAlpha(alpha: number, warmup: number, epoch: number): number {
  if (alpha < 0) return alpha;
  return warmup > 0 ? alpha * Math.min(1, Math.max(0, epoch - 1) / warmup) : alpha;
}

export const srns: SamplerSpec<SrnsOptions> = {
  name: 'srns',
  title: 'SRNS (variance-aware memory)',
  description: 'SRNS: argmax of σ(s_neg − s_pos) + α·std over the last epochs among a per-user memory of S1 candidates, memory resampled ∝ exp(s/τ).',
  options: {
    poolSize: { type: 'integer', default: 100, minimum: 2, description: 'candidates kept per user (reference varset_size 3000; memory |U|·poolSize·(history+1) numbers)' },
    memorySize: { type: 'integer', default: 8, minimum: 1, description: 'S1: memory size per user' },
    freshCandidates: { type: 'integer', default: 64, minimum: 1, description: 'S2: fresh pool candidates added at each memory update (reference S2_div_S1 = 8 → 64)' },
    alpha: { type: 'number', default: 5, description: 'weight α of the std term (negative: select by std alone)' },
    warmup: { type: 'integer', default: 50, minimum: 0, description: 'epochs over which α ramps linearly from 0' },
    memoryTemperature: { type: 'number', default: 10, exclusiveMinimum: 0, description: 'τ of the memory update softmax p ∝ exp(s/τ)' },
    history: { type: 'integer', default: 5, minimum: 2, description: 'end-of-epoch score snapshots the std is taken over (hard-coded 5 in the reference)' },
    memoryReset: { enum: ['keep', 'epoch'], default: 'keep', description: 'keep: memory persists across epochs (fixes the reference\'s index rotation); epoch: redrawn each epoch (reproduces it)' },
    poolRefresh: { type: 'number', default: 0.1, minimum: 0, maximum: 1, description: 'share of non-memory pool slots replaced by fresh uniform items after each epoch' },
  },
  create: (o, data) => {
    const { train, nItems } = data;
    const U = train.nUsers;
    const C = o.poolSize;
    const S1 = Math.min(o.memorySize, C);
    const S2 = Math.min(o.freshCandidates, C - S1);
    const H = o.history;
    if (o.negatives > S1) throw new Error(`srns: negatives (${o.negatives}) must not exceed memorySize (${S1})`);
    const poolRng = new Rng(0x5a5a ^ U);
    const pool = new CandidatePool(train, nItems, C, o.rejectPositives, poolRng);
    const memory = new Int32Array(U * S1);
    for (let u = 0; u < U; u++) for (let k = 0; k < S1; k++) memory[u * S1 + k] = k;
    const histNeg = new Float32Array(U * C * H).fill(NaN);
    const histPos = new Float32Array(train.indices.length * H).fill(NaN);
    let snapshots = 0;
    const rowUser = new Int32Array(train.indices.length);
    for (let u = 0; u < U; u++) rowUser.fill(u, train.indptr[u], train.indptr[u + 1]);
    const lastBatchOfUser = new Int32Array(U).fill(-1);
    let batchNo = 0;
    const perm = identity(C);
    const inMemory = new Uint8Array(C);
    const itemsBuf = new Scratch((n) => new Int32Array(n));
    const freshBuf = new Scratch((n) => new Int32Array(n));
    const freshSlotBuf = new Scratch((n) => new Int32Array(n));
    const updRowsBuf = new Scratch((n) => new Int32Array(n));
    const critBuf = new Float64Array(S1);
    const keyBuf = new Float64Array(S1 + S2);
    const slotBuf = new Int32Array(S1 + S2);
    const orderBuf = new Int32Array(S1 + S2);
    const statsRng = new Rng(0x51);
    const chosenStd = new Reservoir(statsRng);
    const chosenL = new Reservoir(statsRng);
    let epochAlpha = 0;


    const sampler: Sampler = {
      sample: (users, pos, ctx) => {
        const B = users.length;
        const K = o.negatives;
        const alphaT = warmedAlpha(o.alpha, o.warmup, ctx.epoch);
        epochAlpha = alphaT;
        const W = 1 + S1;
        const items = itemsBuf.get(B * W);
        for (let b = 0; b < B; b++) {
          const u = users[b];
          items[b * W] = pos[b];
          for (let k = 0; k < S1; k++) items[b * W + 1 + k] = pool.items[u * C + memory[u * S1 + k]];
        }
        const scores = ctx.scorer.score(users, items, W);
        const out = new Int32Array(B * K);
        const chosen = new Int32Array(K);
        batchNo++;
        const updRows = updRowsBuf.get(B);
        let nUpd = 0;
        for (let b = 0; b < B; b++) {
          const u = users[b];
          const sPos = scores[b * W];
          const r = indexOfItem(train, u, pos[b]);
          for (let k = 0; k < S1; k++) {
            const l = sigmoid(scores[b * W + 1 + k] - sPos);
            const std = r >= 0 ? historyStd(histNeg, (u * C + memory[u * S1 + k]) * H, histPos, r * H, H) : 0;
            critBuf[k] = alphaT < 0 ? std : l + alphaT * std;
          }
          topIndices(critBuf, S1, K, chosen);
          for (let k = 0; k < K; k++) out[b * K + k] = items[b * W + 1 + chosen[k]];
          if ((b & 7) === 0) {
            const c = chosen[0];
            chosenL.add(sigmoid(scores[b * W + 1 + c] - sPos));
            chosenStd.add(r >= 0 ? historyStd(histNeg, (u * C + memory[u * S1 + c]) * H, histPos, r * H, H) : 0);
          }
          if (lastBatchOfUser[u] !== batchNo) {
            lastBatchOfUser[u] = batchNo;
            updRows[nUpd++] = b;
          }
        }
        if (S2 > 0 && nUpd > 0) {
          // memory update: S2 fresh pool slots per updated user, scored in one call
          const freshSlots = freshSlotBuf.get(nUpd * S2);
          const freshItems = freshBuf.get(nUpd * S2);
          const updUsers = new Int32Array(nUpd);
          for (let q = 0; q < nUpd; q++) {
            const u = users[updRows[q]];
            updUsers[q] = u;
            for (let k = 0; k < S1; k++) inMemory[memory[u * S1 + k]] = 1;
            let got = 0;
            for (let i = 0; i < C && got < S2; i++) {
              const rr = i + ctx.rng.int(C - i);
              const t = perm[i];
              perm[i] = perm[rr];
              perm[rr] = t;
              if (!inMemory[perm[i]]) freshSlots[q * S2 + got++] = perm[i];
            }
            for (let k = 0; k < S1; k++) inMemory[memory[u * S1 + k]] = 0;
            for (let k = 0; k < S2; k++) freshItems[q * S2 + k] = pool.items[u * C + freshSlots[q * S2 + k]];
          }
          const freshScores = ctx.scorer.score(updUsers, freshItems, S2);
          const invTau = 1 / o.memoryTemperature;
          for (let q = 0; q < nUpd; q++) {
            const b = updRows[q];
            const u = users[b];
            for (let k = 0; k < S1; k++) {
              slotBuf[k] = memory[u * S1 + k];
              keyBuf[k] = scores[b * W + 1 + k] * invTau + gumbel(ctx.rng.float());
            }
            for (let k = 0; k < S2; k++) {
              slotBuf[S1 + k] = freshSlots[q * S2 + k];
              keyBuf[S1 + k] = freshScores[q * S2 + k] * invTau + gumbel(ctx.rng.float());
            }
            topIndices(keyBuf, S1 + S2, S1, orderBuf);
            for (let k = 0; k < S1; k++) memory[u * S1 + k] = slotBuf[orderBuf[k]];
          }
        }
        return { layout: 'per-row', n: K, items: out };
      },

      endEpoch: (ctx) => {
        const refreshPerUser = Math.floor(o.poolRefresh * (C - S1));
        if (refreshPerUser > 0 || o.memoryReset === 'epoch') {
          const slots = new Int32Array(C);
          for (let u = 0; u < U; u++) {
            if (train.indptr[u + 1] === train.indptr[u]) continue;
            if (refreshPerUser > 0) {
              for (let k = 0; k < S1; k++) inMemory[memory[u * S1 + k]] = 1;
              distinctSlots(perm, C, C, poolRng, slots);
              let done = 0;
              for (let i = 0; i < C && done < refreshPerUser; i++) {
                const s = slots[i];
                if (inMemory[s]) continue;
                pool.replace(u, s, poolRng);
                histNeg.fill(NaN, (u * C + s) * H, (u * C + s + 1) * H);
                done++;
              }
              for (let k = 0; k < S1; k++) inMemory[memory[u * S1 + k]] = 0;
            }
            if (o.memoryReset === 'epoch') distinctSlots(perm, C, S1, poolRng, memory, u * S1);
          }
        }
        // snapshot t of every pool candidate and every training positive
        const t = snapshots % H;
        const chunk = 1024;
        for (let u0 = 0; u0 < U; u0 += chunk) {
          const u1 = Math.min(U, u0 + chunk);
          const us = identity(u1 - u0).map((x) => x + u0);
          const s = ctx.scorer.score(us, pool.items.subarray(u0 * C, u1 * C), C);
          for (let k = 0; k < s.length; k++) histNeg[(u0 * C + k) * H + t] = s[k];
        }
        const R = train.indices.length;
        for (let r0 = 0; r0 < R; r0 += 65536) {
          const r1 = Math.min(R, r0 + 65536);
          const s = ctx.scorer.score(rowUser.subarray(r0, r1), train.indices.subarray(r0, r1), 1);
          for (let k = 0; k < s.length; k++) histPos[(r0 + k) * H + t] = s[k];
        }
        snapshots++;
        const report = {
          chosenStd: percentiles(chosenStd.sample()),
          chosenHardness: percentiles(chosenL.sample()),
          alpha: epochAlpha,
          snapshots: Math.min(snapshots, H),
        };
        chosenStd.reset();
        chosenL.reset();
        return report;
      },
    };
    // read by tests: the pool, each user's memory (slot indices into the pool) and the score snapshots
    return Object.assign(sampler, { state: { pool, memory, histNeg, histPos } });
  },
};

/** Gumbel(0, 1) noise from a uniform in [0, 1). */
function gumbel(u: number): number {
  return -Math.log(-Math.log(u + 1e-12) + 1e-12);
}
