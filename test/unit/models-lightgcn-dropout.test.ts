/**
 * LightGCN's dropout masks (models/dropout.ts): counter-based hashes of (key, index). Their keep rate and independence
 * (neighbouring elements, hops, steps, the two directions of an edge, edge vs message keys) against the binomial
 * distribution; the SIMD kernel's masked pass (kernels/spmm.wat spmmDrop, dropRows) against the plain reference with
 * the same masks, transposed or not, 1 and 2 threads to the same bits; thresholds 0 = the undropped pass bit for bit.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { dropoutKey, dropoutThreshold, edgeDropped, messageKept, type HopDropout } from '../../src/engine/models/dropout';
import { normalizedAdjacency } from '../../src/engine/models/graph';
import { graphBuffers } from '../../src/engine/models/spmm';
import { KernelPool } from '../../src/engine/wasm/pool';
import { initBackend } from '../../src/engine/tensor/backend';
import { Rng } from '../../src/engine/rng';
import { csrFromRows } from '../fixtures/data/helpers';

/** the label graphBuffers gives its kernel path: the pool's kernels (native C where the addon loads, else WebAssembly) */
const kernelEngine = () => (KernelPool.get().kernels === 'native' ? 'native' : 'wasm-simd');

before(async () => {
  await initBackend('auto');
});

/** |observed − n·q| within 5 binomial standard deviations */
function binomial(count: number, n: number, q: number, what: string): void {
  const sd = Math.sqrt(n * q * (1 - q));
  assert.ok(Math.abs(count - n * q) < 5 * sd, `${what}: ${count} of ${n}, expected ${(n * q).toFixed(0)} ± ${sd.toFixed(0)}`);
}

test('the masks keep 1 − p of the elements and edges, independently across neighbours, hops, steps, directions and kinds', () => {
  const n = 1 << 19;
  for (const p of [0.1, 0.5, 0.03]) {
    const thr = dropoutThreshold(p);
    const q = 1 - thr / 2 ** 24;
    assert.ok(Math.abs(q - (1 - p)) < 1e-7);
    const k1 = dropoutKey(7, 1, 1, 'message'), k2 = dropoutKey(7, 1, 2, 'message'), k3 = dropoutKey(7, 2, 1, 'message');
    const e1 = dropoutKey(7, 1, 1, 'edge');
    let kept = 0, pairs = 0, hops = 0, steps = 0, kinds = 0;
    for (let i = 0; i < n; i++) {
      const a = messageKept(k1, i, thr);
      kept += +a;
      pairs += +(a && messageKept(k1, i + 1, thr));
      hops += +(a && messageKept(k2, i, thr));
      steps += +(a && messageKept(k3, i, thr));
      kinds += +(a && messageKept(e1, i, thr));
    }
    binomial(kept, n, q, `p=${p} message keep rate`);
    binomial(pairs, n, q * q, `p=${p} neighbouring elements both kept`);
    binomial(hops, n, q * q, `p=${p} same element, hops 1 and 2`);
    binomial(steps, n, q * q, `p=${p} same element, steps 1 and 2`);
    binomial(kinds, n, q * q, `p=${p} message and edge keys`);
    // edges: rows × columns of a 512 × 1024 grid, (a, b) and (b, a) independent
    let ek = 0, both = 0, rowPairs = 0;
    for (let a = 0; a < 512; a++) {
      for (let b = 0; b < 1024; b++) {
        const x = !edgeDropped(e1, a, b, thr);
        ek += +x;
        both += +(x && !edgeDropped(e1, b, a, thr));
        rowPairs += +(x && !edgeDropped(e1, a, b + 1, thr));
      }
    }
    binomial(ek, n, q, `p=${p} edge keep rate`);
    binomial(both, n, q * q, `p=${p} both directions of an edge kept`);
    binomial(rowPairs, n, q * q, `p=${p} neighbouring edges of a row both kept`);
  }
  // the low bits of the index do not show in the mask: keep rate per residue of i mod 64 (a row of D = 64)
  const thr = dropoutThreshold(0.5), k = dropoutKey(3, 9, 2, 'message');
  const per = new Int32Array(64);
  for (let i = 0; i < n; i++) per[i & 63] += +messageKept(k, i, thr);
  per.forEach((c, r) => binomial(c, n / 64, 0.5, `residue ${r}`));
});

