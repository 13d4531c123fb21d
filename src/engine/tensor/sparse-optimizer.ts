/**
 * Sparse optimisers: apply the gradients of the gathered rows to an embedding table, summing the gradients of
 * duplicate rows first (PyTorch's sparse embeddings / TensorFlow's IndexedSlices). Only rows present in the batch
 * change — for Adam this is "lazy Adam" (TF LazyAdam, torch.optim.SparseAdam): the moments of absent rows are not
 * decayed, and the bias correction uses the global step.
 * Hand-written loops on purpose: this is the hot path and plain typed-array loops beat tensor round-trips here.
 */
import type { EmbeddingTable } from './embedding';
import type { AdamKernelStorage } from './adam-kernel';
import { KernelPool } from '../wasm/pool';

export interface OptimizerSettings {
  kind: 'adam' | 'adagrad' | 'sgd';
  /** Adam: false = dense (every row's moments decay and every row moves each step, as torch.optim.Adam) */
  lazy?: boolean;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export class SparseOptimizer {
  private readonly m: Float32Array | null;
  private readonly v: Float32Array | null;
  private readonly slot: Int32Array;
  private uniqueRows: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private sums: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private t = 0;
  /** rows accumulated since the last update (accumulate / applyAccumulated) */
  private pending = 0;
  lr: number;

  /**
   * @param kernel for Adam: the SIMD kernel's storage, whose `weights` must be the table's data (see adam-kernel.ts);
   *   without it the update runs as a JS loop
   */
  constructor(
    private readonly table: EmbeddingTable,
    private readonly s: OptimizerSettings,
    private readonly kernel: AdamKernelStorage | null = null,
  ) {
    this.lr = s.lr;
    const n = table.rows * table.dim;
    if (kernel && (s.kind !== 'adam' || kernel.weights !== table.data)) throw new Error('the Adam kernel must own the table\'s weights');
    this.m = s.kind === 'adam' ? (kernel?.m ?? new Float32Array(n)) : null;
    // Adagrad's accumulator lives in v; TF/torch start it at 0 (torch default initial_accumulator_value = 0)
    this.v = s.kind === 'sgd' ? null : (kernel?.v ?? new Float32Array(n));
    this.slot = kernel?.slots ?? new Int32Array(table.rows).fill(-1);
    if (kernel) {
      this.uniqueRows = kernel.rowIds;
      this.sums = kernel.grads;
    }
  }

  get step(): number {
    return this.t;
  }

  /** Sums duplicate rows: returns the number of unique rows, with their ids in uniqueRows and gradients in sums. */
  private dedupe(rows: Int32Array, grads: Float32Array): number {
    const D = this.table.dim;
    const need = Math.min(rows.length, this.table.rows);
    if (this.uniqueRows.length < need) this.grow(need);
    const slot = this.slot;
    const uniq = this.uniqueRows;
    const sums = this.sums;
    let n = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      let s = slot[row];
      const g = r * D;
      if (s < 0) {
        s = slot[row] = n;
        uniq[n++] = row;
        const o = s * D;
        for (let k = 0; k < D; k++) sums[o + k] = grads[g + k];
      } else {
        const o = s * D;
        for (let k = 0; k < D; k++) sums[o + k] += grads[g + k];
      }
    }
    return n;
  }

  /** Forgets the rows of the step (slots back to −1), after the update has read them. */
  private release(n: number): void {
    for (let r = 0; r < n; r++) this.slot[this.uniqueRows[r]] = -1;
  }

  /**
   * Accumulation in place, for callers that compute gradients row by row (the fused MF path): `accumulate(row)`
   * returns the offset in `sums` of the row's summed gradient — zeroed on the row's first use this step — and
   * `applyAccumulated()` runs the update on every row touched since the last update. Same result as `apply` with the
   * per-occurrence gradients, without materialising them. `beginAccumulate` starts such a step (at most maxRows row
   * occurrences) and returns the buffer the offsets point into.
   */
  beginAccumulate(maxRows: number): Float32Array {
    if (this.pending) throw new Error('beginAccumulate: the previous accumulated step was not applied');
    const need = Math.min(maxRows, this.table.rows);
    if (this.uniqueRows.length < need) this.grow(need);
    return this.sums;
  }

