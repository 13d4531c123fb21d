/**
 * LightGCN as a backbone (algorithms.md §0): the normalised adjacency and the propagation against dense float64
 * references on small graphs (isolated items, users without items, 0–3 layers), the sparse product against a dense
 * one (random graphs, empty rows, widths that are not a multiple of 4), the whole step's gradient — through the final
 * embeddings, the hop sources of synthesised negatives and the ego L2 — against finite differences of an independent
 * float64 objective, and LightGCN with 0 layers = MF.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { LightGcnModel } from '../../src/engine/models/lightgcn';
import { MfModel } from '../../src/engine/models/mf';
import { normalizedAdjacency, spmmReference } from '../../src/engine/models/graph';
import { backboneSpec } from '../../src/engine/models/registry';
import { graphBuffers } from '../../src/engine/models/spmm';
import { KernelPool } from '../../src/engine/wasm/pool';
import { createStep } from '../../src/engine/step/step';
import { initBackend } from '../../src/engine/tensor/backend';
import { bpr } from '../../src/engine/losses/bpr';
import { ssm } from '../../src/engine/losses/ssm';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';
import type { Interactions } from '../../src/engine/data/types';
import { csrFromRows } from '../fixtures/data/helpers';
import { dropoutKey, dropoutThreshold, edgeDropped, messageKept } from '../../src/engine/models/dropout';

/** the label graphBuffers gives its kernel path: the pool's kernels (native C where the addon loads, else WebAssembly) */
const kernelEngine = () => (KernelPool.get().kernels === 'native' ? 'native' : 'wasm-simd');

before(async () => {
  await initBackend('auto');
});

/** users 0..4 × items 0..6: user 3 has no items, item 6 has no users, user 4 has one */
const rows = [[0, 1, 2], [1, 3], [0, 2, 4, 5], [], [5]];
const nItems = 7;
const graph = (): Interactions => csrFromRows(rows, nItems);

/** dense Â in float64 from the definition */
function denseAdjacency(r: number[][], nI: number): Float64Array[] {
  const nU = r.length, n = nU + nI;
  const A = Array.from({ length: n }, () => new Float64Array(n));
  r.forEach((items, u) => items.forEach((i) => { A[u][nU + i] = 1; A[nU + i][u] = 1; }));
  const deg = A.map((row) => row.reduce((s, v) => s + v, 0));
  return A.map((row, a) => row.map((v, b) => (v ? v / Math.sqrt(deg[a] * deg[b]) : 0)));
}

function denseMul(A: Float64Array[], X: Float64Array, D: number): Float64Array {
  const n = A.length, Y = new Float64Array(n * D);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (A[a][b]) for (let d = 0; d < D; d++) Y[a * D + d] += A[a][b] * X[b * D + d];
  return Y;
}

/** the dropout of one training propagation (LightGcnModel.dropoutMasks) */
interface Masks { seed: number; step: number; edge: number; message: number }

/**
 * hop l with dropout, from the definition: M_l ⊙ ((Â ⊙ N_l)·X)/((1 − p_edge)(1 − p_msg)), N_l and M_l the Bernoulli
 * masks of the given propagation (models/dropout.ts)
 */
function denseDropHop(A: Float64Array[], X: Float64Array, D: number, l: number, m: Masks): Float64Array {
  const ek = dropoutKey(m.seed, m.step, l, 'edge'), et = dropoutThreshold(m.edge);
  const Al = A.map((row, r) => row.map((v, c) => (v && !(et && edgeDropped(ek, r, c, et)) ? v / (1 - m.edge) : 0)));
  const P = denseMul(Al, X, D);
  const mk = dropoutKey(m.seed, m.step, l, 'message'), mt = dropoutThreshold(m.message);
  return mt ? P.map((v, i) => (messageKept(mk, i, mt) ? v / (1 - m.message) : 0)) : P;
}

type Pooling = 'mean' | 'sum' | 'concat' | 'final';

/**
 * final = mean_{l=0..L} Â^l E0 (pooling "sum": the sum; "concat": [hop 0 | … | hop L] row by row; "final": hop L),
 * and each hop (with masks: the dropped hops)
 */
function denseForward(A: Float64Array[], E0: Float64Array, D: number, L: number, pooling: Pooling = 'mean', masks?: Masks | null): { final: Float64Array; hops: Float64Array[] } {
  const hops = [E0];
  for (let l = 1; l <= L; l++) hops.push(masks ? denseDropHop(A, hops[l - 1], D, l, masks) : denseMul(A, hops[l - 1], D));
  const final = new Float64Array(E0.length);
  if (pooling === 'final') return { final: hops[L], hops };
  if (pooling === 'concat') {
    const n = E0.length / D, W = D * (L + 1);
    const final = new Float64Array(n * W);
    for (let r = 0; r < n; r++) for (let l = 0; l <= L; l++) for (let d = 0; d < D; d++) final[r * W + l * D + d] = hops[l][r * D + d];
    return { final, hops };
  }
  const w = pooling === 'sum' ? 1 : 1 / (L + 1);
  for (const h of hops) for (let k = 0; k < h.length; k++) final[k] += h[k] * w;
  return { final, hops };
}

const modelCfg = (layers: number, score: 'dot' | 'cosine' = 'dot', D = 3, pooling: Pooling = 'mean', drop?: { edge: number; message: number }): ModelConfig => ({
  kind: 'lightgcn', layers, pooling, dim: D, score, evalScore: 'same', init: { dist: 'normal', std: 0.5 }, userDropout: 0, fastPath: true,
  ...(drop ? { edgeDropout: drop.edge, messageDropout: drop.message } : {}),
});
const sgd = (l2: number): OptimizerConfig => ({ kind: 'sgd', lr: 1, l2, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: true });

