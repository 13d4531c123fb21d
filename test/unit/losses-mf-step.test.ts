/**
 * The MF step with the new losses, one case per negative layout (per-row, shared, in-batch, in-batch with extra items,
 * in-batch with several positives per row), against finite differences of an independent float64 objective: scores
 * built from the tables as the layout defines them, then the reference loss of ./losses-reference.ts. One SGD step
 * with lr = 1 moves every row by minus its gradient.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { MfModel } from '../../src/engine/models/mf';
import { createStep } from '../../src/engine/step/step';
import type { StepTemperature } from '../../src/engine/step/types';
import { initBackend } from '../../src/engine/tensor/backend';
import { LOSSES } from '../../src/engine/losses/registry';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';
import type { NegativeBatch } from '../../src/engine/samplers/types';
import { adapTauRef, cclRef, gdnsRef, msclRef, ssmRef, nceRef, isSoftmaxRef, type RefInputs } from './losses-reference';

before(async () => {
  await initBackend('auto');
});

interface Case {
  name: string;
  loss: string;
  options: Record<string, unknown>;
  score: 'dot' | 'cosine';
  P: number;
  neg: NegativeBatch;
  temp: StepTemperature;
  /** log q per item (the test's own proposal), applied to the positive and to every negative column */
  logQ?: boolean;
  reference: (x: RefInputs) => number;
}

const users = [0, 2, 2, 4];
const B = users.length;
const nU = 5, nI = 9, D = 4;
const itemLogQ = Array.from({ length: nI }, (_, j) => Math.fround(Math.log((j + 1) / 45)));

