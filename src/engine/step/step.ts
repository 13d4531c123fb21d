/**
 * One training step for any backbone, on tfjs autograd over the gathered batch rows:
 *   gather the user / positive / negative rows of the backbone's sources → tfjs tensors →
 *   f(rows) = loss(scores(normalise(rows))) → tf.valueAndGrads gives the gradients with respect to the gathered rows →
 *   the backbone takes them back (with the L2 on its ego rows) and updates its parameters.
 * A backbone's fused step (MF's closed-form dot-product path) takes over when it applies.
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import { matMulBt, rowScores } from '../tensor/ops';
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Loss } from '../losses/types';
import type { SynthesisedRows } from '../samplers/types';
import { scoreWidth, type Backbone, type RowGradients, type Sources } from '../models/types';
import type { Rng } from '../rng';
import type { StepBatch, StepResult, StepSettings, StepTemperature } from './types';
import { ManyNegativeStep } from './many-negatives';
import { hopL2, mixedEgoL2 } from './hop-l2';

export function stepSettings(model: ModelConfig, opt: OptimizerConfig): StepSettings {
  return { cosine: model.score === 'cosine', userDropout: model.userDropout, l2: opt.l2, l2Mode: opt.l2Mode, l2Hops: opt.l2Layers === 'all', fused: model.fastPath };
}

export class TrainStep {
  private offDiagonalMask: tfc.Tensor2D | null = null;
  private readonly manyNegatives: ManyNegativeStep;

  constructor(
    readonly backbone: Backbone,
    private readonly s: StepSettings,
  ) {
    this.manyNegatives = new ManyNegativeStep(backbone, s);
  }

  /** One optimisation step on a batch. */
  run(batch: StepBatch, loss: Loss, temp: StepTemperature, rng: Rng): StepResult {
    const fused = this.backbone.fusedStep?.(batch, loss, temp);
    if (fused) return fused;
    const many = this.manyNegatives.run(batch, loss, temp, rng);
    if (many) return many;
    // the scoring width (LightGCN's concat pooling: dim·(L+1))
    const D = scoreWidth(this.backbone);
    const B = batch.users.length;
    const P = batch.positivesPerRow;
    const neg = batch.neg;
    const synth = neg.layout === 'per-row' ? neg.synth : undefined;
    const negIdx = neg.layout === 'per-row' ? neg.items : neg.layout === 'shared' ? neg.items : (neg.extra ?? new Int32Array(0));
    // the rows this step reads (synthesised negatives reference hop rows of their own: then every row)
    const src = this.backbone.forward(synth ? undefined : { users: batch.users, items: [batch.pos, negIdx] });
    const uRows = src.users.gather(batch.users);
    const pRows = src.items.gather(batch.pos);
    const nRows = synth ? gatherSynthesised(src, synth, negIdx.length, D) : src.items.gather(negIdx);
    const dropout = this.s.userDropout;
    let dropMask: Float32Array | null = null;
    if (dropout > 0) {
      dropMask = new Float32Array(B * D);
      const keep = 1 / (1 - dropout);
      for (let k = 0; k < dropMask.length; k++) dropMask[k] = rng.float() < dropout ? 0 : keep;
    }
    const cosine = this.s.cosine;
    let perRowOut: Float32Array | undefined;
    let lossValue = 0;
    let gU!: Float32Array, gP!: Float32Array, gN!: Float32Array;

    tf.tidy(() => {
      const uT = tf.tensor2d(uRows, [B, D]);
      const pT = tf.tensor2d(pRows, [B * P, D]);
      const nT = tf.tensor2d(nRows, [negIdx.length, D]);
      const tauRow = temp.tauPerRow ? tf.tensor1d(temp.tauPerRow) : undefined;
      const drop = dropMask ? tf.tensor2d(dropMask, [B, D]) : undefined;
      const logQPos = batch.logQ ? tf.tensor2d(batch.logQ.pos, [B, P]) : undefined;
      const logQNeg = batch.logQ ? tf.tensor2d(batch.logQ.neg, neg.layout === 'per-row' ? [B, neg.n] : [1, batch.logQ.neg.length]) : undefined;
      let perRowT: tfc.Tensor1D | undefined;

      // in-batch without extra items has no negative rows: nT is then left out of the differentiated arguments (tfjs
      // refuses a gradient for an unused input)
      const f = (u0: tfc.Tensor, p0: tfc.Tensor, n0: tfc.Tensor = nT): tfc.Scalar => {
        let u = drop ? tf.mul(u0, drop) : u0;
        let p = p0;
        let n = n0;
        if (cosine) {
          u = l2normalize(u);
          p = l2normalize(p);
          if (negIdx.length) n = l2normalize(n);
        }
        const u2 = u as tfc.Tensor2D;
        // positives [B, P]. Score products go through tensor/ops.ts, whose gradients avoid tfjs-wasm's slow
        // transposed matMul paths; one score per row is a plain sum(mul) (measured ~2.5× faster than a matMul)
        const pos = P === 1 ? (tf.sum(tf.mul(u2, p), 1, true) as tfc.Tensor2D) : rowScores(u2, p as tfc.Tensor2D);
        let negS: tfc.Tensor2D;
        let negMask: tfc.Tensor2D | undefined;
        let negPerPositive: tfc.Tensor3D | undefined;
        if (neg.layout === 'per-row') {
          negS = neg.n === 1 ? (tf.sum(tf.mul(u2, n), 1, true) as tfc.Tensor2D) : rowScores(u2, n as tfc.Tensor2D);
        } else if (neg.layout === 'shared') {
          negS = matMulBt(u2, n as tfc.Tensor2D);
          if (neg.mask) negMask = tf.tensor2d(neg.mask, [B, negIdx.length]);
        } else {
          const first = P === 1 ? p : tf.reshape(tf.slice(tf.reshape(p, [B, P, D]), [0, 0, 0], [B, 1, D]), [B, D]);
          const inBatch = matMulBt(u2, first as tfc.Tensor2D); // [B, B], diagonal = positives
          const extra = negIdx.length ? matMulBt(u2, n as tfc.Tensor2D) : undefined; // [B, E]
          negS = (extra ? tf.concat([inBatch, extra], 1) : inBatch) as tfc.Tensor2D;
          negMask = neg.mask ? tf.tensor2d(neg.mask, [B, B + negIdx.length]) : this.offDiagonal(B, negIdx.length);
          if (P > 1 && loss.negativesPerPositive) {
            // MSCL contrasts positive column k with every row's k-th positive: score all B·P positives at once,
            // [B, B·P] (column c·P + k) → [B, P, B] (column k's block, diagonal = the row's own k-th positive)
            const all = tf.transpose(tf.reshape(matMulBt(u2, p as tfc.Tensor2D), [B, B, P]), [0, 2, 1]);
            negPerPositive = (extra ? tf.concat([all, tf.tile(tf.reshape(extra, [B, 1, negIdx.length]), [1, P, 1])], 2) : all) as tfc.Tensor3D;
          }
        }
        const out = loss.compute({
          pos, neg: negS, negMask, negPerPositive, logQPos, logQNeg,
          tau: temp.tau, tauPerRow: tauRow, posInvTau: temp.posInvTau, wantPerRow: temp.wantsPerRowLoss,
        });
        if (out.perRow) perRowT = tf.keep(out.perRow);
        return out.loss;
      };

      const { value, grads } = tf.valueAndGrads(f as (...a: tfc.Tensor[]) => tfc.Scalar)(negIdx.length ? [uT, pT, nT] : [uT, pT]);
      lossValue = value.dataSync()[0];
      gU = grads[0].dataSync() as Float32Array;
      gP = grads[1].dataSync() as Float32Array;
      gN = negIdx.length ? (grads[2].dataSync() as Float32Array) : new Float32Array(0);
      if (perRowT) {
        perRowOut = perRowT.dataSync() as Float32Array;
        perRowT.dispose();
      }
    });

    const rowGrads: RowGradients[] = [
      { source: 'users', rows: batch.users, grads: gU },
      { source: 'items', rows: batch.pos, grads: gP },
    ];
    if (negIdx.length) {
      if (synth) rowGrads.push(...scatterSynthesised(src, synth, gN, D));
      else rowGrads.push({ source: 'items', rows: negIdx, grads: gN });
    }
    // L2 on the batch's ego rows, λ·½Σ‖row‖² (÷B in "batch" mode): value and gradient in closed form by the backbone
    // rather than differentiated by tfjs (same numbers, fewer kernels per step)
    const { l2, l2Mode } = this.s;
    const c = l2 > 0 && l2Mode !== 'none' ? (l2Mode === 'batch' ? l2 / B : l2) : 0;
    // synthesised negatives with an ego mixture (MixGCF) are regularised on that mixture, not on an item row
    const l2Items = negIdx.length && !synth?.ego ? concat(batch.pos, negIdx) : batch.pos;
    if (c && synth?.ego) {
      const m = mixedEgoL2(src, synth.ego, c);
      lossValue += m.value;
      rowGrads.push(...m.grads);
    }
    if (c && this.s.l2Hops) {
      const h = hopL2(src, c, batch.users, l2Items);
      lossValue += h.value;
      rowGrads.push(...h.grads);
    }
    lossValue += this.backbone.backward(rowGrads, c ? { c, users: batch.users, items: l2Items } : null);
    return { loss: lossValue, perRow: perRowOut };
  }

  /** The in-batch mask without a sampler mask: 1 − I over the [B, B] block, then E ones; kept while the shape stays. */
  private offDiagonal(B: number, E: number): tfc.Tensor2D {
    const m = this.offDiagonalMask;
    if (m && m.shape[0] === B && m.shape[1] === B + E) return m;
    m?.dispose();
    const data = new Float32Array(B * (B + E)).fill(1);
    for (let b = 0; b < B; b++) data[b * (B + E) + b] = 0;
    const t = tf.keep(tf.tensor2d(data, [B, B + E]));
    this.offDiagonalMask = t;
    return t;
  }
}