test('the normalised adjacency is D^-1/2 A D^-1/2 of [[0,R],[Rᵀ,0]]: symmetric, no self-loops, empty rows for isolated nodes', () => {
  const a = normalizedAdjacency(graph());
  const ref = denseAdjacency(rows, nItems);
  assert.equal(a.nodes, 12);
  for (let r = 0; r < a.nodes; r++) {
    const dense = new Float64Array(a.nodes);
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      assert.ok(k === a.indptr[r] || a.indices[k] > a.indices[k - 1], 'columns sorted');
      dense[a.indices[k]] = a.values[k];
    }
    for (let c = 0; c < a.nodes; c++) assert.ok(Math.abs(dense[c] - ref[r][c]) < 1e-7, `Â[${r}][${c}] ${dense[c]} vs ${ref[r][c]}`);
  }
  assert.equal(a.indptr[4] - a.indptr[3], 0, 'user 3 has no items: empty row');
  assert.equal(a.indptr[12] - a.indptr[11], 0, 'item 6 has no users: empty row');
});

test('Â·X (plain reference) = the dense product on random graphs with empty rows, for widths 1, 3, 4, 7, 64', () => {
  const rng = new Rng(5);
  for (const [nU, nI, density] of [[30, 20, 0.1], [7, 50, 0.3], [40, 3, 0.05]] as const) {
    const r = Array.from({ length: nU }, () => Array.from({ length: nI }, (_, i) => i).filter(() => rng.float() < density));
    const a = normalizedAdjacency(csrFromRows(r, nI));
    const A = denseAdjacency(r, nI);
    for (const D of [1, 3, 4, 7, 64]) {
      const X = Float32Array.from({ length: (nU + nI) * D }, () => rng.normal());
      const Y = new Float32Array(X.length).fill(Number.NaN); // every row is written, empty ones with 0
      spmmReference(a, X, Y, D);
      const ref = denseMul(A, Float64Array.from(X), D);
      for (let k = 0; k < Y.length; k++) assert.ok(Math.abs(Y[k] - ref[k]) < 1e-5, `D=${D} [${k}] ${Y[k]} vs ${ref[k]}`);
    }
  }
});

test('the SpMM kernel = the plain reference: random graphs with empty rows, D = 4, 8, 12, 64, NaN and ±Inf; 1 and 2 threads equal', () => {
  const rng = new Rng(23);
  const cases: { g: ReturnType<typeof graphBuffers>; x: Float32Array; y: Float32Array }[] = [];
  for (const [nU, nI, density] of [[60, 45, 0.08], [5, 200, 0.4], [300, 7, 0.02]] as const) {
    const r = Array.from({ length: nU }, () => Array.from({ length: nI }, (_, i) => i).filter(() => rng.float() < density));
    const a = normalizedAdjacency(csrFromRows(r, nI));
    for (const D of [4, 8, 12, 64]) {
      const g = graphBuffers(a, D, 3);
      assert.equal(g.engine, kernelEngine());
      const [x, y] = g.buffers;
      x.set(Float32Array.from({ length: x.length }, () => rng.normal()));
      x[D + 1] = Number.NaN;
      x[2 * D] = Number.POSITIVE_INFINITY;
      const ref = new Float32Array(x.length);
      spmmReference(a, x, ref, D);
      y.fill(7);
      g.spmm(x, y);
      for (let k = 0; k < y.length; k++) assert.ok(Object.is(y[k], ref[k]) || Math.abs(y[k] - ref[k]) <= 1e-6 * Math.max(1, Math.abs(ref[k])), `D=${D} [${k}] ${y[k]} vs ${ref[k]}`);
      cases.push({ g, x, y: y.slice() });
    }
  }
  // 2 threads (rows shared by non-zeros): the same bits as 1
  KernelPool.configure(2);
  try {
    for (const { g, x, y } of cases) {
      const z = g.buffers[2];
      z.fill(-1);
      g.spmm(x, z);
      for (let k = 0; k < z.length; k++) assert.ok(Object.is(z[k], y[k]), `2 threads [${k}] ${z[k]} vs ${y[k]}`);
    }
  } finally {
    KernelPool.configure(1);
  }
  assert.equal(graphBuffers(normalizedAdjacency(graph()), 3, 1).engine, 'reference', 'widths that are not a multiple of 4 use the reference');
});

