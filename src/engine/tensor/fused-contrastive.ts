/**
 * The fused many-negative step: the score block, the loss's reduction over it and its backward straight into row
 * gradients, on WebAssembly SIMD kernels over one heap — no tfjs, no transposes of the [B × N] block, no copy of it
 * out of wasm memory, no allocation while the shapes stay the same.
 *
 * For dot or cosine scores, one positive per row (a group of P for GDNS's hinge and MSCL) and negatives shared by the
 * batch, in-batch (the other rows' positives, plus optional extra items) or per row (each row its own K, the Adap-τ
 * reference's layout), with a loss whose reduction has one of two forms (Loss.fused, losses/types.ts has them in full):
 *   softmax  ℓ_b = log(e^{z⁺} [if the positive is in the denominator] + Σ_j e^{s_b·S_bj − log q_j}) − z⁺,
 *            z⁺ = β·S⁺_b − log q⁺_b (log q: the logQ correction, 0 without it)       SSM (± logQ), Adap-τ, K-pair BPR
 *            multisample: Σ_k (1−α)·log(den_k) − α·log(e^{z⁺_k} + ε) over P positives, each with its own in-batch
 *            column block (every row's k-th positive) and a tail shared by all                          MSCL
 *   hinge    ℓ_b = [max(0, 1 − S⁺_b)] + A_j Σ_p w_p·max(0, S_bj − o_b − m_p), A = mean or sum over the negatives,
 *            o_b = 0, or S⁺_bi for a margin relative to the positives (summed over them)   CCL, MMCL, GDNS group hinge
 * One step (B rows, N negatives padded to a multiple of 8, D a multiple of 8):
 *   gather rows → dropout on the user rows → normalise (cosine) → S = Û·N̂ᵀ (gemm, N̂ᵀ is a copy of the small
 *   [N × D] operand) → per row: reduction, loss and ∂ℓ/∂S in place over S → ∂Û = ∂S·N̂, ∂N̂ = ∂Sᵀ·Û (gemm reading
 *   ∂S through strides), ∂ over the positive pair → normalisation and dropout backward.
 * Per-row negatives have no shared operand: S_bk = ⟨û_b, n̂_bk⟩ and its backward are row-wise kernels (groupDots,
 * groupBack in kernels/rows.wat) over the [B·K × D] gathered rows, the same reductions in between. When the batch
 * names many more negative rows than the table has (B·K > 3·I, FOLD_RATIO: the Adap-τ reference's 2048 × 1024 against
 * Yelp2018's 38k items), the negatives are not gathered but read by row number from one copy of the table — normalised once a row —
 * and their gradients summed into one [I × D] block (indexGroupDots, indexGroupBack, indexScatter), handed on as the
 * touched rows with their occurrence counts (FusedStepOutput.folded): 0.5 GB of gathered rows a step become 10 MB.
 * The caller hands the row gradients (and the L2 term) to the backbone (step/many-negatives.ts). Tested against the tfjs autograd step
 * (test/unit/engine-fused-contrastive.test.ts); measured in docs/benchmarks.md.
 */
import { Heap } from '../wasm/heap';
import { KernelPool } from '../wasm/pool';
import type { RowExports } from '../wasm/tasks';
import type { FusedLossForm } from '../losses/types';
import type { Rng } from '../rng';

