/**
 * The survey samplers against the distributions they claim (χ² goodness of fit at p = 1e-3, fixed seeds):
 * word2vec subsampling (output ∝ q·min(1, sqrt(t/f)), the keep probability of negatives and of positives),
 * two-group weighted sampling, rejection sampling to a popularity target and to the model's softmax, Metropolis–
 * Hastings chains against the exact softmax of a small catalogue, real negatives (share and uniformity within the
 * user's explicit set) and the DFN mix (shares, hard ones inside the rank window); rejection of training items.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/rng';
import { AliasTable } from '../../src/engine/samplers/alias';
import { samplerSpec } from '../../src/engine/samplers/registry';
import { hasItem, type Interactions } from '../../src/engine/data/types';
import type { NegativeBatch, SamplerContext, SamplerData, Scorer } from '../../src/engine/samplers/types';
import { keepProbabilities } from '../../src/engine/samplers/subsample';
import { highThreshold, twoGroupDistribution } from '../../src/engine/samplers/two-group';
import { envelope } from '../../src/engine/samplers/rejection';
import { initBackend } from '../../src/engine/tensor/backend';
import { csrFromRows as csr } from '../fixtures/data/helpers';

/** Upper critical value of χ²(df) at significance 1e-3 (Wilson–Hilferty). */
function chiSquareCritical(df: number): number {
  const z = 3.0902;
  const a = 2 / (9 * df);
  return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

function assertFits(label: string, counts: ArrayLike<number>, probs: ArrayLike<number>): void {
  let n = 0;
  for (let j = 0; j < counts.length; j++) n += counts[j];
  let stat = 0;
  let df = -1;
  for (let j = 0; j < counts.length; j++) {
    const e = probs[j] * n;
    if (e === 0) {
      assert.equal(counts[j], 0, `${label}: item ${j} has probability 0 but was drawn ${counts[j]} times`);
      continue;
    }
    stat += (counts[j] - e) ** 2 / e;
    df++;
  }
  const crit = chiSquareCritical(Math.max(df, 1));
  console.log(`# ${label}: χ² = ${stat.toFixed(2)}, df = ${df}, critical (p = 1e-3) = ${crit.toFixed(2)}`);
  assert.ok(stat < crit, `${label}: χ² = ${stat.toFixed(2)} with df = ${df}, critical value at p = 1e-3 is ${crit.toFixed(2)}`);
}

/** |observed − expected| within 4.5 binomial standard deviations */
function assertBinomial(label: string, hits: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  console.log(`# ${label}: ${hits}/${n} = ${(hits / n).toFixed(4)}, expected ${p.toFixed(4)}`);
  assert.ok(Math.abs(hits - n * p) <= 4.5 * sd + 1e-9, `${label}: ${hits}/${n} = ${hits / n}, expected ${p} (±${(4.5 * sd / n).toFixed(4)})`);
}

const noScorer: Scorer = { score: () => { throw new Error('this sampler should not score'); } };

function popularityOf(train: Interactions): Int32Array {
  const c = new Int32Array(train.nItems);
  for (const i of train.indices) c[i]++;
  return c;
}

function ctxOf(train: Interactions, seed: number, scorer: Scorer = noScorer): SamplerContext {
  return { rng: new Rng(seed), train, nItems: train.nItems, popularity: popularityOf(train), scorer, epoch: 1 };
}

function powerLawData(nItems = 40, nUsers = 400, seed = 1): Interactions {
  const rng = new Rng(seed);
  const alias = new AliasTable(Array.from({ length: nItems }, (_, j) => 1 / (j + 1)));
  const rows: number[][] = [];
  for (let u = 0; u < nUsers; u++) rows.push(Array.from({ length: 3 + rng.int(10) }, () => alias.draw(rng)));
  return csr(rows, nItems);
}

function perRow(neg: NegativeBatch): Extract<NegativeBatch, { layout: 'per-row' }> {
  assert.equal(neg.layout, 'per-row');
  return neg as Extract<NegativeBatch, { layout: 'per-row' }>;
}

/** draws `rounds` batches of `users` and counts the items (per user when `byUser`) */
function countDraws(s: ReturnType<typeof samplerSpec>['create'] extends (...a: never[]) => infer R ? R : never, users: Int32Array, ctx: SamplerContext, rounds: number, nItems: number): Float64Array {
  const counts = new Float64Array(nItems);
  for (let r = 0; r < rounds; r++) for (const j of perRow(s.sample(users, users, ctx)).items) counts[j]++;
  return counts;
}

/** A fixed score table s(u, j) as the "model". */
const tableScorer = (score: (u: number, j: number) => number): Scorer => ({
  score: (users, items, perUser) => Float32Array.from(items, (j, k) => score(users[Math.floor(k / perUser)], j)),
});

test('subsample: keep probability min(1, sqrt(t/f)) on hand values', () => {
  // |R| = 1000: f = 0.1 → sqrt(1e-3/0.1) = 0.1; f = 0.001 → 1; f = 0.01 → sqrt(0.1); c = 0 → kept
  const keep = keepProbabilities(Int32Array.of(100, 1, 10, 0, 889), 1e-3);
  assert.ok(Math.abs(keep[0] - 0.1) < 1e-12);
  assert.equal(keep[1], 1);
  assert.ok(Math.abs(keep[2] - Math.sqrt(0.1)) < 1e-12);
  assert.equal(keep[3], 1);
  assert.ok(Math.abs(keep[4] - Math.sqrt(1e-3 / 0.889)) < 1e-12);
});

test('subsample: negatives ∝ q·min(1, sqrt(t/f)) (χ²), the kept fraction = Σ q·k, logQ = its log', () => {
  const train = powerLawData();
  const pop = popularityOf(train);
  const data: SamplerData = { train, nItems: train.nItems, popularity: pop };
  const s = samplerSpec('subsample').create({ negatives: 10, rejectPositives: false, base: 'popularity', alpha: 1, smoothing: 0, threshold: 0.01, positiveThreshold: 0, frequency: 'popularity' }, data);
  const ctx = ctxOf(train, 4);
  const counts = countDraws(s, new Int32Array(1000), ctx, 20, train.nItems);
  const total = pop.reduce((a, b) => a + b, 0);
  const keep = Array.from(pop, (c) => (c > 0 ? Math.min(1, Math.sqrt(0.01 / (c / total))) : 1));
  const w = Array.from(pop, (c, j) => c * keep[j]);
  const z = w.reduce((a, b) => a + b, 0);
  assertFits('subsample (popularity α = 1, t = 0.01)', counts, w.map((x) => x / z));
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  const expected = Array.from(pop, (c, j) => (c / total) * keep[j]).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(stats.expectedKeptFraction - expected) < 1e-12);
  // the proposals: kept / proposed is a binomial share (the 32-drop fallback is never reached here)
  const proposed = Math.round(200_000 / stats.keptFraction);
  assertBinomial('subsample kept fraction', Math.round(stats.keptFraction * proposed), proposed, expected);
  const lq = s.logQ!(Int32Array.from({ length: train.nItems }, (_, j) => j));
  lq.forEach((v, j) => assert.ok(Math.abs(Math.exp(v) - w[j] / z) < 1e-6, `logQ of ${j}`));
});

