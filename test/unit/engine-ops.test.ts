import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/engine/tensor/backend';
import { logSumExpRows, matMulBt, rowScores } from '../../src/engine/tensor/ops';
import type * as tfc from '@tensorflow/tfjs-core';
import { ExpKernel } from '../../src/engine/tensor/exp-kernel';

before(async () => {
  await initBackend('auto');
});

const close = (a: tfc.Tensor, b: tfc.Tensor, what: string): void => {
  const x = a.dataSync(), y = b.dataSync();
  assert.deepEqual(a.shape, b.shape, what);
  for (let k = 0; k < x.length; k++) assert.ok(Math.abs(x[k] - y[k]) < 1e-4 * (1 + Math.abs(y[k])), `${what}[${k}]: ${x[k]} vs ${y[k]}`);
};

test('matMulBt: value and gradients equal tfjs matMul(a, b, false, true) and its autograd', () => {
  tf.tidy(() => {
    const a = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tfc.Tensor2D, b = tf.randomNormal([9, 5], 0, 1, 'float32', 2) as tfc.Tensor2D;
    const w = tf.randomNormal([7, 9], 0, 1, 'float32', 3);
    const f = (g: (x: tfc.Tensor2D, y: tfc.Tensor2D) => tfc.Tensor) => (x: tfc.Tensor, y: tfc.Tensor) => tf.sum(tf.mul(g(x as tfc.Tensor2D, y as tfc.Tensor2D), w)) as tfc.Scalar;
    close(matMulBt(a, b), tf.matMul(a, b, false, true), 'value');
    const ours = tf.grads(f(matMulBt))([a, b]);
    const ref = tf.grads(f((x, y) => tf.matMul(x, y, false, true)))([a, b]);
    close(ours[0], ref[0], '∂a');
    close(ours[1], ref[1], '∂b');
  });
});

test('rowScores: s[b,k] = ⟨u_b, x_{b,k}⟩ with gradients equal to the mul+sum formulation', () => {
  tf.tidy(() => {
    const B = 6, K = 4, D = 3;
    const u = tf.randomNormal([B, D], 0, 1, 'float32', 4) as tfc.Tensor2D, x = tf.randomNormal([B * K, D], 0, 1, 'float32', 5) as tfc.Tensor2D;
    const w = tf.randomNormal([B, K], 0, 1, 'float32', 6);
    const ref = (a: tfc.Tensor, c: tfc.Tensor) => tf.sum(tf.mul(tf.reshape(a, [B, 1, D]), tf.reshape(c, [B, K, D])), 2);
    close(rowScores(u, x), ref(u, x), 'value');
    const g1 = tf.grads((a: tfc.Tensor, c: tfc.Tensor) => tf.sum(tf.mul(rowScores(a as tfc.Tensor2D, c as tfc.Tensor2D), w)) as tfc.Scalar)([u, x]);
    const g2 = tf.grads((a: tfc.Tensor, c: tfc.Tensor) => tf.sum(tf.mul(ref(a, c), w)) as tfc.Scalar)([u, x]);
    close(g1[0], g2[0], '∂u');
    close(g1[1], g2[1], '∂x');
  });
});

for (const kernel of [true, false]) {
test(`logSumExpRows (${kernel ? 'WebAssembly SIMD exp' : 'Math.exp'}): value and gradients equal tfjs logSumExp over the scaled, masked logits plus lead and constant columns`, () => {
  ExpKernel.enabled = kernel;
  assert.equal(ExpKernel.get() !== null, kernel);
  tf.tidy(() => {
    const B = 5, P = 2, N = 7;
    const z = tf.randomNormal([B * P, N], 0, 2, 'float32', 7);
    const lead = tf.randomNormal([B * P], 0, 2, 'float32', 8);
    const w = tf.randomNormal([B * P], 0, 1, 'float32', 9);
    const scale = Float32Array.from({ length: B }, (_, b) => 0.5 + b);
    const mask = Float32Array.from({ length: B * N }, (_, e) => (e % 3 === 0 ? 0 : 1));
    const constant = Math.log(1e-3);
    // reference: rows (b, k) use row b's scale and mask (period P); masked logits become −∞ through a huge offset
    const rowScale = tf.tensor2d(Array.from({ length: B * P }, (_, r) => scale[Math.floor(r / P)]), [B * P, 1]);
    const rowMask = tf.tensor2d(Array.from({ length: B * P * N }, (_, e) => mask[Math.floor(Math.floor(e / N) / P) * N + (e % N)]), [B * P, N]);
    const ref = (a: tfc.Tensor, l: tfc.Tensor) => {
      const zz = tf.add(tf.mul(a, rowScale), tf.mul(tf.sub(1, rowMask), -1e9));
      return tf.logSumExp(tf.concat([tf.reshape(l, [B * P, 1]), zz, tf.fill([B * P, 1], constant)], 1), 1);
    };
    const ours = (a: tfc.Tensor, l: tfc.Tensor) => logSumExpRows(a, { scale, mask, period: P, lead: l, constant });
    close(ours(z, lead), ref(z, lead), 'value');
    const g1 = tf.grads((a: tfc.Tensor, l: tfc.Tensor) => tf.sum(tf.mul(ours(a, l), w)) as tfc.Scalar)([z, lead]);
    const g2 = tf.grads((a: tfc.Tensor, l: tfc.Tensor) => tf.sum(tf.mul(ref(a, l), w)) as tfc.Scalar)([z, lead]);
    close(g1[0], g2[0], '∂z');
    close(g1[1], g2[1], '∂lead');
    // a masked column gets exactly zero gradient; no lead / constant: plain logsumexp over a 3-D block
    const gz = g1[0].dataSync();
    for (let r = 0; r < B * P; r++) for (let j = 0; j < N; j++) if (mask[Math.floor(r / P) * N + j] === 0) assert.ok(gz[r * N + j] === 0, `masked ∂z[${r},${j}] = ${gz[r * N + j]}`);
    const z3 = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 10);
    close(logSumExpRows(z3), tf.logSumExp(z3, 2), 'rank 3');
  });
  ExpKernel.enabled = true;
});
}
