/**
 * Samplers against the distributions they claim (chi-square goodness of fit at a fixed seed), logQ values, and the
 * rejection guarantee (never a training item, including for a user who has almost every item).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';
import { AliasTable } from '../../src/engine/samplers/alias';
import { samplerSpec, SAMPLERS } from '../../src/engine/samplers/registry';
import { hasItem, type Interactions } from '../../src/engine/data/types';
import type { SamplerContext, Scorer, NegativeBatch } from '../../src/engine/samplers/types';
import { drawUniformRejecting, nthNonItem, CollisionMasker } from '../../src/engine/samplers/reject';
import { mixtureLogQ } from '../../src/engine/samplers/mixed';
import { csrFromRows as csr } from '../fixtures/data/helpers';

/** Upper critical value of χ²(df) at significance 1e-3 (Wilson–Hilferty; accurate to <1% for df ≥ 10). */
function chiSquareCritical(df: number): number {
  const z = 3.0902; // one-sided N(0,1) quantile for p = 1e-3
  const a = 2 / (9 * df);
  return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>, n: number): { stat: number; df: number } {
  let stat = 0;
  let df = -1;
  for (let j = 0; j < counts.length; j++) {
    const e = probs[j] * n;
    if (e === 0) {
      assert.equal(counts[j], 0, `item ${j} has probability 0 but was drawn ${counts[j]} times`);
      continue;
    }
    stat += (counts[j] - e) ** 2 / e;
    df++;
  }
  return { stat, df };
}

/** asserts stat < critical(df) and prints the statistic in the test output */
function assertFits(label: string, stat: number, df: number): void {
  const crit = chiSquareCritical(df);
  console.log(`# ${label}: χ² = ${stat.toFixed(2)}, df = ${df}, critical (p = 1e-3) = ${crit.toFixed(2)}`);
  assert.ok(stat < crit, `${label}: χ² = ${stat.toFixed(2)} with df = ${df}, critical value at p = 1e-3 is ${crit.toFixed(2)}`);
}


const noScorer: Scorer = { score: () => { throw new Error('this sampler should not score'); } };

function context(train: Interactions, popularity: Int32Array, seed: number, scorer: Scorer = noScorer): SamplerContext {
  return { rng: new Rng(seed), train, nItems: train.nItems, popularity, scorer, epoch: 1 };
}

function popularityOf(train: Interactions): Int32Array {
  const c = new Int32Array(train.nItems);
  for (const i of train.indices) c[i]++;
  return c;
}

/** a small catalogue with a power-law popularity: item j has ≈ 200/(j+1) interactions */
function powerLawData(nItems = 50, nUsers = 400, seed = 1): Interactions {
  const rng = new Rng(seed);
  const w = Array.from({ length: nItems }, (_, j) => 1 / (j + 1));
  const alias = new AliasTable(w);
  const rows: number[][] = [];
  for (let u = 0; u < nUsers; u++) rows.push(Array.from({ length: 5 + rng.int(10) }, () => alias.draw(rng)));
  return csr(rows, nItems);
}

test('alias table draws its weights: chi-square at p = 1e-3', () => {
  const weights = [5, 0, 1, 0.25, 12, 3, 3, 0.5, 7, 1e-3, 2, 9, 4, 0.1, 6];
  const table = new AliasTable(weights);
  const rng = new Rng(11);
  const n = 400_000;
  const counts = new Float64Array(weights.length);
  for (let k = 0; k < n; k++) counts[table.draw(rng)]++;
  const { stat, df } = chiSquare(counts, table.p, n);
  assertFits('alias table', stat, df);
  const total = weights.reduce((a, b) => a + b, 0);
  weights.forEach((w, j) => assert.ok(Math.abs(table.p[j] - w / total) < 1e-12));
});

test('alias table rejects negative, non-finite and all-zero weights', () => {
  assert.throws(() => new AliasTable([1, -1]), /finite and ≥ 0/);
  assert.throws(() => new AliasTable([1, NaN]), /finite and ≥ 0/);
  assert.throws(() => new AliasTable([0, 0]), /sum to 0/);
});