test('the fused SpMM pass (y = Â·x; y += zs·z; f = (f + y)·fs) = the reference product and loops, kernel and reference engines, 1 and 2 threads', () => {
  const rng = new Rng(29);
  const r = Array.from({ length: 40 }, () => Array.from({ length: 30 }, (_, i) => i).filter(() => rng.float() < 0.1));
  const a = normalizedAdjacency(csrFromRows(r, 30));
  for (const D of [8, 64, 3]) {
    const expected = (x: Float32Array, z: Float32Array | null, zs: number, f: Float32Array | null, fs: number): [Float64Array, Float64Array | null] => {
      const y = new Float32Array(x.length);
      spmmReference(a, x, y, D);
      const y64 = Float64Array.from(y, (v, k) => v + (z ? zs * z[k] : 0));
      return [y64, f ? Float64Array.from(f, (v, k) => (v + y64[k]) * fs) : null];
    };
    for (const threads of [1, 2]) {
      KernelPool.configure(threads);
      try {
        const g = graphBuffers(a, D, 4);
        assert.equal(g.engine, D % 4 === 0 ? kernelEngine() : 'reference');
        const [x, y, z, f] = g.buffers;
        for (const b of [x, z, f]) b.set(Float32Array.from({ length: b.length }, () => rng.normal()));
        for (const [useZ, useF] of [[true, false], [false, true], [true, true], [false, false]]) {
          const f0 = f.slice();
          const [ey, ef] = expected(x, useZ ? z : null, 0.5, useF ? f0 : null, 0.25);
          y.fill(3);
          g.spmmFused(x, y, useZ ? z : null, 0.5, useF ? f : null, 0.25);
          for (let k = 0; k < y.length; k++) assert.ok(Math.abs(y[k] - ey[k]) <= 1e-5, `D=${D} T=${threads} z=${useZ} f=${useF} y[${k}] ${y[k]} vs ${ey[k]}`);
          if (ef) for (let k = 0; k < f.length; k++) assert.ok(Math.abs(f[k] - ef[k]) <= 1e-5, `D=${D} T=${threads} f[${k}] ${f[k]} vs ${ef[k]}`);
          else assert.deepEqual(f, f0, 'f untouched without it');
        }
      } finally {
        KernelPool.configure(1);
      }
    }
  }
});

test('the fused SpMM pass over listed rows and with masked-out zero columns = the full pass, kernel and reference engines, 1 and 2 threads', () => {
  const rng = new Rng(31);
  const r = Array.from({ length: 50 }, () => Array.from({ length: 40 }, (_, i) => i).filter(() => rng.float() < 0.1));
  const a = normalizedAdjacency(csrFromRows(r, 40));
  for (const D of [8, 64, 3]) {
    for (const threads of [1, 2]) {
      KernelPool.configure(threads);
      try {
        const g = graphBuffers(a, D, 9);
        const [x, y, z, f, yFull, fFull, fMasked, fListed] = g.buffers;
        // x is zero except on a few rows, the ones the mask keeps
        const live = new Set(Array.from({ length: 9 }, () => rng.int(a.nodes)));
        x.fill(0);
        for (const v of live) for (let d = 0; d < D; d++) x[v * D + d] = rng.normal();
        z.set(Float32Array.from({ length: z.length }, () => rng.normal()));
        f.set(Float32Array.from({ length: f.length }, () => rng.normal()));
        fFull.set(f);
        g.spmmFused(x, yFull, z, 0.5, fFull, 0.25);
        // every row, masked: the same numbers bit for bit
        for (const v of live) g.columnMask[v] = 1;
        fMasked.set(f);
        g.spmmFused(x, y, z, 0.5, fMasked, 0.25, 0, true);
        g.columnMask.fill(0);
        y.forEach((v, k) => assert.ok(Object.is(v, yFull[k]), `D=${D} T=${threads} masked y[${k}] ${v} vs ${yFull[k]}`));
        fMasked.forEach((v, k) => assert.ok(Object.is(v, fFull[k]), `D=${D} T=${threads} masked f[${k}]`));
        // listed rows only (out of order, both kinds of node): those rows as the full pass, the others untouched
        const listed = [a.nodes - 1, 3, 17, 60, 0, 42];
        g.rowList.set(listed);
        y.fill(7);
        fListed.set(f);
        g.spmmFused(x, y, z, 0.5, fListed, 0.25, listed.length);
        for (let v = 0; v < a.nodes; v++) {
          for (let d = 0; d < D; d++) {
            const k = v * D + d;
            if (listed.includes(v)) {
              assert.ok(Object.is(y[k], yFull[k]), `D=${D} T=${threads} listed y[${k}]`);
              assert.ok(Object.is(fListed[k], fFull[k]), `D=${D} T=${threads} listed f[${k}]`);
            } else {
              assert.equal(y[k], 7, `D=${D} T=${threads} unlisted y[${k}] untouched`);
              assert.equal(fListed[k], f[k], `D=${D} T=${threads} unlisted f[${k}] untouched`);
            }
          }
        }
      } finally {
        KernelPool.configure(1);
      }
    }
  }
});

