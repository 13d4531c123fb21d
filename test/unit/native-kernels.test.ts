/**
 * The native kernels (native/src/*.c through src/engine/native/): the addon loads and sees a heap's shared memory at
 * the same address in every thread and after growth; every variant (portable C, AVX2+FMA, AVX-512 — those this CPU
 * has) of the SpMM pass, dropRows and the gemm against a plain TypeScript reference and against the wasm kernel on
 * random and edge inputs (empty rows, widths not a multiple of 8 or 16, row lists, column masks, both dropouts); the
 * portable C variant rounds as the wasm kernel and must give its floats exactly, and every variant the wasm kernel's
 * dropout masks bit for bit; the pool tasks on 1 and 2 threads; LightGCN and SSM training on native vs wasm.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { Heap } from '../../src/engine/wasm/heap';
import { instantiate } from '../../src/engine/wasm/modules';
import { KernelPool } from '../../src/engine/wasm/pool';
import type { GemmExports, SpmmExports } from '../../src/engine/wasm/tasks';
import { ADDON_FILE, nativeAddon } from '../../src/engine/native/addon';
import { nativeGemm, nativeSpmm } from '../../src/engine/native/bind';
import { findDistFile } from '../../src/engine/paths';
import { dropoutKey, dropoutThreshold, edgeDropped, messageKept } from '../../src/engine/models/dropout';
import { normalizedAdjacency } from '../../src/engine/models/graph';
import { graphBuffers } from '../../src/engine/models/spmm';
import { Rng } from '../../src/engine/rng';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { RunEvent } from '../../src/protocol/events';
import { csrFromRows } from '../fixtures/data/helpers';

const addon = nativeAddon();
const best = addon.bestIsa();
const ISAS = (['scalar', 'avx2', 'avx512'] as const).filter((i) => i === 'scalar' || (i === 'avx2' ? best !== 'scalar' : best === 'avx512'));
after(() => addon.setIsa(best as 'scalar'));

const rng = new Rng(23);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const sameBits = (got: Float32Array, want: Float32Array, what: string): void => {
  const g = bits(got), w = bits(want);
  for (let i = 0; i < w.length; i++) if (g[i] !== w[i]) assert.fail(`${what}: element ${i} is ${got[i]}, the wasm kernel's ${want[i]}`);
};
const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
};

test('the addon sees a shared WebAssembly memory at one address in every thread, also after the memory grows', async () => {
  assert.ok(['scalar', 'avx2', 'avx512'].includes(addon.isa()), addon.isa());
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const here = addon.address(new Uint8Array(memory.buffer));
  const file = findDistFile(ADDON_FILE)!;
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    const m = { exports: {} }; process.dlopen(m, workerData.file);
    parentPort.postMessage(m.exports.address(new Uint8Array(workerData.memory.buffer)));`;
  const w = new Worker(code, { eval: true, workerData: { file, memory } });
  const there = await new Promise<bigint>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  await w.terminate();
  assert.equal(there, here);
  memory.grow(64);
  assert.equal(addon.address(new Uint8Array(memory.buffer)), here);
});

test('the addon rejects arguments it cannot use: a plain array for the memory, a range outside it, a ragged width', () => {
  const heap = new Heap(65536);
  const v = new Uint8Array(heap.memory.buffer);
  assert.throws(() => addon.gemm([] as unknown as Uint8Array, 0, 4, 4, 0, 32, 0, 32, 1, 8, 1, 0), /Uint8Array/);
  assert.throws(() => addon.gemm(v, 0, 4, 4, 0, 32, v.length - 16, 32, 1, 8, 1, 0), /outside the memory/);
  assert.throws(() => addon.gemm(v, 0, 4, 4, 0, 32, 0, 32, 1, 6, 1, 0), /multiple of 8/);
  assert.throws(() => addon.spmmPass(v, 0, 0, 0, 0, 0, 0, 1, 24, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0), /multiple of 16/);
});

/** a random CSR matrix of n rows × n columns with empty rows (every third row from a random start is empty) */
function randomCsr(n: number, maxDegree: number): { indptr: Int32Array; indices: Int32Array; values: Float32Array } {
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  for (let r = 0; r < n; r++) {
    const deg = r % 3 === 1 ? 0 : rng.int(maxDegree + 1);
    for (let k = 0; k < deg; k++) idx.push(rng.int(n));
    indptr[r + 1] = idx.length;
  }
  return { indptr, indices: Int32Array.from(idx), values: Float32Array.from(idx, () => rng.normal() * 0.5) };
}

