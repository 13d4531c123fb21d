/** Parameter importance of a sweep against hand-computed values: Spearman with ties, η², ordering, small sweeps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { etaSquared, parameterImportance, spearman } from '../../src/scale/importance';

test('Spearman: monotone = ±1, average ranks for ties (= Pearson of the ranks)', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // ranks of x: 1, 2.5, 2.5, 4; of y: 1, 2, 3, 4 → Pearson = 4.5 / sqrt(4.5 · 5)
  assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 4.5 / Math.sqrt(4.5 * 5)) < 1e-12);
});

test('η²: between-group share of the variance', () => {
  // groups a: 1, 3 (mean 2), b: 5, 7 (mean 6); grand mean 4; total SS = 9+1+1+9 = 20; between = 2·4 + 2·4 = 16
  assert.equal(etaSquared(['a', 'a', 'b', 'b'], [1, 3, 5, 7]), 16 / 20);
  assert.equal(etaSquared(['a', 'b'], [1, 1]), 0);
});

test('a sweep\'s parameters ranked: the one that drives the value first, constant ones left out', () => {
  const trials = [0.001, 0.01, 0.1, 0.003, 0.03].map((lr, i) => ({
    index: i, status: 'finished' as const, point: { lr, loss: i % 2 ? 'bpr' : 'ssm', dim: 64 }, value: Math.log10(lr) + (i % 2 ? 0.01 : 0),
  }));
  const imp = parameterImportance({ space: { lr: { type: 'log-uniform', min: 1e-4, max: 1 }, loss: { type: 'choice', values: ['bpr', 'ssm'] }, dim: { type: 'integer', min: 8, max: 128 } }, trials });
  assert.deepEqual(imp.map((x) => x.path), ['lr', 'loss']);
  assert.equal(imp[0].score, 1);
  assert.equal(imp[0].direction, 1);
  assert.ok(imp[1].score < 0.2);
  assert.deepEqual(parameterImportance({ space: {}, trials: trials.slice(0, 2) }), []);
});
