/**
 * The native row loops of the fused many-negative step (native/src/rows.c, gather.c): the softmax and hinge forms over
 * score rows against their wasm form (wasm/loss-rows.ts over kernels/scores.wat) for every variant this CPU has (the
 * portable one exactly, the others within 2e-5), on widths with and without a whole AVX-512 vector at the end, masks,
 * fully masked rows, NaN, temperatures per row, the logQ correction, the per-row loss, relative margins with several
 * positives; 1 and 2 threads; the gather, the optimisers' accumulation (its L2 value within rounding: summed in another
 * order), the transpose and the dropout bit for bit against the JavaScript they replace; MF-CCL and MF-SSM with
 * dropout trained on native and wasm kernels.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Heap } from '../../src/engine/wasm/heap';
import { instantiate } from '../../src/engine/wasm/modules';
import { KernelPool } from '../../src/engine/wasm/pool';
import type { ScoreRowExports } from '../../src/engine/wasm/tasks';
import { wasmLossRows, type LossRowExports } from '../../src/engine/wasm/loss-rows';
import { nativeAddon } from '../../src/engine/native/addon';
import { nativeLossRows } from '../../src/engine/native/bind';
import { EmbeddingTable } from '../../src/engine/tensor/embedding';
import { SparseOptimizer } from '../../src/engine/tensor/sparse-optimizer';
import { Rng } from '../../src/engine/rng';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { RunEvent } from '../../src/protocol/events';

const addon = nativeAddon();
const best = addon.bestIsa();
const ISAS = (['scalar', 'avx2', 'avx512'] as const).filter((i) => i === 'scalar' || (i === 'avx2' ? best !== 'scalar' : best === 'avx512'));
after(() => addon.setIsa(best as 'scalar'));

const rng = new Rng(41);
const randn = (n: number, s = 1): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
/** equal within tol relative, NaN where the other is NaN, the same infinity */
const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= tol * (1 + Math.abs(w))) continue;
    assert.fail(`${what}: element ${i} is ${g}, the wasm form's ${w}`);
  }
};

/** one block of score rows and the per-row arrays, in a fresh heap, with both implementations bound to it */
function block(B: number, Np: number, P = 1) {
  const heap = new Heap(1 << 20);
  const f = (n: number): number => heap.alloc(n * 4);
  const at = { S: f(B * Np), mask: f(B * Np), sPos: f(B * P), dPos: f(B * P), rowLoss: f(B), perRow: f(B), tmp: f(2 * Np), tau: f(B), off: f(B * Np), posOff: f(B), terms: f(16), scratch: f(2 * 6 * 64) };
  const wasm = wasmLossRows(instantiate<ScoreRowExports>('scores', heap.memory), heap.memory);
  const native = nativeLossRows(heap.memory, addon);
  return { heap, at, wasm, native };
}

type Block = ReturnType<typeof block>;
const outputs = (b: Block, B: number, Np: number, P = 1): Float32Array[] =>
  [b.heap.f32(b.at.S, B * Np).slice(), b.heap.f32(b.at.dPos, B * P).slice(), b.heap.f32(b.at.rowLoss, B).slice(), b.heap.f32(b.at.perRow, B).slice()];

/** runs `call` on the wasm form and on every native variant from the same inputs; returns the outputs of each */
function both(b: Block, inputs: () => void, call: (k: LossRowExports) => void, read: () => Float32Array[]): { wasm: Float32Array[]; native: Record<string, Float32Array[]> } {
  inputs();
  call(b.wasm);
  const wasm = read();
  const native: Record<string, Float32Array[]> = {};
  for (const isa of ISAS) {
    assert.ok(addon.setIsa(isa));
    inputs();
    call(b.native);
    native[isa] = read();
  }
  addon.setIsa(best as 'scalar');
  return { wasm, native };
}

const tolerance = (isa: string): number => (isa === 'scalar' ? 0 : 2e-5);

