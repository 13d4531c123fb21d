/** The logQ correction's inputs: the sampler's exact q, item frequencies for in-batch columns, and Yi et al.'s streaming estimator. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogQCorrection } from '../../src/engine/losses/logq';
import type { Sampler } from '../../src/engine/samplers/types';

const popularity = Int32Array.from([5, 3, 2, 0, 10]); // |R| = 20
const noLogQ: Sampler = { sample: () => ({ layout: 'in-batch' }) };
const uniformQ: Sampler = { sample: () => ({ layout: 'in-batch' }), logQ: (items) => new Float32Array(items.length).fill(-Math.log(5)) };
const near = (a: ArrayLike<number>, b: number[]): void => {
  assert.equal(a.length, b.length);
  b.forEach((v, k) => assert.ok(Math.abs(a[k] - v) < 1e-6, `[${k}] ${a[k]} vs ${v}`));
};

test('exact: the sampler\'s log q for every column and the positives', () => {
  const c = new LogQCorrection({ mode: 'exact', alpha: 0.01 }, popularity, uniformQ);
  const q = c.forStep(Int32Array.from([0, 4]), 1, { layout: 'per-row', n: 2, items: Int32Array.from([1, 2, 3, 1]) });
  near(q.pos, [-Math.log(5), -Math.log(5)]);
  near(q.neg, [1, 2, 3, 4].map(() => -Math.log(5)));
});

test('exact, in-batch without a sampler q: item frequency c_j/|R| of the batch positives, then the extras', () => {
  const c = new LogQCorrection({ mode: 'exact', alpha: 0.01 }, popularity, noLogQ);
  // two positives per row: the in-batch columns are each row's first positive
  const q = c.forStep(Int32Array.from([0, 1, 4, 2]), 2, { layout: 'in-batch', extra: Int32Array.from([2]) });
  near(q.pos, [5, 3, 10, 2].map((n) => Math.log(n / 20)));
  near(q.neg, [5, 10, 2].map((n) => Math.log(n / 20)));
  assert.throws(() => c.forStep(Int32Array.from([0]), 1, { layout: 'shared', items: Int32Array.from([1]) }), /closed-form q/);
});

test('streaming (Yi et al. Algorithm 2): B ← (1−α)B + α(t − A), A ← t, q̂ = 1/B; first sighting B = t + 1; once per step', () => {
  const c = new LogQCorrection({ mode: 'streaming', alpha: 0.5 }, popularity, noLogQ);
  const step = (pos: number[]) => c.forStep(Int32Array.from(pos), 1, { layout: 'in-batch' });
  near(step([1, 2, 1]).neg, [0, 0, 0]); // t=0: first sightings, B = 1 (duplicates counted once)
  near(step([1]).neg, [-Math.log(1)]); // t=1: B[1] = 0.5·1 + 0.5·(1 − 0) = 1
  near(step([2, 3]).neg, [-Math.log(1.5), -Math.log(3)]); // t=2: B[2] = 0.5·1 + 0.5·2; item 3 first seen: B = 3
  near(step([1]).neg, [-Math.log(1.5)]); // t=3: B[1] = 0.5·1 + 0.5·(3 − 1)
});

test('streaming converges to the per-step appearance probability', () => {
  const c = new LogQCorrection({ mode: 'streaming', alpha: 0.05 }, popularity, noLogQ);
  let last = 0;
  for (let t = 0; t < 2000; t++) {
    const q = c.forStep(Int32Array.from(t % 4 === 0 ? [0, 4] : [0]), 1, { layout: 'in-batch' });
    if (t % 4 === 0) last = q.neg[1];
    else assert.ok(Math.abs(q.neg[0]) < 1e-9, 'an item seen every step has q̂ = 1');
  }
  assert.ok(Math.abs(Math.exp(last) - 0.25) < 1e-3, `q̂ of an item seen every 4th step: ${Math.exp(last)}`);
});
