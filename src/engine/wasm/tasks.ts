/**
 * The work the kernel pool (./pool.ts) spreads over threads: each task runs on thread t of T over its share of rows,
 * on the main thread and in every worker alike (./pool-worker.ts). A task writes only its own rows, so the result does
 * not depend on the thread count — not even in float rounding: every row is computed by the same instructions, and
 * reductions across rows (the loss) are summed afterwards by the caller in row order.
 */
import { instantiate, type KernelName } from './modules';
import { nativeAddon } from '../native/addon';
import { nativeAdam, nativeGemm, nativeIndexRows, nativeLossRows, nativeMfDot, nativeMfSlots, nativeSpmm } from '../native/bind';
import { wasmLossRows, type LossRowExports } from './loss-rows';
import { DEFAULT_KERNELS, type KernelImpl } from './kernel-impl';

export { DEFAULT_KERNELS, type KernelImpl } from './kernel-impl';
import type { AdamExports, GemmExports, MfDotExports, MfSlots, RowExports, ScoreRowExports, SpmmExports } from './kernel-exports';
export type { AdamExports, GemmExports, MfDotExports, MfSlots, RowExports, ScoreRowExports, SpmmExports } from './kernel-exports';

/** The kernels bound to one memory, and float views of it. */
export class BoundKernels {
  readonly gemm: GemmExports;
  readonly spmm: SpmmExports;
  readonly scores: ScoreRowExports;
  readonly rows: RowExports;
  readonly adam: AdamExports;
  readonly mfdot: MfDotExports;
  readonly lossRows: LossRowExports;
  /** the optimisers' slot bookkeeping of MF's fused step as a kernel: native only (null: the JS loop) */
  readonly mfSlots: MfSlots | null;
  constructor(readonly memory: WebAssembly.Memory, readonly impl: KernelImpl = DEFAULT_KERNELS) {
    const k = <T>(n: KernelName): T => instantiate<T>(n, memory);
    const native = impl === 'native' ? nativeAddon() : null;
    this.gemm = native ? nativeGemm(memory, native) : k('gemm');
    this.scores = k('scores');
    this.rows = native ? nativeIndexRows(k('rows'), memory, native) : k('rows');
    this.adam = native ? nativeAdam(memory, native) : k('adam');
    this.spmm = native ? nativeSpmm(memory, native) : k('spmm');
    this.mfdot = native ? nativeMfDot(memory, native) : k('mfdot');
    this.mfSlots = native ? nativeMfSlots(memory, native) : null;
    this.lossRows = native ? nativeLossRows(memory, native) : wasmLossRows(this.scores, memory);
  }
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, n);
  }
}

/** [from, to) of n rows for thread t of T, in blocks of `align` rows (the gemm's 4-row tiles) */
export function share(n: number, t: number, T: number, align = 1): [number, number] {
  const blocks = Math.ceil(n / align);
  const from = Math.min(n, Math.floor((blocks * t) / T) * align);
  const to = Math.min(n, Math.floor((blocks * (t + 1)) / T) * align);
  return [from, to];
}

type Task = (k: BoundKernels, a: Float64Array, t: number, T: number) => void;