for (const Np of [8, 24, 72, 1024]) {
  test(`softmax rows, ${Np} columns: every native variant agrees with the wasm form (masks, a fully masked row, NaN, τ per row, logQ, per-row loss)`, () => {
    const B = 9;
    const b = block(B, Np);
    const S = randn(B * Np, 0.6), mask = Float32Array.from({ length: B * Np }, () => (rng.float() < 0.2 ? 0 : 1));
    mask.fill(0, 3 * Np, 4 * Np); // row 3: nothing to contrast
    S[5 * Np + 1] = NaN; mask[5 * Np + 1] = 1; // row 5: a NaN score in a kept column
    S[6 * Np + 2] = NaN; mask[6 * Np + 2] = 0; // row 6: a NaN in a masked column is never read
    const sPos = randn(B, 0.6), tau = Float32Array.from({ length: B }, () => 0.05 + rng.float() * 0.5), off = randn(B * Np, 2), posOff = randn(B, 2);
    const inputs = (): void => {
      const h = b.heap;
      h.f32(b.at.S, B * Np).set(S); h.f32(b.at.mask, B * Np).set(mask); h.f32(b.at.sPos, B).set(sPos); h.f32(b.at.tau, B).set(tau);
      h.f32(b.at.off, B * Np).set(off); h.f32(b.at.posOff, B).set(posOff);
      h.f32(b.at.dPos, B).fill(7); h.f32(b.at.rowLoss, B).fill(7); h.f32(b.at.perRow, B).fill(7);
    };
    const a = b.at, rb = Np * 4;
    for (const [incl, unit, tauRow, posInvTau, logQ, perRow] of [
      [1, 0, 0, NaN, 0, 0], [0, 0, 0, NaN, 0, 1], [1, 0, 1, 4, 0, 1], [1, 1, 0, NaN, 0, 0], [1, 0, 0, NaN, 1, 1], [0, 0, 1, NaN, 1, 0],
    ] as const) {
      const what = `incl ${incl} unit ${unit} τ per row ${tauRow} β ${posInvTau} logQ ${logQ} per-row ${perRow}`;
      const { wasm, native } = both(b, inputs, (k) => k.softmaxRows(a.S, a.mask, rb, a.sPos, a.dPos, a.rowLoss, perRow ? a.perRow : 0, a.tmp, 0, B, rb, incl, unit, 0.2,
        tauRow ? a.tau : 0, posInvTau, 1 / B, logQ ? a.off : 0, logQ ? rb : 0, logQ ? a.posOff : 0), () => outputs(b, B, Np));
      for (const [isa, out] of Object.entries(native)) ['∂S', 'dPos', 'loss', 'per-row loss'].forEach((n, i) => near(out[i], wasm[i], tolerance(isa), `${isa} ${what}: ${n}`));
      const loss = wasm[2];
      assert.ok(Number.isNaN(loss[5]) && Number.isFinite(loss[6]) && Number.isFinite(loss[0]), `${what}: NaN propagates from a kept column only (${loss[5]}, ${loss[6]})`);
      if (!incl) assert.equal(loss[3], -Infinity, `${what}: a row with nothing to contrast`);
    }
  });
}

test('softmax rows: the same floats on 1 and 2 pool threads; a share of rows writes only its own rows', () => {
  const B = 37, Np = 200;
  const S = randn(B * Np), sPos = randn(B);
  const run = (threads: number): Float32Array[] => {
    KernelPool.configure(threads, 'native');
    const b = block(B, Np);
    const h = b.heap, a = b.at;
    h.f32(a.S, B * Np).set(S); h.f32(a.mask, Np).fill(1); h.f32(a.sPos, B).set(sPos);
    KernelPool.get().run('softmaxRows', h, [a.S, a.mask, 0, a.sPos, a.dPos, a.rowLoss, a.perRow, a.tmp, B, Np * 4, 1, 0, 0.1, 0, NaN, 1 / B, 0, 0, 0, 1, 0, 1, 1, -Infinity]);
    return outputs(b, B, Np);
  };
  const one = run(1), two = run(2);
  one.forEach((x, i) => assert.deepEqual(new Uint32Array(two[i].buffer), new Uint32Array(x.buffer), `output ${i}`));
  KernelPool.configure(1);
});

