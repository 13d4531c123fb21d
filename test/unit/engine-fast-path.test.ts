/**
 * The fused dot-product step (model.fastPath) against the tfjs autograd step: from the same tables, several Adam
 * steps with duplicate users and items, L2 and both BPR forms leave the same tables (up to float rounding), report
 * the same loss, and the fused step runs no tfjs kernel at all. With Adam it runs on the kernels (native/src/mfdot.c
 * or kernels/mfdot.wat; 1 and 2 threads bit-identical on both); with SGD on the plain JS loops.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { MfModel } from '../../src/engine/models/mf';
import { createStep, type TrainStep } from '../../src/engine/step/step';
import { initBackend, tf } from '../../src/engine/tensor/backend';
import { bpr } from '../../src/engine/losses/bpr';
import { ssm } from '../../src/engine/losses/ssm';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';
import { KernelPool } from '../../src/engine/wasm/pool';

before(async () => {
  await initBackend('auto');
});

const D = 8, nU = 40, nI = 60, B = 32;

function makeModel(fastPath: boolean, l2Mode: OptimizerConfig['l2Mode'], kind: 'adam' | 'sgd' = 'adam', size = [nU, nI]): MfModel & { step: TrainStep } {
  const modelCfg: ModelConfig = { kind: 'mf', dim: D, score: 'dot', evalScore: 'same', init: { dist: 'normal', std: 0.3 }, userDropout: 0, fastPath };
  const optCfg: OptimizerConfig = { kind, lr: 0.01, l2: 0.05, l2Mode, beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: true };
  const model = new MfModel(size[0], size[1], modelCfg, optCfg, new Rng(3));
  return Object.assign(model, { step: createStep(model, modelCfg, optCfg) });
}

for (const [form, reduction, n, l2Mode, kind] of [['mean', 'mean', 1, 'batch', 'adam'], ['kpair', 'sum', 3, 'batch-sum', 'adam'], ['mean', 'sum', 4, 'none', 'adam'], ['mean', 'mean', 2, 'batch', 'sgd']] as const) {
  test(`fused dot-product step = tfjs step over 5 ${kind} steps (BPR ${form}, ${reduction}, ${n} negatives, L2 ${l2Mode})`, () => {
    const fast = makeModel(true, l2Mode, kind);
    const slow = makeModel(false, l2Mode, kind);
    assert.deepEqual(fast.items.data, slow.items.data);
    const loss = bpr.create({ form, reduction });
    const rng = new Rng(9);
    for (let s = 0; s < 5; s++) {
      // few users and items for many rows: plenty of duplicates within a step
      const users = Int32Array.from({ length: B }, () => rng.int(nU / 4));
      const pos = Int32Array.from({ length: B }, () => rng.int(nI / 4));
      const items = Int32Array.from({ length: B * n }, () => rng.int(nI / 4));
      const batch = { users, pos, positivesPerRow: 1, neg: { layout: 'per-row' as const, n, items } };
      const before = tf.memory().numTensors;
      const a = fast.step.run(batch, loss, { tau: 1 }, new Rng(1));
      assert.equal(tf.memory().numTensors, before, 'the fused step creates no tensor');
      const b = slow.step.run(batch, loss, { tau: 1 }, new Rng(1));
      assert.ok(Math.abs(a.loss - b.loss) < 1e-5 * Math.max(1, Math.abs(b.loss)), `step ${s}: loss ${a.loss} vs ${b.loss}`);
    }
    for (const [name, x, y] of [['users', fast.users.data, slow.users.data], ['items', fast.items.data, slow.items.data]] as const) {
      let worst = 0;
      for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(x[k] - y[k]));
      assert.ok(worst < 1e-5, `${name} differ by ${worst}`);
    }
  });
}

test('the fused path steps aside when the step needs tfjs (a loss without closed-form score gradients)', () => {
  const model = makeModel(true, 'batch');
  const rng = new Rng(2);
  const batch = { users: Int32Array.from([0, 1]), pos: Int32Array.from([2, 3]), positivesPerRow: 1, neg: { layout: 'per-row' as const, n: 2, items: Int32Array.from([4, 5, 6, 7]) } };
  const r = model.step.run(batch, ssm.create({ reduction: 'mean', logQ: 'none', logQAlpha: 0.01 }), { tau: 0.5 }, rng);
  assert.ok(Number.isFinite(r.loss) && r.loss > 0);
});

for (const kernels of ['native', 'wasm'] as const) {
  test(`the fused dot-product step on the ${kernels} kernels: 1 and 2 threads give bit-identical losses and tables (≥ 256 unique rows)`, () => {
    const run = (threads: number): { losses: number[]; users: Float32Array; items: Float32Array } => {
      KernelPool.configure(threads, kernels);
      try {
        const m = makeModel(true, 'batch', 'adam', [700, 900]);
        const loss = bpr.create({ form: 'mean', reduction: 'mean' });
        const rng = new Rng(11);
        const losses: number[] = [];
        for (let s = 0; s < 4; s++) {
          const users = Int32Array.from({ length: 512 }, () => rng.int(700));
          const pos = Int32Array.from({ length: 512 }, () => rng.int(900));
          const items = Int32Array.from({ length: 512 * 2 }, () => rng.int(900));
          losses.push(m.step.run({ users, pos, positivesPerRow: 1, neg: { layout: 'per-row', n: 2, items } }, loss, { tau: 1 }, rng).loss);
        }
        return { losses, users: Float32Array.from(m.users.data), items: Float32Array.from(m.items.data) };
      } finally {
        KernelPool.configure(1);
      }
    };
    const one = run(1), two = run(2);
    assert.ok(one.losses.every(Number.isFinite));
    assert.deepEqual(two.losses, one.losses);
    assert.deepEqual(two.users, one.users);
    assert.deepEqual(two.items, one.items);
  });
}
