import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/engine/tensor/backend';
import { matMulBt, rowScores } from '../../src/engine/tensor/ops';
import type * as tfc from '@tensorflow/tfjs-core';

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