test('subsample with frequency "exposure": f counts training interactions plus explicit negatives; needs them', () => {
  const nItems = 6;
  const train = csr([[0, 1], [0, 2], [0]], nItems);
  const negatives = csr([[3, 4], [3, 5], [3]], nItems);
  const pop = popularityOf(train); // 3 1 1 0 0 0
  const s = samplerSpec('subsample').create({ negatives: 1, rejectPositives: false, base: 'uniform', alpha: 1, smoothing: 0, threshold: 0.05, positiveThreshold: 0, frequency: 'exposure' }, { train, nItems, popularity: pop, negatives });
  // exposures 3 1 1 3 1 1 of 10: keep = min(1, sqrt(0.05/f)) → sqrt(0.05/0.3) for items 0 and 3, sqrt(0.5) for the rest
  const k0 = Math.sqrt(0.05 / 0.3);
  const k1 = Math.sqrt(0.5);
  const w = [k0, k1, k1, k0, k1, k1];
  const z = w.reduce((a, b) => a + b, 0);
  const lq = s.logQ!(Int32Array.from({ length: nItems }, (_, j) => j));
  lq.forEach((v, j) => assert.ok(Math.abs(Math.exp(v) - w[j] / z) < 1e-6, `item ${j}: ${Math.exp(v)} vs ${w[j] / z}`));
  assert.throws(() => samplerSpec('subsample').create({ negatives: 1, rejectPositives: false, base: 'uniform', alpha: 1, smoothing: 0, threshold: 0.05, positiveThreshold: 0, frequency: 'exposure' }, { train, nItems, popularity: pop }), /no explicit negatives/);
});