const cases: Case[] = [
  {
    name: 'per-row negatives, SSM with logQ', loss: 'ssm', options: { reduction: 'mean', logQ: 'exact', logQAlpha: 0.01 }, score: 'cosine', P: 1,
    neg: { layout: 'per-row', n: 3, items: Int32Array.from([3, 7, 8, 0, 6, 6, 2, 4, 5, 8, 1, 7]) }, temp: { tau: 0.2 }, logQ: true,
    reference: (x) => ssmRef(x, { reduction: 'mean' }),
  },
  {
    name: 'shared negatives, CCL', loss: 'ccl', options: { margin: 0.1, negativeWeight: 3 }, score: 'cosine', P: 1,
    neg: { layout: 'shared', items: Int32Array.from([2, 6, 7, 8]) }, temp: { tau: 1 },
    reference: (x) => cclRef(x, { margin: 0.1, negativeWeight: 3 }),
  },
  {
    name: 'shared negatives, SSM with logQ, sum', loss: 'ssm', options: { reduction: 'sum', logQ: 'exact', logQAlpha: 0.01 }, score: 'cosine', P: 1,
    neg: { layout: 'shared', items: Int32Array.from([0, 4, 6, 8, 8]) }, temp: { tau: 0.3 }, logQ: true,
    reference: (x) => ssmRef(x, { reduction: 'sum' }),
  },
  {
    name: 'in-batch, Adap-τ with β0 and per-row τ', loss: 'adap-tau', options: { standardInfoNCE: false }, score: 'cosine', P: 1,
    neg: { layout: 'in-batch' }, temp: { tau: 1 / 6, posInvTau: 6, tauPerRow: Float32Array.from([0.15, 0.2, 0.2, 0.12]) },
    reference: (x) => adapTauRef(x, { standardInfoNCE: false }),
  },
  {
    name: 'in-batch plus extra items, SSM with logQ', loss: 'ssm', options: { reduction: 'mean', logQ: 'exact', logQAlpha: 0.01 }, score: 'cosine', P: 1,
    neg: { layout: 'in-batch', extra: Int32Array.from([6, 8]) }, temp: { tau: 0.25 }, logQ: true,
    reference: (x) => ssmRef(x, { reduction: 'mean' }),
  },
  {
    name: 'in-batch with 3 positives per row, MSCL', loss: 'mscl', options: { positives: 3, alpha: 0.45, epsilon: 1e-5 }, score: 'cosine', P: 3,
    neg: { layout: 'in-batch' }, temp: { tau: 0.2 },
    reference: (x) => msclRef(x, { alpha: 0.45, epsilon: 1e-5 }),
  },
  {
    name: 'in-batch plus extras with 2 positives per row, MSCL', loss: 'mscl', options: { positives: 2, alpha: 0.6, epsilon: 1e-5 }, score: 'cosine', P: 2,
    neg: { layout: 'in-batch', extra: Int32Array.from([7]) }, temp: { tau: 0.3 },
    reference: (x) => msclRef(x, { alpha: 0.6, epsilon: 1e-5 }),
  },
  {
    name: 'per-row negatives with 2 positives per row, GDNS group hinge (dot)', loss: 'gdns-hinge', options: { margin: 0.5, positives: 2, pairs: 'sum', reduction: 'mean' }, score: 'dot', P: 2,
    neg: { layout: 'per-row', n: 2, items: Int32Array.from([3, 7, 8, 0, 6, 5, 2, 4]) }, temp: { tau: 1 },
    reference: (x) => gdnsRef(x, { margin: 0.5, pairs: 'sum', reduction: 'mean' }),
  },
  {
    name: 'in-batch plus extra items, NCE with exact q (cosine / τ)', loss: 'nce', options: { scores: 'tau', noise: 'exact', logQAlpha: 0.01, logZ: 0, reduction: 'mean' }, score: 'cosine', P: 1,
    neg: { layout: 'in-batch', extra: Int32Array.from([6, 8]) }, temp: { tau: 0.5 }, logQ: true,
    reference: (x) => nceRef(x, { scores: 'tau', logZ: 0, reduction: 'mean' }),
  },
  {
    name: 'per-row negatives, importance-sampled softmax (unbiased weights, dot)', loss: 'is-softmax', options: { proposal: 'sampler', weights: 'unbiased', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: true, correctPositive: false, reduction: 'mean' }, score: 'dot', P: 1,
    neg: { layout: 'per-row', n: 3, items: Int32Array.from([3, 7, 8, 0, 6, 5, 2, 4, 0, 8, 7, 6]) }, temp: { tau: 1 }, logQ: true,
    reference: (x) => isSoftmaxRef(x, { weights: 'unbiased', includePositive: true, correctPositive: false, reduction: 'mean' }),
  },
];

const positives = (P: number): number[] => (P === 1 ? [1, 3, 5, 1] : P === 2 ? [1, 6, 3, 5, 5, 0, 1, 2] : [1, 6, 2, 3, 5, 3, 5, 0, 7, 1, 2, 4]);