test('the batch-row shortcuts (last layer for the batch rows only, backward\'s first product over the batch\'s columns) train bit for bit like every row; evaluation sees every row', () => {
  const rng0 = new Rng(5);
  const nU = 120, nI = 90;
  const r = Array.from({ length: nU }, () => Array.from({ length: nI }, (_, i) => i).filter(() => rng0.float() < 0.06));
  const data = csrFromRows(r, nI);
  const adam: OptimizerConfig = { kind: 'adam', lr: 0.05, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: false };
  const bprLoss = bpr.create({ form: 'mean', reduction: 'mean' });
  const ssmLoss = ssm.create({ reduction: 'mean', logQ: 'none', logQAlpha: 0.01 });
  const cases = [
    ['auto', 8, 'cosine', 'mean', undefined], ['auto', 64, 'dot', 'mean', undefined], ['reference', 3, 'dot', 'mean', undefined],
    // dropout: the completed rows and the masked product use the same masks as one full pass
    ['auto', 8, 'dot', 'mean', { edge: 0.2, message: 0.1 }], ['reference', 4, 'cosine', 'sum', { edge: 0.1, message: 0.3 }],
    // the other poolings: final (the last hop is the final embedding), concat (every row, its table is a copy)
    ['auto', 8, 'dot', 'final', undefined], ['auto', 8, 'cosine', 'concat', { edge: 0, message: 0.1 }],
  ] as const;
  for (const [engine, D, score, pooling, drop] of cases) {
    for (const threads of [1, 2]) {
      KernelPool.configure(threads);
      try {
        const run = (everyRow: boolean): { ego: Float32Array; evalUsers: Float32Array; losses: number[] } => {
          const cfg = modelCfg(3, score, D, pooling, drop);
          const m = new LightGcnModel(data, cfg, adam, new Rng(4), engine);
          m.everyRow = everyRow;
          const step = createStep(m, cfg, adam);
          const rng = new Rng(8);
          const losses: number[] = [];
          for (let s = 0; s < 6; s++) {
            const users = Int32Array.from({ length: 7 }, () => rng.int(nU));
            const pos = Int32Array.from({ length: 7 }, () => rng.int(nI));
            const negs = Int32Array.from({ length: 5 }, () => rng.int(nI));
            const shared = s % 2 === 1 && D % 8 === 0;
            const batch = shared
              ? { users, pos, positivesPerRow: 1, neg: { layout: 'shared' as const, items: negs } }
              : { users, pos, positivesPerRow: 1, neg: { layout: 'per-row' as const, n: 1, items: Int32Array.from(users, () => rng.int(nI)) } };
            losses.push(step.run(batch, shared ? ssmLoss : bprLoss, { tau: 0.5 }, rng).loss);
          }
          return { ego: Float32Array.from([...m.users.data, ...m.items.data]), evalUsers: m.evalEmbeddings().users.slice(), losses };
        };
        const fast = run(false);
        const every = run(true);
        const at = `${engine} D=${D} ${pooling} drop=${JSON.stringify(drop)} T=${threads}`;
        fast.losses.forEach((v, k) => assert.ok(Object.is(v, every.losses[k]), `${at} loss ${k}: ${v} vs ${every.losses[k]}`));
        fast.ego.forEach((v, k) => assert.ok(Object.is(v, every.ego[k]), `${at} ego[${k}] ${v} vs ${every.ego[k]}`));
        fast.evalUsers.forEach((v, k) => assert.ok(Object.is(v, every.evalUsers[k]), `${at} evaluation embedding [${k}]`));
      } finally {
        KernelPool.configure(1);
      }
    }
  }
});

test('after a forward for the batch rows, a forward without rows completes the last layer: the same embeddings (and dropout masks) as one full pass', () => {
  const rng0 = new Rng(6);
  const nU = 80, nI = 70;
  const r = Array.from({ length: nU }, () => Array.from({ length: nI }, (_, i) => i).filter(() => rng0.float() < 0.07));
  const data = csrFromRows(r, nI);
  for (const [engine, D, drop] of [['auto', 8, undefined], ['auto', 8, { edge: 0.2, message: 0.1 }], ['reference', 3, { edge: 0.1, message: 0.2 }]] as const) {
    const cfg = modelCfg(2, 'dot', D, 'mean', drop);
    const partial = new LightGcnModel(data, cfg, sgd(0), new Rng(2), engine);
    const full = new LightGcnModel(data, cfg, sgd(0), new Rng(2), engine);
    const need = { users: Int32Array.of(3, 9, 3), items: [Int32Array.of(1, 5), Int32Array.of(60)] };
    const p = partial.forward(need);
    const f = full.forward();
    const at = `${engine} D=${D} drop=${JSON.stringify(drop)}`;
    // the needed rows are right at once
    for (const u of need.users) for (let d = 0; d < D; d++) assert.ok(Object.is(p.users.data[u * D + d], f.users.data[u * D + d]), at);
    for (const i of [1, 5, 60]) for (let d = 0; d < D; d++) assert.ok(Object.is(p.items.data[i * D + d], f.items.data[i * D + d]), at);
    // rows it already has: no more work; others: the rest of the layer
    assert.equal(partial.forward({ users: Int32Array.of(9), items: [] }), p);
    const all = partial.forward();
    all.users.data.forEach((v, k) => assert.ok(Object.is(v, f.users.data[k]), `${at} users[${k}]`));
    all.items.data.forEach((v, k) => assert.ok(Object.is(v, f.items.data[k]), `${at} items[${k}]`));
    assert.equal(partial.propagations, 1, 'completing is not a new propagation');
  }
});

test('LightGCN with Adam on the kernel (ego table, moments and gradient in the graph heap) trains like the plain path, 1 and 2 threads alike', () => {
  const D = 8;
  const opt: OptimizerConfig = { kind: 'adam', lr: 0.05, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: false };
  const train = (engine: 'auto' | 'reference', threads: number): Float32Array => {
    KernelPool.configure(threads);
    try {
      const m = new LightGcnModel(graph(), modelCfg(2, 'dot', D), opt, new Rng(4), engine);
      assert.equal(m.spmmEngine, engine === 'auto' ? kernelEngine() : 'reference');
      const step = createStep(m, modelCfg(2, 'dot', D), opt);
      const loss = bpr.create({ form: 'mean', reduction: 'mean' });
      const rng = new Rng(8);
      for (let s = 0; s < 5; s++) {
        const users = Int32Array.from({ length: 6 }, () => rng.int(5));
        const pos = Int32Array.from({ length: 6 }, () => rng.int(nItems));
        const neg = Int32Array.from({ length: 6 }, () => rng.int(nItems));
        step.run({ users, pos, positivesPerRow: 1, neg: { layout: 'per-row', n: 1, items: neg } }, loss, { tau: 1 }, rng);
      }
      return Float32Array.from([...m.users.data, ...m.items.data]);
    } finally {
      KernelPool.configure(1);
    }
  };
  const plain = train('reference', 1);
  const kernel1 = train('auto', 1);
  const kernel2 = train('auto', 2);
  plain.forEach((v, k) => assert.ok(Math.abs(v - kernel1[k]) < 1e-5, `ego[${k}] kernel ${kernel1[k]} vs plain ${v}`));
  kernel1.forEach((v, k) => assert.ok(Object.is(v, kernel2[k]), `ego[${k}] 2 threads ${kernel2[k]} vs 1 thread ${v}`));
});

