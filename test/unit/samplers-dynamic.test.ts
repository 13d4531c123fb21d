/**
 * Model-aware samplers: DNS against a real MF scorer, SRNS and GDNS state updates on hand-made score sequences, and
 * hard negatives from a checkpoint's rank window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/rng';
import { samplerSpec } from '../../src/engine/samplers/registry';
import type { Interactions } from '../../src/engine/data/types';
import type { NegativeBatch, Sampler, SamplerContext, Scorer } from '../../src/engine/samplers/types';
import { drawUniformRejecting } from '../../src/engine/samplers/reject';
import { historyStd, warmedAlpha } from '../../src/engine/samplers/srns';
import { gainUpdate } from '../../src/engine/samplers/gdns';
import { MfModel } from '../../src/engine/models/mf';
import { resolveConfig } from '../../src/engine/config/validate';
import { initBackend } from '../../src/engine/tensor/backend';
import { csrFromRows as csr } from '../fixtures/data/helpers';


const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A real Scorer over a dense, replaceable user × item score table (the "model" of the hand-made sequences). */
class TableScorer implements Scorer {
  constructor(public table: number[][]) {}
  score(users: Int32Array, items: Int32Array, perUser: number): Float32Array {
    return Float32Array.from(items, (j, k) => this.table[users[Math.floor(k / perUser)]][j]);
  }
}

function perRow(neg: NegativeBatch): Extract<NegativeBatch, { layout: 'per-row' }> {
  assert.equal(neg.layout, 'per-row');
  return neg as Extract<NegativeBatch, { layout: 'per-row' }>;
}

function ctxOf(train: Interactions, scorer: Scorer, seed: number, epoch = 1): SamplerContext {
  return { rng: new Rng(seed), train, nItems: train.nItems, popularity: new Int32Array(train.nItems), scorer, epoch };
}

test('DNS(M) returns the highest-scoring of its M candidates under a real MF model (dot and cosine)', () => {
  const nItems = 200;
  const rng = new Rng(4);
  const rows = Array.from({ length: 30 }, () => Array.from({ length: 5 + rng.int(40) }, () => rng.int(nItems)));
  const train = csr(rows, nItems);
  for (const score of ['dot', 'cosine'] as const) {
    const cfg = resolveConfig({ name: 'dns-test', model: { dim: 8, score, init: { dist: 'normal', std: 0.5 } } });
    const model = new MfModel(train.nUsers, nItems, cfg.model, cfg.optimizer, new Rng(9));
    const M = 12;
    const K = 2;
    const s = samplerSpec('dns').create({ negatives: K, rejectPositives: true, candidates: M, topN: 1 }, { train, nItems, popularity: new Int32Array(nItems) });
    const users = Int32Array.from({ length: 64 }, (_, b) => b % train.nUsers);
    const neg = perRow(s.sample(users, users, ctxOf(train, model, 77)));
    assert.equal(neg.n, K);
    // replay the candidate draws with the same seed: DNS draws B·K·M candidates in row order before anything else
    const replay = new Rng(77);
    for (let b = 0; b < users.length; b++) {
      for (let k = 0; k < K; k++) {
        const cand = Int32Array.from({ length: M }, () => drawUniformRejecting(replay, train, nItems, users[b], true));
        const scores = model.score(Int32Array.of(users[b]), cand, M);
        let best = 0;
        for (let m = 1; m < M; m++) if (scores[m] > scores[best]) best = m;
        assert.equal(neg.items[b * K + k], cand[best], `${score}: row ${b} negative ${k} is the argmax of its candidates`);
      }
    }
  }
});

