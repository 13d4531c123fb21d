/**
 * Matrix factorisation trained with engine-owned tables and tfjs autograd on the gathered batch rows.
 *
 * One step: gather user / positive / negative rows → tfjs tensors → f(rows) = loss(scores(normalise(rows))) + L2 →
 * tf.valueAndGrads gives the gradients with respect to the gathered rows → the sparse optimisers scatter them into the
 * tables (duplicates summed).
 */
import { tf } from '../tensor/backend';
import type * as tfc from '@tensorflow/tfjs-core';
import { EmbeddingTable, rowScore } from '../tensor/embedding';
import { SparseOptimizer, type OptimizerSettings } from '../tensor/sparse-optimizer';
import { AdamKernelStorage } from '../tensor/adam-kernel';
import { matMulBt, rowScores } from '../tensor/ops';
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Loss } from '../losses/types';
import type { StepLogQ } from '../losses/logq';
import type { NegativeBatch, Scorer } from '../samplers/types';
import type { Rng } from '../rng';

export interface StepBatch {
  users: Int32Array; // [B]
  pos: Int32Array; // [B * P], row-major
  positivesPerRow: number;
  neg: NegativeBatch;
  /** log q of the positives [B·P] and of the negative columns (per-row: [B·N]; shared / in-batch: one per column) */
  logQ?: StepLogQ;
}

export interface StepTemperature {
  tau: number;
  /** τ per row [B] (per-user schemes) */
  tauPerRow?: Float32Array;
  /** inverse temperature of the positive term (Adap-τ's β0) */
  posInvTau?: number;
  /** the scheme adapts from the per-row losses: ask the loss for them */
  wantsPerRowLoss?: boolean;
}

export interface StepResult {
  loss: number;
  /** per-row loss at τ = 1 when the loss provides it (Adap-τ) */
  perRow?: Float32Array;
}

export class MfModel implements Scorer {
  readonly users: EmbeddingTable;
  readonly items: EmbeddingTable;
  private readonly userOpt: SparseOptimizer;
  private readonly itemOpt: SparseOptimizer;
  private readonly cosine: boolean;

  constructor(
    nUsers: number,
    nItems: number,
    private readonly cfg: ModelConfig,
    private readonly opt: OptimizerConfig,
    rng: Rng,
  ) {
    const kernelU = opt.kind === 'adam' ? AdamKernelStorage.create(nUsers, cfg.dim) : null;
    const kernelI = opt.kind === 'adam' ? AdamKernelStorage.create(nItems, cfg.dim) : null;
    this.users = new EmbeddingTable(nUsers, cfg.dim, kernelU?.weights).init(rng, cfg.init.dist, cfg.init.std);
    this.items = new EmbeddingTable(nItems, cfg.dim, kernelI?.weights).init(rng, cfg.init.dist, cfg.init.std);
    const s: OptimizerSettings = { kind: opt.kind, lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, lazy: opt.lazy };
    this.userOpt = new SparseOptimizer(this.users, s, kernelU);
    this.itemOpt = new SparseOptimizer(this.items, s, kernelI);
    this.cosine = cfg.score === 'cosine';
  }

  get lr(): number {
    return this.userOpt.lr;
  }
  set lr(v: number) {
    this.userOpt.lr = v;
    this.itemOpt.lr = v;
  }

  /** Scorer for samplers: current-model scores of candidate items (training score: dot or cosine). */
  score(users: Int32Array, items: Int32Array, perUser: number): Float32Array {
    const out = new Float32Array(items.length);
    for (let b = 0; b < users.length; b++) {
      const u = users[b];
      for (let k = 0; k < perUser; k++) out[b * perUser + k] = rowScore(this.users, u, this.items, items[b * perUser + k], this.cosine);
    }
    return out;
  }