test('uniform sampler without rejection is uniform over all items: chi-square at p = 1e-3', () => {
  const train = powerLawData();
  const s = samplerSpec('uniform').create({ negatives: 8, rejectPositives: false }, { train, nItems: train.nItems, popularity: popularityOf(train) });
  const ctx = context(train, popularityOf(train), 5);
  const counts = new Float64Array(train.nItems);
  const users = Int32Array.from({ length: 1000 }, (_, b) => b % train.nUsers);
  let n = 0;
  for (let it = 0; it < 40; it++) {
    const neg = s.sample(users, users, ctx) as Extract<NegativeBatch, { layout: 'per-row' }>;
    for (const j of neg.items) counts[j]++;
    n += neg.items.length;
  }
  const { stat, df } = chiSquare(counts, new Float64Array(train.nItems).fill(1 / train.nItems), n);
  assertFits('uniform', stat, df);
});

test('uniform sampler with rejection is uniform over the user\'s complement: chi-square at p = 1e-3', () => {
  const nItems = 40;
  const owned = [0, 1, 2, 5, 8, 13, 21, 34, 35, 36, 39];
  const train = csr([owned], nItems);
  const s = samplerSpec('uniform').create({ negatives: 50, rejectPositives: true }, { train, nItems, popularity: popularityOf(train) });
  const ctx = context(train, popularityOf(train), 9);
  const counts = new Float64Array(nItems);
  const users = new Int32Array(1000);
  let n = 0;
  for (let it = 0; it < 10; it++) {
    const neg = s.sample(users, users, ctx) as Extract<NegativeBatch, { layout: 'per-row' }>;
    for (const j of neg.items) counts[j]++;
    n += neg.items.length;
  }
  const p = Float64Array.from({ length: nItems }, (_, j) => (owned.includes(j) ? 0 : 1 / (nItems - owned.length)));
  const { stat, df } = chiSquare(counts, p, n);
  assertFits('uniform with rejection', stat, df);
});

for (const alpha of [0.75, 1.0]) {
  test(`popularity sampler draws ∝ c^${alpha}: chi-square at p = 1e-3; logQ = log of that`, () => {
    const train = powerLawData();
    const pop = popularityOf(train);
    const s = samplerSpec('popularity').create({ negatives: 10, rejectPositives: false, alpha, smoothing: 0 }, { train, nItems: train.nItems, popularity: pop });
    const ctx = context(train, pop, 21);
    const users = Int32Array.from({ length: 1000 }, (_, b) => b % train.nUsers);
    const counts = new Float64Array(train.nItems);
    let n = 0;
    for (let it = 0; it < 30; it++) {
      const neg = s.sample(users, users, ctx) as Extract<NegativeBatch, { layout: 'per-row' }>;
      for (const j of neg.items) counts[j]++;
      n += neg.items.length;
    }
    let z = 0;
    for (const c of pop) z += c > 0 ? Math.pow(c, alpha) : 0;
    const p = Float64Array.from(pop, (c) => (c > 0 ? Math.pow(c, alpha) / z : 0));
    const { stat, df } = chiSquare(counts, p, n);
    assertFits(`popularity α=${alpha}`, stat, df);
    const items = Int32Array.from({ length: train.nItems }, (_, j) => j).filter((j) => pop[j] > 0);
    const lq = s.logQ!(items);
    items.forEach((j, k) => assert.ok(Math.abs(lq[k] - Math.log(p[j])) < 1e-5, `logQ(${j}) = ${lq[k]} vs ${Math.log(p[j])}`));
  });
}

test('shared sampler (popularity, α = 1) draws ∝ c: chi-square at p = 1e-3', () => {
  const train = powerLawData();
  const pop = popularityOf(train);
  const s = samplerSpec('shared').create({ negatives: 2000, rejectPositives: false, distribution: 'popularity', alpha: 1, smoothing: 0 }, { train, nItems: train.nItems, popularity: pop });
  const ctx = context(train, pop, 4);
  const counts = new Float64Array(train.nItems);
  const users = Int32Array.of(0, 1, 2);
  let n = 0;
  for (let it = 0; it < 100; it++) {
    const neg = s.sample(users, users, ctx);
    assert.equal(neg.layout, 'shared');
    if (neg.layout !== 'shared') return;
    assert.equal(neg.mask, undefined);
    for (const j of neg.items) counts[j]++;
    n += neg.items.length;
  }
  const total = pop.reduce((a, b) => a + b, 0);
  const { stat, df } = chiSquare(counts, Float64Array.from(pop, (c) => c / total), n);
  assertFits('shared popularity α=1', stat, df);
});