test('DNS(M, N) picks among the top N of its candidates, each of them regularly', () => {
  const nItems = 40;
  const train = csr([[0]], nItems);
  // score = item id: the top N of the M candidates are their N largest ids
  const scorer = new TableScorer([Array.from({ length: nItems }, (_, j) => j)]);
  const M = 10;
  const N = 3;
  const s = samplerSpec('dns').create({ negatives: 1, rejectPositives: true, candidates: M, topN: N }, { train, nItems, popularity: new Int32Array(nItems) });
  const ctx = ctxOf(train, scorer, 5);
  const replay = new Rng(5);
  const rankCounts = [0, 0, 0];
  const users = new Int32Array(500);
  const neg = perRow(s.sample(users, users, ctx));
  const allCand: Int32Array[] = [];
  for (let b = 0; b < users.length; b++) allCand.push(Int32Array.from({ length: M }, () => drawUniformRejecting(replay, train, nItems, 0, true)));
  for (let b = 0; b < users.length; b++) {
    const sorted = [...allCand[b]].sort((x, y) => y - x);
    const r = sorted.indexOf(neg.items[b]);
    assert.ok(r >= 0 && r < N, `row ${b}: chosen ${neg.items[b]} is rank ${r} of ${sorted}`);
    rankCounts[r]++;
  }
  for (const c of rankCounts) assert.ok(c > 100, `ranks picked ${rankCounts}`);
});