export interface FusedStepInput {
  users: Int32Array;
  pos: Int32Array;
  /** shared: the negative items; in-batch: the extra items after the batch's positives (may be empty); per-row: B × K */
  negItems: Int32Array;
  layout: 'shared' | 'in-batch' | 'per-row';
  /** per-row: K, the negatives of each row */
  perRow?: number;
  /** the sampler's [B × columns] mask (1 = a real negative); in-batch without it: every column but the row's own */
  mask?: Float32Array;
  userTable: Float32Array;
  itemTable: Float32Array;
  dim: number;
  cosine: boolean;
  /** user dropout probability (drawn with rng, in the tfjs step's order) */
  dropout: number;
  rng: Rng;
  form: FusedLossForm;
  /** positives of each row (pos is [B × P]); more than one only for GDNS's hinge and MSCL (fusedShapeSupported) */
  positivesPerRow?: number;
  /** τ, or τ per row, and the positive's inverse temperature (Adap-τ's β0); softmax form only */
  tau: number;
  tauPerRow?: Float32Array;
  posInvTau?: number;
  wantPerRow?: boolean;
  /**
   * the logQ correction (softmax form with `logQ`): log q of each positive [B] and of the negative columns — one per
   * column for shared and in-batch (in-batch: the B positives then the extra items), [B × K] per row
   */
  logQ?: { pos: Float32Array; neg: Float32Array };
}

export interface FusedStepOutput {
  loss: number;
  perRow?: Float32Array;
  /** ∂loss/∂ user rows [B × D] (views into the heap, valid until the next step) */
  userGrads: Float32Array;
  /** the item rows the step touched — the positives then the negative columns — and their gradients [· × D] */
  itemIds: Int32Array;
  itemGrads: Float32Array;
  /** the user and item rows as gathered from the tables (before dropout and normalisation), in the same order */
  userRows: Float32Array;
  itemRows: Float32Array;
  /**
   * per-row negatives in the folded form (see above): the table rows they named, ascending, each once, the gradient
   * summed over its occurrences, and how many times the batch named it (for the L2, which counts occurrences); the
   * rows above (itemIds, itemGrads, itemRows) are then the positives only
   */
  folded?: { rows: Int32Array; grads: Float32Array; counts: Float32Array };
}

/** Per-row negatives: read from the table ('fold'), or gathered ('gather'); 'auto' folds when B·K > 3 × the table's rows. */
export type PerRowForm = 'auto' | 'fold' | 'gather';

/**
 * Whether a step can take the fused path with this loss form: a logQ correction only where the form takes it; several
 * positives per row only for a hinge relative to the positives without a positive term (GDNS's group hinge) and the
 * multisample softmax (MSCL; in-batch with B a multiple of 4, so that each positive's column block is whole vectors).
 */
export function fusedShapeSupported(dim: number, positivesPerRow: number, layout: string, hasLogQ: boolean, form: FusedLossForm, rows: number): boolean {
  const logQ = !hasLogQ || (form.kind === 'softmax' && !!form.logQ);
  const multisample = form.kind === 'softmax' && !!form.multisample && (layout !== 'in-batch' || rows % 4 === 0); // blocks of whole vectors
  const positives = positivesPerRow === 1 || (form.kind === 'hinge' && form.relative && form.posMargin === null) || multisample;
  return dim % 8 === 0 && positives && (layout === 'shared' || layout === 'in-batch' || layout === 'per-row') && logQ;
}

/**
 * Offsets (bytes) of the step's regions in its heap; rebuilt when B, P, N, D, K, the thread count or the hinge's term
 * count change. N is the number of score columns of a row (padded: Np), R the negative rows gathered (shared,
 * in-batch: N; per-row: B·K), P the positives of a row.
 */
interface Layout {
  B: number; P: number; N: number; Np: number; R: number; K: number; D: number; inBatch: boolean; threads: number; terms: number;
  /**
   * folded per-row negatives: I table rows copied (T), normalised (Th, norms Tn), their gradient dT and how many
   * entries named each (count), the row numbers idx [B·K], a list of B·K entries for each thread
   */
  fold: boolean; I: number; T: number; Th: number; Tn: number; dT: number; foldGrads: number; count: number; idx: number; lists: number;
  foldRows: Int32Array; foldCounts: Float32Array;
  heap: Heap;
  u: number; uh: number; un: number; p: number; ph: number; pn: number; n: number; nh: number; nT: number; nn: number;
  S: number; mask: number; sPos: number; dPos: number; dU: number; dI: number; tmp: number; drop: number; rowLoss: number; perRow: number; tau: number;
  /** log q of the columns (one row; per-row negatives: one per score row) and of the positives; the hinge's (m, w) pairs */
  off: number; posOff: number; hingeTerms: number; hingeScratch: number;
  itemIds: Int32Array;
}

