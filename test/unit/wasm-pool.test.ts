/**
 * The kernel pool (src/engine/wasm/pool.ts): the fused many-negative step and dense Adam on 1 and 2 threads give
 * bit-identical losses and tables (every row is computed by the same instructions; cross-row sums run in row order),
 * and a failing task in a worker surfaces as an error on the calling thread. Needs the built dist/kernel-worker.js.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MfModel } from '../../src/engine/models/mf';
import { createStep } from '../../src/engine/step/step';
import { initBackend } from '../../src/engine/tensor/backend';
import { lossSpec } from '../../src/engine/losses/registry';
import { KernelPool } from '../../src/engine/wasm/pool';
import { Heap } from '../../src/engine/wasm/heap';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';

before(async () => {
  await initBackend('auto');
});
after(() => KernelPool.get().close());

function train(threads: number, lossName: string, lazy: boolean): { losses: number[]; users: Float32Array; items: Float32Array } {
  KernelPool.configure(threads);
  assert.equal(KernelPool.get().threads, threads);
  const D = 16, nU = 60, nI = 90, B = 37, N = 29;
  const modelCfg: ModelConfig = { kind: 'mf', dim: D, score: 'cosine', evalScore: 'same', init: { dist: 'normal', std: 0.3 }, userDropout: 0.1, fastPath: true };
  const optCfg: OptimizerConfig = { kind: 'adam', lr: 0.01, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy };
  const model = new MfModel(nU, nI, modelCfg, optCfg, new Rng(3));
  const step = createStep(model, modelCfg, optCfg);
  const spec = lossSpec(lossName);
  const o: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec.options)) o[k] = (s as { default?: unknown }).default;
  const loss = spec.create(o);
  const rng = new Rng(8);
  const losses: number[] = [];
  for (let s = 0; s < 5; s++) {
    const users = Int32Array.from({ length: B }, () => rng.int(nU));
    const pos = Int32Array.from({ length: B }, () => rng.int(nI));
    const items = Int32Array.from({ length: N }, () => rng.int(nI));
    const tauPerRow = Float32Array.from({ length: B }, () => 0.1 + 0.1 * rng.float());
    losses.push(step.run({ users, pos, positivesPerRow: 1, neg: { layout: 'shared', items } }, loss, { tau: 0.2, tauPerRow, wantsPerRowLoss: true }, rng).loss);
  }
  return { losses, users: Float32Array.from(model.users.data), items: Float32Array.from(model.items.data) };
}

for (const [lossName, lazy] of [['ssm', true], ['adap-tau', true], ['ccl', false]] as const) {
  test(`1 and 2 threads give bit-identical steps (${lossName}, ${lazy ? 'lazy' : 'dense'} Adam)`, () => {
    const one = train(1, lossName, lazy);
    const two = train(2, lossName, lazy);
    assert.deepEqual(two.losses, one.losses);
    assert.ok(one.losses.every(Number.isFinite));
    assert.deepEqual(two.users, one.users);
    assert.deepEqual(two.items, one.items);
  });
}

test('a task that fails in a worker thread throws on the caller, and the pool keeps working', () => {
  const pool = KernelPool.configure(2);
  const heap = new Heap();
  // a gemm whose output lies far outside the memory: both threads trap (out of bounds)
  assert.throws(() => pool.run('gemm', heap, [0, 4, 4, 0, 32, 2 ** 31, 32, 64, 8, 1, 0]), /out of bounds|kernel worker failed/);
  const at = heap.alloc(4 * 4 * 8 * 2);
  const f = heap.f32(at, 64).fill(1);
  pool.run('gemm', heap, [at, 16, 4, at, 32, at + 4 * 4 * 8, 32, 4, 8, 4, 0]);
  assert.equal(f[32], 4, 'the next task runs: C = ones(4×4)·ones(4×8) = 4');
});