for (const Np of [8, 40, 800]) {
  test(`hinge rows, ${Np} columns: every native variant agrees with the wasm form (mean or sum, a positive term, relative margins over several positives)`, () => {
    const B = 7, P = 3;
    const b = block(B, Np, P);
    const S = randn(B * Np, 0.5), mask = Float32Array.from({ length: B * Np }, () => (rng.float() < 0.3 ? 0 : 1));
    mask.fill(0, 2 * Np, 3 * Np);
    const sPos = randn(B * P, 0.5);
    const a = b.at, rb = Np * 4;
    for (const [relative, mean, posMargin, T, p, strided] of [
      [0, 1, 0.9, 1, 1, 1], [0, 0, NaN, 2, 1, 1], [0, 1, 0.5, 1, 1, 0], [1, 1, NaN, 2, P, 1], [1, 0, NaN, 1, P, 1], [1, 1, NaN, 1, 1, 1],
    ] as const) {
      const terms = Float32Array.from([0.4, 1, -0.1, 0.5]);
      const inputs = (): void => {
        const h = b.heap;
        h.f32(a.S, B * Np).set(S); h.f32(a.mask, B * Np).set(strided ? mask : mask.map((_, i) => (i < Np ? 1 : 0)));
        h.f32(a.sPos, B * P).set(sPos); h.f32(a.terms, 4).set(terms);
        h.f32(a.dPos, B * P).fill(7); h.f32(a.rowLoss, B).fill(7);
      };
      const what = `relative ${relative} mean ${mean} m⁺ ${posMargin} terms ${T} positives ${p} mask ${strided ? 'per row' : 'none'}`;
      const { wasm, native } = both(b, inputs, (k) => k.hingeRows(a.S, a.mask, strided ? rb : 0, a.sPos, a.dPos, a.rowLoss, 0, B, rb, Np - 3, posMargin, a.terms, T, mean, relative, 1 / B, p, a.scratch),
        () => outputs(b, B, Np, P).slice(0, 3));
      for (const [isa, out] of Object.entries(native)) ['∂S', 'dPos', 'loss'].forEach((n, i) => near(out[i], wasm[i], tolerance(isa), `${isa} ${what}: ${n}`));
      assert.ok(wasm[2].some((x) => x > 0), `${what}: some hinge is active`);
    }
  });
}

test('the native loss rows reject what they cannot run: a ragged row, a range outside the memory, over 64 hinge terms', () => {
  const b = block(4, 16);
  const v = new Uint8Array(b.heap.memory.buffer), a = b.at;
  assert.throws(() => addon.softmaxRows(v, a.S, a.mask, 0, a.sPos, a.dPos, a.rowLoss, 0, a.tmp, 0, 4, 20, 1, 0, 0.1, 0, NaN, 1, 0, 0, 0), /multiple of 16 bytes/);
  assert.throws(() => addon.softmaxRows(v, v.length - 64, a.mask, 0, a.sPos, a.dPos, a.rowLoss, 0, a.tmp, 0, 4, 64, 1, 0, 0.1, 0, NaN, 1, 0, 0, 0), /outside the memory/);
  assert.throws(() => addon.hingeRows(v, a.S, a.mask, 0, a.sPos, a.dPos, a.rowLoss, 0, 4, 64, 16, NaN, a.terms, 33, 1, 1, 1, 2), /64 hinge terms/);
});

