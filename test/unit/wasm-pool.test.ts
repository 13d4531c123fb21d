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
import { FusedContrastiveStep } from '../../src/engine/tensor/fused-contrastive';
import { Heap } from '../../src/engine/wasm/heap';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';

before(async () => {
  await initBackend('auto');
});
after(() => KernelPool.get().close());

function train(threads: number, lossName: string, lazy: boolean, layout: 'shared' | 'per-row' | 'in-batch' = 'shared', lossOptions: Record<string, unknown> = {}): { losses: number[]; users: Float32Array; items: Float32Array } {
  KernelPool.configure(threads);
  assert.equal(KernelPool.get().threads, threads);
  const D = 16, nU = 600, nI = 900, N = 29;
  const B = layout === 'in-batch' ? 300 : 301; // ≥ 256 unique rows: lazy Adam runs in row shares too (in-batch MSCL: B a multiple of 4)
  const modelCfg: ModelConfig = { kind: 'mf', dim: D, score: 'cosine', evalScore: 'same', init: { dist: 'normal', std: 0.3 }, userDropout: 0.1, fastPath: true };
  const optCfg: OptimizerConfig = { kind: 'adam', lr: 0.01, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy };
  const model = new MfModel(nU, nI, modelCfg, optCfg, new Rng(3));
  const step = createStep(model, modelCfg, optCfg);
  const spec = lossSpec(lossName);
  const o: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec.options)) o[k] = (s as { default?: unknown }).default;
  const loss = spec.create({ ...o, ...lossOptions });
  const logQ = 'logQ' in lossOptions;
  const rng = new Rng(8);
  const losses: number[] = [];
  for (let s = 0; s < 5; s++) {
    const users = Int32Array.from({ length: B }, () => rng.int(nU));
    const P = (lossOptions.positives as number | undefined) ?? 1;
    const pos = Int32Array.from({ length: B * P }, () => rng.int(nI));
    const K = 7;
    const items = Int32Array.from({ length: layout === 'shared' ? N : layout === 'in-batch' ? 5 : B * K }, () => rng.int(nI));
    const tauPerRow = Float32Array.from({ length: B }, () => 0.1 + 0.1 * rng.float());
    const neg = layout === 'shared' ? { layout, items } as const : layout === 'in-batch' ? { layout, extra: items } as const : { layout, n: K, items } as const;
    const logq = (n: number): Float32Array => Float32Array.from({ length: n }, () => -2 - 6 * rng.float());
    const batch = { users, pos, positivesPerRow: P, neg, logQ: logQ ? { pos: logq(B), neg: logq(items.length) } : undefined };
    losses.push(step.run(batch, loss, { tau: 0.2, tauPerRow, wantsPerRowLoss: true }, rng).loss);
  }
  return { losses, users: Float32Array.from(model.users.data), items: Float32Array.from(model.items.data) };
}

const runs: [string, boolean, 'shared' | 'per-row' | 'in-batch', Record<string, unknown>?][] = [
  ['ssm', true, 'shared'], ['adap-tau', true, 'shared'], ['ccl', false, 'shared'], ['adap-tau', true, 'per-row'], ['ccl', false, 'per-row'],
  ['mmcl', false, 'shared'], ['gdns-hinge', true, 'per-row', { pairs: 'mean' }], ['gdns-hinge', false, 'shared', { positives: 3 }],
  ['mscl', true, 'in-batch', { positives: 3 }], ['mscl', false, 'per-row', { positives: 2 }], ['ssm', true, 'shared', { logQ: 'exact' }], ['ssm', true, 'per-row', { logQ: 'exact' }],
];
for (const [lossName, lazy, layout, lossOptions] of runs) for (const form of layout === 'per-row' ? (['gather', 'fold'] as const) : (['auto'] as const)) {
  test(`1 and 2 threads give bit-identical steps (${lossName}${lossOptions ? ' ' + JSON.stringify(lossOptions) : ''}, ${lazy ? 'lazy' : 'dense'} Adam, ${layout} negatives${form === 'auto' ? '' : `, ${form}ed`})`, () => {
    const keep = FusedContrastiveStep.perRowForm;
    FusedContrastiveStep.perRowForm = form; // per-row: the gathered rows, or the table read by row number (its rows in thread shares)
    try {
      const one = train(1, lossName, lazy, layout, lossOptions);
      const two = train(2, lossName, lazy, layout, lossOptions);
      assert.deepEqual(two.losses, one.losses);
      assert.ok(one.losses.every(Number.isFinite));
      assert.deepEqual(two.users, one.users);
      assert.deepEqual(two.items, one.items);
    } finally {
      FusedContrastiveStep.perRowForm = keep;
    }
  });
}

test('a task that fails in a worker thread throws on the caller, and the pool keeps working', () => {
  const pool = KernelPool.configure(2);
  const heap = new Heap();
  // a gemm whose output lies far outside the memory: both threads trap (out of bounds)
  assert.throws(() => pool.run('gemm', heap, [0, 4, 4, 0, 32, 2 ** 31, 32, 64, 8, 1, 0, 0]), /out of bounds|kernel worker failed/);
  const at = heap.alloc(4 * 4 * 8 * 2);
  const f = heap.f32(at, 64).fill(1);
  pool.run('gemm', heap, [at, 16, 4, at, 32, at + 4 * 4 * 8, 32, 4, 8, 4, 0, 0]);
  assert.equal(f[32], 4, 'the next task runs: C = ones(4×4)·ones(4×8) = 4');
});

test('the gemm task: row shares over 1 and 2 threads and inner-dimension chunks (kc) equal a plain product', () => {
  const rng = new Rng(12);
  const M = 23, N = 16, K = 37;
  for (const threads of [1, 2]) {
    const pool = KernelPool.configure(threads);
    for (const [kc, acc] of [[0, 0], [8, 0], [8, 1], [5, 1]]) {
      const heap = new Heap();
      const A = Float32Array.from({ length: M * K }, () => rng.normal()), Bm = Float32Array.from({ length: K * N }, () => rng.normal()), C0 = Float32Array.from({ length: M * N }, () => rng.normal());
      const a = heap.alloc(A.byteLength), b = heap.alloc(Bm.byteLength), c = heap.alloc(C0.byteLength);
      heap.f32(a, A.length).set(A);
      heap.f32(b, Bm.length).set(Bm);
      heap.f32(c, C0.length).set(C0);
      pool.run('gemm', heap, [a, K * 4, 4, b, N * 4, c, N * 4, M, N, K, acc, kc]);
      const got = heap.f32(c, M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let s = acc ? C0[i * N + j] : 0;
        for (let k = 0; k < K; k++) s += A[i * K + k] * Bm[k * N + j];
        assert.ok(Math.abs(got[i * N + j] - s) < 1e-4 * (1 + Math.abs(s)), `threads ${threads} kc ${kc} acc ${acc} C[${i},${j}]: ${got[i * N + j]} vs ${s}`);
      }
    }
  }
});