export class FusedContrastiveStep {
  private L: Layout | null = null;
  /** the per-row form: 'auto' but where a test or a benchmark compares the two */
  static perRowForm: PerRowForm = 'auto';

  private layout(B: number, P: number, N: number, D: number, inBatch: boolean, K: number, terms: number, I: number, pool: KernelPool): Layout {
    const old = this.L;
    const threads = pool.threads;
    if (old && old.B === B && old.P === P && old.N === N && old.D === D && old.inBatch === inBatch && old.K === K && old.threads === threads && old.terms === terms && old.I === I) return old;
    if (old) pool.release(old.heap);
    const fold = I > 0;
    const Np = Math.ceil(N / 8) * 8;
    const R = fold ? 0 : K ? B * K : N;
    const negRows = fold ? 0 : Math.max(R, Np);
    const f = 4;
    const offRows = K ? B : 1;
    const BP = B * P;
    const hinge = 2 * terms + threads * 6 * P * terms;
    const folded = fold ? (4 * I * D + 2 * I + (1 + threads) * B * K) * f : 0;
    const sizes = (B * 4 + BP * 3) * D * f + negRows * D * f * 3 + (K ? 0 : Np * D * f) + B * Np * f * 2 + (B * 4 + BP * 4 + negRows + Np * (1 + threads + offRows) + hinge) * f + folded;
    const heap = new Heap(sizes + 40 * 64);
    const a = (floats: number): number => heap.alloc(floats * f);
    const L: Layout = {
      B, P, N, Np, R, K, D, inBatch, threads, terms, heap,
      fold, I, T: fold ? a(I * D) : 0, Th: fold ? a(I * D) : 0, Tn: fold ? a(I) : 0, dT: fold ? a(I * D) : 0, foldGrads: fold ? a(I * D) : 0,
      count: fold ? a(I) : 0, idx: fold ? a(B * K) : 0, lists: fold ? a(threads * B * K) : 0,
      foldRows: new Int32Array(I), foldCounts: new Float32Array(I),
      u: a(B * D), uh: a(B * D), un: a(B), p: 0, ph: 0, pn: 0,
      n: 0, nh: 0, nT: K ? 0 : a(D * Np), nn: 0,
      S: a(B * Np), mask: a(B * Np), sPos: a(BP), dPos: a(BP), dU: a(B * D), dI: a((BP + negRows) * D), tmp: a(Np * threads), drop: a(B * D),
      rowLoss: a(B), perRow: a(B), tau: a(B), off: a(offRows * Np), posOff: a(BP), hingeTerms: a(Math.max(2 * terms, 1)),
      hingeScratch: a(Math.max(threads * 6 * P * terms, 1)),
      itemIds: new Int32Array(BP + R),
    };
    // the positives' rows and the negatives' in one block each (raw, normalised, norms), in the order of itemIds: one
    // pass of a row kernel covers both, and the raw rows are the values for the L2
    const items = BP + negRows;
    [L.p, L.ph, L.pn] = [a(items * D), a(items * D), a(items)];
    [L.n, L.nh, L.nn] = [L.p + BP * D * f, L.ph + BP * D * f, L.pn + BP * f];
    this.L = L;
    return L;
  }

