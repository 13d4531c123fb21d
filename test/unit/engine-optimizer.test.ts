import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddingTable } from '../../src/engine/tensor/embedding';
import { SparseOptimizer, type OptimizerSettings } from '../../src/engine/tensor/sparse-optimizer';
import { Rng } from '../../src/engine/rng';
import { AdamKernelStorage } from '../../src/engine/tensor/adam-kernel';

const settings = (kind: OptimizerSettings['kind']): OptimizerSettings => ({ kind, lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/** Dense reference: full-table gradient (duplicates summed by scatter-add), textbook update of every row. */
class DenseReference {
  m: Float64Array;
  v: Float64Array;
  t = 0;
  constructor(
    public w: Float64Array,
    private s: OptimizerSettings,
  ) {
    this.m = new Float64Array(w.length);
    this.v = new Float64Array(w.length);
  }
  apply(rows: Int32Array, grads: Float32Array, dim: number): void {
    const g = new Float64Array(this.w.length);
    rows.forEach((r, i) => { for (let k = 0; k < dim; k++) g[r * dim + k] += grads[i * dim + k]; });
    this.t++;
    const { lr, beta1, beta2, eps } = this.s;
    for (let k = 0; k < g.length; k++) {
      if (this.s.kind === 'sgd') this.w[k] -= lr * g[k];
      else if (this.s.kind === 'adagrad') { this.v[k] += g[k] * g[k]; this.w[k] -= (lr * g[k]) / (Math.sqrt(this.v[k]) + eps); }
      else {
        this.m[k] = beta1 * this.m[k] + (1 - beta1) * g[k];
        this.v[k] = beta2 * this.v[k] + (1 - beta2) * g[k] * g[k];
        const mh = this.m[k] / (1 - beta1 ** this.t);
        const vh = this.v[k] / (1 - beta2 ** this.t);
        this.w[k] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
    }
  }
}

function run(kind: OptimizerSettings['kind'], allRowsEveryStep: boolean): { sparse: Float32Array; dense: Float64Array; untouched?: number } {
  const rng = new Rng(3);
  const rows = 12, dim = 5;
  const table = new EmbeddingTable(rows, dim).init(rng, 'normal', 0.5);
  const ref = new DenseReference(Float64Array.from(table.data), settings(kind));
  const opt = new SparseOptimizer(table, settings(kind));
  for (let step = 0; step < 25; step++) {
    // batches with duplicate rows; in the "all rows" case every row appears at least once
    const idx = allRowsEveryStep
      ? Int32Array.from([...Array.from({ length: rows }, (_, i) => i), rng.int(rows), rng.int(rows), rng.int(rows)])
      : Int32Array.from({ length: 7 }, () => rng.int(rows - 2)); // the last two rows are never touched
    const g = Float32Array.from({ length: idx.length * dim }, () => rng.normal());
    opt.apply(idx, g);
    ref.apply(idx, g, dim);
  }
  return { sparse: table.data, dense: ref.w };
}

for (const kind of ['sgd', 'adagrad', 'adam'] as const) {
  test(`sparse ${kind} equals the dense reference when every row is in every batch (duplicates summed)`, () => {
    const { sparse, dense } = run(kind, true);
    for (let k = 0; k < dense.length; k++) assert.ok(Math.abs(sparse[k] - dense[k]) < 2e-5, `${kind} entry ${k}: ${sparse[k]} vs ${dense[k]}`);
  });
}

for (const kind of ['sgd', 'adagrad'] as const) {
  test(`sparse ${kind} equals the dense reference on partial batches (absent rows have zero gradient)`, () => {
    const { sparse, dense } = run(kind, false);
    for (let k = 0; k < dense.length; k++) assert.ok(Math.abs(sparse[k] - dense[k]) < 2e-5, `${kind} entry ${k}`);
  });
}

test('lazy Adam leaves rows outside the batch untouched and moves the rest', () => {
  const rng = new Rng(9);
  const table = new EmbeddingTable(6, 3).init(rng, 'normal', 1);
  const before = Float32Array.from(table.data);
  const opt = new SparseOptimizer(table, settings('adam'));
  opt.apply(Int32Array.of(1, 4, 1), Float32Array.from({ length: 9 }, () => 1));
  for (const r of [0, 2, 3, 5]) assert.deepEqual(Array.from(table.row(r)), Array.from(before.subarray(r * 3, r * 3 + 3)));
  // first Adam step moves each coordinate by lr·sign(g) (bias-corrected m/√v = ±1)
  for (const r of [1, 4]) for (let k = 0; k < 3; k++) assert.ok(Math.abs(before[r * 3 + k] - table.data[r * 3 + k] - 0.05) < 1e-6);
});

test('the WebAssembly SIMD Adam kernel matches the JS lazy Adam (same rows, duplicates, many steps)', async () => {
  const { AdamKernelStorage } = await import('../../src/engine/tensor/adam-kernel');
  const rows = 50, dim = 8;
  const kernel = AdamKernelStorage.create(rows, dim);
  assert.ok(kernel, "dim 8 is a multiple of the 4 SIMD lanes");
  const a = new EmbeddingTable(rows, dim).init(new Rng(5), 'normal', 0.3);
  const b = new EmbeddingTable(rows, dim, kernel.weights);
  b.data.set(a.data);
  const optA = new SparseOptimizer(a, settings('adam'));
  const optB = new SparseOptimizer(b, settings('adam'), kernel);
  const rng = new Rng(6);
  for (let step = 0; step < 40; step++) {
    const idx = Int32Array.from({ length: 30 }, () => rng.int(rows - 5));
    const g = Float32Array.from({ length: idx.length * dim }, () => rng.normal());
    optA.apply(idx, g);
    optB.apply(idx, g);
  }
  let maxDiff = 0;
  for (let k = 0; k < a.data.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a.data[k] - b.data[k]));
  assert.ok(maxDiff < 1e-5, `max |JS − kernel| = ${maxDiff}`);
  for (let k = (rows - 5) * dim; k < rows * dim; k++) assert.equal(b.data[k], a.data[k], 'untouched rows stay put');
});

test('gather copies exactly the requested rows, for even and odd widths', () => {
  for (const dim of [4, 5]) {
    const t = new EmbeddingTable(10, dim).init(new Rng(2), 'normal', 1);
    const idx = Int32Array.of(3, 0, 9, 3);
    const g = t.gather(idx);
    idx.forEach((row, r) => assert.deepEqual(Array.from(g.subarray(r * dim, (r + 1) * dim)), Array.from(t.row(row))));
  }
});

for (const dim of [5, 8]) {
  test(`dense Adam (lazy: false) equals the dense reference on partial batches — absent rows keep moving (dim ${dim}: ${dim % 4 ? 'JS loop' : 'WebAssembly kernel'})`, () => {
    const rng = new Rng(4);
    const rows = 12;
    const kernel = AdamKernelStorage.create(rows, dim);
    assert.equal(kernel !== null, dim % 4 === 0);
    const table = new EmbeddingTable(rows, dim, kernel?.weights).init(rng, 'normal', 0.5);
    const s = { ...settings('adam'), lazy: false };
    const ref = new DenseReference(Float64Array.from(table.data), s);
    const opt = new SparseOptimizer(table, s, kernel);
    const lastRow = Float32Array.from(table.row(rows - 1));
    for (let step = 0; step < 25; step++) {
      // row rows−1 gets a gradient only at step 0, then coasts on its momentum
      const idx = step === 0 ? Int32Array.from([rows - 1, 0, 0]) : Int32Array.from({ length: 7 }, () => rng.int(rows - 2));
      const g = Float32Array.from({ length: idx.length * dim }, () => rng.normal());
      opt.apply(idx, g);
      ref.apply(idx, g, dim);
    }
    for (let k = 0; k < ref.w.length; k++) assert.ok(Math.abs(table.data[k] - ref.w[k]) < 2e-5, `entry ${k}: ${table.data[k]} vs ${ref.w[k]}`);
    // lazy Adam would have moved it by lr = 0.05 once; dense Adam keeps going on the decaying momentum
    const moved = Math.abs(table.data[(rows - 1) * dim] - lastRow[0]);
    assert.ok(moved > 2 * 0.05, `a row seen once keeps moving with its momentum (moved ${moved})`);
  });
}