interface PassCase { list?: number[]; mask?: boolean; z?: boolean; f?: boolean; edge?: number; transpose?: boolean; message?: number }

/** the pass row by row in plain TypeScript (float64 sums): spmm.wat spmmDrop's formulas */
function passReference(a: ReturnType<typeof randomCsr>, x: Float32Array, y: Float32Array, z: Float32Array, f: Float32Array, D: number, mask: Uint8Array | null, c: PassCase, keys: number[]): void {
  const rows = c.list ?? Array.from({ length: a.indptr.length - 1 }, (_, r) => r);
  const ethr = c.edge ? dropoutThreshold(c.edge) : 0, mthr = c.message ? dropoutThreshold(c.message) : 0;
  const es = Math.fround(1 / (1 - (c.edge ?? 0))), ms = Math.fround(1 / (1 - (c.message ?? 0)));
  for (const r of rows) {
    const acc = new Float64Array(D);
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const col = a.indices[k];
      if (mask && !mask[col]) continue;
      if (ethr && (c.transpose ? edgeDropped(keys[0], col, r, ethr) : edgeDropped(keys[0], r, col, ethr))) continue;
      const w = ethr ? Math.fround(a.values[k] * es) : a.values[k];
      for (let d = 0; d < D; d++) acc[d] += w * x[col * D + d];
    }
    for (let d = 0; d < D; d++) {
      const i = r * D + d;
      let v = acc[d] + (c.z ? 0.5 * z[i] : 0);
      if (mthr) v = messageKept(keys[1], i, mthr) ? ms * v : 0;
      y[i] = v;
      if (c.f) f[i] = (f[i] + v) * 0.25;
    }
  }
}

const CASES: [string, PassCase][] = [
  ['plain', {}],
  ['fused epilogue (y += zs·z, f = (f + y)·fs)', { z: true, f: true }],
  ['a row list and a column mask', { list: [5, 0, 1, 37, 2, 4], mask: true, f: true }],
  ['edge dropout', { edge: 0.3, z: true }],
  ['transposed edge dropout and message dropout', { edge: 0.2, transpose: true, message: 0.25, f: true }],
  ['message dropout on a row list', { message: 0.5, list: [3, 9, 10, 11], z: true, f: true }],
];

for (const D of [4, 12, 20, 64, 68]) {
  test(`SpMM pass at D = ${D}: every native variant against the plain reference and the wasm kernel (${CASES.length} forms)`, () => {
    const n = 41;
    const a = randomCsr(n, 12);
    const heap = new Heap(1 << 20);
    const put = (arr: Float32Array | Int32Array | Uint8Array): number => {
      const at = heap.alloc(arr.byteLength);
      new (arr.constructor as Float32ArrayConstructor)(heap.memory.buffer, at, arr.length).set(arr as Float32Array);
      return at;
    };
    const at = { indptr: put(a.indptr), indices: put(a.indices), values: put(a.values.length ? a.values : new Float32Array(1)) };
    const x = randn(n * D), z0 = randn(n * D), f0 = randn(n * D);
    const mask = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 2 ? 0 : 1));
    const xo = put(x), maskAt = put(mask), listAt = heap.alloc(64 * 4);
    const yo = heap.alloc(n * D * 4), zo = put(z0), fo = heap.alloc(n * D * 4);
    const view = (o: number): Float32Array => heap.f32(o, n * D);
    const wasm = instantiate<SpmmExports>('spmm', heap.memory);
    const native = nativeSpmm(heap.memory, addon);
    const keys = [dropoutKey(5, 2, 1, 'edge'), dropoutKey(5, 2, 1, 'message')];
    for (const [name, c] of CASES) {
      const count = c.list ? c.list.length : n;
      if (c.list) heap.i32(listAt, c.list.length).set(c.list);
      const run = (k: SpmmExports): { y: Float32Array; f: Float32Array } => {
        view(yo).fill(7); // rows outside a list keep this
        view(fo).set(f0);
        const args = [at.indptr, at.indices, at.values, xo, yo, 0, count, D * 4, c.z ? zo : 0, 0.5, c.f ? fo : 0, 0.25] as const;
        if (c.edge || c.message) {
          k.spmmDrop(...args, keys[0], c.edge ? dropoutThreshold(c.edge) : 0, 1 / (1 - (c.edge ?? 0)), c.transpose ? 1 : 0,
            keys[1], c.message ? dropoutThreshold(c.message) : 0, 1 / (1 - (c.message ?? 0)), c.list ? listAt : 0, c.mask ? maskAt : 0);
        } else k.spmmFused(...args, c.list ? listAt : 0, c.mask ? maskAt : 0);
        return { y: view(yo).slice(), f: view(fo).slice() };
      };
      const want = run(wasm);
      const ry = new Float32Array(n * D).fill(7), rf = f0.slice();
      passReference(a, x, ry, z0, rf, D, c.mask ? mask : null, c, keys);
      near(want.y, ry, 1e-5, `wasm ${name} y`); // the reference is right about the wasm kernel too
      for (const isa of ISAS) {
        assert.ok(addon.setIsa(isa));
        const got = run(native);
        if (isa === 'scalar') {
          sameBits(got.y, want.y, `${isa} ${name} y`);
          sameBits(got.f, want.f, `${isa} ${name} f`);
        } else {
          near(got.y, ry, 1e-5, `${isa} ${name} y`);
          near(got.f, rf, 1e-5, `${isa} ${name} f`);
          // the message mask: exactly the wasm kernel's zeros
          if (c.message) for (let i = 0; i < n * D; i++) assert.equal(got.y[i] === 0, want.y[i] === 0, `${isa} ${name}: message mask at ${i}`);
        }
      }
    }
    // the plain forms (spmm of any width, spmm64 at D = 64) are the pass without epilogue
    for (const isa of ISAS) {
      assert.ok(addon.setIsa(isa));
      view(yo).fill(7);
      if (D === 64) native.spmm64(at.indptr, at.indices, at.values, xo, yo, 0, n);
      else native.spmm(at.indptr, at.indices, at.values, xo, yo, 0, n, D * 4);
      const ry = new Float32Array(n * D);
      passReference(a, x, ry, z0, f0.slice(), D, null, {}, keys);
      near(view(yo), ry, 1e-5, `${isa} spmm`);
    }
    addon.setIsa(best as 'scalar');
  });
}