test('subsample: hot positives are kept with probability min(1, sqrt(t_p/f)) per row', () => {
  const train = powerLawData(20, 600, 3);
  const pop = popularityOf(train);
  const total = pop.reduce((a, b) => a + b, 0);
  const s = samplerSpec('subsample').create({ negatives: 1, rejectPositives: true, base: 'uniform', alpha: 0.75, smoothing: 0, threshold: 1e-3, positiveThreshold: 0.02, frequency: 'popularity' }, { train, nItems: 20, popularity: pop });
  const ctx = ctxOf(train, 6);
  // every interaction as a row, 30 epochs: per item, kept rows / offered rows ~ Binomial(keep)
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < train.nUsers; u++) for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) { users.push(u); items.push(train.indices[k]); }
  const kept = new Float64Array(20);
  for (let e = 0; e < 30; e++) for (const j of s.filterRows!({ users: Int32Array.from(users), items: Int32Array.from(items) }, ctx).items) kept[j]++;
  for (const j of [0, 1, 2, 5, 10]) {
    const p = Math.min(1, Math.sqrt(0.02 / (pop[j] / total)));
    assertBinomial(`positive keep of item ${j} (f = ${(pop[j] / total).toFixed(3)})`, kept[j], 30 * pop[j], p);
  }
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  assert.ok(stats.keptPositiveFraction > 0 && stats.keptPositiveFraction < 1);
});

test('two-group: A_high by count or quantile; draws follow q (χ²); the low group gets P_l of the draws; logQ sums to 1', () => {
  const pop = Int32Array.of(50, 0, 3, 20, 1, 7, 0, 12, 2, 30, 5, 1);
  assert.equal(highThreshold(pop, { split: 'count', countThreshold: 10, quantile: 0 }), 10);
  // sorted: 0 0 1 1 2 3 5 7 12 20 30 50; the 0.75-quantile at position 8.25 = 12 + 0.25·8 = 14
  assert.ok(Math.abs(highThreshold(pop, { split: 'quantile', countThreshold: 0, quantile: 0.75 }) - 14) < 1e-12);
  const o = { split: 'count' as const, countThreshold: 10, quantile: 0.8, lowProbability: 0.3 };
  const g = twoGroupDistribution(pop, o);
  assert.deepEqual([...g.high], [0, 3, 7, 9]);
  assert.equal(g.low.length, 8);
  const rows = Array.from({ length: 12 }, (_, j) => Array.from({ length: pop[j] }, (_, u) => u));
  // a train matrix whose item counts are `pop` (users 0..49; item j held by users 0..c_j−1)
  const byUser: number[][] = Array.from({ length: 50 }, () => []);
  rows.forEach((us, j) => us.forEach((u) => byUser[u].push(j)));
  const train = csr(byUser, 12);
  const s = samplerSpec('two-group').create({ negatives: 20, rejectPositives: false, ...o }, { train, nItems: 12, popularity: pop });
  const ctx = ctxOf(train, 2);
  const counts = countDraws(s, new Int32Array(500), ctx, 20, 12);
  const high = 50 + 20 + 12 + 30;
  const q = Array.from(pop, (c, j) => (g.high.includes(j) ? (0.7 * c) / high : 0.3 / 8));
  assertFits('two-group (count ≥ 10, P_l = 0.3)', counts, q);
  const lq = s.logQ!(Int32Array.from({ length: 12 }, (_, j) => j));
  assert.ok(Math.abs(Array.from(lq, Math.exp).reduce((a, b) => a + b, 0) - 1) < 1e-6);
  lq.forEach((v, j) => assert.ok(Math.abs(Math.exp(v) - q[j]) < 1e-6));
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  assertBinomial('two-group low share', Math.round(stats.lowDrawShare * 200_000), 200_000, 0.3);
});