  accumulate(row: number): number {
    let s = this.slot[row];
    const D = this.table.dim;
    if (s < 0) {
      s = this.slot[row] = this.pending;
      this.uniqueRows[this.pending++] = row;
      this.sums.fill(0, s * D, (s + 1) * D);
    }
    return s * D;
  }

  /**
   * Accumulation by a kernel that assigns the slots itself (the native MF step: wasm/kernel-exports.ts MfSlots), on
   * the Adam kernel storage's slots, rowIds and grads: it gets the number of rows accumulated so far and returns the
   * number after — the same as accumulate() for each of its occurrences in order.
   */
  accumulateWith(kernel: (used: number) => number): void {
    if (!this.kernel) throw new Error('accumulateWith needs the Adam kernel storage');
    const n = kernel(this.pending);
    if (!(n >= this.pending && n <= this.table.rows)) throw new Error(`accumulateWith: the kernel reported ${n} rows (had ${this.pending}, table ${this.table.rows})`);
    this.pending = n;
  }

  /**
   * accumulate() for every row of `rows` with its gradient grads[r·D .. (r+1)·D) added to the row's sum — on the
   * native kernels when the pool runs them (native/src/gather.c, the same sums in the same order), else in JavaScript.
   */
  accumulateRows(rows: Int32Array, grads: Float32Array): void {
    const D = this.table.dim;
    const native = KernelPool.get().native;
    if (native) {
      this.pending = native.accumulateRows(this.slot, this.uniqueRows as Int32Array, this.pending, this.sums as Float32Array, rows, grads, D);
      return;
    }
    const sums = this.sums;
    for (let r = 0; r < rows.length; r++) addRow(sums, this.accumulate(rows[r]), grads, r * D, D);
  }

  /**
   * An L2 term: accumulate() for every row of `rows` with c·(its weights) added; returns Σ of their squared weights.
   * `values`: the rows' weights in list order (row r at r·D, a copy the caller gathered), read instead of the table.
   */
  accumulateL2(rows: Int32Array, c: number, values?: Float32Array): number {
    const D = this.table.dim;
    const w = values ?? this.table.data;
    if (values && values.length < rows.length * D) throw new Error(`accumulateL2: ${rows.length} rows need ${rows.length * D} values, got ${values.length}`);
    const native = KernelPool.get().native;
    if (native) {
      this.sq[0] = 0;
      this.pending = native.accumulateL2(this.slot, this.uniqueRows as Int32Array, this.pending, this.sums as Float32Array, rows, w, D, c, this.sq, values ? 1 : 0);
      return this.sq[0];
    }
    const sums = this.sums;
    let sq = 0;
    for (let r = 0; r < rows.length; r++) {
      const o = this.accumulate(rows[r]);
      const wo = values ? r * D : rows[r] * D;
      for (let d = 0; d < D; d++) {
        const x = w[wo + d];
        sq += x * x;
        sums[o + d] += c * x;
      }
    }
    return sq;
  }

  private readonly sq = new Float64Array(1);

  /** unique rows accumulated since beginAccumulate (their slots are 0 .. this − 1) */
  get accumulatedRows(): number {
    return this.pending;
  }

  /** `inline`: the Adam kernel runs on this thread alone (KernelPool.run's `inline`) */
  applyAccumulated(inline = false): void {
    const n = this.pending;
    this.pending = 0;
    this.update(n, inline);
    this.release(n);
  }

  private grow(rows: number): void {
    if (this.kernel) throw new Error('the Adam kernel storage holds every row: it never grows');
    this.uniqueRows = new Int32Array(rows);
    this.sums = new Float32Array(rows * this.table.dim);
  }

  /** Applies one step. rows[r] is the table row whose gradient is grads[r*dim .. (r+1)*dim). */
  apply(rows: Int32Array, grads: Float32Array): void {
    const n = this.dedupe(rows, grads);
    this.update(n);
    this.release(n);
  }