test('dropRows: every native variant gives the wasm kernel\'s floats exactly (message masks bit for bit)', () => {
  const heap = new Heap(1 << 20);
  const wasm = instantiate<SpmmExports>('spmm', heap.memory), native = nativeSpmm(heap.memory, addon);
  for (const D of [4, 12, 64, 68]) {
    const n = 37, x = randn(n * D), xo = heap.alloc(n * D * 4), buf = heap.f32(xo, n * D);
    const key = dropoutKey(9, 4, 2, 'message'), thr = dropoutThreshold(0.3);
    buf.set(x);
    wasm.dropRows(xo, 3, 30, D * 4, key, thr, 1 / 0.7);
    const want = buf.slice();
    for (const isa of ISAS) {
      assert.ok(addon.setIsa(isa));
      buf.set(x);
      native.dropRows(xo, 3, 30, D * 4, key, thr, 1 / 0.7);
      sameBits(buf, want, `${isa} dropRows D = ${D}`);
    }
    let dropped = 0;
    for (let i = 3 * D; i < 30 * D; i++) dropped += +(want[i] === 0);
    assert.ok(dropped > 0.2 * 27 * D && dropped < 0.4 * 27 * D, `dropped ${dropped} of ${27 * D} at p = 0.3`);
  }
  addon.setIsa(best as 'scalar');
});