for (const L of [0, 1, 2, 3]) {
  test(`forward with ${L} layers = mean of Â^l·E0 (dense reference), hops exposed as sources, propagated once per parameter change`, () => {
    const D = 3;
    const m = new LightGcnModel(graph(), modelCfg(L, 'dot', D), sgd(0), new Rng(1));
    const E0 = new Float64Array([...m.users.data, ...m.items.data]);
    const ref = denseForward(denseAdjacency(rows, nItems), E0, D, L);
    const s = m.forward();
    const got = [...s.users.data, ...s.items.data];
    got.forEach((v, k) => assert.ok(Math.abs(v - ref.final[k]) < 1e-6, `final[${k}] ${v} vs ${ref.final[k]}`));
    for (let l = 0; l <= L; l++) {
      const h = [...s[`users@${l}`].data, ...s[`items@${l}`].data];
      h.forEach((v, k) => assert.ok(Math.abs(v - ref.hops[l][k]) < 1e-6, `hop ${l}[${k}]`));
    }
    if (L > 0) {
      // an isolated node keeps only its layer-0 share: final = e0 / (L + 1)
      for (let d = 0; d < D; d++) assert.ok(Math.abs(s.users.data[3 * D + d] - m.users.data[3 * D + d] / (L + 1)) < 1e-7);
    }
    m.forward();
    m.score(Int32Array.of(0), Int32Array.of(1, 2), 2);
    m.evalEmbeddings();
    assert.equal(m.propagations, 1, 'cached until the parameters change');
    m.load({ users: m.users.data.slice(), items: m.items.data.slice() });
    m.forward();
    assert.equal(m.propagations, 2, 'load invalidates the propagated embeddings');
  });
}

test('model.pooling "sum": final = Σ_l Â^l·E0 (dense reference), hops unchanged, labelled', () => {
  const D = 3;
  const m = new LightGcnModel(graph(), modelCfg(2, 'dot', D, 'sum'), sgd(0), new Rng(1));
  const E0 = new Float64Array([...m.users.data, ...m.items.data]);
  const ref = denseForward(denseAdjacency(rows, nItems), E0, D, 2, 'sum');
  const s = m.forward();
  [...s.users.data, ...s.items.data].forEach((v, k) => assert.ok(Math.abs(v - ref.final[k]) < 1e-6, `final[${k}] ${v} vs ${ref.final[k]}`));
  // an isolated node keeps its whole layer-0 embedding
  for (let d = 0; d < D; d++) assert.ok(Math.abs(s.users.data[3 * D + d] - m.users.data[3 * D + d]) < 1e-7);
  assert.equal(backboneSpec('lightgcn').label(modelCfg(2, 'dot', D, 'sum')), 'LightGCN-2 (sum)');
});

for (const [D, L, drop] of [[3, 2, { edge: 0.3, message: 0.2 }], [4, 3, { edge: 0, message: 0.5 }], [8, 2, { edge: 0.4, message: 0 }], [64, 3, { edge: 0.2, message: 0.1 }]] as const) {
  test(`dropout ${JSON.stringify(drop)}, D=${D}, ${L} layers: training hops = the dense masked reference, evaluation without dropout, new masks every propagation`, () => {
    const m = new LightGcnModel(graph(), modelCfg(L, 'dot', D, 'mean', drop), sgd(0), new Rng(2));
    assert.equal(m.spmmEngine, D % 4 === 0 ? kernelEngine() : 'reference');
    const A = denseAdjacency(rows, nItems);
    const E0 = new Float64Array([...m.users.data, ...m.items.data]);
    const s = m.forward();
    const masks = m.dropoutMasks()!;
    assert.equal(masks.step, 1);
    const ref = denseForward(A, E0, D, L, 'mean', masks);
    const close = (got: ArrayLike<number>, want: Float64Array, what: string): void => {
      for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[k] - want[k]) < 1e-5 * Math.max(1, Math.abs(want[k])), `${what}[${k}] ${got[k]} vs ${want[k]}`);
    };
    close([...s.users.data, ...s.items.data], ref.final, 'final');
    for (let l = 1; l <= L; l++) close([...s[`users@${l}`].data, ...s[`items@${l}`].data], ref.hops[l], `hop ${l}`);
    const train1 = [...s.users.data, ...s.items.data];
    m.forward();
    assert.equal(m.propagations, 1, 'cached until the parameters change');
    // evaluation: the plain propagation (no masks), once; the next training forward draws new masks
    const e = m.evalEmbeddings();
    close([...e.users, ...e.items], denseForward(A, E0, D, L).final, 'eval');
    m.evalEmbeddings();
    assert.equal(m.propagations, 2);
    const s2 = m.forward();
    assert.equal(m.dropoutMasks()!.step, 2);
    close([...s2.users.data, ...s2.items.data], denseForward(A, E0, D, L, 'mean', m.dropoutMasks()).final, 'final, step 2');
    assert.notDeepEqual([...s2.users.data, ...s2.items.data], train1, 'masks change between propagations');
  });
}