  step(x: FusedStepInput): FusedStepOutput {
    const B = x.users.length;
    const D = x.dim;
    const inBatch = x.layout === 'in-batch';
    const K = x.layout === 'per-row' ? (x.perRow ?? 0) : 0;
    if (x.layout === 'per-row' && (K < 1 || x.negItems.length !== B * K)) throw new Error(`fused step: per-row negatives need B × K = ${B} × ${K} items, got ${x.negItems.length}`);
    const P = x.positivesPerRow ?? 1;
    // MSCL in-batch: a column block per positive k (every row's k-th positive), then the extra items
    const blocks = x.form.kind === 'softmax' && !!x.form.multisample && inBatch && P > 1;
    const N = K || (blocks ? P * B + x.negItems.length : inBatch ? B + x.negItems.length : x.negItems.length);
    if (x.pos.length !== B * P) throw new Error(`fused step: ${B} rows × ${P} positives need ${B * P} positive items, got ${x.pos.length}`);
    if (P > 1 && !fusedShapeSupported(x.dim, P, x.layout, !!x.logQ, x.form, B)) throw new Error('fused step: several positives per row only for GDNS\'s hinge and MSCL (in-batch: B a multiple of 4)');
    const pool = KernelPool.get();
    const I = K ? x.itemTable.length / D : 0;
    const fold = K > 0 && (FusedContrastiveStep.perRowForm === 'fold' || (FusedContrastiveStep.perRowForm === 'auto' && perRowFolds(B, K, I)));
    const L = this.layout(B, P, N, D, inBatch, K, x.form.kind === 'hinge' ? x.form.terms.length : 0, fold ? I : 0, pool);
    const { heap, Np, R } = L;
    const BP = B * P;
    const rb = D * 4;
    const rows = heap.kernel<RowExports>('rows');
    const view = (at: number, n: number): Float32Array => heap.f32(at, n);

    // gather: users, positives, negative columns (in-batch: the rows' first positives, then the extra items)
    const negIds = L.itemIds.subarray(BP);
    if (blocks) {
      for (let q = 0; q < P; q++) for (let b = 0; b < B; b++) negIds[q * B + b] = x.pos[b * P + q];
      negIds.set(x.negItems, P * B);
    } else if (inBatch) {
      if (P === 1) negIds.set(x.pos);
      else for (let b = 0; b < B; b++) negIds[b] = x.pos[b * P];
      negIds.set(x.negItems, B);
    } else if (!L.fold) negIds.set(x.negItems);
    L.itemIds.set(x.pos);
    const native = pool.native; // the row loops below in native code when the pool runs native kernels (native/src/gather.c)
    const gather = native ? native.gatherRows : gatherRows;
    gather(view(L.u, B * D), x.userTable, x.users, D);
    gather(view(L.p, BP * D), x.itemTable, x.pos, D);
    if (L.fold) this.foldInput(x.negItems, x.itemTable, L); // the table and the row numbers, no gathered rows
    else gather(view(L.n, R * D), x.itemTable, negIds, D); // shared: padding rows N..Np stay 0 (masked below)

    // user dropout (inverted, as the tfjs step: same draws in the same order)
    const dropMask = x.dropout > 0 ? view(L.drop, B * D) : null;
    const uIn = x.dropout > 0 ? L.uh : L.u;
    if (dropMask && native) {
      native.dropoutRows(x.rng.saveState(this.rngState), view(L.u, B * D), view(L.uh, B * D), dropMask, x.dropout);
      x.rng.loadState(this.rngState);
    } else if (dropMask) {
      const keep = 1 / (1 - x.dropout);
      const u = view(L.u, B * D), ud = view(L.uh, B * D);
      for (let k = 0; k < dropMask.length; k++) ud[k] = u[k] * (dropMask[k] = x.rng.float() < x.dropout ? 0 : keep);
    }
    // the rows the scores see: normalised (cosine) or as they are (dot)
    let uh = uIn, ph = L.p, nh = L.n, th = L.T;
    if (x.cosine) {
      rowTask(pool, heap, 'normalize', [uIn, L.uh, L.un, B, rb], D);
      rowTask(pool, heap, 'normalize', [L.p, L.ph, L.pn, BP + (K ? R : Np), rb], D); // the positives and the negatives
      if (L.fold) rowTask(pool, heap, 'normalize', [L.T, L.Th, L.Tn, L.I, rb], D); // every table row once

      uh = L.uh; ph = L.ph; nh = L.nh; th = L.Th;
    }
    if (!K) (native ? native.transposeRows : transposeInto)(view(L.nT, D * Np), view(nh, Np * D), Np, D);

    // masks: sampler mask (padded to Np columns), else one row of ones (0 on padding) or the in-batch off-diagonal
    const mask = view(L.mask, B * Np);
    let maskStride = 0;
    if (blocks) {
      // the row's mask over [positives, extras] (the sampler's, else the off-diagonal) for each block, then the extras'
      const E = x.negItems.length, W = B + E;
      if (x.mask || !(this.maskKind === 'blocks' && this.maskOf === L)) {
        mask.fill(0);
        for (let b = 0; b < B; b++) {
          const o = b * Np;
          for (let q = 0; q < P; q++) {
            if (x.mask) mask.set(x.mask.subarray(b * W, b * W + B), o + q * B);
            else mask.fill(1, o + q * B, o + (q + 1) * B), (mask[o + q * B + b] = 0);
          }
          if (x.mask) mask.set(x.mask.subarray(b * W + B, (b + 1) * W), o + P * B);
          else mask.fill(1, o + P * B, o + P * B + E);
        }
      }
      maskStride = Np * 4;
    } else if (x.mask) {
      if (Np === N) mask.set(x.mask.subarray(0, B * N));
      else for (let b = 0; b < B; b++) mask.set(x.mask.subarray(b * N, (b + 1) * N), b * Np);
      maskStride = Np * 4;
    } else if (inBatch) {
      if (!(this.maskKind === 'diag' && this.maskOf === L)) {
        mask.fill(0);
        for (let b = 0; b < B; b++) mask.fill(1, b * Np, b * Np + N), (mask[b * Np + b] = 0);
      }
      maskStride = Np * 4;
    } else if (!(this.maskKind === 'ones' && this.maskOf === L)) {
      mask.fill(0, 0, Np).fill(1, 0, N);
    }
    this.maskKind = x.mask ? 'sampler' : blocks ? 'blocks' : inBatch ? 'diag' : 'ones';
    this.maskOf = L;

    // scores: positives, and the block S = Û·N̂ᵀ [B × Np] (row shares over the pool's threads)
    if (P === 1) rows.rowDots(uh, ph, L.sPos, B, rb);
    else pool.run('groupDots', heap, [uh, ph, L.sPos, B, P, P * 4, rb]);
    if (L.fold) pool.run('indexGroupDots', heap, [uh, th, L.idx, L.S, B, K, Np * 4, rb]);
    else if (K) pool.run('groupDots', heap, [uh, nh, L.S, B, K, Np * 4, rb]);

    // the loss's reduction per row (wasm/tasks.ts): its value, ∂ℓ/∂S in place over S, ∂ℓ/∂S⁺ in dPos; without per-row
    // negatives, in one task with the product before it and ∂Û = ∂S·N̂ after it (contrastRows: a chunk of rows in cache)
    const form = x.form;
    const r = form.reduction === 'sum' ? 1 : 1 / B;
    const rowBytes = Np * 4;
    let args: number[];
    if (form.kind === 'softmax') {
      if (x.tauPerRow) view(L.tau, B).set(x.tauPerRow);
      const logQ = x.logQ ? this.logQ(x.logQ, L) : null;
      args = [
        L.S, L.mask, maskStride, L.sPos, L.dPos, L.rowLoss, x.wantPerRow ? L.perRow : 0, L.tmp, B, rowBytes,
        form.includePositive ? 1 : 0, form.scale === 'unit' ? 1 : 0, x.tau, x.tauPerRow ? L.tau : 0, x.posInvTau ?? NaN, r,
        logQ ? L.off : 0, logQ && K ? rowBytes : 0, logQ ? L.posOff : 0,
        P, blocks ? B * 4 : 0, form.multisample ? form.multisample.alpha : 1, form.multisample ? 1 - form.multisample.alpha : 1,
        form.multisample && form.multisample.epsilon > 0 ? Math.log(form.multisample.epsilon) : -Infinity,
      ];
    } else {
      const terms = view(L.hingeTerms, 2 * form.terms.length);
      form.terms.forEach((t, p) => ((terms[2 * p] = t.margin), (terms[2 * p + 1] = t.weight)));
      args = [
        L.S, L.mask, maskStride, L.sPos, L.dPos, L.rowLoss, B, rowBytes, N, form.posMargin ?? NaN, L.hingeTerms, form.terms.length,
        form.average === 'mean' ? 1 : 0, form.relative ? 1 : 0, r, L.hingeScratch, P,
      ];
    }
    if (K) pool.run(form.kind === 'softmax' ? 'softmaxRows' : 'hingeRows', heap, args);
    else pool.run('contrastRows', heap, [form.kind === 'softmax' ? 0 : 1, uh, L.nT, nh, L.dU, D, ...args]);
    const rowLoss = view(L.rowLoss, B);
    let total = 0;
    for (let b = 0; b < B; b++) total += rowLoss[b]; // in row order: the same sum whatever the thread count
    const loss = total * r;
    const perRow = x.wantPerRow && form.kind === 'softmax' ? Float32Array.from(view(L.perRow, B)) : undefined;

    // backward through the products: ∂Û = ∂S·N̂ (done above without per-row negatives) + Σ_i ∂S⁺_i·P̂_i, ∂N̂ = ∂Sᵀ·Û,
    // ∂P̂_i = ∂S⁺_i·Û (the positives as a group of P per row, added to ∂Û)
    const dP = L.dI, dN = L.dI + BP * rb;
    if (L.fold) {
      pool.run('indexGroupBack', heap, [th, L.idx, L.S, L.dU, B, K, Np * 4, rb, 0]);
      pool.run('indexScatter', heap, [uh, L.idx, L.S, L.dT, L.count, L.I, B, K, Np * 4, rb, L.lists]);
    } else if (K) pool.run('groupBack', heap, [uh, nh, L.S, L.dU, dN, B, K, Np * 4, rb, 0]);
    else pool.run('gemm', heap, [L.S, 4, Np * 4, uh, rb, dN, rb, Np, D, B, 0, 64]);
    pool.run('groupBack', heap, [uh, ph, L.dPos, L.dU, dP, B, P, P * 4, rb, 1]);
    if (x.cosine) {
      rowTask(pool, heap, 'normalizeBack', [L.uh, L.dU, L.un, B, rb], D);
      rowTask(pool, heap, 'normalizeBack', [L.ph, dP, L.pn, BP + R, rb], D); // dN follows dP
      if (L.fold) rowTask(pool, heap, 'normalizeBack', [L.Th, L.dT, L.Tn, L.I, rb], D); // rows no negative named: 0 stays 0
    }
    const userGrads = view(L.dU, B * D);
    if (dropMask) for (let k = 0; k < dropMask.length; k++) userGrads[k] *= dropMask[k];
    const itemGrads = view(L.dI, (BP + R) * D);
    const folded = L.fold ? this.foldOutput(L, gather) : undefined;
    return { loss, perRow, userGrads, itemIds: L.itemIds, itemGrads, userRows: view(L.u, B * D), itemRows: view(L.p, (BP + R) * D), folded };
  }

