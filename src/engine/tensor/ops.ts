/**
 * Matrix products whose forward and backward passes stay on tfjs-wasm's fast path.
 *
 * Measured on this machine (bench notes in docs/benchmarks.md): the wasm backend's matMul with transposeB is ~8×
 * slower than transposing explicitly and multiplying, and with transposeA ~20× slower; tfjs's own gradient of
 * matMul(a, b, false, true) uses both, so one backward pass of a [2048×64]·[64×2048] score block took ~2.7 s instead
 * of ~0.2 s. These custom gradients express every product as a plain matMul of explicitly transposed operands.
 */
import { tf } from './backend';
import { ExpKernel } from './exp-kernel';
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

export interface LogSumExpOptions {
  /** multiply every logit of z by this (a number, or one factor per mask row: Float32Array [R / period]) */
  scale?: number | Float32Array;
  /** 0 drops column j of row r: mask[(r / period)·N + j] */
  mask?: Float32Array;
  /** rows of z per row of `mask` / `scale` (1 unless z has more rows than the batch, e.g. MSCL's [B·P, N]) */
  period?: number;
  /** one more differentiable logit per row [R] (or [R, 1]), not scaled: the positive of a softmax denominator */
  lead?: tfc.Tensor;
  /** one more constant logit in every row (log ε, or 0 for log(1 + Σ e^z)) */
  constant?: number;
}

/**
 * log Σ_j exp(scale·z[r, j]) over the last axis of z (any rank, viewed as [R, N]), with masked columns left out and
 * an optional extra leading logit and constant logit per row. Rows with no logit at all give −∞ (never in practice:
 * the callers keep a positive or a constant). Gradient: softmax weights (× scale for z).
 *
 * Fused on purpose: the many-negative losses (sampled softmax, Adap-τ, MSCL, K-pair BPR) spend their time in this
 * one reduction over a [B, N] block. tfjs composes it from ~8 elementwise kernels forward and as many backward
 * (scale, mask, concat, max, sub, exp, sum, log …), each a full pass and a fresh [B, N] buffer; this is one pass
 * forward and one multiply backward over a kept probability buffer. Measured (bench/step.mjs, Adap-τ, B 2048 × 1024
 * shared negatives): docs/benchmarks.md.
 */
export function logSumExpRows(z: tfc.Tensor, o: LogSumExpOptions = {}): tfc.Tensor {
  const N = z.shape[z.shape.length - 1];
  const outShape = z.shape.slice(0, -1);
  const R = N === 0 ? outShape.reduce((a, b) => a * b, 1) : z.size / N;
  const period = o.period ?? 1;
  const { mask, constant, scale } = o;
  if (scale !== undefined && !(typeof scale === 'number' ? scale > 0 : scale.every((v) => v > 0))) throw new Error('logSumExpRows: scale must be positive');
  const op = tf.customGrad((...args: Args) => {
    const hasLead = args.length === 3;
    const zz = args[0] as tfc.Tensor;
    const lead = hasLead ? (args[1] as tfc.Tensor) : undefined;
    const Z = zz.dataSync() as Float32Array;
    const L = lead ? (lead.dataSync() as Float32Array) : undefined;
    const kernel = ExpKernel.get();
    // e^{s·z − max} of the z columns (0 where masked), then rowFactor[r] = s / Σ turns them into ∂lse/∂z
    let prob: Float32Array;
    let expRow: (r: number, s: number, mx: number) => number;
    let maxRow: (r: number) => number; // max of z over row r's kept columns
    if (kernel) {
      const maskRows = mask ? mask.length / Math.max(N, 1) : 1;
      const { views, offsets } = kernel.reserve(R * N, R * N, maskRows * N);
      views[0].set(Z);
      if (mask) views[2].set(mask);
      else views[2].fill(1);
      const N4 = N & ~3;
      const zv = views[0], pv = views[1], mv = views[2];
      expRow = (r, s, mx) => {
        const o0 = r * N, mo = mask ? Math.floor(r / period) * N : 0;
        let sum = N4 ? kernel.rowExp(offsets[0] + o0 * 4, offsets[2] + mo * 4, offsets[1] + o0 * 4, N4, s, mx) : 0;
        for (let j = N4; j < N; j++) sum += (pv[o0 + j] = mv[mo + j] === 0 ? 0 : Math.exp(s * zv[o0 + j] - mx));
        return sum;
      };
      maxRow = (r) => {
        const o0 = r * N, mo = mask ? Math.floor(r / period) * N : 0;
        let zmax = N4 ? kernel.rowMax(offsets[0] + o0 * 4, offsets[2] + mo * 4, N4) : -Infinity;
        for (let j = N4; j < N; j++) if (mv[mo + j] !== 0 && zv[o0 + j] > zmax) zmax = zv[o0 + j];
        return zmax;
      };
      prob = pv;
    } else {
      prob = new Float32Array(R * N);
      expRow = (r, s, mx) => {
        const o0 = r * N, mo = Math.floor(r / period) * N;
        let sum = 0;
        for (let j = 0; j < N; j++) {
          if (mask && mask[mo + j] === 0) continue;
          sum += (prob[o0 + j] = Math.exp(s * Z[o0 + j] - mx));
        }
        return sum;
      };
      maxRow = (r) => {
        const o0 = r * N, mo = Math.floor(r / period) * N;
        let zmax = -Infinity;
        if (mask) {
          for (let j = 0; j < N; j++) if (mask[mo + j] !== 0 && Z[o0 + j] > zmax) zmax = Z[o0 + j];
        } else {
          for (let j = 0; j < N; j++) if (Z[o0 + j] > zmax) zmax = Z[o0 + j];
        }
        return zmax;
      };
    }
    const rowFactor = new Float32Array(R);
    const leadProb = L ? new Float32Array(R) : undefined;
    const out = new Float32Array(R);
    for (let r = 0; r < R; r++) {
      const m0 = Math.floor(r / period);
      const s = scale === undefined ? 1 : typeof scale === 'number' ? scale : scale[m0];
      const o0 = r * N;
      // max of s·z over the kept columns = s·max z (s > 0, checked on entry)
      let mx = s * maxRow(r);
      if (L && L[r] > mx) mx = L[r];
      if (constant !== undefined && constant > mx) mx = constant;
      if (mx === -Infinity) {
        out[r] = -Infinity;
        if (kernel) prob.fill(0, o0, o0 + N);
        continue;
      }
      let sum = expRow(r, s, mx);
      const eLead = L ? Math.exp(L[r] - mx) : 0;
      sum += eLead + (constant !== undefined ? Math.exp(constant - mx) : 0);
      out[r] = mx + Math.log(sum);
      rowFactor[r] = s / sum;
      if (leadProb) leadProb[r] = eLead / sum;
    }
    const kept = kernel ? prob.slice() : prob; // the kernel's memory is reused by the next call
    const value = tf.tensor(out, outShape);
    return {
      value,
      gradFunc: (dy: tfc.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        for (let r = 0; r < R; r++) {
          const gr = g[r] * rowFactor[r];
          const o0 = r * N;
          for (let j = 0; j < N; j++) kept[o0 + j] *= gr;
        }
        const grads = [tf.tensor(kept, zz.shape)];
        if (leadProb && lead) {
          for (let r = 0; r < R; r++) leadProb[r] *= g[r];
          grads.push(tf.tensor(leadProb, lead.shape));
        }
        return grads;
      },
    };
  });
  return o.lead ? (op as (a: tfc.Tensor, b: tfc.Tensor) => tfc.Tensor)(z, o.lead) : (op as (a: tfc.Tensor) => tfc.Tensor)(z);
}