test('dropout 0 is today\'s path: no masks, the same bits as a config without the options over training steps', () => {
  const D = 8;
  const opt: OptimizerConfig = { kind: 'adam', lr: 0.05, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: false };
  const run = (cfg: ModelConfig): Float32Array => {
    const m = new LightGcnModel(graph(), cfg, opt, new Rng(4));
    assert.equal(m.dropoutMasks(), null);
    const step = createStep(m, cfg, opt);
    const rng = new Rng(8);
    for (let s = 0; s < 4; s++) {
      const users = Int32Array.from({ length: 6 }, () => rng.int(5));
      const pos = Int32Array.from({ length: 6 }, () => rng.int(nItems));
      const neg = Int32Array.from({ length: 6 }, () => rng.int(nItems));
      step.run({ users, pos, positivesPerRow: 1, neg: { layout: 'per-row', n: 1, items: neg } }, bpr.create({ form: 'mean', reduction: 'mean' }), { tau: 1 }, rng);
    }
    return Float32Array.from([...m.users.data, ...m.items.data, ...m.evalEmbeddings().items]);
  };
  const a = run(modelCfg(2, 'dot', D));
  const b = run(modelCfg(2, 'dot', D, 'mean', { edge: 0, message: 0 }));
  a.forEach((v, k) => assert.ok(Object.is(v, b[k]), `[${k}] ${b[k]} vs ${v}`));
});

test('LightGCN with edge and message dropout on the kernel: 1 and 2 threads train to the same bits, and like the plain reference engine', () => {
  const D = 8;
  const opt: OptimizerConfig = { kind: 'adam', lr: 0.05, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: false };
  const cfg = modelCfg(3, 'dot', D, 'mean', { edge: 0.2, message: 0.1 });
  const train = (engine: 'auto' | 'reference', threads: number): Float32Array => {
    KernelPool.configure(threads);
    try {
      const m = new LightGcnModel(graph(), cfg, opt, new Rng(4), engine);
      const step = createStep(m, cfg, opt);
      const rng = new Rng(8);
      for (let s = 0; s < 5; s++) {
        const users = Int32Array.from({ length: 6 }, () => rng.int(5));
        const pos = Int32Array.from({ length: 6 }, () => rng.int(nItems));
        const neg = Int32Array.from({ length: 6 }, () => rng.int(nItems));
        step.run({ users, pos, positivesPerRow: 1, neg: { layout: 'per-row', n: 1, items: neg } }, bpr.create({ form: 'mean', reduction: 'mean' }), { tau: 1 }, rng);
      }
      assert.equal(m.dropoutMasks()!.step, 5);
      return Float32Array.from([...m.users.data, ...m.items.data]);
    } finally {
      KernelPool.configure(1);
    }
  };
  const plain = train('reference', 1);
  const k1 = train('auto', 1);
  const k2 = train('auto', 2);
  plain.forEach((v, k) => assert.ok(Math.abs(v - k1[k]) < 1e-5, `ego[${k}] kernel ${k1[k]} vs plain ${v}`));
  k1.forEach((v, k) => assert.ok(Object.is(v, k2[k]), `ego[${k}] 2 threads ${k2[k]} vs 1 thread ${v}`));
});

for (const pooling of ['concat', 'final'] as const) {
  test(`model.pooling "${pooling}": the final embeddings (dense reference) score and evaluate, D·(L+1) or D wide; the checkpoint stays the ego tables`, () => {
    for (const [D, L] of [[3, 2], [4, 3], [8, 0]] as const) {
      const m = new LightGcnModel(graph(), modelCfg(L, 'dot', D, pooling), sgd(0), new Rng(1));
      const W = pooling === 'concat' ? D * (L + 1) : D;
      assert.equal(m.scoreDim, W);
      const E0 = new Float64Array([...m.users.data, ...m.items.data]);
      const ref = denseForward(denseAdjacency(rows, nItems), E0, D, L, pooling);
      const s = m.forward();
      assert.equal(s.users.dim, W);
      assert.equal(s.items.dim, W);
      [...s.users.data, ...s.items.data].forEach((v, k) => assert.ok(Math.abs(v - ref.final[k]) < 1e-6, `D=${D} L=${L} final[${k}] ${v} vs ${ref.final[k]}`));
      const sc = m.score(Int32Array.of(2), Int32Array.of(0, 4), 2);
      for (const [k, i] of [[0, 0], [1, 4]]) {
        let want = 0;
        for (let d = 0; d < W; d++) want += ref.final[2 * W + d] * ref.final[(rows.length + i) * W + d];
        assert.ok(Math.abs(sc[k] - want) < 1e-5, `score(2, ${i}) ${sc[k]} vs ${want}`);
      }
      const e = m.evalEmbeddings();
      assert.equal(e.items.length, nItems * W);
      assert.equal(m.parameters().users.length, rows.length * D);
    }
    assert.equal(backboneSpec('lightgcn').label(modelCfg(2, 'dot', 3, pooling)), `LightGCN-2 (${pooling})`);
  });
}

const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));

interface GradCase { L: number; score: 'dot' | 'cosine'; l2: number; synth: boolean; D?: number; pooling?: 'sum' | 'concat' | 'final'; l2Hops?: true; drop?: { edge: number; message: number } }

/**
 * float64 objective of one BPR step on the final embeddings: mean_b softplus(s(u,neg) − s(u,pos)) + λ/B·½Σ‖ego rows‖².
 * With synth, the negative of row b is Σ_t w_t·hop_{l_t}[ref_t] (item rows of the given hops; concat pooling: placed at
 * column l_t·D of the D·(L+1) wide row).
 */