  /** Updates the first n rows of uniqueRows with their summed gradients in sums. */
  private update(n: number, inline = false): void {
    const D = this.table.dim;
    const w = this.table.data;
    const uniq = this.uniqueRows;
    const g = this.sums;
    const lr = this.lr;
    this.t++;
    if (this.s.kind === 'sgd') {
      for (let r = 0; r < n; r++) {
        const o = uniq[r] * D;
        const go = r * D;
        for (let k = 0; k < D; k++) w[o + k] -= lr * g[go + k];
      }
    } else if (this.s.kind === 'adagrad') {
      const acc = this.v!;
      const eps = this.s.eps;
      for (let r = 0; r < n; r++) {
        const o = uniq[r] * D;
        const go = r * D;
        for (let k = 0; k < D; k++) {
          const gk = g[go + k];
          const a = (acc[o + k] += gk * gk);
          w[o + k] -= (lr * gk) / (Math.sqrt(a) + eps);
        }
      }
    } else {
      const m = this.m!;
      const v = this.v!;
      const { b1, b2, stepSize, epsHat } = this.adamScales();
      if (this.s.lazy === false) {
        this.updateDense(b1, b2, stepSize, epsHat);
        return;
      }
      if (this.kernel) {
        this.kernel.update(n, b1, b2, stepSize, epsHat, inline);
        return;
      }
      for (let r = 0; r < n; r++) {
        const o = uniq[r] * D;
        const go = r * D;
        for (let k = 0; k < D; k++) {
          const gk = g[go + k];
          const mk = (m[o + k] = b1 * m[o + k] + (1 - b1) * gk);
          const vk = (v[o + k] = b2 * v[o + k] + (1 - b2) * gk * gk);
          w[o + k] -= (stepSize * mk) / (Math.sqrt(vk) + epsHat);
        }
      }
    }
  }

  /** Adam's coefficients at the current step t, the bias corrections folded into the step size and ε */
  private adamScales(): { b1: number; b2: number; stepSize: number; epsHat: number } {
    const { beta1: b1, beta2: b2, eps } = this.s;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    // torch Adam: denom = sqrt(v)/sqrt(c2) + eps, rewritten to one division
    return { b1, b2, stepSize: (this.lr * Math.sqrt(c2)) / c1, epsHat: eps * Math.sqrt(c2) };
  }

  /**
   * One Adam step of every row whose full gradient is already in the kernel storage's `grads` (row r at r·D): a graph
   * backbone's ego gradient, which back-propagation over the graph makes dense (models/lightgcn.ts). Equal to the
   * dense update (and to the lazy one, every row being touched); needs Adam on the SIMD kernel.
   */
  applyFullGradient(): void {
    if (!this.kernel || this.s.kind !== 'adam') throw new Error('applyFullGradient needs Adam on the kernel storage');
    this.t++;
    const { b1, b2, stepSize, epsHat } = this.adamScales();
    this.kernel.updateFull(b1, b2, stepSize, epsHat);
  }

  /**
   * Dense Adam (torch.optim.Adam / TF Adam on an embedding table): rows absent from the step have gradient 0, so their
   * moments decay and they keep moving by stepSize·m/(√v + ε) — the references' behaviour, O(table) per step. The
   * step's rows are found through their slots (slot[row] ≥ 0): no full-table gradient is written or cleared.
   */
  private updateDense(b1: number, b2: number, stepSize: number, epsHat: number): void {
    if (this.kernel) {
      this.kernel.updateDense(b1, b2, stepSize, epsHat);
      return;
    }
    const D = this.table.dim;
    const w = this.table.data, m = this.m!, v = this.v!, g = this.sums, slot = this.slot;
    for (let row = 0; row < this.table.rows; row++) {
      const s = slot[row];
      const o = row * D;
      for (let k = 0; k < D; k++) {
        const gk = s >= 0 ? g[s * D + k] : 0;
        const mk = (m[o + k] = b1 * m[o + k] + (1 - b1) * gk);
        const vk = (v[o + k] = b2 * v[o + k] + (1 - b2) * gk * gk);
        w[o + k] -= (stepSize * mk) / (Math.sqrt(vk) + epsHat);
      }
    }
  }
}

/**
 * sums[o..o+D) += src[so..so+D). Its own small function so the loop stays monomorphic: inlined in a loop over a
 * (users, items) tuple it ran at ~24 ns an element, 200 ms of a per-row-negative step (131k rows × 64).
 */
function addRow(sums: Float32Array, o: number, src: Float32Array, so: number, D: number): void {
  for (let d = 0; d < D; d++) sums[o + d] += src[so + d];
}