  /** One optimisation step on a batch. */
  step(batch: StepBatch, loss: Loss, temp: StepTemperature, rng: Rng): StepResult {
    const neg0 = batch.neg;
    if (
      this.cfg.fastPath && loss.scoreGrads && !this.cosine && this.cfg.userDropout === 0 && neg0.layout === 'per-row' &&
      batch.positivesPerRow === 1 && !batch.logQ && !temp.wantsPerRowLoss
    ) {
      return this.stepDot(batch.users, batch.pos, neg0.items, neg0.n, loss.scoreGrads.bind(loss));
    }
    const B = batch.users.length;
    const D = this.cfg.dim;
    const P = batch.positivesPerRow;
    const neg = batch.neg;
    const negIdx = neg.layout === 'per-row' ? neg.items : neg.layout === 'shared' ? neg.items : (neg.extra ?? new Int32Array(0));
    const uRows = this.users.gather(batch.users);
    const pRows = this.items.gather(batch.pos);
    const nRows = this.items.gather(negIdx);
    const dropout = this.cfg.userDropout;
    let dropMask: Float32Array | null = null;
    if (dropout > 0) {
      dropMask = new Float32Array(B * D);
      const keep = 1 / (1 - dropout);
      for (let k = 0; k < dropMask.length; k++) dropMask[k] = rng.float() < dropout ? 0 : keep;
    }
    const { l2, l2Mode } = this.opt;
    const cosine = this.cosine;
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
      if (l2 > 0 && l2Mode !== 'none') {
        // L2 on the gathered (raw) rows, λ·½Σ‖row‖² (÷B in "batch" mode): value and gradient in closed form, added
        // here rather than differentiated by tfjs (same numbers, fewer kernels per step)
        const c = l2Mode === 'batch' ? l2 / B : l2;
        lossValue += 0.5 * c * (addScaled(gU, uRows, c) + addScaled(gP, pRows, c) + addScaled(gN, nRows, c));
      }
      if (perRowT) {
        perRowOut = perRowT.dataSync() as Float32Array;
        perRowT.dispose();
      }
    });

    this.userOpt.apply(batch.users, gU);
    if (negIdx.length) {
      const idx = new Int32Array(batch.pos.length + negIdx.length);
      idx.set(batch.pos);
      idx.set(negIdx, batch.pos.length);
      const g = new Float32Array(gP.length + gN.length);
      g.set(gP);
      g.set(gN, gP.length);
      this.itemOpt.apply(idx, g);
    } else {
      this.itemOpt.apply(batch.pos, gP);
    }
    return { loss: lossValue, perRow: perRowOut };
  }

  private scratch: DotScratch | null = null;
  /** sum of the prefetch loads of the last fused step (kept so the JIT cannot drop them) */
  touched = 0;
  private offDiagonalMask: tfc.Tensor2D | null = null;

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

  /**
   * The fused dot-product step (config model.fastPath): scores, the loss's closed-form score gradients, the chain rule
   * through s = ⟨u, i⟩ (∂u = Σ ∂s·i, ∂i = ∂s·u) and the L2 term, accumulated straight into the optimisers' per-row
   * sums — no gather, no tfjs, no per-occurrence gradient buffers. Hand-written because it is the hot path of the
   * commonest configuration (MF-BPR): measured in docs/benchmarks.md, checked against the tfjs path in
   * test/unit/engine-fast-path.test.ts.
   */
  private stepDot(users: Int32Array, pos: Int32Array, negs: Int32Array, N: number, scoreGrads: NonNullable<Loss['scoreGrads']>): StepResult {
    const B = users.length;
    const D = this.cfg.dim;
    const U = this.users.data;
    const I = this.items.data;
    let sc = this.scratch;
    if (!sc || sc.sPos.length !== B || sc.sNeg.length !== B * N) {
      sc = this.scratch = { sPos: new Float32Array(B), sNeg: new Float32Array(B * N), dPos: new Float32Array(B), dNeg: new Float32Array(B * N) };
    }
    const { sPos, sNeg, dPos, dNeg } = sc;
    // The rows are scattered over tables much larger than the cache and the loop is memory-latency bound: touching
    // the rows PREFETCH_AHEAD rows ahead (one float per 64-byte line) lets the CPU fetch them in parallel with the
    // arithmetic of the current row. `touched` keeps the loads alive.
    let touched = 0;
    for (let b = 0; b < B; b++) {
      const ahead = b + PREFETCH_AHEAD;
      if (ahead < B) {
        touched += touchRow(U, users[ahead] * D, D) + touchRow(I, pos[ahead] * D, D);
        for (let k = 0; k < N; k++) touched += touchRow(I, negs[ahead * N + k] * D, D);
      }
      const uo = users[b] * D;
      sPos[b] = dotRows(U, uo, I, pos[b] * D, D);
      for (let k = 0; k < N; k++) sNeg[b * N + k] = dotRows(U, uo, I, negs[b * N + k] * D, D);
    }
    this.touched = touched;
    let lossValue = scoreGrads(sPos, sNeg, B, N, dPos, dNeg);
    const { l2, l2Mode } = this.opt;
    const c = l2 > 0 && l2Mode !== 'none' ? (l2Mode === 'batch' ? l2 / B : l2) : 0;
    const gU = this.userOpt.beginAccumulate(B);
    const gI = this.itemOpt.beginAccumulate(B * (1 + N));
    let sq = 0;
    for (let b = 0; b < B; b++) {
      const uo = users[b] * D;
      const su = this.userOpt.accumulate(users[b]);
      const po = pos[b] * D;
      const sp = this.itemOpt.accumulate(pos[b]);
      const a = dPos[b];
      if (c) sq += dotRows(U, uo, U, uo, D) + dotRows(I, po, I, po, D);
      for (let d = 0; d < D; d++) {
        const u = U[uo + d], p = I[po + d];
        gU[su + d] += a * p + c * u;
        gI[sp + d] += a * u + c * p;
      }
      for (let k = 0; k < N; k++) {
        const j = negs[b * N + k];
        const no = j * D;
        const sn = this.itemOpt.accumulate(j);
        const g = dNeg[b * N + k];
        if (c) sq += dotRows(I, no, I, no, D);
        for (let d = 0; d < D; d++) {
          const x = I[no + d];
          gU[su + d] += g * x;
          gI[sn + d] += g * U[uo + d] + c * x;
        }
      }
    }
    lossValue += 0.5 * c * sq;
    this.userOpt.applyAccumulated();
    this.itemOpt.applyAccumulated();
    return { loss: lossValue };
  }
}