test('gemm: every native variant against a float64 product and the wasm kernel (plain, transposed and strided A, tails, K = 0, M = 0, acc)', () => {
  const heap = new Heap(1 << 22);
  const wasm = instantiate<GemmExports>('gemm', heap.memory), native = nativeGemm(heap.memory, addon);
  for (const [M, N, K] of [[0, 8, 3], [1, 8, 1], [5, 24, 7], [6, 16, 64], [7, 40, 3], [9, 64, 33], [13, 72, 0], [33, 8, 17], [17, 1024, 64]]) {
    for (const form of ['plain', 'transposed', 'strided'] as const) {
      for (const acc of [0, 1]) {
        // A(i, k): plain [M × K]; transposed: stored [K × M]; strided: [M × (K + 3)]
        const lda = form === 'strided' ? K + 3 : form === 'plain' ? K : M;
        const A = randn(Math.max(1, form === 'transposed' ? K * M : M * lda)), B = randn(Math.max(1, K * N)), C0 = randn(Math.max(1, M * N));
        const [ao, bo, co] = [A, B, C0].map((arr) => { const o = heap.alloc(arr.byteLength); heap.f32(o, arr.length).set(arr); return o; });
        const ai = form === 'transposed' ? 4 : lda * 4, ak = form === 'transposed' ? M * 4 : 4;
        const ref = new Float64Array(M * N);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let s = acc ? C0[i * N + j] : 0;
            for (let k = 0; k < K; k++) s += (form === 'transposed' ? A[k * M + i] : A[i * lda + k]) * B[k * N + j];
            ref[i * N + j] = s;
          }
        }
        const C = heap.f32(co, M * N);
        C.set(C0.subarray(0, M * N));
        wasm.gemm(ao, ai, ak, bo, N * 4, co, N * 4, M, N, K, acc);
        const want = C.slice();
        for (const isa of ISAS) {
          assert.ok(addon.setIsa(isa));
          C.set(C0.subarray(0, M * N));
          native.gemm(ao, ai, ak, bo, N * 4, co, N * 4, M, N, K, acc);
          const what = `${isa} ${M}×${N}×${K} ${form} acc=${acc}`;
          if (isa === 'scalar') sameBits(C, want, what);
          else near(C, ref, 2e-5 * Math.sqrt(K + 1), what);
        }
      }
    }
  }
  addon.setIsa(best as 'scalar');
});

test('the pool tasks on native kernels: 1 and 2 threads give the same floats, and agree with wasm (SpMM passes, gemm with kc chunks)', () => {
  const rows: number[][] = Array.from({ length: 400 }, (_, u) => Array.from({ length: u % 7 === 3 ? 0 : 1 + rng.int(20) }, () => rng.int(300)));
  const adj = normalizedAdjacency(csrFromRows(rows.map((r) => [...new Set(r)]), 300));
  const D = 64, n = adj.nodes;
  const x = randn(n * D), z = randn(n * D);
  const drop = { edgeKey: dropoutKey(3, 1, 1, 'edge'), edgeThr: dropoutThreshold(0.1), edgeScale: 1 / 0.9, transpose: true, msgKey: dropoutKey(3, 1, 1, 'message'), msgThr: dropoutThreshold(0.1), msgScale: 1 / 0.9 };
  const results: Record<string, Float32Array[]> = {};
  for (const [kernels, threads] of [['native', 1], ['native', 2], ['wasm', 1]] as const) {
    KernelPool.configure(threads, kernels);
    const g = graphBuffers(adj, D, 3);
    const [bx, by, bf] = g.buffers;
    bx.set(x);
    g.spmm(bx, by);
    const plain = by.slice();
    bf.set(z);
    g.spmmFused(bx, by, bf, 0.5, bf, 0.25);
    const fused = bf.slice();
    g.rowList.set([7, 1, 0, 455, 2, 3]);
    g.columnMask.fill(1);
    g.spmmDrop(bx, by, null, 0, null, 0, drop, 6, true);
    const dropped = by.slice();
    // the gemm task: C = A·B with A read down its columns in kc = 16 chunks
    const heap = g.heap!;
    const M = 70, N = 64, K = 50;
    const A = heap.alloc(K * M * 4), B = heap.alloc(K * N * 4), C = heap.alloc(M * N * 4);
    heap.f32(A, K * M).set(x.subarray(0, K * M));
    heap.f32(B, K * N).set(z.subarray(0, K * N));
    KernelPool.get().run('gemm', heap, [A, 4, M * 4, B, N * 4, C, N * 4, M, N, K, 0, 16]);
    results[`${kernels}/${threads}`] = [plain, fused, dropped, heap.f32(C, M * N).slice()];
  }
  const [one, two, wasm] = [results['native/1'], results['native/2'], results['wasm/1']];
  ['Â·x', 'fused', 'dropout on a row list', 'gemm'].forEach((what, i) => {
    sameBits(two[i], one[i], `native 2 threads vs 1: ${what}`);
    near(one[i], wasm[i], 1e-5, `native vs wasm: ${what}`);
  });
  KernelPool.configure(1);
});

test('train.kernels: the schema takes native and wasm (default native) and nothing else; run.json records it', async () => {
  assert.equal(resolveConfig({ name: 'k', dataset: { kind: 'synthetic', users: 10, items: 10 } }).train.kernels, 'native');
  assert.equal(resolveConfig({ name: 'k', dataset: { kind: 'synthetic', users: 10, items: 10 }, train: { kernels: 'wasm' } }).train.kernels, 'wasm');
  assert.throws(() => resolveConfig({ name: 'k', dataset: { kind: 'synthetic', users: 10, items: 10 }, train: { kernels: 'avx' } }), /train\.kernels.*"native", "wasm"/);
});

