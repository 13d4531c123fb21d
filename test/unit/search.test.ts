/**
 * Search strategies and ASHA: the space is sampled with the distributions it declares (Kolmogorov–Smirnov and
 * chi-square at p = 1e-3, fixed seeds), TPE finds better points than random search on the Branin function over a fixed
 * budget (several seeds, so not luck), and ASHA's rule judged on hand-made rung values.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kstest from '@stdlib/stats-kstest';
import chi2gof from '@stdlib/stats-chi2gof';
import { Rng } from '../../src/engine/rng';
import type { SearchConfig } from '../../src/engine/config/types';
import { gridPoint, gridSize, sampleParam, searchSpace, type Param, type Point } from '../../src/scale/space';
import { strategy, type Observation } from '../../src/scale/strategies';
import { ashaJudge, milestones, quantile, type Rungs } from '../../src/scale/asha';

const N = 20000;
const draws = (p: Param['spec'], seed = 1): unknown[] => {
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => sampleParam(p, rng));
};

describe('search space: sampled with the declared distributions', () => {
  it('uniform: KS against U(min, max)', () => {
    const x = draws({ type: 'uniform', min: -2, max: 3 }) as number[];
    assert.ok(x.every((v) => v >= -2 && v < 3));
    const r = kstest(x, 'uniform', -2, 3);
    assert.ok(r.pValue > 1e-3, `KS p = ${r.pValue}`);
    // and a wrong hypothesis is rejected: the test has power
    assert.ok(kstest(x, 'uniform', -2, 3.5).pValue < 1e-3);
  });

  it('log-uniform: the log is uniform (KS), the value is not', () => {
    const x = draws({ type: 'log-uniform', min: 1e-4, max: 1e-1 }) as number[];
    assert.ok(x.every((v) => v >= 1e-4 && v <= 1e-1));
    assert.ok(kstest(x.map(Math.log), 'uniform', Math.log(1e-4), Math.log(1e-1)).pValue > 1e-3);
    assert.ok(kstest(x, 'uniform', 1e-4, 1e-1).pValue < 1e-3);
  });

  it('integer: every integer of [min, max] equally often (chi-square), bounds included', () => {
    const x = draws({ type: 'integer', min: 3, max: 9 }) as number[];
    const counts = new Array(7).fill(0);
    for (const v of x) {
      assert.ok(Number.isInteger(v) && v >= 3 && v <= 9);
      counts[v - 3]++;
    }
    assert.ok(chi2gof(counts, new Array(7).fill(1 / 7)).pValue > 1e-3);
  });

  it('choice: each value equally often (chi-square)', () => {
    const values = ['bpr', 'ssm', { kind: 'x' }];
    const x = draws({ type: 'choice', values });
    const counts = values.map((v) => x.filter((y) => y === v).length);
    assert.equal(counts.reduce((a, b) => a + b, 0), N);
    assert.ok(chi2gof(counts, [1 / 3, 1 / 3, 1 / 3]).pValue > 1e-3);
  });

  it('the grid enumerates the product of choices and integer ranges, last varying fastest; continuous ones refuse', () => {
    const params = searchSpace({ sweep: { 'optimizer.lr': [0.1, 0.01] }, search: { space: { 'model.dim': { type: 'integer', min: 1, max: 3 } } } });
    assert.equal(gridSize(params), 6);
    assert.deepEqual(gridPoint(params, 0), { 'optimizer.lr': 0.1, 'model.dim': 1 });
    assert.deepEqual(gridPoint(params, 4), { 'optimizer.lr': 0.01, 'model.dim': 2 });
    assert.throws(() => gridSize(searchSpace({ search: { space: { 'optimizer.lr': { type: 'uniform', min: 0, max: 1 } } } })), /grid needs choice or integer/);
  });

  it('bad spaces name the JSON path', () => {
    assert.throws(() => searchSpace({ search: { space: { x: { type: 'uniform', min: 2, max: 1 } } } }), /\$\.search\.space\["x"\]: min \(2\) must be below max/);
    assert.throws(() => searchSpace({ search: { space: { x: { type: 'log-uniform', min: 0, max: 1 } } } }), /log-uniform parameter needs min > 0/);
    assert.throws(() => searchSpace({ search: { space: { x: { type: 'integer', min: 0.5, max: 3 } } } }), /integer min and max/);
    assert.throws(() => searchSpace({ sweep: { x: [1] }, search: { space: { x: { type: 'choice', values: [1] } } } }), /also in \$\.sweep/);
  });
});

/** Branin-Hoo, minimum 0.397887 at (−π, 12.275), (π, 2.275), (9.42478, 2.475) */
function branin(x1: number, x2: number): number {
  const a = 1, b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

const SETTINGS: SearchConfig = {
  strategy: 'tpe', space: {}, budget: { runs: 0, wallSeconds: 0 }, seed: 0, parallel: 1,
  tpe: { startup: 10, gamma: 0.25, candidates: 24 }, scheduler: { kind: 'none', minEpochs: 1, eta: 3 },
};

/** Best (lowest) Branin value found by a strategy in `budget` evaluations; the strategies maximise −branin. */
function bestFound(name: string, seed: number, budget: number): number {
  const params = searchSpace({ search: { space: { x1: { type: 'uniform', min: -5, max: 10 }, x2: { type: 'uniform', min: 0, max: 15 } } } });
  const history: Observation[] = [];
  for (let index = 0; index < budget; index++) {
    const p = strategy(name).propose({ params, index, history, rng: new Rng(seed * 100003 + index), settings: SETTINGS }) as Point;
    history.push({ point: p, value: -branin(p.x1 as number, p.x2 as number) });
  }
  return Math.min(...history.map((o) => -o.value!));
}

describe('TPE', () => {
  it('finds better points than random search on Branin with 60 evaluations, over 10 seeds', () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
    const t = seeds.map((s) => bestFound('tpe', s, 60));
    const r = seeds.map((s) => bestFound('random', s, 60));
    const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
    const wins = seeds.filter((_, i) => t[i] < r[i]).length;
    // measured: TPE mean regret a fraction of random's; it wins on most seeds
    assert.ok(mean(t) < mean(r), `TPE mean best ${mean(t).toFixed(4)} vs random ${mean(r).toFixed(4)}`);
    assert.ok(wins >= 7, `TPE better on ${wins}/10 seeds (TPE ${t.map((x) => x.toFixed(3)).join(' ')}; random ${r.map((x) => x.toFixed(3)).join(' ')})`);
    assert.ok(mean(t) < 0.397887 + 0.5, `TPE gets near the optimum: ${mean(t)}`);
  });

  it('is reproducible: the same history and trial seed give the same proposal (a resumed sweep proposes the same)', () => {
    const params = searchSpace({ search: { space: { lr: { type: 'log-uniform', min: 1e-4, max: 1 }, k: { type: 'choice', values: ['a', 'b'] }, d: { type: 'integer', min: 8, max: 64 } } } });
    const history: Observation[] = Array.from({ length: 12 }, (_, i) => ({ point: { lr: 10 ** (-1 - (i % 3)), k: i % 2 ? 'a' : 'b', d: 8 + i * 4 }, value: i % 5 }));
    const a = strategy('tpe').propose({ params, index: 12, history, rng: new Rng(7), settings: SETTINGS });
    const b = strategy('tpe').propose({ params, index: 12, history, rng: new Rng(7), settings: SETTINGS });
    assert.deepEqual(a, b);
    assert.ok(Number.isInteger(a!.d) && (a!.d as number) >= 8 && (a!.d as number) <= 64);
    assert.ok((a!.lr as number) >= 1e-4 && (a!.lr as number) <= 1);
  });

  it('prefers the categorical value of the good runs', () => {
    const params = searchSpace({ search: { space: { k: { type: 'choice', values: ['good', 'bad', 'worse'] } } } });
    const history: Observation[] = Array.from({ length: 20 }, (_, i) => ({ point: { k: ['good', 'bad', 'worse'][i % 3] }, value: i % 3 === 0 ? 1 : 0 }));
    const picks = Array.from({ length: 50 }, (_, s) => strategy('tpe').propose({ params, index: 20, history, rng: new Rng(s), settings: SETTINGS })!.k);
    assert.ok(picks.filter((k) => k === 'good').length >= 45, picks.join(','));
  });
});