/** Scratch buffers of the fused step, reused while the shapes stay the same. */
interface DotScratch {
  sPos: Float32Array;
  sNeg: Float32Array;
  dPos: Float32Array;
  dNeg: Float32Array;
}

/** Rows ahead of the current one whose cache lines the fused step touches early. */
const PREFETCH_AHEAD = 8;

/** Reads one float per 64-byte cache line of a row (a software prefetch JavaScript can express). */
function touchRow(x: Float32Array, o: number, D: number): number {
  let t = 0;
  for (let d = 0; d < D; d += 16) t += x[o + d];
  return t;
}

/** ⟨x[xo..xo+D), y[yo..yo+D)⟩ with four partial sums (breaks the add dependency chain: ~2× faster than one sum). */
function dotRows(x: Float32Array, xo: number, y: Float32Array, yo: number, D: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let d = 0;
  for (; d + 3 < D; d += 4) {
    s0 += x[xo + d] * y[yo + d];
    s1 += x[xo + d + 1] * y[yo + d + 1];
    s2 += x[xo + d + 2] * y[yo + d + 2];
    s3 += x[xo + d + 3] * y[yo + d + 3];
  }
  for (; d < D; d++) s0 += x[xo + d] * y[yo + d];
  return s0 + s1 + s2 + s3;
}

/** g += c·x; returns Σx² */
function addScaled(g: Float32Array, x: Float32Array, c: number): number {
  let sq = 0;
  for (let k = 0; k < x.length; k++) {
    const v = x[k];
    sq += v * v;
    g[k] += c * v;
  }
  return sq;
}

/** x / max(‖x‖, 1e-12) row-wise (torch F.normalize). */
export function l2normalize(x: tfc.Tensor): tfc.Tensor {
  const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
  return tf.div(x, tf.maximum(norm, 1e-12));
}