test('the kernel\'s masked pass = the plain reference with the same masks (edge, message, both; transposed), 1 and 2 threads to the same bits', () => {
  const rng = new Rng(31);
  const r = Array.from({ length: 70 }, () => Array.from({ length: 50 }, (_, i) => i).filter(() => rng.float() < 0.12));
  r[3] = [];
  const a = normalizedAdjacency(csrFromRows(r, 50));
  for (const D of [4, 12, 64]) {
    const kernel = graphBuffers(a, D, 4);
    const plain = graphBuffers(a, D, 4, 'reference');
    assert.equal(kernel.engine, kernelEngine());
    const fill = (b: Float32Array[]): void => b.forEach((x) => x.set(Float32Array.from({ length: x.length }, () => rng.normal())));
    fill(kernel.buffers);
    kernel.buffers.forEach((x, i) => plain.buffers[i].set(x));
    for (const [pe, pm, transpose, useZ, useF] of [[0.3, 0, false, false, true], [0, 0.4, true, true, false], [0.25, 0.1, true, true, true], [0.5, 0.5, false, false, false]] as const) {
      const drop: HopDropout = {
        edgeKey: dropoutKey(11, 3, 2, 'edge'), edgeThr: dropoutThreshold(pe), edgeScale: 1 / (1 - pe), transpose,
        msgKey: dropoutKey(11, 3, 2, 'message'), msgThr: dropoutThreshold(pm), msgScale: 1 / (1 - pm),
      };
      const run = (g: typeof kernel): [Float32Array, Float32Array] => {
        const [x, , z, f] = g.buffers;
        const y = g.buffers[1];
        const f0 = f.slice();
        g.spmmDrop(x, y, useZ ? z : null, 0.5, useF ? f : null, 0.25, drop);
        const out: [Float32Array, Float32Array] = [y.slice(), f.slice()];
        f.set(f0);
        return out;
      };
      const [ky, kf] = run(kernel);
      const [py, pf] = run(plain);
      const what = `D=${D} pe=${pe} pm=${pm} T=${transpose}`;
      let zeros = 0;
      for (let k = 0; k < ky.length; k++) {
        assert.ok(Math.abs(ky[k] - py[k]) <= 1e-5 * Math.max(1, Math.abs(py[k])), `${what} y[${k}] ${ky[k]} vs ${py[k]}`);
        assert.equal(ky[k] === 0, py[k] === 0, `${what} y[${k}]: the same element dropped`);
        assert.ok(Math.abs(kf[k] - pf[k]) <= 1e-5 * Math.max(1, Math.abs(pf[k])), `${what} f[${k}]`);
        zeros += +(ky[k] === 0);
      }
      if (pm && !pe) binomial(zeros - D, ky.length - D, pm, `${what} dropped elements`); // row 3 is empty: all zero
      KernelPool.configure(2);
      try {
        const [ky2, kf2] = run(kernel);
        ky.forEach((v, k) => assert.ok(Object.is(v, ky2[k]), `${what} 2 threads y[${k}]`));
        kf.forEach((v, k) => assert.ok(Object.is(v, kf2[k]), `${what} 2 threads f[${k}]`));
      } finally {
        KernelPool.configure(1);
      }
    }
    // dropRows = the message mask alone
    const x = kernel.buffers[0], px = plain.buffers[0];
    px.set(x);
    const d: HopDropout = { edgeKey: 0, edgeThr: 0, edgeScale: 1, transpose: false, msgKey: dropoutKey(5, 1, 3, 'message'), msgThr: dropoutThreshold(0.2), msgScale: 1 / 0.8 };
    kernel.dropRows(x, d);
    plain.dropRows(px, d);
    x.forEach((v, k) => assert.ok(Object.is(v, px[k]), `D=${D} dropRows[${k}] ${v} vs ${px[k]}`));
    // thresholds 0: the undropped fused pass, bit for bit
    const [x0, y0, z0, f0] = kernel.buffers;
    const fA = f0.slice();
    kernel.spmmFused(x0, y0, z0, 0.5, f0, 0.25);
    const yA = y0.slice(), fB = f0.slice();
    f0.set(fA);
    kernel.spmmDrop(x0, y0, z0, 0.5, f0, 0.25, { edgeKey: 1, edgeThr: 0, edgeScale: 1, transpose: false, msgKey: 2, msgThr: 0, msgScale: 1 });
    yA.forEach((v, k) => assert.ok(Object.is(v, y0[k]), `D=${D} thr 0 y[${k}]`));
    fB.forEach((v, k) => assert.ok(Object.is(v, f0[k]), `D=${D} thr 0 f[${k}]`));
  }
});
