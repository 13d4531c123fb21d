/**
 * Adap-τ₀ / Adap-τ state updates on hand-made data: the population U′ and c, the warm-up β0 against the reference's
 * own expression, the measured gap, β_u from hand-made per-user losses (mean and quantile bases, the clamp at −1/e),
 * the scheme's epoch sequence and its temperature events; and, when the Yelp2018 split is present, the warm-up β0 the
 * official log prints (8.620).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { adapTauPopulation, measuredGap, perUserInvTau, quantile, warmupInvTau } from '../../src/engine/temperature/adap-tau';
import { adapTauTemperature, createTemperature } from '../../src/engine/temperature';
import { lambertW0 } from '../../src/engine/temperature/lambert-w';
import { EmbeddingTable } from '../../src/engine/tensor/embedding';
import type { Dataset, Interactions } from '../../src/engine/data/types';
import { resolveConfig } from '../../src/engine/config/validate';
import { loadDataset } from '../../src/engine/data';
import { csrFromRows as csr } from '../fixtures/data/helpers';

const dataset = (train: Interactions): Dataset => ({
  name: 'hand', nUsers: train.nUsers, nItems: train.nItems, train, valid: null, test: csr(Array.from({ length: train.nUsers }, () => []), train.nItems),
  userIds: [], itemIds: [],
});
const close = (a: number, b: number, rel = 1e-12): boolean => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

// degrees 1, 2, 3, 4, 10 over 20 items; the 0.2 quantile (linear) is 1.8, so U′ = users 1..4 with 19 interactions
const rows = [[0], [1, 2], [0, 3, 4], [5, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
const train = csr(rows, 20);

test('U′, |Y′| and c = log 0.5 + log(|U′|·|I|) − log|Y′|', () => {
  assert.equal(quantile([1, 2, 3, 4, 10], 0.2), 1.8);
  const pop = adapTauPopulation(train, 20, 0.2);
  assert.deepEqual(Array.from(pop.users), [1, 2, 3, 4]);
  assert.equal(pop.interactions, 19);
  assert.ok(close(pop.c, Math.log(0.5) + Math.log(4 * 20) - Math.log(19)));
});

test('warm-up β0 is the smaller root of 1e-10·w² − 1.4·w + 2c = 0, ≈ c / 0.7', () => {
  for (const c of [0.5, 3.2, 6.034, 12]) {
    const w = warmupInvTau(c, 0.7);
    assert.ok(Math.abs(1e-10 * w * w - 1.4 * w + 2 * c) < 1e-12, `residual at c=${c}`);
    assert.ok(close(w, c / 0.7, 1e-8));
    // the reference's expression, (−b − √(b² − a·2c))/a with b = −0.7, loses ~7 digits to cancellation
    const reference = (0.7 - Math.sqrt(0.49 - 1e-10 * 2 * c)) / 1e-10;
    assert.ok(close(w, reference, 1e-5), `${w} vs the reference's ${reference}`);
  }
  assert.ok(close(warmupInvTau(2, 0.5), 4, 1e-8));
});

test('the measured gap: mean positive cosine over Y′ minus the mean cosine to the average item over U′', () => {
  // users and items in 2-D; item 0 = (1,0), item 1 = (0,1), the rest scaled copies of (1,1) (normalisation removes the scale)
  const users = new EmbeddingTable(3, 2, Float32Array.from([1, 0, 0, 3, 2, 2]));
  const items = new EmbeddingTable(4, 2, Float32Array.from([2, 0, 0, 1, 5, 5, 0.5, 0.5]));
  const t = csr([[0], [1, 2], [0, 1, 3]], 4);
  const pop = adapTauPopulation(t, 4, 0.2); // degrees 1, 2, 3: threshold 1.4, U′ = users 1, 2
  assert.deepEqual(Array.from(pop.users), [1, 2]);
  const s = Math.SQRT1_2;
  const positive = (1 + s + (s + s + 1)) / 5; // user1·{item1, item2}, user2·{item0, item1, item3}
  const meanItem = [(1 + 0 + s + s) / 4, (0 + 1 + s + s) / 4];
  const average = ((0 * meanItem[0] + 1 * meanItem[1]) + (s * meanItem[0] + s * meanItem[1])) / 2;
  assert.ok(close(measuredGap(users, items, t, pop), positive - average, 1e-6));
});

test('β_u = β0·exp(−W₀(x_u)), x_u = clamp((L_u − base)/t2, −1/e, 1000); users without rows keep β0', () => {
  const beta0 = 8;
  const losses = Float64Array.from([NaN, 1, 2, 3, 10]);
  const byMean = perUserInvTau(beta0, losses, { base: 'mean', quantile: 0.9, scale: 1 }); // base = 4
  assert.ok(close(byMean[0], beta0, 1e-7));
  for (const u of [1, 2, 3]) assert.ok(close(byMean[u], beta0 * Math.E, 1e-6), `clamped user ${u}: ${byMean[u]}`); // W₀(−1/e) = −1
  assert.ok(close(byMean[4], beta0 * Math.exp(-1.4324047758983003), 1e-6));
  const byQuantile = perUserInvTau(beta0, losses, { base: 'quantile', quantile: 0.5, scale: 2 }); // base = 2.5
  const expected = [NaN, -0.75, -0.25, 0.25, 3.75].map((x) => beta0 * Math.exp(-lambertW0(Math.max(-Math.exp(-1), x))));
  for (const u of [1, 2, 3, 4]) assert.ok(close(byQuantile[u], expected[u], 1e-6), `user ${u}: ${byQuantile[u]} vs ${expected[u]}`);
  // above-average loss ⇒ higher temperature
  assert.ok(1 / byQuantile[4] > 1 / byQuantile[3] && 1 / byQuantile[3] > 1 / byQuantile[2]);
  // the clamp at 1000
  assert.ok(close(perUserInvTau(1, Float64Array.from([0, 1e9]), { base: 'mean', quantile: 0.5, scale: 1 })[1], Math.exp(-lambertW0(1000)), 1e-6));
});

test('Adap-τ scheme: epoch 1 uses β0 for all, epoch 2 β_u from epoch 1\'s observed losses, β0 from the gap after warm-up; events', () => {
  const ds = dataset(train);
  const users = new EmbeddingTable(5, 2, Float32Array.from([1, 0, 0, 1, 1, 1, 1, -1, 2, 1]));
  const items = new EmbeddingTable(20, 2, Float32Array.from({ length: 40 }, (_, k) => Math.sin(k + 1)));
  const scheme = adapTauTemperature({ warmupEpochs: 1, warmupGap: 0.7, degreeQuantile: 0.2, perUser: { base: 'mean', quantile: 0.9, scale: 1 } }, ds);
  const pop = adapTauPopulation(train, 20, 0.2);
  const warm = warmupInvTau(pop.c, 0.7);

  scheme.startEpoch({ epoch: 1, data: ds, users, items });
  const t1 = scheme.forBatch(Int32Array.from([0, 4, 2]));
  assert.ok(close(t1.posInvTau!, warm) && close(t1.tau, 1 / warm) && t1.wantsPerRowLoss);
  for (const tau of t1.tauPerRow!) assert.ok(close(tau, 1 / warm, 1e-6));
  const e1 = scheme.report()!;
  assert.ok(close(e1.global, 1 / warm));
  assert.ok(close(e1.perUser!.min, 1 / warm, 1e-6) && close(e1.perUser!.max, 1 / warm, 1e-6));

  // epoch 1's rows: user 0 twice (losses 1 and 3 → mean 2), user 1 (4), user 4 (9); users 2 and 3 unseen
  scheme.observe!(Int32Array.from([0, 1, 0]), Float32Array.from([1, 4, 3]));
  scheme.observe!(Int32Array.from([4]), Float32Array.from([9]));
  scheme.startEpoch({ epoch: 2, data: ds, users, items });
  const beta0 = pop.c / measuredGap(users, items, train, pop);
  const expected = perUserInvTau(beta0, Float64Array.from([2, 4, NaN, NaN, 9]), { base: 'mean', quantile: 0.9, scale: 1 });
  const t2 = scheme.forBatch(Int32Array.from([0, 1, 2, 3, 4]));
  assert.ok(close(t2.posInvTau!, beta0), `β0 ${t2.posInvTau} vs c/gap ${beta0}`);
  t2.tauPerRow!.forEach((tau, u) => assert.ok(close(tau, 1 / expected[u], 1e-6), `user ${u}: τ ${tau} vs ${1 / expected[u]}`));
  const e2 = scheme.report()!;
  const taus = Array.from(expected, (b) => 1 / b).sort((a, b) => a - b);
  assert.ok(close(e2.global, 1 / beta0) && close(e2.perUser!.min, taus[0], 1e-6) && close(e2.perUser!.max, taus[4], 1e-6));
  assert.equal(e2.histogram!.counts.reduce((a, b) => a + b, 0), 5);

  // epoch 3 without observations falls back to β0 for everyone
  scheme.startEpoch({ epoch: 3, data: ds, users, items });
  for (const tau of scheme.forBatch(Int32Array.from([0, 4])).tauPerRow!) assert.ok(close(tau, 1 / beta0, 1e-6));
});

test('Adap-τ₀ (adaptive-global) gives β0 to the positive and 1/β0 as τ, no per-row τ, and a global-only event', () => {
  const ds = dataset(train);
  const scheme = createTemperature({ kind: 'adaptive-global', warmupEpochs: 100, warmupGap: 0.7, degreeQuantile: 0.2 }, ds);
  scheme.startEpoch({ epoch: 1, data: ds, users: new EmbeddingTable(5, 2), items: new EmbeddingTable(20, 2) });
  const t = scheme.forBatch(Int32Array.from([1, 2]));
  const warm = warmupInvTau(adapTauPopulation(train, 20, 0.2).c, 0.7);
  assert.ok(close(t.posInvTau!, warm) && t.tauPerRow === undefined && !t.wantsPerRowLoss);
  assert.deepEqual(scheme.report(), { global: 1 / warm });
});

const yelp = '/work/shared/data/yelp2018';
test('Yelp2018: the warm-up β0 is the official log\'s 8.620', { skip: !fs.existsSync(`${yelp}/train.txt`) && 'Yelp2018 split not present' }, async () => {
  const cfg = resolveConfig({ name: 'y', dataset: { kind: 'lightgcn', path: yelp }, split: { validRatio: 0 }, eval: { selectOn: 'test' } });
  const ds = await loadDataset(cfg, '/');
  const beta0 = warmupInvTau(adapTauPopulation(ds.train, ds.nItems, 0.2).c, 0.7);
  assert.equal(beta0.toFixed(3), '8.620');
});