function objective(E0: Float64Array, A: Float64Array[], D: number, nU: number, c: GradCase, users: number[], pos: number[], neg: number[], synth?: { hops: number[]; refs: number[]; weights: number[]; ego: { refs: number[]; weights: number[] } }, masks?: Masks | null): number {
  const { final, hops } = denseForward(A, E0, D, c.L, c.pooling, masks);
  const W = c.pooling === 'concat' ? D * (c.L + 1) : D;
  const vec = (X: Float64Array, node: number, w = D): number[] => Array.from(X.subarray(node * w, (node + 1) * w));
  const norm = (x: number[]): number[] => { const l = Math.max(Math.hypot(...x), 1e-12); return x.map((v) => v / l); };
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k], 0);
  const B = users.length;
  let total = 0, reg = 0;
  for (let b = 0; b < B; b++) {
    let u = vec(final, users[b], W), p = vec(final, nU + pos[b], W);
    let q: number[];
    if (synth) {
      const T = synth.hops.length;
      q = new Array(W).fill(0);
      for (let t = 0; t < T; t++) {
        const x = vec(hops[synth.hops[t]], nU + synth.refs[b * T + t]);
        const off = c.pooling === 'concat' ? synth.hops[t] * D : 0;
        for (let d = 0; d < D; d++) q[off + d] += synth.weights[b * T + t] * x[d];
      }
    } else q = vec(final, nU + neg[b], W);
    if (c.score === 'cosine') { u = norm(u); p = norm(p); q = norm(q); }
    total += softplus(dot(u, q) - dot(u, p));
    // the ego rows (LightGCN), or every layer's rows (optimizer.l2Layers "all", Adap-τ's LGN_tau)
    for (const node of [users[b], nU + pos[b], ...(synth ? [] : [nU + neg[b]])]) for (const X of c.l2Hops ? hops : [E0]) { const e = vec(X, node); reg += dot(e, e); }
    if (synth) {
      // MixGCF: the L2 on the synthesised negative's layer-0 mixture (and, l2Hops, on no propagated hop of it)
      const m = new Array(D).fill(0);
      for (let t = 0; t < 2; t++) { const x = vec(E0, nU + synth.ego.refs[b * 2 + t]); for (let d = 0; d < D; d++) m[d] += synth.ego.weights[b * 2 + t] * x[d]; }
      reg += dot(m, m);
    }
  }
  return total / B + 0.5 * (c.l2 / B) * reg;
}

const gradCases: GradCase[] = [
  { L: 1, score: 'dot', l2: 0.1, synth: false },
  { L: 3, score: 'dot', l2: 0.05, synth: false },
  { L: 2, score: 'cosine', l2: 0, synth: false },
  { L: 2, score: 'dot', l2: 0.02, synth: true },
  { L: 3, score: 'cosine', l2: 0.05, synth: true, D: 4 }, // D = 4: the SIMD kernel
  { L: 2, score: 'dot', l2: 0.02, synth: true, pooling: 'sum' }, // MixGCF's pool=sum
  { L: 3, score: 'dot', l2: 0.05, synth: false, D: 4, pooling: 'sum' },
  { L: 2, score: 'cosine', l2: 0.3, synth: false, l2Hops: true }, // Adap-τ's LGN_tau: L2 on every layer
  { L: 3, score: 'dot', l2: 0.2, synth: true, D: 4, l2Hops: true },
  // dropout (MixGCF / Adap-τ GraphConv), masks of the step's propagation held fixed: the reference engine and the kernel
  { L: 2, score: 'dot', l2: 0.05, synth: false, drop: { edge: 0, message: 0.3 } },
  { L: 3, score: 'dot', l2: 0.05, synth: false, D: 4, drop: { edge: 0.3, message: 0 } },
  { L: 3, score: 'dot', l2: 0.02, synth: true, D: 4, drop: { edge: 0.25, message: 0.3 } },
  { L: 2, score: 'cosine', l2: 0.3, synth: true, drop: { edge: 0.2, message: 0.25 }, l2Hops: true },
  { L: 2, score: 'dot', l2: 0.05, synth: false, D: 8, pooling: 'sum', drop: { edge: 0.3, message: 0.3 } },
  // MixGCF's pool=concat (D·(L+1) wide scores; synthesised hops at their own columns) and pool=final (hop L)
  { L: 2, score: 'dot', l2: 0.05, synth: false, pooling: 'concat' },
  { L: 3, score: 'cosine', l2: 0.02, synth: true, D: 4, pooling: 'concat' },
  { L: 2, score: 'dot', l2: 0.02, synth: true, D: 8, pooling: 'concat', drop: { edge: 0.2, message: 0.3 } },
  { L: 3, score: 'dot', l2: 0.05, synth: true, D: 4, pooling: 'final' },
  { L: 2, score: 'cosine', l2: 0.05, synth: false, pooling: 'final', l2Hops: true },
];