/** the loss inputs of the layout, computed from the tables in float64 */
function scoresFromTables(U: Float64Array, V: Float64Array, c: Case): RefInputs {
  const vec = (T: Float64Array, r: number): number[] => Array.from(T.subarray(r * D, (r + 1) * D));
  const norm = (x: number[]): number[] => { const l = Math.max(Math.hypot(...x), 1e-12); return c.score === 'cosine' ? x.map((v) => v / l) : x; };
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k], 0);
  const pos = positives(c.P);
  const u = users.map((r) => norm(vec(U, r)));
  const p = pos.map((r) => norm(vec(V, r)));
  const neg = c.neg;
  const columnItems: number[] = neg.layout === 'per-row' ? [] : neg.layout === 'shared' ? Array.from(neg.items) : [...users.map((_, b) => pos[b * c.P]), ...(neg.extra ?? [])];
  const N = neg.layout === 'per-row' ? neg.n : columnItems.length;
  const x: RefInputs = { B, P: c.P, N, pos: [], neg: [], tau: c.temp.tau, posInvTau: c.temp.posInvTau, tauRow: c.temp.tauPerRow ? Array.from(c.temp.tauPerRow) : undefined };
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < c.P; k++) x.pos.push(dot(u[b], p[b * c.P + k]));
    for (let j = 0; j < N; j++) {
      const item = neg.layout === 'per-row' ? neg.items[b * N + j] : columnItems[j];
      const v = neg.layout === 'in-batch' && j < B ? p[j * c.P] : norm(vec(V, item));
      x.neg.push(dot(u[b], v));
    }
  }
  if (neg.layout === 'in-batch') {
    x.mask = Array.from({ length: B * N }, (_, e) => (e % N === Math.floor(e / N) ? 0 : 1));
    if (c.P > 1) {
      x.negPerPositive = [];
      for (let b = 0; b < B; b++) for (let k = 0; k < c.P; k++) for (let j = 0; j < N; j++) {
        x.negPerPositive.push(dot(u[b], j < B ? p[j * c.P + k] : norm(vec(V, columnItems[j]))));
      }
    }
  }
  if (c.logQ) {
    x.logQPos = users.map((_, b) => itemLogQ[pos[b * c.P]]);
    x.logQNeg = [];
    for (let b = 0; b < B; b++) for (let j = 0; j < N; j++) x.logQNeg.push(itemLogQ[neg.layout === 'per-row' ? neg.items[b * N + j] : columnItems[j]]);
  }
  return x;
}

for (const c of cases) {
  test(`MF step gradient = finite differences: ${c.name}`, () => {
    const rng = new Rng(5);
    const modelCfg: ModelConfig = { kind: 'mf', dim: D, score: c.score, evalScore: 'same', init: { dist: 'normal', std: 0.7 }, userDropout: 0, fastPath: true };
    const optCfg: OptimizerConfig = { kind: 'sgd', lr: 1, l2: 0, l2Mode: 'none', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: true };
    const model = new MfModel(nU, nI, modelCfg, optCfg, rng);
    const pos = Int32Array.from(positives(c.P));
    const U0 = Float64Array.from(model.users.data), V0 = Float64Array.from(model.items.data);
    const neg = c.neg;
    const columns = neg.layout === 'per-row' ? neg.items : neg.layout === 'shared' ? neg.items : Int32Array.from([...users.map((_, b) => pos[b * c.P]), ...(neg.extra ?? [])]);
    const logQ = c.logQ ? { pos: Float32Array.from(pos, (j) => itemLogQ[j]), neg: Float32Array.from(columns, (j) => itemLogQ[j]) } : undefined;
    const r = createStep(model, modelCfg, optCfg).run({ users: Int32Array.from(users), pos, positivesPerRow: c.P, neg, logQ }, LOSSES[c.loss].create(c.options), c.temp, rng);
    const objective = (U: Float64Array, V: Float64Array): number => c.reference(scoresFromTables(U, V, c));
    const f0 = objective(U0, V0);
    assert.ok(Math.abs(r.loss - f0) < 1e-4 * Math.max(1, Math.abs(f0)), `loss ${r.loss} vs reference ${f0}`);
    const h = 1e-6;
    let moved = 0;
    for (const [name, T0, after] of [['user', U0, model.users.data], ['item', V0, model.items.data]] as const) {
      for (let k = 0; k < T0.length; k++) {
        const plus = Float64Array.from(T0); plus[k] += h;
        const minus = Float64Array.from(T0); minus[k] -= h;
        const fd = name === 'user' ? (objective(plus, V0) - objective(minus, V0)) / (2 * h) : (objective(U0, plus) - objective(U0, minus)) / (2 * h);
        const g = T0[k] - after[k];
        if (Math.abs(fd) > 1e-6) moved++;
        assert.ok(Math.abs(g - fd) < 2e-4 + 2e-3 * Math.abs(fd), `${name}[${k}]: step gradient ${g} vs finite difference ${fd}`);
      }
    }
    assert.ok(moved > 10, `only ${moved} coordinates have a gradient`);
  });
}