test('rejection to a popularity target: draws ∝ (c+1)^α from a uniform or popularity proposal (χ²), acceptance 1/c', () => {
  const train = powerLawData();
  const pop = popularityOf(train);
  for (const proposal of ['uniform', 'popularity'] as const) {
    const o = { target: 'popularity' as const, alpha: 0.75, proposal, proposalAlpha: 0.3, smoothing: 1, candidates: 0, temperature: 1, maxTries: 10_000 };
    const s = samplerSpec('rejection').create({ negatives: 10, rejectPositives: false, ...o }, { train, nItems: train.nItems, popularity: pop });
    const ctx = ctxOf(train, 12);
    const counts = countDraws(s, new Int32Array(1000), ctx, 20, train.nItems);
    const p = Array.from(pop, (c) => Math.pow(c + 1, 0.75));
    const z = p.reduce((a, b) => a + b, 0);
    assertFits(`rejection to popularity^0.75 from ${proposal}`, counts, p.map((x) => x / z));
    const stats = s.endEpoch!(ctx) as Record<string, number>;
    const qw = Array.from(pop, (c) => (proposal === 'uniform' ? 1 : Math.pow(c + 1, 0.3)));
    const qz = qw.reduce((a, b) => a + b, 0);
    const c = envelope(Float64Array.from(p, (x) => x / z), Float64Array.from(qw, (x) => x / qz));
    assert.ok(Math.abs(stats.envelope - c) < 1e-9);
    const proposed = Math.round(200_000 * c);
    assertBinomial(`rejection acceptance (${proposal})`, Math.round(stats.acceptanceRate * proposed), proposed, 1 / c);
  }
  assert.throws(() => envelope(Float64Array.of(0.5, 0.5), Float64Array.of(1, 0)), /proposal gives it 0/);
});

test('rejection to the model\'s softmax over the whole catalogue (candidates 0) matches the exact softmax without the user\'s items (χ²)', () => {
  const nItems = 15;
  const train = csr([[2, 7], [0]], nItems);
  const score = (u: number, j: number): number => Math.sin(1.7 * j + u) * 2;
  const T = 0.7;
  const s = samplerSpec('rejection').create(
    { negatives: 20, rejectPositives: true, target: 'softmax', alpha: 1, proposal: 'uniform', proposalAlpha: 0, smoothing: 1, candidates: 0, temperature: T, maxTries: 256 },
    { train, nItems, popularity: popularityOf(train) },
  );
  const ctx = ctxOf(train, 21, tableScorer(score));
  const counts = countDraws(s, new Int32Array(500), ctx, 10, nItems);
  const w = Array.from({ length: nItems }, (_, j) => (j === 2 || j === 7 ? 0 : Math.exp(score(0, j) / T)));
  const z = w.reduce((a, b) => a + b, 0);
  assertFits('rejection to softmax(s/0.7), user 0', counts, w.map((x) => x / z));
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  assert.ok(stats.acceptanceRate > 0 && stats.acceptanceRate <= 1);
});