for (const c of gradCases) {
  test(`LightGCN step gradient to the ego embeddings = finite differences (${JSON.stringify(c)})`, () => {
    const D = c.D ?? 3, nU = rows.length;
    const rng = new Rng(17);
    const cfg = modelCfg(c.L, c.score, D, c.pooling, c.drop);
    const opt = { ...sgd(c.l2), ...(c.l2Hops ? { l2Layers: 'all' as const } : {}) };
    const m = new LightGcnModel(graph(), cfg, opt, rng);
    assert.equal(m.spmmEngine, D % 4 === 0 ? kernelEngine() : 'reference');
    const A = denseAdjacency(rows, nItems);
    const users = [0, 2, 2, 4, 1];
    const pos = [1, 4, 5, 5, 3];
    const neg = [3, 6, 0, 2, 2];
    // synthesised negatives: α·pos + (1−α)·neg at hop 0 and at the last hop, averaged (MixGCF-shaped)
    const synth = c.synth
      ? (() => {
          const hops = [0, 0, c.L, c.L];
          const refs: number[] = [], weights: number[] = [];
          const ego = { refs: [] as number[], weights: [] as number[] };
          users.forEach((_, b) => {
            const a0 = 0.3 + 0.1 * b, a1 = 0.8 - 0.1 * b;
            refs.push(pos[b], neg[b], pos[b], neg[b]);
            weights.push(a0 / 2, (1 - a0) / 2, a1 / 2, (1 - a1) / 2);
            ego.refs.push(pos[b], neg[b]);
            ego.weights.push(a0, 1 - a0);
          });
          return { hops, refs, weights, ego };
        })()
      : undefined;
    const E0 = new Float64Array([...m.users.data, ...m.items.data]);
    const r = createStep(m, cfg, opt).run(
      {
        users: Int32Array.from(users), pos: Int32Array.from(pos), positivesPerRow: 1,
        neg: {
          layout: 'per-row', n: 1, items: Int32Array.from(neg),
          ...(synth ? { synth: { terms: 4, termSources: synth.hops.map((l) => `items@${l}`), refs: Int32Array.from(synth.refs), weights: Float32Array.from(synth.weights), ...(c.pooling === 'concat' ? { termOffsets: Int32Array.from(synth.hops, (l) => l * D) } : {}), ego: { terms: 2, refs: Int32Array.from(synth.ego.refs), weights: Float32Array.from(synth.ego.weights) } } } : {}),
        },
      },
      bpr.create({ form: 'mean', reduction: 'mean' }), { tau: 1 }, rng,
    );
    const masks = m.dropoutMasks();
    assert.equal(masks !== null, !!c.drop);
    const f0 = objective(E0, A, D, nU, c, users, pos, neg, synth, masks);
    assert.ok(Math.abs(r.loss - f0) < 1e-5 * Math.max(1, Math.abs(f0)), `loss ${r.loss} vs reference ${f0}`);
    const after = [...m.users.data, ...m.items.data];
    const h = 1e-6;
    for (let k = 0; k < E0.length; k++) {
      const plus = Float64Array.from(E0); plus[k] += h;
      const minus = Float64Array.from(E0); minus[k] -= h;
      const fd = (objective(plus, A, D, nU, c, users, pos, neg, synth, masks) - objective(minus, A, D, nU, c, users, pos, neg, synth, masks)) / (2 * h);
      const g = E0[k] - after[k]; // SGD with lr 1 moves every ego row by minus its gradient
      assert.ok(Math.abs(g - fd) < 1e-5 + 1e-3 * Math.abs(fd), `ego[${k}] (node ${Math.floor(k / D)}): step gradient ${g} vs finite difference ${fd}`);
    }
  });
}

test('LightGCN with 0 layers trains exactly like MF (same init, same steps, Adam)', () => {
  const D = 4;
  const opt: OptimizerConfig = { kind: 'adam', lr: 0.05, l2: 0.01, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: false };
  const lg = new LightGcnModel(graph(), modelCfg(0, 'dot', D), opt, new Rng(4));
  const mf = new MfModel(5, nItems, { ...modelCfg(0, 'dot', D), kind: 'mf', fastPath: false }, opt, new Rng(4));
  assert.deepEqual(lg.users.data, mf.users.data);
  const sl = createStep(lg, modelCfg(0, 'dot', D), opt);
  const sm = createStep(mf, { ...modelCfg(0, 'dot', D), fastPath: false }, opt);
  const loss = bpr.create({ form: 'mean', reduction: 'mean' });
  const rng = new Rng(8);
  for (let s = 0; s < 4; s++) {
    const users = Int32Array.from({ length: 6 }, () => rng.int(5));
    const pos = Int32Array.from({ length: 6 }, () => rng.int(nItems));
    const neg = { layout: 'per-row' as const, n: 2, items: Int32Array.from({ length: 12 }, () => rng.int(nItems)) };
    const a = sl.run({ users, pos, positivesPerRow: 1, neg }, loss, { tau: 1 }, new Rng(1));
    const b = sm.run({ users, pos, positivesPerRow: 1, neg }, loss, { tau: 1 }, new Rng(1));
    assert.ok(Math.abs(a.loss - b.loss) < 1e-6, `step ${s}: ${a.loss} vs ${b.loss}`);
  }
  for (const [x, y] of [[lg.users.data, mf.users.data], [lg.items.data, mf.items.data]]) {
    for (let k = 0; k < x.length; k++) assert.ok(Math.abs(x[k] - y[k]) < 1e-6, `[${k}] ${x[k]} vs ${y[k]}`);
  }
});

test('the registry builds LightGCN from model.kind, labelled with its layers; checkpoints hold the ego tables', () => {
  const spec = backboneSpec('lightgcn');
  assert.equal(spec.label(modelCfg(3)), 'LightGCN-3');
  const m = spec.create({ nUsers: 5, nItems, train: graph() }, modelCfg(2), sgd(0), new Rng(3));
  assert.equal(m.kind, 'lightgcn');
  const p = m.parameters();
  assert.equal(p.users, (m as LightGcnModel).users.data);
  const e = m.evalEmbeddings();
  assert.notDeepEqual(Array.from(e.items), Array.from(p.items), 'evaluation ranks with the propagated embeddings');
  assert.throws(() => backboneSpec('ngcf'), /unknown backbone "ngcf" \(known: mf, lightgcn\)/);
});