/** Step of `backbone` configured by model.* and optimizer.*. */
export function createStep(backbone: Backbone, model: ModelConfig, opt: OptimizerConfig): TrainStep {
  return new TrainStep(backbone, stepSettings(model, opt));
}

/**
 * Row r (W wide) = Σ_t w[r,t]·source_t[ref[r,t]] for the R synthesised rows, term t's row placed at column
 * termOffsets[t] (default 0; concat pooling puts hop l at l·D).
 */
export function gatherSynthesised(src: Sources, s: SynthesisedRows, R: number, W: number): Float32Array {
  const out = new Float32Array(R * W);
  const T = s.terms;
  const terms = synthTerms(src, s, W);
  for (let r = 0; r < R; r++) {
    for (let t = 0; t < T; t++) {
      const w = s.weights[r * T + t];
      if (w === 0) continue;
      const { data: x, dim: Dt, offset } = terms[t];
      const o = r * W + offset;
      const xo = s.refs[r * T + t] * Dt;
      for (let d = 0; d < Dt; d++) out[o + d] += w * x[xo + d];
    }
  }
  return out;
}

/** each term's source table, width and column in a W-wide synthesised row */
function synthTerms(src: Sources, s: SynthesisedRows, W: number): { data: Float32Array; dim: number; offset: number }[] {
  return s.termSources.map((name, t) => {
    const table = src[name];
    if (!table) throw new Error(`synthesised negatives reference the source "${name}", which this backbone does not have (it has: ${Object.keys(src).join(', ')})`);
    const offset = s.termOffsets?.[t] ?? 0;
    if (offset + table.dim > W) throw new Error(`synthesised term ${t} (${name}, ${table.dim} wide at column ${offset}) does not fit the ${W}-wide rows`);
    return { data: table.data, dim: table.dim, offset };
  });
}

/** The gradients of synthesised rows carried to the rows they reference: ∂row_ref += w·∂row, one entry per term slot. */
export function scatterSynthesised(src: Sources, s: SynthesisedRows, g: Float32Array, W: number): RowGradients[] {
  const T = s.terms;
  const R = g.length / W;
  const terms = synthTerms(src, s, W);
  const out: RowGradients[] = [];
  for (let t = 0; t < T; t++) {
    const { dim: Dt, offset } = terms[t];
    const rows = new Int32Array(R);
    const grads = new Float32Array(R * Dt);
    for (let r = 0; r < R; r++) {
      rows[r] = s.refs[r * T + t];
      const w = s.weights[r * T + t];
      for (let d = 0; d < Dt; d++) grads[r * Dt + d] = w * g[r * W + offset + d];
    }
    out.push({ source: s.termSources[t], rows, grads });
  }
  return out;
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** x / max(‖x‖, 1e-12) row-wise (torch F.normalize). */
export function l2normalize(x: tfc.Tensor): tfc.Tensor {
  const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
  return tf.div(x, tf.maximum(norm, 1e-12));
}
