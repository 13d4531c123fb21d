import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPairs, fromTimedPairs, mergeInteractions, userDegrees } from '../../src/engine/data/csr';
import { loadDataset } from '../../src/engine/data/index';
import type { PoolSource } from '../../src/engine/data/source';
import { applyKcore, heldOutCount, kcoreMasks, leaveLastOut, splitByRatio, splitSource } from '../../src/engine/data/split';
import { nnz, type Interactions } from '../../src/engine/data/types';
import { Rng } from '../../src/engine/rng';
import { FIXTURES, rejectsWith, rows, split } from '../fixtures/data/helpers';

function randomMatrix(seed: number, nUsers: number, nItems: number, perUser: number): Interactions {
  const rng = new Rng(seed);
  const us: number[] = [];
  const is: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const n = 1 + rng.int(perUser * 2);
    for (let k = 0; k < n; k++) {
      us.push(u);
      is.push(rng.int(nItems));
    }
  }
  return fromPairs(us, is, nUsers, nItems);
}

function disjoint(a: Interactions, b: Interactions): boolean {
  const rb = rows(b);
  return rows(a).every((r, u) => r.every((i) => !rb[u].includes(i)));
}

test('heldOutCount: round(n·ratio) within [1, n−1] for n ≥ 2, none below 2', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10, 11].map((n) => heldOutCount(n, 0.2)), [0, 0, 1, 1, 1, 1, 2, 2]);
  assert.equal(heldOutCount(3, 0.9), 2);
  assert.equal(heldOutCount(10, 0), 0);
});

test('ratio split: per-user sizes, disjoint, covers the pool, single-interaction users stay in train', () => {
  const m = randomMatrix(1, 300, 200, 15);
  const { rest, held } = splitByRatio(m, 0.25, 42);
  assert.deepEqual(rows(mergeInteractions(rest, held)), rows(m));
  assert.ok(disjoint(rest, held));
  const deg = userDegrees(m);
  const hd = userDegrees(held);
  for (let u = 0; u < m.nUsers; u++) {
    assert.equal(hd[u], heldOutCount(deg[u], 0.25));
    if (deg[u] === 1) assert.equal(hd[u], 0);
  }
  const share = nnz(held) / nnz(m);
  assert.ok(share > 0.2 && share < 0.3, `held-out share ${share}`);
});

test('ratio split: deterministic per seed, different across seeds', () => {
  const m = randomMatrix(2, 200, 100, 10);
  assert.deepEqual(rows(splitByRatio(m, 0.2, 5).held), rows(splitByRatio(m, 0.2, 5).held));
  assert.notDeepEqual(rows(splitByRatio(m, 0.2, 5).held), rows(splitByRatio(m, 0.2, 6).held));
});

test('validation carve-out: disjoint from train and test, train ∪ valid = the original train', () => {
  const m = randomMatrix(3, 200, 150, 12);
  const src: PoolSource = { kind: 'pool', name: 'm', all: m, timed: null, userIds: [], itemIds: [] };
  const s = splitSource(src, split({ method: 'ratio', testRatio: 0.2, validRatio: 0.1, seed: 9 }));
  assert.ok(s.valid);
  assert.ok(disjoint(s.train, s.valid) && disjoint(s.train, s.test) && disjoint(s.valid, s.test));
  assert.deepEqual(rows(mergeInteractions(mergeInteractions(s.train, s.valid), s.test)), rows(m));
  const again = splitSource(src, split({ method: 'ratio', testRatio: 0.2, validRatio: 0.1, seed: 9 }));
  assert.deepEqual(rows(again.valid!), rows(s.valid));
  // the validation draw is a different stream from the test draw
  assert.notDeepEqual(rows(s.valid), rows(splitByRatio(s.train, 0.1, 9).held));
});

test('leave-last-out holds out the latest interaction; ties go to the later row; singletons stay', () => {
  // user 0: item 2 is latest; user 1: items 0 and 3 tie at 50, item 3 comes later in the source; user 2: one item
  const t = fromTimedPairs([0, 0, 0, 1, 1, 1, 2], [1, 2, 0, 0, 3, 2, 4], [10, 90, 30, 50, 50, 5, 1], 3, 5);
  const { rest, held } = leaveLastOut(t);
  assert.deepEqual(rows(held), [[2], [3], []]);
  assert.deepEqual(rows(rest.m), [[0, 1], [0, 2], [4]]);
  const src: PoolSource = { kind: 'pool', name: 't', all: t.m, timed: t, userIds: [], itemIds: [] };
  const withValid = splitSource(src, split({ method: 'leave-last-out', validRatio: 0.1 }));
  assert.deepEqual(rows(withValid.test), [[2], [3], []]);
  assert.deepEqual(rows(withValid.valid!), [[0], [0], []]);
  assert.deepEqual(rows(withValid.train), [[1], [2], [4]]);
});

test('leave-last-out on csv data picks the latest row of each user', async () => {
  const ds = await loadDataset(
    {
      dataset: { kind: 'csv', path: 'tiny.csv', delimiter: ',', header: true, columns: { user: 'user', item: 'item', timestamp: 'ts' } },
      split: split({ method: 'leave-last-out' }),
      seed: 1,
    },
    FIXTURES,
  );
  const latest = rows(ds.test).map((r) => r.map((i) => ds.itemIds[i]));
  // alice: up@300; bob: matrix@400 (its duplicate at 50 is collapsed); carol: up@20; dave has one row
  assert.deepEqual(latest, [['up'], ['matrix'], ['up'], []]);
});