export const TASKS: Record<string, Task> = {
  /**
   * gemm over a share of C's rows: a ai ak b ldb c ldc m n k acc kc. kc > 0 splits the inner dimension into chunks of
   * kc, accumulating: when A is read down its columns (∂N = ∂Sᵀ·Û, A's rows a block-row apart) a chunk of A stays in
   * L1 across C's column tiles — measured 1.8× faster at kc = 64 on the SSM step's ∂N (docs/benchmarks.md).
   */
  gemm(k, a, t, T) {
    const [from, to] = share(a[7], t, T, 4);
    if (to <= from) return;
    const K = a[9], kc = a[11] > 0 ? a[11] : K;
    for (let k0 = 0; k0 < K || k0 === 0; k0 += kc) {
      k.gemm.gemm(a[0] + from * a[1] + k0 * a[2], a[1], a[2], a[3] + k0 * a[4], a[4], a[5] + from * a[6], a[6], to - from, a[8], Math.min(kc, K - k0), k0 > 0 ? 1 : a[10]);
      if (K === 0) break;
    }
  },

  /**
   * The softmax form over rows of a score block, in place (tensor/fused-contrastive.ts has the formulas):
   * S mask maskStride sPos dPos rowLoss perRow(0 = none) tmp rows rowBytes incl unit tau tauPerRow(0 = none) posInvTau(NaN = none) r
   * off(0 = none) offStride posOff(0 = none) — the logQ correction: log q of the columns (one row, offStride 0, or one
   * per score row) and of each row's positive, subtracted from the logits —
   * P blockBytes numW denW logEps — MSCL's multisample form: P positives per row (sPos, dPos [B × P]), each with its own
   * column block k at [k·blockBytes, (k+1)·blockBytes) when blockBytes > 0 (in-batch: every row's k-th positive), and
   * the rest of the row a tail every positive contrasts with; ℓ_b = Σ_k denW·log(den_k) − numW·log(e^{z⁺_k} + ε),
   * den_k = [incl] e^{z⁺_k} + Σ_{block k, tail} e^{z} + ε (logEps = log ε, −∞ for none). One positive without blocks,
   * numW = denW = 1 and no ε is the plain softmax form.
   */
  softmaxRows(k, a, t, T) {
    const [from, to] = share(a[8], t, T);
    if (to > from) softmaxRange(k, a, from, to, t);
  },

  /**
   * The hinge form, in place (tensor/fused-contrastive.ts has the formula; ./loss-rows.ts the loop), over rows with P
   * positives each: S mask maskStride sPos dPos rowLoss rows rowBytes N posMargin(NaN = no positive term) terms T mean
   * relative r scratch(6·P·T floats a thread) P.
   */
  hingeRows(k, a, t, T) {
    const [from, to] = share(a[6], t, T);
    if (to > from) hingeRange(k, a, from, to, t);
  },

  /**
   * The score block, the loss and ∂Û of the shared and in-batch layouts in one pass over each thread's rows, a chunk of
   * CONTRAST_CHUNK rows at a time, so that the chunk's scores stay in cache from the product to the loss to ∂Û = ∂S·N̂:
   * form(0 softmax, 1 hinge) Û N̂ᵀ N̂ ∂Û D, then softmaxRows' or hingeRows' arguments (S rows of Np = rowBytes / 4
   * columns). Each row is computed by the same instructions as by the three tasks in turn (gemm, the loss, gemm): the
   * same floats, whatever the chunk or the thread count.
   */
  contrastRows(k, a, t, T) {
    const [form, uh, nT, nh, dU, D] = a;
    const loss = a.subarray(6);
    const [S, rowBytes, B] = [loss[0], form === 0 ? loss[9] : loss[7], form === 0 ? loss[8] : loss[6]];
    const Np = rowBytes / 4, rb = D * 4;
    const [from, to] = share(B, t, T, 4);
    for (let c0 = from; c0 < to; c0 += CONTRAST_CHUNK) {
      const c1 = Math.min(to, c0 + CONTRAST_CHUNK);
      k.gemm.gemm(uh + c0 * rb, rb, 4, nT, rowBytes, S + c0 * rowBytes, rowBytes, c1 - c0, Np, D, 0);
      if (form === 0) softmaxRange(k, loss, c0, c1, t);
      else hingeRange(k, loss, c0, c1, t);
      k.gemm.gemm(S + c0 * rowBytes, rowBytes, 4, nh, rb, dU + c0 * rb, rb, c1 - c0, D, Np, 0);
    }
  },

  /** lazy Adam over a share of the step's unique rows: w m v g rowIds n rb b1 b2 step eps */
  adamRows(k, a, t, T) {
    const [from, to] = share(a[5], t, T);
    if (to > from) k.adam.adamRows(a[0], a[1], a[2], a[3] + from * a[6], a[4] + from * 4, to - from, a[6], a[7], a[8], a[9], a[10]);
  },

  /**
   * Y = A·X for a CSR matrix (graph backbones, models/spmm.ts) over a share of Y's rows balanced by non-zeros:
   * indptr indices values x y rows rb
   */
  spmm(k, a, t, T) {
    const [indptr, indices, values, x, y, rows, rb] = a;
    const [from, to] = nonZeroShare(k, indptr, rows, t, T);
    if (to <= from) return;
    if (rb === 256) k.spmm.spmm64(indptr, indices, values, x, y, from, to);
    else k.spmm.spmm(indptr, indices, values, x, y, from, to, rb);
  },

  /** dense Adam over a share of the table's rows: w m v g slots rows rb b1 b2 step eps */
  adamDense(k, a, t, T) {
    const [from, to] = share(a[5], t, T);
    if (to > from) k.adam.adamDense(a[0], a[1], a[2], a[3], a[4], from, to - from, a[6], a[7], a[8], a[9], a[10]);
  },

  /**
   * Y = A·X with LightGCN's fused epilogue per row (kernels/spmm.wat spmmFused): y += zs·z, f = (f + y)·fs; z / f = 0
   * skip. indptr indices values x y rows rb z zs f fs list count mask: list ≠ 0 computes the `count` rows listed there
   * (shared by position), otherwise rows [0, rows) shared by non-zeros; mask ≠ 0 skips the columns whose byte is 0.
   */
  spmmFused(k, a, t, T) {
    const [indptr, indices, values, x, y, rows, rb, z, zs, f, fs, list, count, mask] = a;
    const [from, to] = list ? share(count, t, T) : nonZeroShare(k, indptr, rows, t, T);
    if (to > from) k.spmm.spmmFused(indptr, indices, values, x, y, from, to, rb, z, zs, f, fs, list, mask);
  },

  /**
   * spmmFused with LightGCN's edge and message dropout (kernels/spmm.wat spmmDrop; the masks are hashes of the row and
   * column or element index, so any split gives the same bits): indptr indices values x y rows rb z zs f fs ekey ethr
   * es etrans mkey mthr ms list count mask (list, count and mask as spmmFused's)
   */
  spmmDrop(k, a, t, T) {
    const [indptr, indices, values, x, y, rows, rb, z, zs, f, fs, ekey, ethr, es, etrans, mkey, mthr, ms, list, count, mask] = a;
    const [from, to] = list ? share(count, t, T) : nonZeroShare(k, indptr, rows, t, T);
    if (to > from) k.spmm.spmmDrop(indptr, indices, values, x, y, from, to, rb, z, zs, f, fs, ekey, ethr, es, etrans, mkey, mthr, ms, list, mask);
  },

  /** message dropout in place over a share of X's rows (kernels/spmm.wat dropRows): x rows rb mkey mthr ms */
  dropRows(k, a, t, T) {
    const [from, to] = share(a[1], t, T);
    if (to > from) k.spmm.dropRows(a[0], from, to, a[2], a[3], a[4], a[5]);
  },

  /** L2 normalisation of a share of the rows (kernels/rows.wat normalize): x out norms n rb */
  normalize(k, a, t, T) {
    const [x, out, norms, n, rb] = a;
    const [from, to] = share(n, t, T);
    if (to > from) k.rows.normalize(x + from * rb, out + from * rb, norms + from * 4, to - from, rb);
  },

  /** its backward in place on the gradient over a share of the rows (normalizeBack): xhat g norms n rb */
  normalizeBack(k, a, t, T) {
    const [xhat, g, norms, n, rb] = a;
    const [from, to] = share(n, t, T);
    if (to > from) k.rows.normalizeBack(xhat + from * rb, g + from * rb, norms + from * 4, to - from, rb);
  },

  /** per-row negatives' scores over a share of the batch rows (kernels/rows.wat groupDots): u n S B K sb rb */
  groupDots(k, a, t, T) {
    const [from, to] = share(a[3], t, T);
    if (to > from) k.rows.groupDots(a[0], a[1], a[2], from, to, a[4], a[5], a[6]);
  },

  /** their backward over a share of the batch rows (groupBack; acc ≠ 0 adds to dU): u n G dU dN B K sb rb acc */
  groupBack(k, a, t, T) {
    const [from, to] = share(a[5], t, T);
    if (to > from) k.rows.groupBack(a[0], a[1], a[2], a[3], a[4], from, to, a[6], a[7], a[8], a[9]);
  },

  /** dots straight from two tables by row number over a share of the rows (rows.wat indexDots): U X users idx S B K rb */
  indexDots(k, a, t, T) {
    const [from, to] = share(a[5], t, T);
    if (to > from) k.rows.indexDots(a[0], a[1], a[2], a[3], a[4], from, to, a[6], a[7]);
  },

  /** per-row negatives read from a table by row number, scores over a share of the batch rows: u X idx S B K sb rb */
  indexGroupDots(k, a, t, T) {
    const [from, to] = share(a[4], t, T);
    if (to > from) k.rows.indexGroupDots(a[0], a[1], a[2], a[3], from, to, a[5], a[6], a[7]);
  },

  /** their backward into the user rows over a share of the batch rows (acc ≠ 0 adds to dU): X idx G dU B K sb rb acc */
  indexGroupBack(k, a, t, T) {
    const [from, to] = share(a[4], t, T);
    if (to > from) k.rows.indexGroupBack(a[0], a[1], a[2], a[3], from, to, a[5], a[6], a[7], a[8]);
  },

  /**
   * and into the table, each thread a share of its rows (summed in batch order) and its own list of B·K entries at
   * list + t·B·K·4: u idx G dX count I B K sb rb list
   */
  indexScatter(k, a, t, T) {
    const [from, to] = share(a[5], t, T);
    if (to > from) k.rows.indexScatter(a[0], a[1], a[2], a[3], a[4], from, to, a[6], a[7], a[8], a[9], a[10] + t * a[6] * a[7] * 4);
  },

  /** MF's fused dot-product step, scores over a share of the batch: U I users pos negs sPos sNeg sq B N rb */
  mfScores(k, a, t, T) {
    const [from, to] = share(a[8], t, T);
    if (to > from) k.mfdot.scores(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], from, to, a[9], a[10]);
  },

  /**
   * its chain rule into the optimisers' sums, each thread owning a share of the user and of the item slots:
   * U I gU gI users pos negs slotU slotP slotN dPos dNeg B N rb c nUserSlots nItemSlots
   */
  mfGrads(k, a, t, T) {
    const [u0, u1] = share(a[16], t, T);
    const [i0, i1] = share(a[17], t, T);
    k.mfdot.grads(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], u0, u1, i0, i1);
  },

  /** dense Adam with a full gradient (row r's at g + r·rb) over a share of the rows: w m v g rows rb b1 b2 step eps */
  adamFull(k, a, t, T) {
    const [from, to] = share(a[4], t, T);
    if (to > from) k.adam.adamFull(a[0], a[1], a[2], a[3], from, to - from, a[5], a[6], a[7], a[8], a[9]);
  },
};