  /** Folded per-row negatives: the table and the row numbers (checked: the kernels read rows by them) into the heap. */
  private foldInput(ids: Int32Array, table: Float32Array, L: Layout): void {
    const { I, D } = L;
    if (table.length !== I * D) throw new Error(`fused step: the item table has ${table.length} floats, not ${I} × ${D}`);
    for (let e = 0; e < ids.length; e++) {
      if (ids[e] >>> 0 >= I) throw new Error(`fused step: negative ${e} names item ${ids[e]}, outside the table's ${I} rows`);
    }
    L.heap.f32(L.T, I * D).set(table);
    L.heap.i32(L.idx, ids.length).set(ids);
  }

  /** The rows the negatives named (ascending), their summed gradients and their occurrence counts. */
  private foldOutput(L: Layout, gather: (out: Float32Array, table: Float32Array, ids: Int32Array, D: number) => void): NonNullable<FusedStepOutput['folded']> {
    const { I, D, foldRows, foldCounts } = L;
    const count = L.heap.i32(L.count, I);
    let n = 0;
    for (let i = 0; i < I; i++) if (count[i] > 0) (foldRows[n] = i), (foldCounts[n++] = count[i]);
    const rows = foldRows.subarray(0, n);
    const grads = L.heap.f32(L.foldGrads, n * D);
    gather(grads, L.heap.f32(L.dT, I * D), rows, D);
    return { rows, grads, counts: foldCounts.subarray(0, n) };
  }