for (const proposal of ['uniform', 'popularity'] as const) {
  test(`mh (${proposal} proposal): independent chains after burn-in follow the exact softmax of a small catalogue (χ²); chains persist`, () => {
    const nItems = 12;
    const nUsers = 6000;
    // every user owns item 3; item 9 is 4× as likely as the others under the popularity proposal (c + 500), so q(x)/q(x′) matters
    const rows = Array.from({ length: nUsers }, (_, u) => (u % 4 === 0 ? [3, 9] : [3]));
    const train = csr(rows, nItems);
    const pop = popularityOf(train);
    const T = 0.5;
    const score = (_u: number, j: number): number => 0.3 * Math.cos(j) + (j % 3) * 0.2;
    const s = samplerSpec('mh').create({ negatives: 1, rejectPositives: true, proposal, alpha: 1, smoothing: 500, temperature: T, steps: 1, burnIn: 60 }, { train, nItems, popularity: pop });
    const ctx = ctxOf(train, 31, tableScorer(score));
    // users 1, 2, 3, 5, 6, 7, …: not owning item 9; one draw per chain (independent samples)
    const users = Int32Array.from({ length: nUsers }, (_, u) => u).filter((u) => u % 4 !== 0);
    const counts = new Float64Array(nItems);
    for (let b0 = 0; b0 < users.length; b0 += 1000) for (const j of perRow(s.sample(users.subarray(b0, b0 + 1000), users, ctx)).items) counts[j]++;
    const w = Array.from({ length: nItems }, (_, j) => (j === 3 ? 0 : Math.exp(score(0, j) / T)));
    const z = w.reduce((a, b) => a + b, 0);
    assertFits(`mh ${proposal}, T = 0.5, after burn-in 60`, counts, w.map((x) => x / z));
    const first = s.endEpoch!(ctx) as Record<string, number>;
    assert.equal(first.chainsStarted, users.length);
    assert.equal(first.transitions, users.length * 61);
    // the chains continue: no new chain, one transition each, still the softmax
    const again = new Float64Array(nItems);
    for (let b0 = 0; b0 < users.length; b0 += 1000) for (const j of perRow(s.sample(users.subarray(b0, b0 + 1000), users, ctx)).items) again[j]++;
    assertFits(`mh ${proposal}, next step of the persisted chains`, again, w.map((x) => x / z));
    const second = s.endEpoch!(ctx) as Record<string, number>;
    assert.equal(second.chainsStarted, 0);
    assert.equal(second.transitions, users.length);
    assert.ok(second.acceptanceRate > 0.2 && second.acceptanceRate < 1);
  });
}

test('mh: one long chain of a user repeated in the batch visits items in softmax proportions (thinned, χ²)', () => {
  const nItems = 8;
  const train = csr([[0]], nItems);
  const score = (_u: number, j: number): number => j * 0.25;
  const s = samplerSpec('mh').create({ negatives: 1, rejectPositives: true, proposal: 'uniform', alpha: 1, smoothing: 0, temperature: 1, steps: 3, burnIn: 10 }, { train, nItems, popularity: popularityOf(train) });
  const ctx = ctxOf(train, 41, tableScorer(score));
  const counts = new Float64Array(nItems);
  // the same user 50 times per batch: the rows advance the one chain in turn
  for (let it = 0; it < 800; it++) for (const j of perRow(s.sample(new Int32Array(50), new Int32Array(50), ctx)).items) counts[j]++;
  const w = Array.from({ length: nItems }, (_, j) => (j === 0 ? 0 : Math.exp(j * 0.25)));
  const z = w.reduce((a, b) => a + b, 0);
  // consecutive states are correlated: compare shares with a tolerance instead of χ²
  for (let j = 1; j < nItems; j++) assert.ok(Math.abs(counts[j] / 40_000 - w[j] / z) < 0.015, `item ${j}: ${counts[j] / 40_000} vs ${w[j] / z}`);
  assert.equal(counts[0], 0);
});

