/**
 * Hard negatives from a rank window of a previous run: for user u, rank all items with a checkpoint's embeddings
 * (the user's training items excluded when rejectPositives) and draw negatives uniformly from ranks
 * [rankFrom, rankTo] (1-based, e.g. 101–500: hard but past the likely false negatives at the very top).
 *
 * `checkpoint` is a run directory (resolved against the config file's folder) whose checkpoints/<which>/ holds
 * user.f32, item.f32 and meta.json, such a checkpoint folder itself, or a runs folder (latest run of `experiment`). Windows are computed lazily for the users of a
 * batch (one [users × D]·[D × items] tfjs product per chunk, then a partial top-K) and kept in a bounded cache of
 * `cacheUsers` windows with FIFO eviction, so memory is cacheUsers·(rankTo − rankFrom + 1) item ids.
 */
import path from 'node:path';
import { readCheckpoint } from '../checkpoint';
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import type { SamplerSpec } from './types';
import { drawUniformRejecting } from './reject';
import { selectTopK } from '../eval/topk';

export interface HardRankOptions extends Record<string, unknown> {
  checkpoint: string;
  experiment: string;
  which: 'best' | 'last';
  rankFrom: number;
  rankTo: number;
  score: 'dot' | 'cosine';
  cacheUsers: number;
}

function normaliseRows(x: Float32Array, dim: number): void {
  for (let o = 0; o < x.length; o += dim) {
    let n = 0;
    for (let k = 0; k < dim; k++) n += x[o + k] * x[o + k];
    const inv = 1 / Math.max(Math.sqrt(n), 1e-12);
    for (let k = 0; k < dim; k++) x[o + k] *= inv;
  }
}

export const hardRank: SamplerSpec<HardRankOptions> = {
  name: 'hard-rank',
  title: 'Hard negatives from a rank window',
  description: 'Negatives drawn uniformly from ranks rankFrom–rankTo of each user\'s ranking under a previous run\'s checkpoint.',
  options: {
    checkpoint: { type: 'string', default: '', description: 'run directory (relative to the config file) whose checkpoints/<which>/ holds user.f32, item.f32, meta.json; or a runs folder (see experiment)' },
    experiment: { type: 'string', default: '', description: 'when checkpoint is a runs folder: take the latest run of this experiment name (empty: the latest run)' },
    which: { enum: ['best', 'last'], default: 'best', description: 'which checkpoint of the run' },
    rankFrom: { type: 'integer', default: 101, minimum: 1, description: 'first rank of the window (1-based)' },
    rankTo: { type: 'integer', default: 500, minimum: 1, description: 'last rank of the window' },
    score: { enum: ['dot', 'cosine'], default: 'dot', description: 'how the checkpoint ranks items' },
    cacheUsers: { type: 'integer', default: 0, minimum: 0, description: 'users whose windows are cached (0: all users, capped at 256 MB of item ids)' },
  },
  create: (o, data) => {
    if (!o.checkpoint) throw new Error('hard-rank: set sampler.checkpoint to a previous run directory');
    if (o.rankTo < o.rankFrom) throw new Error(`hard-rank: rankTo (${o.rankTo}) < rankFrom (${o.rankFrom})`);
    const ck = readCheckpoint(path.resolve(data.baseDir ?? '.', o.checkpoint), o.which, o.experiment || undefined);
    const { train, nItems } = data;
    if (ck.nUsers !== train.nUsers || ck.nItems !== nItems) {
      throw new Error(`hard-rank: checkpoint ${ck.dir} has ${ck.nUsers} users × ${ck.nItems} items, the dataset ${train.nUsers} × ${nItems}`);
    }
    const D = ck.dim;
    if (o.score === 'cosine') {
      normaliseRows(ck.users, D);
      normaliseRows(ck.items, D);
    }
    const W = o.rankTo - o.rankFrom + 1;
    const K = Math.min(o.rankTo, nItems);
    const cap = Math.max(1, Math.min(train.nUsers, o.cacheUsers > 0 ? o.cacheUsers : Math.floor((256 << 20) / (4 * W))));
    const windows = new Int32Array(cap * W);
    const lengths = new Int32Array(cap);
    const slotOfUser = new Int32Array(train.nUsers).fill(-1);
    const userOfSlot = new Int32Array(cap).fill(-1);
    let hand = 0;
    const chunk = 64;
    const topIdx = new Int32Array(K);
    const topScore = new Float64Array(K);
    let itemTensor: tfc.Tensor2D | null = null;
    let computed = 0;
    let lookups = 0;
    let misses = 0;

    const computeWindows = (users: Int32Array): void => {
      // items kept as [D, I] so scoring is a plain matMul (the transposeB path is ~8× slower on wasm)
      itemTensor ??= tf.keep(tf.tidy(() => tf.transpose(tf.tensor2d(ck.items, [nItems, D]))));
      const uRows = new Float32Array(chunk * D);
      for (let c0 = 0; c0 < users.length; c0 += chunk) {
        const n = Math.min(chunk, users.length - c0);
        for (let q = 0; q < n; q++) uRows.set(ck.users.subarray(users[c0 + q] * D, (users[c0 + q] + 1) * D), q * D);
        // (read the data outside tidy: tidy walks a returned typed array element by element looking for tensors)
        const scoresT = tf.tidy(() => tf.matMul(tf.tensor2d(uRows.subarray(0, n * D), [n, D]), itemTensor!));
        const scores = scoresT.dataSync() as Float32Array;
        scoresT.dispose();
        for (let q = 0; q < n; q++) {
          const u = users[c0 + q];
          const off = q * nItems;
          if (o.rejectPositives) for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) scores[off + train.indices[k]] = -Infinity;
          const count = selectTopK(scores, off, nItems, K, topIdx, topScore);
          if (userOfSlot[hand] >= 0) slotOfUser[userOfSlot[hand]] = -1;
          const slot = hand;
          hand = (hand + 1) % cap;
          userOfSlot[slot] = u;
          slotOfUser[u] = slot;
          const len = Math.max(0, count - (o.rankFrom - 1));
          lengths[slot] = len;
          windows.set(topIdx.subarray(o.rankFrom - 1, o.rankFrom - 1 + len), slot * W);
          computed++;
        }
      }
    };

    return {
      sample: (users, _pos, ctx) => {
        const B = users.length;
        const n = o.negatives;
        const missing: number[] = [];
        const stamp = new Set<number>();
        for (let b = 0; b < B; b++) {
          const u = users[b];
          if (slotOfUser[u] < 0 && !stamp.has(u)) {
            stamp.add(u);
            missing.push(u);
          }
        }
        lookups += B;
        misses += missing.length;
        if (missing.length) computeWindows(Int32Array.from(missing.slice(-cap)));
        const out = new Int32Array(B * n);
        for (let b = 0; b < B; b++) {
          const u = users[b];
          if (slotOfUser[u] < 0) computeWindows(Int32Array.of(u)); // only when a batch has more distinct users than the cache
          const slot = slotOfUser[u];
          const len = lengths[slot];
          for (let k = 0; k < n; k++) {
            out[b * n + k] = len > 0 ? windows[slot * W + ctx.rng.int(len)] : drawUniformRejecting(ctx.rng, train, nItems, u, o.rejectPositives);
          }
        }
        return { layout: 'per-row', n, items: out };
      },
      endEpoch: () => {
        const r = { windowsComputed: computed, cacheMissRate: lookups ? misses / lookups : 0, cacheUsers: cap };
        computed = 0;
        lookups = 0;
        misses = 0;
        return r;
      },
    };
  },
};
