/**
 * The MF training step against finite differences: one SGD step with lr = 1 moves every table row by exactly minus its
 * gradient (duplicates summed), which is compared with central differences of an independent float64 implementation
 * of the objective (the BPR formulas of algorithms.md §1 plus the batch L2 of LightGCN) — for the tfjs path and for the
 * fused dot-product path (model.fastPath).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { MfModel } from '../../src/engine/models/mf';
import { createStep } from '../../src/engine/step/step';
import { initBackend } from '../../src/engine/tensor/backend';
import { bpr } from '../../src/engine/losses/bpr';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';

before(async () => {
  await initBackend('auto');
});

const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));

interface Case { score: 'dot' | 'cosine'; n: number; form: 'mean' | 'kpair'; reduction: 'mean' | 'sum'; l2: number }

function objective(U: Float64Array, V: Float64Array, D: number, users: number[], pos: number[], neg: number[], c: Case): number {
  const vec = (T: Float64Array, r: number): number[] => Array.from(T.subarray(r * D, (r + 1) * D));
  const norm = (x: number[]): number[] => { const l = Math.max(Math.hypot(...x), 1e-12); return x.map((v) => v / l); };
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k], 0);
  const B = users.length;
  let total = 0, reg = 0;
  for (let b = 0; b < B; b++) {
    let u = vec(U, users[b]), p = vec(V, pos[b]);
    reg += dot(u, u) + dot(p, p);
    if (c.score === 'cosine') { u = norm(u); p = norm(p); }
    const sp = dot(u, p);
    const diffs: number[] = [];
    for (let k = 0; k < c.n; k++) {
      let q = vec(V, neg[b * c.n + k]);
      reg += dot(q, q);
      if (c.score === 'cosine') q = norm(q);
      diffs.push(dot(u, q) - sp);
    }
    total += c.form === 'kpair' ? Math.log(1 + diffs.reduce((s, d) => s + Math.exp(d), 0)) : diffs.reduce((s, d) => s + softplus(d), 0) / c.n;
  }
  const loss = c.reduction === 'mean' ? total / B : total;
  return loss + 0.5 * (c.l2 / B) * reg;
}

const cases: Case[] = [
  { score: 'dot', n: 1, form: 'mean', reduction: 'mean', l2: 0.1 },
  { score: 'dot', n: 3, form: 'mean', reduction: 'sum', l2: 0 },
  { score: 'cosine', n: 3, form: 'mean', reduction: 'mean', l2: 0.05 },
  { score: 'dot', n: 4, form: 'kpair', reduction: 'mean', l2: 0.01 },
];

for (const c of cases) for (const fastPath of c.score === 'dot' ? [true, false] : [false]) {
  test(`BPR step gradient = finite differences (${JSON.stringify(c)}, ${fastPath ? 'fused dot-product path' : 'tfjs autograd'})`, () => {
    const D = 4, nU = 5, nI = 9;
    const rng = new Rng(11);
    const modelCfg: ModelConfig = { kind: 'mf', dim: D, score: c.score, evalScore: 'same', init: { dist: 'normal', std: 0.7 }, userDropout: 0, fastPath };
    const optCfg: OptimizerConfig = { kind: 'sgd', lr: 1, l2: c.l2, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: true };
    const model = new MfModel(nU, nI, modelCfg, optCfg, rng);
    const users = [0, 2, 2, 4];
    const pos = [1, 3, 5, 1];
    const neg = Array.from({ length: users.length * c.n }, () => rng.int(nI));
    const U0 = Float64Array.from(model.users.data), V0 = Float64Array.from(model.items.data);
    const r = createStep(model, modelCfg, optCfg).run(
      { users: Int32Array.from(users), pos: Int32Array.from(pos), positivesPerRow: 1, neg: { layout: 'per-row', n: c.n, items: Int32Array.from(neg) } },
      bpr.create({ form: c.form, reduction: c.reduction }), { tau: 1 }, rng,
    );
    const f0 = objective(U0, V0, D, users, pos, neg, c);
    assert.ok(Math.abs(r.loss - f0) < 1e-4 * Math.max(1, Math.abs(f0)), `loss ${r.loss} vs reference ${f0}`);
    const h = 1e-5;
    for (const [name, T0, after] of [['user', U0, model.users.data], ['item', V0, model.items.data]] as const) {
      for (let k = 0; k < T0.length; k++) {
        const plus = Float64Array.from(T0); plus[k] += h;
        const minus = Float64Array.from(T0); minus[k] -= h;
        const fd = name === 'user'
          ? (objective(plus, V0, D, users, pos, neg, c) - objective(minus, V0, D, users, pos, neg, c)) / (2 * h)
          : (objective(U0, plus, D, users, pos, neg, c) - objective(U0, minus, D, users, pos, neg, c)) / (2 * h);
        const g = T0[k] - after[k];
        assert.ok(Math.abs(g - fd) < 2e-4 + 2e-3 * Math.abs(fd), `${name}[${k}]: step gradient ${g} vs finite difference ${fd}`);
      }
    }
  });
}