test('split methods that the source cannot support fail clearly', async () => {
  const lightgcn = { kind: 'lightgcn' as const, path: 'tiny-lightgcn' };
  await rejectsWith(loadDataset({ dataset: lightgcn, split: split({ method: 'leave-last-out' }), seed: 1 }, FIXTURES), 'needs timestamps');
  const csv = { kind: 'csv' as const, path: 'tiny.csv', delimiter: ',', header: true, columns: { user: 'user', item: 'item' } };
  await rejectsWith(loadDataset({ dataset: csv, split: split({ method: 'leave-last-out' }), seed: 1 }, FIXTURES), 'tiny: split.method "leave-last-out" needs timestamps');
  await rejectsWith(loadDataset({ dataset: csv, split: split({ method: 'given' }), seed: 1 }, FIXTURES), 'split.method "given" needs a dataset that has its own test split');
});

test('ratio split of a given source re-splits train ∪ test', async () => {
  const ds = await loadDataset({ dataset: { kind: 'lightgcn', path: 'tiny-lightgcn' }, split: split({ method: 'ratio', testRatio: 0.3 }), seed: 1 }, FIXTURES);
  assert.equal(nnz(ds.train) + nnz(ds.test), 13);
  assert.deepEqual(Array.from(userDegrees(ds.test)), [1, 1, 1, 0]);
});

test('k-core: iterates until stable', () => {
  // (2,2)-core: user 3 (one item) goes, then item 3 has one user left and goes, then user 2 has one item and goes
  const m = fromPairs([0, 0, 0, 1, 1, 1, 2, 2, 3], [0, 1, 2, 0, 1, 2, 0, 3, 3], 4, 5);
  const core = kcoreMasks(m, 2, 2);
  assert.deepEqual(Array.from(core.users), [1, 1, 0, 0]);
  assert.deepEqual(Array.from(core.items), [1, 1, 1, 0, 0]);
  const item3 = kcoreMasks(m, 0, 3);
  assert.deepEqual(Array.from(item3.items), [1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(item3.users), [1, 1, 1, 0]);
});

test('k-core: the result satisfies both thresholds on random data, and is applied to ids and timestamps', () => {
  const m = randomMatrix(4, 400, 300, 6);
  const t = fromTimedPairs(...(() => {
    const us: number[] = [];
    const is: number[] = [];
    rows(m).forEach((r, u) => r.forEach((i) => (us.push(u), is.push(i))));
    return [us, is, is.map((i) => i * 2)] as const;
  })(), 400, 300);
  const src: PoolSource = {
    kind: 'pool', name: 'r', all: m, timed: t,
    userIds: Array.from({ length: 400 }, (_, u) => `u${u}`), itemIds: Array.from({ length: 300 }, (_, i) => `i${i}`),
  };
  const out = applyKcore(src, { user: 5, item: 4 }) as PoolSource;
  assert.ok(out.all.nUsers < 400 && out.all.nItems < 300 && out.all.nUsers > 0);
  assert.equal(out.userIds.length, out.all.nUsers);
  assert.equal(out.itemIds.length, out.all.nItems);
  assert.ok(Array.from(userDegrees(out.all)).every((d) => d >= 5));
  const pop = new Int32Array(out.all.nItems);
  out.all.indices.forEach((i) => pop[i]++);
  assert.ok(pop.every((c) => c >= 4));
  // raw ids and timestamps follow their entries
  const original = rows(m);
  for (let u = 0; u < out.all.nUsers; u++) {
    for (let k = out.all.indptr[u]; k < out.all.indptr[u + 1]; k++) {
      const raw = Number(out.itemIds[out.all.indices[k]].slice(1));
      assert.equal(out.timed!.times[k], raw * 2);
      assert.ok(original[Number(out.userIds[u].slice(1))].includes(raw));
    }
  }
  assert.equal(applyKcore(src, { user: 0, item: 0 }), src);
});

test('k-core on a given source filters train and test together; an empty core is an error', async () => {
  const ds = await loadDataset({ dataset: { kind: 'lightgcn', path: 'tiny-lightgcn' }, split: split({ kcore: { user: 3, item: 2 } }), seed: 1 }, FIXTURES);
  // train ∪ test: u0 {0,1,2,3}, u1 {0,1,2,3}, u2 {0,1,4,5}, u3 {1}. Pass 1 drops u3 and items 4, 5 (one user
  // each); u2 is then left with 2 < 3 items and goes; the rest is stable.
  assert.deepEqual(ds.userIds, ['0', '1']);
  assert.deepEqual(ds.itemIds, ['0', '1', '2', '3']);
  assert.deepEqual(rows(ds.train), [[0, 1, 2], [2, 3]]);
  assert.deepEqual(rows(ds.test), [[3], [0, 1]]);
  await rejectsWith(loadDataset({ dataset: { kind: 'lightgcn', path: 'tiny-lightgcn' }, split: split({ kcore: { user: 50, item: 1 } }), seed: 1 }, FIXTURES), 'k-core', 'is empty');
});