/** rows of a chunk in contrastRows: 32 rows of 1,024 scores are 128 KB, in L2 from the product to ∂Û */
const CONTRAST_CHUNK = 32;

/** softmaxRows over rows [from, to) (thread t's scratch row) */
function softmaxRange(k: BoundKernels, a: Float64Array, from: number, to: number, t: number): void {
  const [S0, M0, maskStride, sPosAt, dPosAt, lossAt, perRowAt, tmp, B, rowBytes, incl, unit, tau, tauAt, posInvTau, r, off0, offStride, posOffAt,
    P, blockBytes, numW, denW, logEps] = a;
  if (P === 1 && blockBytes === 0 && numW === 1 && denW === 1 && logEps === -Infinity) {
    // the plain form: on the kernels in use (./loss-rows.ts), a scratch row per thread
    k.lossRows.softmaxRows(S0, M0, maskStride, sPosAt, dPosAt, lossAt, perRowAt, tmp + t * rowBytes, from, to, rowBytes, incl, unit, tau, tauAt, posInvTau, r, off0, offStride, posOffAt);
    return;
  }
  const sc = k.scores;
  const sPos = k.f32(sPosAt, B * P), dPos = k.f32(dPosAt, B * P), rowLoss = k.f32(lossAt, B);
  const tauRow = tauAt ? k.f32(tauAt, B) : null;
  for (let b = from; b < to; b++) {
    const s = unit ? 1 : 1 / (tauRow ? tauRow[b] : tau);
    const ps = unit ? 1 : Number.isNaN(posInvTau) ? s : posInvTau;
    multisampleRow(sc, S0 + b * rowBytes, M0 + b * maskStride, rowBytes, s, ps, sPos, dPos, b, P, blockBytes, incl, numW, denW, logEps, r, rowLoss);
  }
}