  /** Copies log q into the heap: the columns (padding 0: masked anyway) and the positives. */
  private logQ(q: { pos: Float32Array; neg: Float32Array }, L: Layout): true {
    const { B, N, Np, K } = L;
    const rows = K ? B : 1;
    if (q.pos.length !== B || q.neg.length !== rows * N) throw new Error(`fused step: logQ needs ${B} positives and ${rows} × ${N} columns, got ${q.pos.length} and ${q.neg.length}`);
    L.heap.f32(L.posOff, B).set(q.pos);
    const off = L.heap.f32(L.off, rows * Np);
    for (let b = 0; b < rows; b++) off.set(q.neg.subarray(b * N, (b + 1) * N), b * Np);
    return true;
  }

  private readonly rngState = new Uint32Array(4);
  private maskKind: 'ones' | 'diag' | 'blocks' | 'sampler' | null = null;
  private maskOf: Layout | null = null;
}

/**
 * A row-wise pool task (args[3] rows of D floats) on the pool's threads when it is large enough to pay for waking
 * them — per-row negatives' B·K rows —, else on this thread: measured, a hand-off after the step's serial part costs
 * about 0.1 ms, more than normalising the few thousand rows of a shared-negative step.
 */
function rowTask(pool: KernelPool, heap: Heap, task: 'normalize' | 'normalizeBack', args: number[], D: number): void {
  pool.run(task, heap, args, args[3] * D < ROW_TASK_POOLED);
}