const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-native-'));
after(() => fs.rmSync(runs, { recursive: true, force: true }));

for (const [name, over] of [
  ['LightGCN-2 + BPR (the SpMM passes)', { model: { kind: 'lightgcn', layers: 2, dim: 64 }, loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 } }],
  ['LightGCN-2 + SSM with shared negatives and dropout (SpMM and the fused step\'s gemm)', { model: { kind: 'lightgcn', layers: 2, dim: 64, score: 'cosine', messageDropout: 0.1, edgeDropout: 0.1 }, loss: { kind: 'ssm' }, sampler: { kind: 'shared', negatives: 64 } }],
  ['MF + SSM with shared negatives (the fused step\'s gemm)', { model: { kind: 'mf', dim: 64, score: 'cosine' }, loss: { kind: 'ssm' }, sampler: { kind: 'shared', negatives: 128 } }],
] as const) {
  test(`training ${name}: native and wasm kernels give the same losses within float tolerance, and run.json says which ran`, async () => {
    const losses: Record<string, number[]> = {};
    for (const kernels of ['native', 'wasm'] as const) {
      const config = resolveConfig({
        name: `k-${kernels}`, seed: 5, dataset: { kind: 'synthetic', users: 200, items: 150, interactionsPerUser: 12, clusters: 4 }, ...over,
        optimizer: { lr: 0.01, l2: 1e-4 }, train: { epochs: 2, batchSize: 128, threads: 2, kernels, logEvery: 1 },
        eval: { every: 2, ks: [20], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: 1, popularityGroups: 0 },
      });
      const events: RunEvent[] = [];
      const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
      assert.equal(r.status, 'finished', r.reason);
      assert.equal(JSON.parse(fs.readFileSync(path.join(r.runDir, 'run.json'), 'utf8')).kernels, kernels);
      losses[kernels] = events.filter((e): e is Extract<RunEvent, { kind: 'step' }> => e.kind === 'step').map((e) => e.loss);
    }
    assert.ok(losses.native.length > 10 && losses.native.every(Number.isFinite), `${losses.native.length} steps`);
    near(losses.native, losses.wasm, 1e-4, 'step losses native vs wasm');
    KernelPool.configure(1);
  });
}

test('a missing or unloadable addon fails the run loudly, naming the cause and train.kernels; train.kernels = "wasm" still trains', () => {
  // a copy of the built dist/ without the addon, run as the CLI runs (RECLAB_ROOT unset: only the copy is searched)
  const root = process.env.RECLAB_ROOT!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-nonative-'));
  try {
    const dist = path.join(tmp, 'dist');
    fs.cpSync(path.join(root, 'dist'), dist, { recursive: true, filter: (src) => !src.endsWith('.map') && path.basename(src) !== 'native' });
    const config = path.join(tmp, 'tiny.reclab.json');
    fs.writeFileSync(config, JSON.stringify({
      name: 'tiny', dataset: { kind: 'synthetic', users: 60, items: 40, interactionsPerUser: 6 }, model: { kind: 'lightgcn', layers: 1, dim: 8 },
      loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 }, train: { epochs: 1, batchSize: 64, threads: 1 }, eval: { workers: 1, ks: [5], selectMetric: 'recall@5' },
    }));
    const env = { ...process.env, RECLAB_ROOT: '' };
    const cli = (...extra: string[]) => spawnSync(process.execPath, [path.join(dist, 'cli.js'), 'train', config, '--runs-dir', path.join(tmp, 'runs'), '--quiet', ...extra], { encoding: 'utf8', env });
    const missing = cli();
    assert.notEqual(missing.status, 0, 'a run without the addon fails');
    assert.match(missing.stdout + missing.stderr, /train\.kernels = "native".*dist\/native\/reclab-kernels\.node is missing.*"wasm"/s);
    fs.mkdirSync(path.join(dist, 'native'));
    fs.writeFileSync(path.join(dist, 'native', 'reclab-kernels.node'), 'not a shared object');
    const broken = cli();
    assert.notEqual(broken.status, 0, 'a run with an unloadable addon fails');
    assert.match(broken.stdout + broken.stderr, /train\.kernels = "native".*failed to load from .*reclab-kernels\.node/s);
    const wasm = cli('--set', 'train.kernels=wasm');
    assert.equal(wasm.status, 0, wasm.stdout + wasm.stderr);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