test('gatherRows copies the listed rows as the JavaScript gather does, and names an id outside the table', () => {
  const D = 24, rows = 50;
  const table = randn(rows * D), ids = Int32Array.from({ length: 300 }, () => rng.int(rows));
  const out = new Float32Array(ids.length * D);
  addon.gatherRows(out, table, ids, D);
  ids.forEach((id, r) => assert.deepEqual(out.subarray(r * D, (r + 1) * D), table.subarray(id * D, (id + 1) * D)));
  assert.throws(() => addon.gatherRows(out, table, Int32Array.from([3, rows]), D), /row id 50 \(at 1\) lies outside the table's 50 rows/);
  assert.throws(() => addon.gatherRows(new Float32Array(D), table, Int32Array.from([1, 2]), D), /ids × D/);
});

test('the optimisers\' accumulation (sums, slots, unique rows, L2) on native kernels gives the JavaScript path\'s tables bit for bit', () => {
  const D = 16, rows = 40;
  const init = randn(rows * D, 0.1);
  const steps = Array.from({ length: 5 }, () => {
    const ids = Int32Array.from({ length: 60 }, () => rng.int(rows));
    return { ids, grads: randn(ids.length * D), l2: Int32Array.from({ length: 10 }, () => rng.int(rows)) };
  });
  const tables: Record<string, Float32Array> = {};
  const sq: Record<string, number[]> = {};
  for (const kernels of ['native', 'wasm'] as const) {
    for (const listed of [false, true]) {
      // listed: the L2 rows' weights handed over in list order (as the fused step gathered them), not read from the table
      KernelPool.configure(1, kernels);
      const table = new EmbeddingTable(rows, D);
      table.data.set(init);
      const opt = new SparseOptimizer(table, { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
      const key = `${kernels}${listed ? ' listed' : ''}`;
      sq[key] = [];
      for (const s of steps) {
        const values = listed ? new Float32Array(s.l2.length * D) : undefined;
        if (values) s.l2.forEach((id, r) => values.set(table.data.subarray(id * D, (id + 1) * D), r * D));
        opt.beginAccumulate(s.ids.length + s.l2.length);
        opt.accumulateRows(s.ids.subarray(0, 30), s.grads.subarray(0, 30 * D));
        sq[key].push(opt.accumulateL2(s.l2, 1e-3, values));
        opt.accumulateRows(s.ids.subarray(30), s.grads.subarray(30 * D));
        opt.applyAccumulated();
      }
      tables[key] = table.data.slice();
    }
  }
  for (const key of ['native', 'native listed', 'wasm listed']) {
    assert.deepEqual(new Uint32Array(tables[key].buffer), new Uint32Array(tables.wasm.buffer), key);
    near(sq[key], sq.wasm, 1e-12, `${key}: Σ w² of the L2 rows (native: in 8 partial sums)`);
  }
  assert.ok(tables.native.some((x, i) => x !== init[i]));
  assert.throws(() => addon.accumulateL2(new Int32Array(4).fill(-1), new Int32Array(4), 0, new Float32Array(64), Int32Array.from([1, 2]), new Float32Array(16), 16, 1, new Float64Array(1), 1), /every listed row/);
  KernelPool.configure(1);
});

test('transposeRows gives xᵀ', () => {
  for (const [R, D] of [[1024, 64], [13, 8], [3, 5]]) {
    const x = randn(R * D), out = new Float32Array(R * D);
    addon.transposeRows(out, x, R, D);
    for (let r = 0; r < R; r++) for (let d = 0; d < D; d++) assert.equal(out[d * R + r], x[r * D + d], `${R}×${D} [${r}, ${d}]`);
  }
});

test('dropoutRows draws as Rng does: the same mask, the same dropped rows, the same generator state after', () => {
  for (const p of [0.1, 0.5, 0]) {
    const x = randn(1000);
    const js = new Rng(9), nat = new Rng(9);
    const keep = 1 / (1 - p);
    const mask = new Float32Array(x.length), out = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) out[k] = x[k] * (mask[k] = js.float() < p ? 0 : keep);
    const st = nat.saveState(new Uint32Array(4));
    const nMask = new Float32Array(x.length), nOut = new Float32Array(x.length);
    addon.dropoutRows(st, x, nOut, nMask, p);
    nat.loadState(st);
    assert.deepEqual(nMask, mask, `p ${p}: mask`);
    assert.deepEqual(nOut, out, `p ${p}: rows`);
    assert.equal(nat.nextU32(), js.nextU32(), `p ${p}: the generator continues where the JavaScript loop left it`);
    if (p > 0) assert.ok(Math.abs(mask.filter((m) => m === 0).length / x.length - p) < 0.06, `p ${p}: about p dropped`);
  }
  assert.throws(() => addon.dropoutRows(new Uint32Array(3), new Float32Array(4), new Float32Array(4), new Float32Array(4), 0.1), /state of 4 words/);
});

const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-native-rows-'));
after(() => fs.rmSync(runs, { recursive: true, force: true }));

for (const [name, over] of [
  ['MF-CCL with shared negatives and user dropout (the hinge rows, gather, accumulation, dropout)', { loss: { kind: 'ccl' }, sampler: { kind: 'shared', negatives: 64 } }],
  ['MF-SSM with shared negatives, logQ and user dropout (the softmax rows)', { loss: { kind: 'ssm', logQ: 'exact' }, sampler: { kind: 'shared', negatives: 64 } }],
] as const) {
  test(`training ${name}: native and wasm kernels give the same losses within float tolerance`, async () => {
    const losses: Record<string, number[]> = {};
    for (const kernels of ['native', 'wasm'] as const) {
      const config = resolveConfig({
        name: `rows-${kernels}`, seed: 8, dataset: { kind: 'synthetic', users: 200, items: 150, interactionsPerUser: 12, clusters: 4 }, ...over,
        model: { kind: 'mf', dim: 32, score: 'cosine', userDropout: 0.1 },
        optimizer: { lr: 0.01, l2: 1e-4 }, train: { epochs: 2, batchSize: 128, threads: 2, kernels, logEvery: 1 },
        eval: { every: 2, ks: [20], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: 1, popularityGroups: 0 },
      });
      const events: RunEvent[] = [];
      const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
      assert.equal(r.status, 'finished', r.reason);
      losses[kernels] = events.filter((e): e is Extract<RunEvent, { kind: 'step' }> => e.kind === 'step').map((e) => e.loss);
    }
    assert.ok(losses.native.length > 10 && losses.native.every(Number.isFinite), `${losses.native.length} steps`);
    near(losses.native, losses.wasm, 1e-4, 'step losses native vs wasm');
    KernelPool.configure(1);
  });
}