describe('ASHA', () => {
  it('rungs at minEpochs·ηᵏ below the epoch budget', () => {
    assert.deepEqual(milestones({ minEpochs: 1, eta: 3, maxEpochs: 30 }), [1, 3, 9, 27]);
    assert.deepEqual(milestones({ minEpochs: 2, eta: 2, maxEpochs: 16 }), [2, 4, 8]);
    assert.deepEqual(milestones({ minEpochs: 5, eta: 3, maxEpochs: 5 }), []);
  });

  it('quantile = numpy.percentile (linear)', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.ok(Math.abs(quantile([0.1, 0.4, 0.2], 2 / 3) - (0.2 + (0.4 - 0.2) * (4 / 3 - 1))) < 1e-12);
  });

  it('stops a run below the top-1/η cut-off of the earlier runs at its rung, promotes one above, records both', () => {
    const s = { minEpochs: 2, eta: 2, maxEpochs: 20 };
    const rungs: Rungs = {};
    const first = ashaJudge(s, rungs, 0, 2, 0.30)!;
    assert.equal(first.action, 'continue');
    assert.equal(first.cutoff, undefined);
    // earlier {0.30}: cut-off = 0.30
    assert.equal(ashaJudge(s, rungs, 1, 2, 0.20)!.action, 'stop');
    const up = ashaJudge(s, rungs, 2, 2, 0.40)!;
    // earlier {0.30, 0.20}: median 0.25
    assert.equal(up.action, 'continue');
    assert.ok(Math.abs(up.cutoff! - 0.25) < 1e-12);
    assert.match(up.reason, /promoted/);
    assert.deepEqual(rungs['2'], { 0: 0.3, 1: 0.2, 2: 0.4 });
    // earlier {0.30, 0.20, 0.40}: median 0.30 → 0.29 stops, with a reason naming the numbers
    const d = ashaJudge(s, rungs, 3, 2, 0.29)!;
    assert.equal(d.action, 'stop');
    assert.match(d.reason, /pruned by ASHA at rung 0 \(epoch 2\): 0\.2900 < 0\.3000/);
  });

  it('judges a run once per rung, at the highest rung its evaluation epoch reached (evaluations every few epochs)', () => {
    const s = { minEpochs: 1, eta: 3, maxEpochs: 30 };
    const rungs: Rungs = {};
    assert.equal(ashaJudge(s, rungs, 0, 5, 0.1)!.milestone, 3);
    assert.equal(ashaJudge(s, rungs, 0, 5, 0.1), null);
    assert.equal(ashaJudge(s, rungs, 0, 10, 0.2)!.milestone, 9);
  });
});
