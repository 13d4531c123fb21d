/**
 * Matrix products whose forward and backward passes stay on tfjs-wasm's fast path.
 *
 * Measured on this machine (bench notes in docs/benchmarks.md): the wasm backend's matMul with transposeB is ~8×
 * slower than transposing explicitly and multiplying, and with transposeA ~20× slower; tfjs's own gradient of
 * matMul(a, b, false, true) uses both, so one backward pass of a [2048×64]·[64×2048] score block took ~2.7 s instead
 * of ~0.2 s. These custom gradients express every product as a plain matMul of explicitly transposed operands.
 */
import { tf } from './backend';
import type * as tfc from '@tensorflow/tfjs-core';

/** a·bᵀ for a [M, K] and b [N, K] → [M, N]; ∂a = dy·b, ∂b = dyᵀ·a. */
type Args = (tfc.Tensor | tfc.GradSaveFunc)[];

export const matMulBt = tf.customGrad((...args: Args) => {
  const [a, b, save] = args as [tfc.Tensor, tfc.Tensor, tfc.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.tidy(() => tf.matMul(a as tfc.Tensor2D, tf.transpose(b as tfc.Tensor2D))) as tfc.Tensor2D,
    gradFunc: (dy: tfc.Tensor, saved: tfc.Tensor[]) => [
      tf.matMul(dy as tfc.Tensor2D, saved[1] as tfc.Tensor2D),
      tf.matMul(tf.transpose(dy as tfc.Tensor2D), saved[0] as tfc.Tensor2D),
    ],
  };
}) as (a: tfc.Tensor2D, b: tfc.Tensor2D) => tfc.Tensor2D;

/**
 * Per-row scores s[b, k] = ⟨u_b, x_{b,k}⟩ for u [B, D] and x [B·K, D] (row-major by b) → [B, K].
 * Forward is a batched [B, K, D]·[B, D, 1] matMul; the backward avoids the transposed batched paths:
 * ∂u_b = Σ_k dy[b,k]·x_{b,k} (a batched [B, 1, K]·[B, K, D] matMul) and ∂x_{b,k} = dy[b,k]·u_b (a broadcast product).
 */
export const rowScores = tf.customGrad((...args: Args) => {
  const [u, x, save] = args as [tfc.Tensor, tfc.Tensor, tfc.GradSaveFunc];
  const [B, D] = u.shape as [number, number];
  const K = x.shape[0] / B;
  save([u, x]);
  return {
    value: tf.reshape(tf.matMul(tf.reshape(x, [B, K, D]) as tfc.Tensor3D, tf.reshape(u, [B, D, 1]) as tfc.Tensor3D), [B, K]) as tfc.Tensor2D,
    gradFunc: (dy: tfc.Tensor, saved: tfc.Tensor[]) => {
      const [uu, xx] = saved;
      const du = tf.reshape(tf.matMul(tf.reshape(dy, [B, 1, K]) as tfc.Tensor3D, tf.reshape(xx, [B, K, D]) as tfc.Tensor3D), [B, D]);
      const dx = tf.reshape(tf.mul(tf.reshape(dy, [B, K, 1]), tf.reshape(uu, [B, 1, D])), [B * K, D]);
      return [du, dx];
    },
  };
}) as (u: tfc.Tensor2D, x: tfc.Tensor2D) => tfc.Tensor2D;