/** hingeRows over rows [from, to) (thread t's scratch) */
function hingeRange(k: BoundKernels, a: Float64Array, from: number, to: number, t: number): void {
  const [S0, M0, maskStride, sPosAt, dPosAt, lossAt, , rowBytes, N, posMargin, termsAt, nTerms, mean, relative, r, scratch, P] = a;
  k.lossRows.hingeRows(S0, M0, maskStride, sPosAt, dPosAt, lossAt, from, to, rowBytes, N, posMargin, termsAt, nTerms, mean, relative, r, P, scratch + t * 24 * P * nTerms);
}

/**
 * One row of the multisample softmax (softmaxRows): the tail's exponentials once (shift: its own max), then per
 * positive k its block's, a shift covering block, tail, positive and ε, the loss and ∂ℓ/∂S in place; the tail's
 * gradient is its exponentials times Σ_k of their weights in each den_k.
 */
function multisampleRow(
  sc: ScoreRowExports, S: number, M: number, rowBytes: number, s: number, ps: number, sPos: Float32Array, dPos: Float32Array, b: number, P: number,
  blockBytes: number, incl: number, numW: number, denW: number, logEps: number, r: number, rowLoss: Float32Array,
): void {
  const tail = P * blockBytes, tailBytes = rowBytes - tail;
  const tmax = tailBytes ? sc.rowMax(S + tail, M + tail, tailBytes, s, 0) : -Infinity;
  const tsum = tmax > -Infinity ? sc.rowExp(S + tail, M + tail, S + tail, tailBytes, s, tmax, 0) : 0;
  let loss = 0, tailCoef = 0;
  for (let q = 0; q < P; q++) {
    const zp = ps * sPos[b * P + q];
    const block = q * blockBytes;
    const bmax = blockBytes ? sc.rowMax(S + block, M + block, blockBytes, s, 0) : -Infinity;
    const shift = Math.max(bmax, tmax, incl ? zp : -Infinity, logEps);
    const bsum = bmax > -Infinity ? sc.rowExp(S + block, M + block, S + block, blockBytes, s, shift, 0) : 0;
    const tailPart = tsum > 0 ? tsum * Math.exp(tmax - shift) : 0;
    const eLead = incl ? Math.exp(zp - shift) : 0;
    const den = bsum + tailPart + eLead + Math.exp(logEps - shift);
    // log(e^{z⁺} + ε) and e^{z⁺}/(e^{z⁺} + ε), stably
    const numShift = Math.max(zp, logEps);
    const num = Math.exp(zp - numShift) + Math.exp(logEps - numShift);
    loss += denW * (shift + Math.log(den)) - numW * (numShift + Math.log(num));
    const g = den > 0 ? (r * s * denW) / den : 0;
    if (blockBytes) sc.rowScale(S + block, blockBytes, g);
    if (tsum > 0) tailCoef += g * Math.exp(tmax - shift);
    dPos[b * P + q] = r * ps * (denW * eLead / den - numW * Math.exp(zp - numShift) / num);
  }
  if (tailBytes) sc.rowScale(S + tail, tailBytes, tailCoef);
  rowLoss[b] = loss;
}

/** [from, to) rows of a CSR matrix for thread t of T, balanced by non-zeros (rows' costs follow their degrees) */
function nonZeroShare(k: BoundKernels, indptrAt: number, rows: number, t: number, T: number): [number, number] {
  const ptr = new Int32Array(k.memory.buffer, indptrAt, rows + 1);
  const nnz = ptr[rows];
  const at = (q: number): number => {
    if (q >= T) return rows;
    const target = Math.floor((nnz * q) / T);
    let lo = 0, hi = rows; // first row whose start reaches the target
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ptr[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [t === 0 ? 0 : at(t), at(t + 1)];
}

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS);
