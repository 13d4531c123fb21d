import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fromPairs } from '../../src/engine/data/csr';
import { DatasetError, datasetStats, gini, loadDataset } from '../../src/engine/data/index';
import { nnz, type Dataset } from '../../src/engine/data/types';
import { FIXTURES, rejectsWith, rows, split, tmpFiles } from '../fixtures/data/helpers';

test('loadDataset: given lightgcn split with a validation carve-out and progress reports', async () => {
  const progress: number[] = [];
  const messages: string[] = [];
  const ds = await loadDataset(
    { dataset: { kind: 'lightgcn', path: 'tiny-lightgcn' }, split: split({ validRatio: 0.5, seed: 3 }), seed: 1 },
    FIXTURES,
    (f, m) => {
      progress.push(f);
      messages.push(m);
    },
  );
  assert.equal(ds.name, 'tiny-lightgcn');
  assert.equal(ds.nUsers, 4);
  assert.equal(ds.nItems, 6);
  assert.deepEqual(rows(ds.test), [[3], [0, 1], [5], []]);
  assert.ok(ds.valid);
  // users with ≥ 2 training items give round(n/2) to validation; the single-item user keeps it
  assert.deepEqual(rows(ds.valid).map((r) => r.length), [2, 1, 2, 0]);
  assert.equal(nnz(ds.train) + nnz(ds.valid), 9);
  assert.ok(progress.every((f, k) => f >= 0 && f <= 1 && (k === 0 || f >= progress[k - 1])), progress.join(','));
  assert.equal(progress.at(-1), 1);
  assert.ok(messages.some((m) => m.includes('train.txt')));
});

test('loadDataset: synthetic and movielens sources', async () => {
  const syn = await loadDataset(
    {
      dataset: { kind: 'synthetic', users: 200, items: 100, interactionsPerUser: 10, clusters: 5, popularityExponent: 1, seed: 3, testRatio: 0.2 },
      split: split(),
      seed: 1,
    },
    '/',
  );
  assert.equal(syn.name, 'synthetic');
  assert.equal(syn.valid, null);
  assert.equal(syn.userIds.length, 200);
  const ml = await loadDataset({ dataset: { kind: 'movielens', path: 'ml-tiny' }, split: split({ method: 'leave-last-out' }), seed: 1 }, FIXTURES);
  assert.deepEqual(rows(ml.test).map((r) => r.map((i) => ml.itemIds[i])), [['661'], ['661'], ['1193']]);
});

test('loadDataset: an empty test split is an error', async () => {
  const dir = tmpFiles({ 'train.txt': '0 1 2\n1 2\n', 'test.txt': '0\n1 \n' });
  await rejectsWith(loadDataset({ dataset: { kind: 'lightgcn', path: '.' }, split: split(), seed: 1 }, dir), 'the test split is empty');
  const err = await loadDataset({ dataset: { kind: 'lightgcn', path: '.' }, split: split(), seed: 1 }, dir).catch((e) => e);
  assert.ok(err instanceof DatasetError);
});

test('gini on hand-computed cases', () => {
  assert.equal(gini([5, 5, 5, 5]), 0);
  assert.equal(gini([0, 0, 0, 0]), 0);
  assert.equal(gini([0, 0, 0, 8]), 0.75); // one item has everything: 1 − 1/n
  // sorted [0,0,1,3]: Σ(2k−n+1)x = (−3)(0)+(−1)(0)+(1)(1)+(3)(3) = 10; /(n·Σx = 16) = 0.625
  assert.equal(gini([3, 0, 1, 0]), 0.625);
});

test('datasetStats on a hand-built dataset', () => {
  const train = fromPairs([0, 1, 1, 2], [0, 0, 1, 0], 3, 4); // popularity [3, 1, 0, 0] → gini 0.625
  const ds: Dataset = {
    name: 'hand',
    nUsers: 3,
    nItems: 4,
    train,
    valid: fromPairs([2], [2], 3, 4),
    test: fromPairs([0, 2], [3, 1], 3, 4),
    userIds: ['a', 'b', 'c'],
    itemIds: ['w', 'x', 'y', 'z'],
  };
  assert.deepEqual(datasetStats(ds), {
    name: 'hand', users: 3, items: 4, train: 4, valid: 1, test: 2, density: 7 / 12, giniItemPopularity: 0.625,
  });
  assert.equal(datasetStats({ ...ds, valid: null }).valid, 0);
});

const YELP = path.join(process.env.RECLAB_ROOT ?? process.cwd(), '..', 'shared', 'data', 'yelp2018');

test('yelp2018: published counts (when ../shared/data is present)', async (t) => {
  if (!fs.existsSync(path.join(YELP, 'train.txt'))) {
    t.skip(`${YELP} is absent`);
    return;
  }
  const ds = await loadDataset({ dataset: { kind: 'lightgcn', path: YELP }, split: split({ validRatio: 0 }), seed: 1 }, '/');
  const s = datasetStats(ds);
  assert.equal(s.name, 'yelp2018');
  assert.equal(s.users, 31668);
  assert.equal(s.items, 38048);
  assert.equal(s.train, 1237259);
  assert.equal(s.test, 324147);
  assert.equal(ds.userIds[31667], '31667');
  assert.equal(ds.itemIds[38047], '38047');
});