test('SRNS: std over the score history, α warm-up, and the choice it drives on a hand-made score sequence', () => {
  // population std of σ(neg − pos) over the snapshots, NaN snapshots skipped
  const histNeg = Float32Array.of(-3, 3, -3, NaN, 0);
  const histPos = Float32Array.of(0, 0, 0, 0, NaN);
  const l = [sigmoid(-3), sigmoid(3), sigmoid(-3)];
  const mean = l.reduce((a, b) => a + b) / 3;
  const std = Math.sqrt(l.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
  assert.ok(Math.abs(historyStd(histNeg, 0, histPos, 0, 5) - std) < 1e-6);
  assert.equal(historyStd(Float32Array.of(1, NaN, NaN), 0, Float32Array.of(0, 0, 0), 0, 3), 0, 'one snapshot: no spread');
  assert.equal(warmedAlpha(5, 50, 1), 0);
  assert.equal(warmedAlpha(5, 50, 26), 2.5);
  assert.equal(warmedAlpha(5, 50, 80), 5);
  assert.equal(warmedAlpha(-1, 50, 1), -1);
  assert.equal(warmedAlpha(5, 0, 1), 5);

  // one user who owns item 0; the complement {1,2,3,4} is exactly the pool and the memory (S1 = poolSize: no updates)
  const train = csr([[0]], 5);
  const snapshots = [
    [0, 2.0, -3, -5, -5],
    [0, 2.0, 3, -5, -5],
    [0, 2.0, -3, -5, -5],
  ];
  const current = [0, 2.0, 0.5, -5, -5]; // item 1 is the hardest now; item 2 has the unstable history
  const choose = (alpha: number): number => {
    const s = samplerSpec('srns').create(
      { negatives: 1, rejectPositives: true, poolSize: 4, memorySize: 4, freshCandidates: 8, alpha, warmup: 0, memoryTemperature: 10, history: 5, memoryReset: 'keep', poolRefresh: 0 },
      { train, nItems: 5, popularity: new Int32Array(5) },
    ) as Sampler & { state: { pool: { items: Int32Array }; memory: Int32Array; histNeg: Float32Array; histPos: Float32Array } };
    assert.deepEqual([...s.state.pool.items].sort(), [1, 2, 3, 4]);
    const scorer = new TableScorer([snapshots[0]]);
    const ctx = ctxOf(train, scorer, 1);
    for (let e = 0; e < 3; e++) {
      scorer.table = [snapshots[e]];
      s.endEpoch!(ctx);
    }
    // the snapshots were recorded per pool slot and for the positive (CSR row 0)
    for (let slot = 0; slot < 4; slot++) {
      const item = s.state.pool.items[slot];
      assert.deepEqual([...s.state.histNeg.subarray(slot * 5, slot * 5 + 3)], snapshots.map((t) => Math.fround(t[item])));
    }
    assert.deepEqual([...s.state.histPos.subarray(0, 3)], [0, 0, 0]);
    scorer.table = [current];
    ctx.epoch = 4;
    return perRow(s.sample(Int32Array.of(0), Int32Array.of(0), ctx)).items[0];
  };
  assert.equal(choose(0), 1, 'α = 0: the hardest by current score');
  assert.equal(choose(100), 2, 'large α: the high-variance candidate');
  assert.equal(choose(-1), 2, 'α < 0: by std alone');
});

test('SRNS memory update keeps the S1 highest-scoring of memory ∪ fresh candidates when τ is small', () => {
  const nItems = 11;
  const train = csr([[0]], nItems);
  const scorer = new TableScorer([Array.from({ length: nItems }, (_, j) => j)]);
  const s = samplerSpec('srns').create(
    { negatives: 3, rejectPositives: true, poolSize: 10, memorySize: 3, freshCandidates: 7, alpha: 0, warmup: 0, memoryTemperature: 1e-3, history: 5, memoryReset: 'keep', poolRefresh: 0 },
    { train, nItems, popularity: new Int32Array(nItems) },
  ) as Sampler & { state: { pool: { items: Int32Array }; memory: Int32Array } };
  const ctx = ctxOf(train, scorer, 3);
  s.sample(Int32Array.of(0), Int32Array.of(0), ctx);
  const memoryItems = [...s.state.memory].map((slot) => s.state.pool.items[slot]).sort((a, b) => a - b);
  assert.deepEqual(memoryItems, [8, 9, 10]);
  const neg = perRow(s.sample(Int32Array.of(0), Int32Array.of(0), ctx));
  assert.deepEqual([...neg.items], [10, 9, 8], 'the memory, best first');
});

test('GDNS: H and the gain EMA on a hand-made score sequence; top-k selection prefers the item training pushed down', () => {
  assert.ok(Math.abs(gainUpdate(0.5, 0.6, 0.3, 0.9, 1e-6) - (0.45 + 0.1 * sigmoid(0.3 / (0.3 + 1e-6)))) < 1e-12);
  // user 0 owns items 0 and 1; the complement {2,3,4,5} is the pool
  const train = csr([[0, 1]], 6);
  const before = [1, 0, 0.5, 0.5, -1, 2];
  const after = [1, 0, -2, 1.5, -1, 2]; // item 2 pushed down (true negative), item 3 rose (false negative)
  const alpha = 0.8;
  const s = samplerSpec('gdns').create(
    { negatives: 1, rejectPositives: true, poolSize: 4, candidates: 4, rule: 'top-k', emaAlpha: alpha, epsilon: 1e-6, positivesPerUser: 8, hardnessWeight: 0, initialGain: 0.5, poolRefresh: 0 },
    { train, nItems: 6, popularity: new Int32Array(6) },
  ) as Sampler & { state: { pool: { items: Int32Array }; H: Float32Array; G: Float32Array } };
  const scorer = new TableScorer([before]);
  const ctx = ctxOf(train, scorer, 2);
  const H = (t: number[], j: number): number => (sigmoid(t[j] - t[0]) + sigmoid(t[j] - t[1])) / 2;
  s.sample(Int32Array.of(0), Int32Array.of(0), ctx); // measures H⁰ from the initial model
  for (let slot = 0; slot < 4; slot++) assert.ok(Math.abs(s.state.H[slot] - H(before, s.state.pool.items[slot])) < 1e-6);
  assert.ok([...s.state.G].every((g) => g === 0.5), 'no gain before a measured change');
  scorer.table = [after];
  const report = s.endEpoch!(ctx) as Record<string, unknown>;
  for (let slot = 0; slot < 4; slot++) {
    const j = s.state.pool.items[slot];
    const expected = alpha * 0.5 + (1 - alpha) * sigmoid((H(before, j) - H(after, j)) / (H(after, j) + 1e-6));
    assert.ok(Math.abs(s.state.G[slot] - expected) < 1e-6, `G(item ${j}) = ${s.state.G[slot]}, expected ${expected}`);
    assert.ok(Math.abs(s.state.H[slot] - H(after, j)) < 1e-6);
  }
  assert.ok(report.gain && report.shareGainBelowHalf !== undefined);
  const slotOf = (j: number): number => [...s.state.pool.items].indexOf(j);
  assert.ok(s.state.G[slotOf(2)] > 0.5 && s.state.G[slotOf(3)] < 0.5, 'true negative gains, false negative loses');
  const users = new Int32Array(50);
  const neg = perRow(s.sample(users, users, ctx));
  assert.ok([...neg.items].every((j) => j === 2), `top-k by gain picks item 2: ${[...neg.items]}`);
});

test('GDNS proportional rule draws ∝ gain among the candidates', () => {
  const train = csr([[0]], 4);
  const s = samplerSpec('gdns').create(
    { negatives: 1, rejectPositives: true, poolSize: 3, candidates: 3, rule: 'proportional', emaAlpha: 0, epsilon: 1e-6, positivesPerUser: 4, hardnessWeight: 0, initialGain: 0.5, poolRefresh: 0 },
    { train, nItems: 4, popularity: new Int32Array(4) },
  ) as Sampler & { state: { pool: { items: Int32Array }; G: Float32Array } };
  const ctx = ctxOf(train, new TableScorer([[0, 0, 0, 0]]), 6);
  s.sample(Int32Array.of(0), Int32Array.of(0), ctx);
  s.state.G.set([0.1, 0.3, 0.6]);
  const counts = new Map<number, number>();
  const users = new Int32Array(30000);
  for (const j of perRow(s.sample(users, users, ctx)).items) counts.set(j, (counts.get(j) ?? 0) + 1);
  s.state.pool.items.forEach((j, slot) => {
    const share = (counts.get(j) ?? 0) / users.length;
    assert.ok(Math.abs(share - s.state.G[slot]) < 0.02, `item ${j}: share ${share} vs gain ${s.state.G[slot]}`);
  });
});

test('hard-rank draws only from the checkpoint\'s rank window, training items excluded; reads a run folder relative to baseDir', async () => {
  await initBackend('wasm');
  const nItems = 30;
  const dim = 2;
  // user u ranks items by the item's first coordinate (item j has score j for user 0, −j for user 1)
  const users = Float32Array.of(1, 0, -1, 0);
  const items = new Float32Array(nItems * dim);
  for (let j = 0; j < nItems; j++) items[j * dim] = j;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-hard-'));
  const ck = path.join(base, 'runs', 'prev', 'checkpoints', 'best');
  fs.mkdirSync(ck, { recursive: true });
  fs.writeFileSync(path.join(ck, 'user.f32'), Buffer.from(users.buffer));
  fs.writeFileSync(path.join(ck, 'item.f32'), Buffer.from(items.buffer));
  fs.writeFileSync(path.join(ck, 'meta.json'), JSON.stringify({ epoch: 3, users: 2, items: nItems, dim }));
  const train = csr([[29, 27], [0]], nItems);
  const s = samplerSpec('hard-rank').create(
    { negatives: 4, rejectPositives: true, checkpoint: 'runs/prev', experiment: '', which: 'best', rankFrom: 3, rankTo: 6, score: 'dot', cacheUsers: 1 },
    { train, nItems, popularity: new Int32Array(nItems), baseDir: base },
  );
  const ctx = ctxOf(train, { score: () => new Float32Array(0) }, 8);
  const seen: Set<number>[] = [new Set(), new Set()];
  for (let it = 0; it < 50; it++) {
    const batch = Int32Array.of(0, 1, 0);
    const neg = perRow(s.sample(batch, batch, ctx));
    neg.items.forEach((j, k) => seen[batch[Math.floor(k / 4)]].add(j));
  }
  // user 0 ranks 28, 26, 25, 24, 23, 22 … (29 and 27 are training items): ranks 3–6 are 25, 24, 23, 22
  assert.deepEqual([...seen[0]].sort((a, b) => a - b), [22, 23, 24, 25]);
  // user 1 ranks 1, 2, 3, 4, 5, 6 … (0 is a training item): ranks 3–6 are 3, 4, 5, 6
  assert.deepEqual([...seen[1]].sort((a, b) => a - b), [3, 4, 5, 6]);
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  assert.equal(stats.cacheUsers, 1);
  assert.ok(stats.windowsComputed > 2, 'a one-user cache recomputes windows');
  assert.throws(
    () => samplerSpec('hard-rank').create({ negatives: 1, rejectPositives: true, checkpoint: 'nowhere', experiment: '', which: 'best', rankFrom: 1, rankTo: 2, score: 'dot', cacheUsers: 0 }, { train, nItems, popularity: new Int32Array(nItems), baseDir: base }),
    /no checkpoint at/,
  );
});
