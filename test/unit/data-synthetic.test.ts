import { test } from 'node:test';
import assert from 'node:assert/strict';
import { itemPopularity, mergeInteractions, userDegrees } from '../../src/engine/data/csr';
import { gini } from '../../src/engine/data/stats';
import { generateSynthetic, type SyntheticConfig } from '../../src/engine/data/synthetic';
import { nnz, type Interactions } from '../../src/engine/data/types';
import { rows } from '../fixtures/data/helpers';

const defaults: SyntheticConfig = {
  kind: 'synthetic', users: 3000, items: 2000, interactionsPerUser: 30, clusters: 20, popularityExponent: 1, seed: 7, testRatio: 0.2,
};

test('synthetic: same seed gives the same data, another seed different data', () => {
  const small = { ...defaults, users: 300, items: 200 };
  const a = generateSynthetic(small);
  const b = generateSynthetic(small);
  assert.deepEqual(Array.from(a.train.indices), Array.from(b.train.indices));
  assert.deepEqual(Array.from(a.test.indptr), Array.from(b.test.indptr));
  assert.notDeepEqual(Array.from(generateSynthetic({ ...small, seed: 8 }).train.indices), Array.from(a.train.indices));
});

test('synthetic: shape at the default size, and fast', () => {
  generateSynthetic(defaults);
  // CPU time of this process, not wall time: other work on a loaded machine does not count against it
  const c0 = process.cpuUsage();
  const s = generateSynthetic(defaults);
  const cpu = process.cpuUsage(c0);
  const ms = (cpu.user + cpu.system) / 1000;
  assert.ok(ms < 1000, `generation took ${ms.toFixed(0)} ms of CPU`); // ~20 ms warm on the dev machine
  assert.equal(s.name, 'synthetic');
  assert.equal(s.train.nUsers, 3000);
  assert.equal(s.train.nItems, 2000);
  assert.equal(s.userIds.length, 3000);
  const all = mergeInteractions(s.train, s.test);
  const total = nnz(all);
  assert.equal(total, nnz(s.train) + nnz(s.test)); // disjoint
  assert.ok(Math.abs(total / 3000 - 30) < 3, `mean per user ${total / 3000}`);
  assert.ok(Math.abs(nnz(s.test) / total - 0.2) < 0.02);
  const deg = userDegrees(all);
  assert.ok(deg.every((d) => d >= 3));
  assert.ok(Math.max(...deg) > 45 && Math.min(...deg) < 20, 'activity has spread');
  const g = gini(itemPopularity(s.train));
  assert.ok(g > 0.35 && g < 0.8, `gini ${g}`);
  assert.ok(Array.from(userDegrees(s.test)).every((d) => d >= 1), 'every user is evaluated');
});

/** Mean NDCG@k over users with test items, of a scorer that fills `out` with scores for user u. */
function ndcg(train: Interactions, test: Interactions, k: number, score: (u: number, out: Float64Array) => void): number {
  const out = new Float64Array(train.nItems);
  const trainRows = rows(train);
  const testRows = rows(test);
  let sum = 0;
  let users = 0;
  for (let u = 0; u < train.nUsers; u++) {
    if (!testRows[u].length) continue;
    score(u, out);
    for (const i of trainRows[u]) out[i] = -Infinity;
    const top = Array.from(out.keys()).sort((a, b) => out[b] - out[a] || a - b).slice(0, k);
    const held = new Set(testRows[u]);
    let dcg = 0;
    top.forEach((i, r) => held.has(i) && (dcg += 1 / Math.log2(r + 2)));
    let idcg = 0;
    for (let r = 0; r < Math.min(k, held.size); r++) idcg += 1 / Math.log2(r + 2);
    sum += dcg / idcg;
    users++;
  }
  return sum / users;
}

test('synthetic: a personalised model beats popularity, and popularity beats random', () => {
  const s = generateSynthetic({ ...defaults, users: 800, items: 500, clusters: 10, interactionsPerUser: 20 });
  const pop = itemPopularity(s.train);
  const trainRows = rows(s.train);
  // item-item co-occurrence (a crude stand-in for a learned model)
  const n = s.train.nItems;
  const co = new Float64Array(n * n);
  for (const r of trainRows) for (const i of r) for (const j of r) if (i !== j) co[i * n + j]++;
  const popular = ndcg(s.train, s.test, 20, (_u, out) => out.set(pop));
  const personal = ndcg(s.train, s.test, 20, (u, out) => {
    out.fill(0);
    for (const j of trainRows[u]) for (let i = 0; i < n; i++) out[i] += co[j * n + i] / Math.sqrt(pop[i] + 1);
  });
  const random = 20 / n;
  assert.ok(popular > 3 * random, `MostPop NDCG@20 ${popular.toFixed(4)} vs random ≈ ${random}`);
  assert.ok(personal > 1.5 * popular, `co-occurrence ${personal.toFixed(4)} vs MostPop ${popular.toFixed(4)}`);
});

test('synthetic: degenerate sizes', () => {
  const one = generateSynthetic({ ...defaults, users: 5, items: 4, clusters: 50, interactionsPerUser: 10 });
  assert.ok(Array.from(userDegrees(mergeInteractions(one.train, one.test))).every((d) => d === 2));
  assert.throws(() => generateSynthetic({ ...defaults, items: 1 }), /items ≥ 2/);
});