test('nthNonItem enumerates exactly the complement of a row, in order', () => {
  const nItems = 30;
  const row = [0, 3, 4, 5, 17, 28, 29];
  const train = csr([row], nItems);
  const complement = Array.from({ length: nItems }, (_, j) => j).filter((j) => !row.includes(j));
  complement.forEach((j, r) => assert.equal(nthNonItem(train, 0, r), j));
});

test('rejection never returns a training item: every per-row sampler, many users, including one who owns all but 2 items', () => {
  const nItems = 300;
  const rng = new Rng(8);
  const rows: number[][] = [];
  for (let u = 0; u < 60; u++) rows.push(Array.from({ length: 1 + rng.int(120) }, () => rng.int(nItems)));
  rows.push(Array.from({ length: nItems }, (_, j) => j).filter((j) => j !== 17 && j !== 250)); // almost every item
  rows.push(Array.from({ length: nItems }, (_, j) => j).filter((j) => j % 3 === 0 || j === 1)); // two thirds
  const train = csr(rows, nItems);
  const pop = popularityOf(train);
  const data = { train, nItems, popularity: pop };
  const users = Int32Array.from({ length: 400 }, (_, b) => (b % 5 === 0 ? rows.length - 2 : b % rows.length));
  const pos = users.map((u) => train.indices[train.indptr[u]]);
  const scorer: Scorer = { score: (us, items, per) => Float32Array.from(items, (j, k) => Math.sin(j * 12.9898 + us[Math.floor(k / per)] * 78.233)) };
  const configs: Record<string, Record<string, unknown>> = {
    uniform: {},
    popularity: { alpha: 0.75, smoothing: 0 },
    dns: { candidates: 16, topN: 3 },
    srns: { poolSize: 40, memorySize: 4, freshCandidates: 8, alpha: 1, warmup: 0, memoryTemperature: 1, history: 5, memoryReset: 'keep', poolRefresh: 0.2 },
    gdns: { poolSize: 30, candidates: 8, rule: 'top-k', emaAlpha: 0.9, epsilon: 1e-6, positivesPerUser: 8, hardnessWeight: 0, initialGain: 0.5, poolRefresh: 0.2 },
  };
  for (const [name, options] of Object.entries(configs)) {
    const s = samplerSpec(name).create({ negatives: 2, rejectPositives: true, ...options }, data);
    const ctx = context(train, pop, 3, scorer);
    for (let epoch = 1; epoch <= 3; epoch++) {
      ctx.epoch = epoch;
      for (let it = 0; it < 5; it++) {
        const neg = s.sample(users, pos, ctx);
        assert.equal(neg.layout, 'per-row');
        if (neg.layout !== 'per-row') return;
        neg.items.forEach((j, k) => {
          const u = users[Math.floor(k / neg.n)];
          assert.ok(!hasItem(train, u, j), `${name} returned training item ${j} of user ${u} (epoch ${epoch})`);
        });
      }
      s.endEpoch?.(ctx);
    }
  }
  // the direct helper, hammered on the near-full user: only 17 and 250 ever come out, both often
  const seen = new Map<number, number>();
  const r = new Rng(1);
  for (let k = 0; k < 2000; k++) {
    const j = drawUniformRejecting(r, train, nItems, rows.length - 2, true);
    seen.set(j, (seen.get(j) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [17, 250]);
  assert.ok(Math.min(...seen.values()) > 850, `both complement items drawn about equally: ${JSON.stringify([...seen])}`);
});

test('shared, in-batch and mixed layouts mask exactly the columns that are training items of the row\'s user', () => {
  const nItems = 60;
  const rng = new Rng(12);
  const rows: number[][] = Array.from({ length: 25 }, () => Array.from({ length: 2 + rng.int(25) }, () => rng.int(nItems)));
  const train = csr(rows, nItems);
  const pop = popularityOf(train);
  const data = { train, nItems, popularity: pop };
  const users = Int32Array.from({ length: 32 }, (_, b) => b % 25);
  const pos = users.map((u) => train.indices[train.indptr[u] + rng.int(train.indptr[u + 1] - train.indptr[u])]);
  const check = (mask: Float32Array, columns: Int32Array, label: string): void => {
    assert.equal(mask.length, users.length * columns.length, label);
    for (let b = 0; b < users.length; b++) {
      for (let c = 0; c < columns.length; c++) {
        const expected = hasItem(train, users[b], columns[c]) ? 0 : 1;
        assert.equal(mask[b * columns.length + c], expected, `${label}: row ${b} column ${c} (item ${columns[c]})`);
      }
    }
  };
  const ctx = context(train, pop, 2);
  const sh = samplerSpec('shared').create({ negatives: 40, rejectPositives: true, distribution: 'uniform', alpha: 1, smoothing: 0 }, data).sample(users, pos, ctx);
  assert.ok(sh.layout === 'shared' && sh.mask);
  if (sh.layout === 'shared') check(sh.mask!, sh.items, 'shared');
  const ib = samplerSpec('in-batch').create({ negatives: 1, rejectPositives: true }, data).sample(users, pos, ctx);
  assert.ok(ib.layout === 'in-batch' && ib.mask && !ib.extra);
  if (ib.layout === 'in-batch') {
    check(ib.mask!, pos, 'in-batch');
    for (let b = 0; b < users.length; b++) assert.equal(ib.mask![b * users.length + b], 0, 'the diagonal (own positive) is masked');
  }
  const mx = samplerSpec('mixed').create({ negatives: 16, rejectPositives: true }, data).sample(users, pos, ctx);
  assert.ok(mx.layout === 'in-batch' && mx.extra?.length === 16);
  if (mx.layout === 'in-batch') {
    const cols = new Int32Array(users.length + 16);
    cols.set(pos);
    cols.set(mx.extra!, users.length);
    check(mx.mask!, cols, 'mixed');
  }
  const plain = samplerSpec('in-batch').create({ negatives: 1, rejectPositives: false }, data).sample(users, pos, ctx);
  assert.deepEqual(plain, { layout: 'in-batch' }, 'without rejection the trainer masks only the diagonal');
  // masker reuse: a second call with other columns leaves no stale chain behind
  const masker = new CollisionMasker(nItems);
  masker.mask(users, pos, train);
  const other = Int32Array.from({ length: 10 }, (_, k) => k * 5);
  check(masker.mask(users, other, train), other, 'masker reused');
});

test('logQ: in-batch = log(c_j/|R|); mixed = log((B·c_j/|R| + B′/|I|)/(B+B′)) for the latest batch size; uniform = −log|I|', () => {
  const train = powerLawData(30, 200, 3);
  const pop = popularityOf(train);
  const R = train.indices.length;
  const data = { train, nItems: 30, popularity: pop };
  const items = Int32Array.from({ length: 30 }, (_, j) => j).filter((j) => pop[j] > 0);
  const ib = samplerSpec('in-batch').create({ negatives: 1, rejectPositives: false }, data);
  ib.logQ!(items).forEach((v, k) => assert.ok(Math.abs(v - Math.log(pop[items[k]] / R)) < 1e-6));
  const mx = samplerSpec('mixed').create({ negatives: 24, rejectPositives: false }, data);
  const users = Int32Array.from({ length: 8 }, (_, b) => b);
  mx.sample(users, users, context(train, pop, 1));
  mx.logQ!(items).forEach((v, k) => {
    const expected = Math.log((8 * (pop[items[k]] / R) + 24 / 30) / 32);
    assert.ok(Math.abs(v - expected) < 1e-6, `mixed logQ(${items[k]}) = ${v}, expected ${expected}`);
    assert.ok(Math.abs(v - mixtureLogQ(pop[items[k]], R, 30, 8, 24)) < 1e-6);
  });
  // the mixture is a distribution over one slot: Σ_j q_j = 1
  const q = Array.from({ length: 30 }, (_, j) => Math.exp(mixtureLogQ(pop[j], R, 30, 8, 24)));
  assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const un = samplerSpec('uniform').create({ negatives: 1, rejectPositives: false }, data);
  un.logQ!(items).forEach((v) => assert.ok(Math.abs(v + Math.log(30)) < 1e-6));
});

test('every registered sampler documents itself (title, description, options with descriptions)', () => {
  for (const s of Object.values(SAMPLERS)) {
    assert.ok(s.title && s.description, s.name);
    for (const [k, o] of Object.entries(s.options)) assert.ok(o.description, `${s.name}.${k}`);
  }
});