test('real-negatives: a share ρ from the user\'s explicit negatives, uniformly (χ²); the rest from the `rest` sampler; clear errors', () => {
  const nItems = 30;
  const train = csr([[0, 1, 2], [5], [6, 7]], nItems);
  const negatives = csr([[10, 11, 12, 13, 14], [], [20, 21]], nItems);
  const data: SamplerData = { train, nItems, popularity: popularityOf(train), negatives };
  const s = samplerSpec('real-negatives').create({ negatives: 5, rejectPositives: true, share: 0.3, rest: { kind: 'popularity', alpha: 0 , smoothing: 1 } }, data);
  const ctx = ctxOf(train, 51);
  const users = Int32Array.from({ length: 900 }, (_, b) => b % 3);
  let fromReal = 0;
  let slots0 = 0;
  const realCounts = new Float64Array(nItems);
  for (let it = 0; it < 20; it++) {
    const neg = perRow(s.sample(users, users, ctx));
    neg.items.forEach((j, k) => {
      const u = users[Math.floor(k / 5)];
      assert.ok(!hasItem(train, u, j), `training item ${j} of user ${u}`);
      if (u === 0) {
        slots0++;
        if (hasItem(negatives, u, j)) { fromReal++; realCounts[j]++; }
      }
    });
  }
  // user 0: 0.3 of the slots are real; the uniform rest hits the 5 real items with probability 5/27 each draw
  const pReal = 0.3 + 0.7 * (5 / 27);
  assertBinomial('real-negatives share for user 0', fromReal, slots0, pReal);
  assertFits('real-negatives uniform over the user\'s explicit set', realCounts.slice(10, 15), [0.2, 0.2, 0.2, 0.2, 0.2]);
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  // user 1 has none: the realised share is 0.3 on two thirds of the rows
  assert.ok(Math.abs(stats.realShare - 0.2) < 0.01, `realShare ${stats.realShare}`);
  assert.ok(Math.abs(stats.rowsWithRealNegatives - 2 / 3) < 1e-9);
  assert.throws(() => samplerSpec('real-negatives').create({ negatives: 1, rejectPositives: true, share: 0.5, rest: { kind: 'uniform' } }, { ...data, negatives: null }), /no explicit negatives.*exposures/);
  assert.throws(() => samplerSpec('real-negatives').create({ negatives: 1, rejectPositives: true, share: 0.5, rest: { kind: 'uniform', alpha: 1 } }, data), /\$\.sampler\.rest\.alpha/);
  assert.throws(() => samplerSpec('real-negatives').create({ negatives: 1, rejectPositives: true, share: 0.5, rest: { kind: 'nope' } }, data), /"nope" is not a sampler that draws on its own/);
  const shared = samplerSpec('real-negatives').create({ negatives: 4, rejectPositives: true, share: 0.5, rest: { kind: 'shared' } }, data);
  assert.throws(() => shared.sample(users, users, ctx), /not a per-row sampler/);
});

test('dfn: stated shares of hard (inside the rank window), real and easy negatives', async () => {
  await initBackend('wasm');
  const nItems = 40;
  const dim = 2;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-dfn-'));
  const ck = path.join(base, 'prev', 'checkpoints', 'best');
  fs.mkdirSync(ck, { recursive: true });
  // both users rank items by index: item j has score j
  const items = new Float32Array(nItems * dim);
  for (let j = 0; j < nItems; j++) items[j * dim] = j;
  fs.writeFileSync(path.join(ck, 'user.f32'), Buffer.from(Float32Array.of(1, 0, 1, 0).buffer));
  fs.writeFileSync(path.join(ck, 'item.f32'), Buffer.from(items.buffer));
  fs.writeFileSync(path.join(ck, 'meta.json'), JSON.stringify({ epoch: 1, users: 2, items: nItems, dim }));
  const train = csr([[39], [0]], nItems);
  const negatives = csr([[1, 2], [3]], nItems);
  const s = samplerSpec('dfn').create(
    { negatives: 10, rejectPositives: true, hardShare: 0.25, realShare: 0.15, checkpoint: 'prev', experiment: '', which: 'best', rankFrom: 1, rankTo: 5, score: 'dot', cacheUsers: 0 },
    { train, nItems, popularity: popularityOf(train), negatives, baseDir: base },
  );
  const ctx = ctxOf(train, 61);
  const users = Int32Array.of(0, 1, 0, 1);
  let slots = 0;
  for (let it = 0; it < 2000; it++) {
    const neg = perRow(s.sample(users, users, ctx));
    for (let b = 0; b < 4; b++) {
      const u = users[b];
      // the window: ranks 1–5 without the training item (user 0: 38..34; user 1: 39..35)
      const window = u === 0 ? [38, 37, 36, 35, 34] : [39, 38, 37, 36, 35];
      const row = Array.from(neg.items.subarray(b * 10, b * 10 + 10));
      // slots are ordered hard, real, easy: the first ⌊2.5⌋ or ⌈2.5⌉ come from the window
      assert.ok(row.slice(0, 2).every((j) => window.includes(j)), `user ${u} hard slots ${row.slice(0, 2)}`);
      row.forEach((j) => assert.ok(!hasItem(train, u, j)));
      slots += 10;
    }
  }
  const stats = s.endEpoch!(ctx) as Record<string, number>;
  assertBinomial('dfn hard share', Math.round(stats.hardShare * slots), slots, 0.25);
  assert.ok(Math.abs(stats.realShare - 0.15) < 0.01, `real share ${stats.realShare}`);
  assert.ok(Math.abs(stats.hardShare + stats.realShare + stats.easyShare - 1) < 1e-9);
  assert.throws(() => samplerSpec('dfn').create({ negatives: 2, rejectPositives: true, hardShare: 0.8, realShare: 0.5, checkpoint: 'prev', experiment: '', which: 'best', rankFrom: 1, rankTo: 5, score: 'dot', cacheUsers: 0 }, { train, nItems, popularity: popularityOf(train), negatives, baseDir: base }), /> 1/);
});

