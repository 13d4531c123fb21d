/**
 * Explicit (exposed, not clicked) negatives: the synthetic exposure model and the csv rating cut-off, kept by the
 * dataset disjoint from every positive, through k-core and splitting; and the training loop's real-negative run,
 * whose sampler events count them apart from the false negatives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatasetConfig } from '../../src/engine/config/types';
import { loadCsv } from '../../src/engine/data/csv';
import { loadDataset } from '../../src/engine/data';
import { generateSynthetic, type SyntheticConfig } from '../../src/engine/data/synthetic';
import { mergeInteractions } from '../../src/engine/data/csr';
import { hasItem, nnz, type Interactions } from '../../src/engine/data/types';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { RunEvent } from '../../src/protocol/events';
import { FIXTURES, rejectsWith, rows, split, tmpFiles } from '../fixtures/data/helpers';

const small: SyntheticConfig = { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 20, clusters: 5, popularityExponent: 1, seed: 7, testRatio: 0.2 };

function disjoint(a: Interactions, b: Interactions): boolean {
  for (let u = 0; u < a.nUsers; u++) for (let k = a.indptr[u]; k < a.indptr[u + 1]; k++) if (hasItem(b, u, a.indices[k])) return false;
  return true;
}

test('synthetic exposure model: the interactions do not change; about exposures × d_u skipped items per user, none a positive', () => {
  const plain = generateSynthetic(small);
  const exposed = generateSynthetic({ ...small, exposures: 2 });
  assert.deepEqual(Array.from(exposed.train.indices), Array.from(plain.train.indices));
  assert.deepEqual(Array.from(exposed.test.indices), Array.from(plain.test.indices));
  assert.equal(plain.negatives, undefined);
  const neg = exposed.negatives!;
  const all = mergeInteractions(exposed.train, exposed.test);
  assert.ok(disjoint(neg, all), 'an explicit negative is never one of the user\'s interactions');
  // the model asks for 2·d_u per user; rejection of the user's own cluster can leave a few short
  assert.ok(nnz(neg) > 1.8 * nnz(all) && nnz(neg) <= 2 * nnz(all) + all.nUsers, `${nnz(neg)} negatives for ${nnz(all)} interactions`);
  // skipped items come from outside the user's taste: they are the user's positives' items far less often than chance
  assert.deepEqual(Array.from(generateSynthetic({ ...small, exposures: 2 }).negatives!.indices), Array.from(neg.indices), 'deterministic');
});

test('loadDataset keeps the explicit negatives disjoint from train, valid and test, through k-core and the split', async () => {
  const ds = await loadDataset({ dataset: { ...small, exposures: 1 } as DatasetConfig, split: split({ validRatio: 0.1, kcore: { user: 5, item: 5 } }), seed: 1 }, '.');
  assert.ok(ds.negatives && nnz(ds.negatives) > 0);
  assert.equal(ds.negatives.nUsers, ds.nUsers);
  assert.equal(ds.negatives.nItems, ds.nItems);
  for (const m of [ds.train, ds.valid!, ds.test]) assert.ok(disjoint(ds.negatives, m));
  const none = await loadDataset({ dataset: small as DatasetConfig, split: split(), seed: 1 }, '.');
  assert.equal(none.negatives, null);
});

type Csv = Extract<DatasetConfig, { kind: 'csv' }>;
const tiny: Csv = { kind: 'csv', path: 'tiny.csv', delimiter: ',', header: true, columns: { user: 'user', item: 'item', rating: 'rating', timestamp: 'ts' } };

test('csv: rows with rating ≤ negativeRatingAtMost are explicit negatives; ratings between the cut-offs are dropped', async () => {
  const src = await loadCsv({ ...tiny, ratingThreshold: 4, negativeRatingAtMost: 2 }, FIXTURES);
  assert.deepEqual(src.userIds, ['alice', 'bob', 'carol', 'dave']);
  assert.deepEqual(src.itemIds, ['heat', 'matrix', 'up']);
  // positives: alice matrix, up; bob up, matrix (the 4); carol heat; dave matrix. bob's 3 is neither
  assert.deepEqual(rows(src.all), [[1, 2], [1, 2], [0], [1]]);
  // negatives: alice heat (2), carol up (1)
  assert.deepEqual(rows(src.negatives!), [[0], [], [2], []]);
  // click labels: click = 0 rows are the negatives, click = 1 the positives
  const dir = tmpFiles({ 'clicks.csv': 'u,i,click\na,x,1\na,y,0\nb,y,1\nb,z,0\nb,x,0\na,x,0\n' });
  const clicks = await loadCsv({ kind: 'csv', path: 'clicks.csv', delimiter: ',', header: true, columns: { user: 'u', item: 'i', rating: 'click' }, ratingThreshold: 1, negativeRatingAtMost: 0 }, dir);
  assert.deepEqual(rows(clicks.all), [[0], [1]]);
  // a's x is both clicked and skipped: the dataset removes it from the negatives (the loader keeps both)
  assert.deepEqual(rows(clicks.negatives!), [[0, 1], [0, 2]]);
  const dir2 = tmpFiles({ 'c.csv': 'u,i,click\na,x,1\na,y,1\na,z,1\na,x,0\na,w,0\nb,x,1\nb,y,1\nb,w,1\nb,z,0\n' });
  const ds = await loadDataset({ dataset: { kind: 'csv', path: 'c.csv', delimiter: ',', header: true, columns: { user: 'u', item: 'i', rating: 'click' }, ratingThreshold: 1, negativeRatingAtMost: 0 }, split: split({ method: 'ratio', testRatio: 0.34 }), seed: 1 }, dir2);
  // items w x y z; a skipped x after clicking it: only w stays a negative of a; b keeps z
  assert.deepEqual(ds.itemIds, ['w', 'x', 'y', 'z']);
  assert.deepEqual(rows(ds.negatives!), [[0], [3]]);
});

test('csv: negativeRatingAtMost needs the rating column and must be below ratingThreshold', async () => {
  const dir = tmpFiles({ 'r.csv': 'user,item,rating\na,x,5\n' });
  await rejectsWith(loadCsv({ kind: 'csv', path: 'r.csv', delimiter: ',', header: true, columns: { user: 'user', item: 'item' }, negativeRatingAtMost: 2 }, dir), '`negativeRatingAtMost` is set but `columns.rating` is not');
  await rejectsWith(loadCsv({ kind: 'csv', path: 'r.csv', delimiter: ',', header: true, columns: { user: 'user', item: 'item', rating: 'rating' }, ratingThreshold: 3, negativeRatingAtMost: 3 }, dir), 'must be below `ratingThreshold` (3)');
});

test('training with real negatives on the exposure model: the sampler event counts explicit negatives apart', async () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-real-neg-'));
  const config = resolveConfig({
    name: 'real-negatives-small',
    dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 20, clusters: 5, exposures: 2 },
    model: { dim: 8 },
    loss: { kind: 'bpr' },
    sampler: { kind: 'real-negatives', negatives: 4, share: 0.5, rest: { kind: 'uniform' } },
    train: { epochs: 2, batchSize: 512 },
    eval: { every: 2, ks: [20], selectMetric: 'ndcg@20', patience: 0, workers: 1, popularityGroups: 0 },
  });
  const events: RunEvent[] = [];
  const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
  assert.equal(r.status, 'finished');
  const sampler = events.filter((e): e is Extract<RunEvent, { kind: 'sampler' }> => e.kind === 'sampler');
  assert.equal(sampler.length, 2);
  for (const e of sampler) {
    // half the slots are explicit negatives, and the uniform half hits them too: a user has ≈ 2·20 of ≈ 180 free items
    assert.ok(e.explicitNegativeRate! > 0.5 && e.explicitNegativeRate! < 0.75, `explicitNegativeRate ${e.explicitNegativeRate}`);
    assert.ok(e.falseNegativeRateOther! >= e.falseNegativeRate, 'explicit negatives are never false negatives');
    assert.ok(Math.abs((e.extra!.realShare as number) - 0.5) < 0.02);
  }
});
