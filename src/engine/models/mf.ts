/**
 * Matrix factorisation, the first backbone: two embedding tables that are themselves the step's sources. Gradients
 * of the gathered rows are scattered into the tables by sparse optimisers (duplicates summed). MF also has its own
 * fused step — the closed-form dot-product path of the commonest configuration (MF-BPR), no tfjs at all.
 */
import { EmbeddingTable, rowScore } from '../tensor/embedding';
import { SparseOptimizer, type OptimizerSettings } from '../tensor/sparse-optimizer';
import { AdamKernelStorage } from '../tensor/adam-kernel';
import { Heap } from '../wasm/heap';
import { KernelPool } from '../wasm/pool';
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Loss } from '../losses/types';
import type { Rng } from '../rng';
import type { StepBatch, StepResult, StepTemperature } from '../step/types';
import type { Backbone, BackboneSpec, EgoL2, RowGradients, Sources } from './types';

export class MfModel implements Backbone {
  readonly kind = 'mf';
  readonly users: EmbeddingTable;
  readonly items: EmbeddingTable;
  private readonly userOpt: SparseOptimizer;
  private readonly itemOpt: SparseOptimizer;
  private readonly cosine: boolean;
  private readonly sources: Sources;
  /** Adam on the kernels: both tables' storages in one heap, so the fused step's kernels read users and items at once */
  private readonly kernels: { heap: Heap; users: AdamKernelStorage; items: AdamKernelStorage } | null;

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    private readonly cfg: ModelConfig,
    private readonly opt: OptimizerConfig,
    rng: Rng,
  ) {
    const D = cfg.dim;
    const storageBytes = (rows: number): number => 4 * rows * D * 4 + rows * 8 + 8 * 64;
    const heap = opt.kind === 'adam' && D % 4 === 0 ? new Heap(storageBytes(nUsers) + storageBytes(nItems) + 65536) : null;
    const kernelU = heap ? AdamKernelStorage.create(nUsers, D, heap) : null;
    const kernelI = heap ? AdamKernelStorage.create(nItems, D, heap) : null;
    this.kernels = heap && kernelU && kernelI ? { heap, users: kernelU, items: kernelI } : null;
    this.users = new EmbeddingTable(nUsers, cfg.dim, kernelU?.weights).init(rng, cfg.init.dist, cfg.init.std);
    this.items = new EmbeddingTable(nItems, cfg.dim, kernelI?.weights).init(rng, cfg.init.dist, cfg.init.std);
    const s: OptimizerSettings = { kind: opt.kind, lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, lazy: opt.lazy };
    this.userOpt = new SparseOptimizer(this.users, s, kernelU);
    this.itemOpt = new SparseOptimizer(this.items, s, kernelI);
    this.cosine = cfg.score === 'cosine';
    this.sources = { users: this.users, items: this.items };
  }

  get dim(): number {
    return this.cfg.dim;
  }

  get lr(): number {
    return this.userOpt.lr;
  }
  set lr(v: number) {
    this.userOpt.lr = v;
    this.itemOpt.lr = v;
  }

  forward(): Sources {
    return this.sources;
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

  /** Sums the row gradients (and the L2 term's) into the optimisers' per-row sums, then one update of each table. */
  backward(grads: RowGradients[], l2: EgoL2 | null): number {
    let sq = 0;
    for (const [name, table, opt, l2Rows] of [['users', this.users, this.userOpt, l2?.users], ['items', this.items, this.itemOpt, l2?.items]] as const) {
      const weighted = name === 'items' ? l2?.weightedItems : undefined;
      let occurrences = (l2Rows?.length ?? 0) + (weighted?.rows.length ?? 0);
      for (const g of grads) {
        if (g.source === name) occurrences += g.rows.length;
        else if (g.source !== 'users' && g.source !== 'items') throw new Error(`MF has no source "${g.source}"`);
      }
      opt.beginAccumulate(occurrences);
      for (const g of grads) if (g.source === name) opt.accumulateRows(g.rows, g.grads);
      // the L2 rows' weights as the step gathered them when it lists the same rows (the table rows, read in order)
      if (l2 && l2Rows) sq += opt.accumulateL2(l2Rows, l2.c, grads.find((g) => g.source === name && g.rows === l2Rows && g.values)?.values);
      if (l2 && weighted) sq += this.weightedL2(opt, table.data, weighted.rows, weighted.weights, l2.c);
      opt.applyAccumulated();
    }
    return l2 ? 0.5 * l2.c * sq : 0;
  }

  /** L2 on rows listed once with occurrence counts w: c·w·row into the sums; returns Σ w‖row‖². */
  private weightedL2(opt: SparseOptimizer, table: Float32Array, rows: Int32Array, w: Float32Array, c: number): number {
    const D = this.dim;
    if (this.l2Scratch.length < rows.length * D) this.l2Scratch = new Float32Array(rows.length * D);
    const g = this.l2Scratch.subarray(0, rows.length * D);
    let sq = 0;
    for (let r = 0; r < rows.length; r++) {
      const o = rows[r] * D, cw = c * w[r];
      let s = 0;
      for (let d = 0; d < D; d++) {
        const v = table[o + d];
        s += v * v;
        g[r * D + d] = cw * v;
      }
      sq += w[r] * s;
    }
    opt.accumulateRows(rows, g);
    return sq;
  }
  private l2Scratch = new Float32Array(0);

  fusedStep(batch: StepBatch, loss: Loss, temp: StepTemperature): StepResult | null {
    const neg = batch.neg;
    if (
      this.cfg.fastPath && loss.scoreGrads && !this.cosine && this.cfg.userDropout === 0 && neg.layout === 'per-row' && !neg.synth &&
      batch.positivesPerRow === 1 && !batch.logQ && !temp.wantsPerRowLoss
    ) {
      const scoreGrads = loss.scoreGrads.bind(loss);
      return this.kernels
        ? this.stepDotKernels(this.kernels, batch.users, batch.pos, neg.items, neg.n, scoreGrads)
        : this.stepDot(batch.users, batch.pos, neg.items, neg.n, scoreGrads);
    }
    return null;
  }

  evalEmbeddings(): { users: Float32Array; items: Float32Array } {
    return { users: this.users.data, items: this.items.data };
  }

  parameters(): { users: Float32Array; items: Float32Array } {
    return { users: this.users.data, items: this.items.data };
  }

  load(p: { users: Float32Array; items: Float32Array }): void {
    this.users.data.set(p.users);
    this.items.data.set(p.items);
  }

  private kernelScratch: KernelScratch | null = null;

  /**
   * The fused dot-product step on the kernels (Adam, D a multiple of 4): the same computation as stepDot below, the
   * scores and the chain rule as SIMD kernels (native/src/mfdot.c on this thread, or kernels/mfdot.wat over the pool's
   * threads), the loss's closed form in JS, the slot bookkeeping natively (mfSlots) or in JS (wasm kernels). Scores in
   * float32 (stepDot sums in float64): equal within float rounding.
   */
  private stepDotKernels(k: NonNullable<MfModel['kernels']>, users: Int32Array, pos: Int32Array, negs: Int32Array, N: number, scoreGrads: NonNullable<Loss['scoreGrads']>): StepResult {
    const B = users.length;
    const D = this.cfg.dim;
    const h = k.heap;
    let sc = this.kernelScratch;
    if (!sc || sc.B < B || sc.BN < B * N) {
      const a4 = (n: number): number => h.alloc(n * 4);
      sc = this.kernelScratch = {
        B, BN: B * N,
        users: a4(B), pos: a4(B), negs: a4(B * N), slotU: a4(B), slotP: a4(B), slotN: a4(B * N),
        sPos: a4(B), sNeg: a4(B * N), dPos: a4(B), dNeg: a4(B * N), sq: a4(B),
      };
    }
    h.i32(sc.users, B).set(users);
    h.i32(sc.pos, B).set(pos);
    h.i32(sc.negs, B * N).set(negs.subarray(0, B * N));
    const { l2, l2Mode } = this.opt;
    const c = l2 > 0 && l2Mode !== 'none' ? (l2Mode === 'batch' ? l2 / B : l2) : 0;
    const pool = KernelPool.get();
    // Native kernels run the whole step on this thread: it is memory-latency bound, and spreading its ≈ 2k-row tasks
    // over the pool's two threads cost more (hand-offs, rows written by one core and read by the other next step) than
    // it saved — Yelp2018 epoch 0.58–0.62 s inline against 0.61–0.86 s on two threads, interleaved runs, load 1.7–2.9
    // (docs/benchmarks.md, session 7). The wasm kernels, 2–3× slower per row, keep the split.
    const inline = pool.kernels === 'native';
    const rb = D * 4;
    const U = k.users.at, I = k.items.at;
    pool.run('mfScores', h, [U.w, I.w, sc.users, sc.pos, sc.negs, sc.sPos, sc.sNeg, c ? sc.sq : 0, B, N, rb], inline);
    const dPos = h.f32(sc.dPos, B), dNeg = h.f32(sc.dNeg, B * N);
    let lossValue = scoreGrads(h.f32(sc.sPos, B), h.f32(sc.sNeg, B * N), B, N, dPos, dNeg);
    if (c) {
      const sq = h.f32(sc.sq, B);
      let total = 0;
      for (let b = 0; b < B; b++) total += sq[b]; // in row order: the same sum whatever the thread count
      lossValue += 0.5 * c * total;
    }
    // each occurrence's slot in its optimiser's sums, in stepDot's order (so the unique rows come out the same)
    this.userOpt.beginAccumulate(B);
    this.itemOpt.beginAccumulate(B * (1 + N));
    const slotKernel = pool.kernelsFor(h).mfSlots;
    if (slotKernel) {
      // natively (train.kernels = "native"): the same loop over the storages' slot tables
      this.userOpt.accumulateWith((used) => slotKernel(U.slots, U.rows, U.g, used, rb, sc.users, 0, B, 0, sc.slotU, 0));
      this.itemOpt.accumulateWith((used) => slotKernel(I.slots, I.rows, I.g, used, rb, sc.pos, sc.negs, B, N, sc.slotP, sc.slotN));
    } else {
      const slotU = h.i32(sc.slotU, B), slotP = h.i32(sc.slotP, B), slotN = h.i32(sc.slotN, B * N);
      for (let b = 0; b < B; b++) {
        slotU[b] = this.userOpt.accumulate(users[b]) / D;
        slotP[b] = this.itemOpt.accumulate(pos[b]) / D;
        for (let j = b * N; j < (b + 1) * N; j++) slotN[j] = this.itemOpt.accumulate(negs[j]) / D;
      }
    }
    pool.run('mfGrads', h, [
      U.w, I.w, U.g, I.g, sc.users, sc.pos, sc.negs, sc.slotU, sc.slotP, sc.slotN, sc.dPos, sc.dNeg, B, N, rb, c,
      this.userOpt.accumulatedRows, this.itemOpt.accumulatedRows,
    ], inline);
    this.userOpt.applyAccumulated(inline);
    this.itemOpt.applyAccumulated(inline);
    return { loss: lossValue };
  }

  private scratch: DotScratch | null = null;
  /** sum of the prefetch loads of the last fused step (kept so the JIT cannot drop them) */
  touched = 0;

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

/** The fused step's batch arrays in the tables' heap (grown when a batch is larger; the heap never shrinks). */
interface KernelScratch {
  B: number; BN: number;
  users: number; pos: number; negs: number; slotU: number; slotP: number; slotN: number;
  sPos: number; sNeg: number; dPos: number; dNeg: number; sq: number;
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

export const mf: BackboneSpec = {
  name: 'mf',
  title: 'Matrix factorisation',
  description: 'one embedding per user and per item; the score is their dot product or cosine',
  label: () => 'MF',
  create: (data, cfg, opt, rng) => new MfModel(data.nUsers, data.nItems, cfg, opt, rng),
};