test('the survey samplers never return a training item, including for a user who owns all but 2 items', () => {
  const nItems = 200;
  const rng = new Rng(8);
  const rows: number[][] = [];
  for (let u = 0; u < 40; u++) rows.push(Array.from({ length: 1 + rng.int(80) }, () => rng.int(nItems)));
  rows.push(Array.from({ length: nItems }, (_, j) => j).filter((j) => j !== 17 && j !== 150));
  const train = csr(rows, nItems);
  const negRows = rows.map((r) => Array.from({ length: 3 }, (_, k) => (r.includes(k * 31 + 5) ? -1 : k * 31 + 5)).filter((j) => j >= 0));
  negRows[rows.length - 1] = [];
  const data: SamplerData = { train, nItems, popularity: popularityOf(train), negatives: csr(negRows, nItems) };
  const users = Int32Array.from({ length: 300 }, (_, b) => (b % 4 === 0 ? rows.length - 1 : b % rows.length));
  const scorer = tableScorer((u, j) => Math.sin(j * 12.9898 + u * 78.233));
  const configs: Record<string, Record<string, unknown>> = {
    subsample: { base: 'popularity', alpha: 0.75, smoothing: 0, threshold: 1e-4, positiveThreshold: 0, frequency: 'popularity' },
    'two-group': { split: 'quantile', countThreshold: 0, quantile: 0.7, lowProbability: 0.4 },
    rejection: { target: 'popularity', alpha: 1, proposal: 'uniform', proposalAlpha: 0, smoothing: 1, candidates: 0, temperature: 1, maxTries: 64 },
    'rejection-softmax': { target: 'softmax', alpha: 1, proposal: 'uniform', proposalAlpha: 0, smoothing: 1, candidates: 16, temperature: 0.5, maxTries: 64 },
    mh: { proposal: 'popularity', alpha: 0.75, smoothing: 1, temperature: 0.5, steps: 2, burnIn: 5 },
    'real-negatives': { share: 0.5, rest: { kind: 'uniform' } },
  };
  for (const [label, options] of Object.entries(configs)) {
    const s = samplerSpec(label.replace('-softmax', '')).create({ negatives: 3, rejectPositives: true, ...options }, data);
    const ctx = ctxOf(train, 3, scorer);
    for (let it = 0; it < 4; it++) {
      const neg = perRow(s.sample(users, users, ctx));
      neg.items.forEach((j, k) => {
        const u = users[Math.floor(k / 3)];
        assert.ok(!hasItem(train, u, j), `${label} returned training item ${j} of user ${u}`);
      });
    }
    s.endEpoch?.(ctx);
  }
});