/**
 * Per-row negatives are folded when the batch names more than this many times the table's rows: measured on Yelp2018
 * shapes (38k items, B = 2048, SSM, cosine, 2 threads, native kernels; bench/step.mjs --per-row fold|gather, pairs):
 * K = 16 (B·K = 0.9 I) gathered 9.9–10.9 ms against 14.6–16.9 folded, K = 32 (1.7 I) 15.6–15.9 against 17.9–19.0,
 * K = 64 (3.4 I) 24.9–26.4 against 14.7–18.0, K = 1024 (55 I, Adap-τ) 294–392 against 66–75.
 */
const FOLD_RATIO = 3;

/** Whether 'auto' folds B rows of K per-row negatives over a table of I rows. */
export function perRowFolds(B: number, K: number, I: number): boolean {
  return B * K > FOLD_RATIO * I;
}

/** floats of a row task from which it is shared over the pool's threads */
const ROW_TASK_POOLED = 1 << 20;

/** Copies table rows ids[·] into out (row-major), two floats per move through Float64 views (tensor/embedding.ts). */
function gatherRows(out: Float32Array, table: Float32Array, ids: Int32Array, D: number): void {
  const H = D >> 1;
  const src = new Float64Array(table.buffer, table.byteOffset, table.length >> 1);
  const dst = new Float64Array(out.buffer, out.byteOffset, ids.length * H);
  for (let r = 0, o = 0; r < ids.length; r++) {
    let s = ids[r] * H;
    const end = o + H;
    while (o < end) dst[o++] = src[s++];
  }
}

/** out [D × R] = xᵀ for x [R × D] (the small negative operand, not the score block). */
function transposeInto(out: Float32Array, x: Float32Array, R: number, D: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * D;
    for (let d = 0; d < D; d++) out[d * R + r] = x[o + d];
  }
}
