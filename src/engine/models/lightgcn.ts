/**
 * LightGCN (He et al., SIGIR 2020), as the reference codes run it (gusye1234/LightGCN-PyTorch `model.py`,
 * kuandeng/LightGCN; algorithms.md §0):
 * - parameters: the ego (layer-0) embeddings E⁰ = [users | items];
 * - propagation over the whole graph at every step: E^(l+1) = Â·E^(l), Â = D^-1/2 A D^-1/2 (./graph.ts);
 * - the step's sources: the final embeddings (`users`, `items`) and each hop (`users@l`, `items@l`) for hop-mixing
 *   samplers. model.pooling (MixGCF's `pooling`, modules/LightGCN.py): "mean" mean_{l=0..L} E^(l) (LightGCN), "sum"
 *   Σ_l E^(l), "concat" [E^(0) | … | E^(L)] (D·(L+1) wide: the scores are Σ_l ⟨e_u^(l), e_i^(l)⟩), "final" E^(L);
 * - backward: the row gradients of the final embeddings (÷(L+1) into every layer) and of the hops are carried back
 *   through the same product — Â is symmetric, so ∂E^(l) = Â·∂E^(l+1) + (direct gradient of layer l) — down to
 *   ∂E⁰; no autograd for the graph part;
 * - L2 on the ego embeddings of the batch rows (λ·½Σ‖e⁰‖²/B in the reference's "batch" scaling, optimizer.l2Mode);
 * - the ego gradient is dense, so every row moves every step (torch.optim.Adam on the reference's embeddings);
 * - speed (docs/benchmarks.md): the ego table, Adam's moments, the hops and the gradients live in the graph's
 *   WebAssembly heap; each layer is one fused kernel pass (the product plus the running layer mean, or plus the direct
 *   gradient), and Adam reads the ego gradient where back-propagation wrote it — no JS passes over [nodes × D].
 * - evaluation ranks with the propagated embeddings, computed once per evaluation; checkpoints hold E⁰.
 * - dropout (model.edgeDropout, model.messageDropout; MixGCF's and Adap-τ's `GraphConv.forward`, training only): hop l
 *   is E^(l) = M_l ⊙ ((Â ⊙ N_l)·E^(l−1)) / ((1 − p_edge)(1 − p_msg)) — N_l a Bernoulli mask of Â's non-zeros (each
 *   direction on its own, as `_sparse_dropout` of the COO matrix), M_l one of the [nodes × D] elements, both drawn
 *   anew at every hop of every training propagation; the dropped hop feeds the next hop and the pooling. Evaluation
 *   propagates without dropout (the code's `generate`: edge_dropout=False, mess_dropout=False). The masks are hashes
 *   of (seed, step, hop, index) (./dropout.ts), recomputed by backward: ∂P_l = M_l ⊙ ∂E^(l)/(1 − p_msg),
 *   ∂E^(l−1) += (Â ⊙ N_l)ᵀ·∂P_l/(1 − p_edge).
 */
import { HeapIndexedDots, referenceIndexedDots, type IndexedDotsFn } from '../tensor/indexed-dots';
import { EmbeddingTable, rowScore } from '../tensor/embedding';
import { SparseOptimizer, type OptimizerSettings } from '../tensor/sparse-optimizer';
import { AdamKernelStorage } from '../tensor/adam-kernel';
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Interactions } from '../data/types';
import type { Rng } from '../rng';
import type { Backbone, BackboneSpec, EgoL2, RowGradients, RowNeed, Sources } from './types';
import { normalizedAdjacency, type NormalizedAdjacency } from './graph';
import { graphBuffers, type GraphBuffers } from './spmm';
import { dropoutKey, dropoutThreshold, messageKept, type HopDropout } from './dropout';

export class LightGcnModel implements Backbone {
  readonly kind = 'lightgcn';
  /** ego embeddings (the parameters): views of one [nodes × D] table, users first */
  readonly users: EmbeddingTable;
  readonly items: EmbeddingTable;
  readonly graph: NormalizedAdjacency;
  readonly layers: number;
  /** weight of every layer in the final embedding: 1/(L+1) (mean pooling) or 1 (sum) */
  private readonly combine: number;
  /** the final embedding: the weighted sum of the layers (mean, sum), or the layers side by side (concat), or the last */
  private readonly pooling: 'mean' | 'sum' | 'concat' | 'final';
  /** width of the final embedding: D, or D·(L+1) for concat */
  readonly scoreDim: number;
  /** the ego table [users | items] and its optimiser (Adam on the SIMD kernel when the graph runs on the kernel) */
  private readonly ego: EmbeddingTable;
  private readonly opt: SparseOptimizer;
  private readonly fullGradient: boolean;
  private readonly cosine: boolean;
  private readonly nodes: number;
  /** E^(0..L), each [nodes × D] (E^(0) is the ego table itself), and their mean */
  private readonly hop: Float32Array[];
  private readonly final: Float32Array;
  private readonly sources: Sources;
  /** backward: the final embeddings' gradient ÷ (L+1), two scratch buffers, the ego gradient */
  private readonly gFinal: Float32Array;
  private readonly gScratch: [Float32Array, Float32Array];
  private readonly gEgo: Float32Array;
  /** rows of gFinal written by the last backward (zeroed again at the next one instead of the whole buffer) */
  private touched: Int32Array[] = [];
  private readonly g: GraphBuffers;
  /** what the hop buffers hold: nothing current, the training propagation (with dropout) or the evaluation one */
  readonly indexedDots: IndexedDotsFn;
  private state: 'stale' | 'train' | 'eval' = 'stale';
  /** edge / message dropout rates, whether any applies (L > 0), the masks' seed and the training propagations so far */
  private readonly pEdge: number;
  private readonly pMsg: number;
  private readonly dropping: boolean;
  private readonly dropSeed: number;
  private dropStep = 0;
  /**
   * After a training forward for the batch's rows: the last layer (and the final embeddings) hold only these nodes
   * (a byte per node, 1 = done; the array is `done`, reused); null when every row is right.
   */
  private partial: Uint8Array | null = null;
  private done: Uint8Array | null = null;
  /** the product's engine: the SIMD kernel, or the plain reference when D is not a multiple of 4 */
  get spmmEngine(): GraphBuffers['engine'] {
    return this.g.engine;
  }
  /** propagations so far (tests, benchmarks) */
  propagations = 0;
  /**
   * Propagate every row of the last layer and read every column in backward's first product, as before the batch-row
   * shortcuts (benchmarks and tests compare the two; the numbers are the same).
   */
  everyRow = false;

  constructor(
    train: Interactions,
    private readonly cfg: ModelConfig,
    opt: OptimizerConfig,
    rng: Rng,
    /** the SpMM kernel (default) or the plain reference (tests) */
    spmmEngine: 'auto' | 'reference' = 'auto',
  ) {
    const nUsers = train.nUsers, nItems = train.nItems, D = cfg.dim;
    const L = (this.layers = cfg.layers ?? 3);
    this.combine = cfg.pooling === 'sum' ? 1 : 1 / (L + 1);
    const pooling = (this.pooling = cfg.pooling ?? 'mean');
    const summed = pooling === 'mean' || pooling === 'sum';
    const W = (this.scoreDim = pooling === 'concat' ? D * (L + 1) : D);
    this.cosine = cfg.score === 'cosine';
    this.graph = normalizedAdjacency(train);
    const nodes = (this.nodes = nUsers + nItems);
    const floats = nodes * D;
    // Adam on the kernel keeps [weights | m | v | gradient | ids | slots] of every node in the graph's heap (other
    // optimisers: the ego table and its gradient)
    const adamBytes = opt.kind === 'adam' ? 4 * floats * 4 + nodes * 8 + 8 * 64 : 2 * floats * 4 + 128;
    // hops 1..L, backward's final gradient, two scratch buffers and the final mean (mean or sum pooling)
    const g = (this.g = graphBuffers(this.graph, D, L + 3 + (summed ? 1 : 0), spmmEngine, adamBytes));
    const kernel = opt.kind === 'adam' && g.heap ? AdamKernelStorage.create(nodes, D, g.heap) : null;
    this.fullGradient = kernel !== null;
    const buffer = (): Float32Array => (g.heap ? g.heap.f32(g.heap.alloc(floats * 4), floats) : new Float32Array(floats));
    const egoData = kernel?.weights ?? buffer();
    this.ego = new EmbeddingTable(nodes, D, egoData);
    this.users = new EmbeddingTable(nUsers, D, egoData.subarray(0, nUsers * D)).init(rng, cfg.init.dist, cfg.init.std);
    this.items = new EmbeddingTable(nItems, D, egoData.subarray(nUsers * D)).init(rng, cfg.init.dist, cfg.init.std);
    const s: OptimizerSettings = { kind: opt.kind, lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, lazy: opt.lazy };
    this.opt = new SparseOptimizer(this.ego, s, kernel);
    this.pEdge = cfg.edgeDropout ?? 0;
    this.pMsg = cfg.messageDropout ?? 0;
    this.dropping = L > 0 && (dropoutThreshold(this.pEdge) > 0 || dropoutThreshold(this.pMsg) > 0);
    // drawn only when dropout is on, so that runs without it keep their random streams
    this.dropSeed = this.dropping ? rng.nextU32() : 0;
    this.hop = [egoData, ...g.buffers.slice(0, L)];
    this.gFinal = g.buffers[L];
    this.gScratch = [g.buffers[L + 1], g.buffers[L + 2]];
    // concat: [nodes × D·(L+1)], filled from the hops after the propagation (not an operand of the product)
    this.final = L === 0 ? egoData : summed ? g.buffers[L + 3] : pooling === 'final' ? this.hop[L] : new Float32Array(nodes * W);
    this.gEgo = kernel?.grads ?? buffer();
    const view = (x: Float32Array, users: boolean, w = D): EmbeddingTable =>
      users ? new EmbeddingTable(nUsers, w, x.subarray(0, nUsers * w)) : new EmbeddingTable(nItems, w, x.subarray(nUsers * w));
    const sources: Sources = { users: view(this.final, true, W), items: view(this.final, false, W) };
    this.hop.forEach((h, l) => {
      sources[`users@${l}`] = view(h, true);
      sources[`items@${l}`] = view(h, false);
    });
    this.sources = sources;
    this.indexedDots = g.heap ? new HeapIndexedDots(g.heap).run : referenceIndexedDots;
  }

  get nUsers(): number {
    return this.users.rows;
  }
  get nItems(): number {
    return this.items.rows;
  }
  get dim(): number {
    return this.cfg.dim;
  }
  get lr(): number {
    return this.opt.lr;
  }
  set lr(v: number) {
    this.opt.lr = v;
  }

  /**
   * The training embeddings of the current ego embeddings (once per parameter change): each layer one fused pass,
   * with new dropout masks at every propagation when dropout is on. With `rows` (the step's batch), the last layer and
   * the final embeddings are computed for those nodes only — the step reads nothing else, and the last layer is one of
   * the step's six products (docs/benchmarks.md); a later forward() without rows completes the other nodes, with the
   * same numbers (and the same masks) as one full pass.
   */
  forward(rows?: RowNeed): Sources {
    if (this.state === 'train' || (this.state === 'eval' && !this.dropping)) {
      if (this.partial && !(rows && this.covers(rows))) this.completeLastLayer();
      return this.sources;
    }
    if (this.dropping) this.dropStep++;
    this.propagate(this.dropping, rows);
    this.state = 'train';
    return this.sources;
  }

  private propagate(drop: boolean, rows?: RowNeed): void {
    const L = this.layers;
    this.partial = null;
    if (L > 0) {
      // mean / sum: the running layer sum in the passes' epilogue; concat / final: the hops alone
      const f = this.pooling === 'mean' || this.pooling === 'sum' ? this.final : null;
      f?.set(this.hop[0]);
      // the batch's rows only in the last layer (not for concat, whose final table is copied from every hop); a batch
      // that touches most nodes gains nothing from the list
      const n = rows && !this.everyRow && this.pooling !== 'concat' ? this.listRows(rows) : 0;
      const only = n > 0 && n < this.nodes / 2 ? n : 0;
      for (let l = 1; l <= L; l++) this.pass(l, f, drop, l === L ? only : 0);
      if (only) {
        this.partial = this.done ??= new Uint8Array(this.nodes);
        this.partial.set(this.g.columnMask);
      }
      this.g.columnMask.fill(0);
      if (this.pooling === 'concat') this.concatHops();
    }
    this.propagations++;
  }

  /** forward pass of hop l (rows: the first `rows` of the graph's row list, 0 = every row) */
  private pass(l: number, f: Float32Array | null, drop: boolean, rows: number): void {
    const fs = l === this.layers ? this.combine : 1;
    if (drop) this.g.spmmDrop(this.hop[l - 1], this.hop[l], null, 0, f, fs, this.hopDropout(l, l, false), rows);
    else this.g.spmmFused(this.hop[l - 1], this.hop[l], null, 0, f, fs, rows);
  }

  /** The distinct nodes of `rows` into the graph's row list (marked in its column mask); returns their count. */
  private listRows(rows: RowNeed): number {
    const mark = this.g.columnMask;
    const list = this.g.rowList;
    let n = 0;
    const add = (ids: Int32Array, base: number): void => {
      for (let k = 0; k < ids.length; k++) {
        const v = ids[k] + base;
        if (!mark[v]) {
          mark[v] = 1;
          list[n++] = v;
        }
      }
    };
    add(rows.users, 0);
    for (const items of rows.items) add(items, this.nUsers);
    return n;
  }

  private covers(rows: RowNeed): boolean {
    const done = this.partial!;
    for (let k = 0; k < rows.users.length; k++) if (!done[rows.users[k]]) return false;
    for (const items of rows.items) for (let k = 0; k < items.length; k++) if (!done[items[k] + this.nUsers]) return false;
    return true;
  }

  /** The last layer and the final embeddings for the nodes a forward for the batch's rows left out. */
  private completeLastLayer(): void {
    const done = this.partial!;
    const list = this.g.rowList;
    let n = 0;
    for (let v = 0; v < this.nodes; v++) if (!done[v]) list[n++] = v;
    const f = this.pooling === 'mean' || this.pooling === 'sum' ? this.final : null;
    if (n) this.pass(this.layers, f, this.dropping, n);
    this.partial = null;
  }

  /** final row r = [hop 0 row r | … | hop L row r] */
  private concatHops(): void {
    const D = this.dim, W = this.scoreDim, out = this.final;
    this.hop.forEach((h, l) => {
      for (let r = 0, o = l * D; r < this.nodes; r++, o += W) out.set(h.subarray(r * D, r * D + D), o);
    });
  }

  /**
   * The masks of the current training propagation for one pass: the edge mask of hop `edgeHop` (transposed in
   * backward) and the message mask of hop `msgHop` (none for 0, the ego layer).
   */
  private hopDropout(edgeHop: number, msgHop: number, transpose: boolean): HopDropout {
    const thr = (p: number): number => dropoutThreshold(p);
    return {
      edgeKey: dropoutKey(this.dropSeed, this.dropStep, edgeHop, 'edge'),
      edgeThr: thr(this.pEdge),
      edgeScale: 1 / (1 - this.pEdge),
      transpose,
      msgKey: dropoutKey(this.dropSeed, this.dropStep, msgHop, 'message'),
      msgThr: msgHop > 0 ? thr(this.pMsg) : 0,
      msgScale: 1 / (1 - this.pMsg),
    };
  }

  /** the dropout of the last training propagation (tests: the masks to rebuild a reference with); null = none */
  dropoutMasks(): { seed: number; step: number; edge: number; message: number } | null {
    return this.dropping ? { seed: this.dropSeed, step: this.dropStep, edge: this.pEdge, message: this.pMsg } : null;
  }

  /** Scorer for samplers: scores with the propagated embeddings (training score: dot or cosine). */
  score(users: Int32Array, items: Int32Array, perUser: number): Float32Array {
    const src = this.forward();
    const out = new Float32Array(items.length);
    for (let b = 0; b < users.length; b++) {
      const u = users[b];
      for (let k = 0; k < perUser; k++) out[b * perUser + k] = rowScore(src.users, u, src.items, items[b * perUser + k], this.cosine);
    }
    return out;
  }

  /**
   * ∂E^(l) total = ∂final/(L+1) + direct_l;  ∂E^(0) = Σ_l Â^l·(∂E^(l) total), by Horner: acc ← Â·acc + total_l, each
   * step one fused pass. The hop sources' direct gradients (hop-mixing samplers) touch only the batch rows: they are
   * added to their layer's rows after its pass.
   */
  backward(grads: RowGradients[], l2: EgoL2 | null): number {
    const D = this.dim;
    const L = this.layers;
    const inv = this.combine;
    const nUserFloats = this.users.data.length;
    const gFinal = this.gFinal;
    for (const rows of this.touched) for (let r = 0; r < rows.length; r++) gFinal.fill(0, rows[r] * D, rows[r] * D + D);
    this.touched = [];
    const direct: RowGradients[][] = Array.from({ length: L + 1 }, () => []);
    for (const g of grads) {
      const m = /^(users|items)(?:@(\d+))?$/.exec(g.source);
      const hop = m?.[2] === undefined ? -1 : Number(m[2]);
      if (!m || hop > L) throw new Error(`LightGCN has no source "${g.source}"`);
      const base = m[1] === 'users' ? 0 : this.nUsers;
      const rows = base ? g.rows.map((r) => r + base) : g.rows;
      if (hop >= 0) {
        direct[hop].push({ source: g.source, rows, grads: g.grads });
        continue;
      }
      if (this.pooling === 'final') {
        direct[L].push({ source: g.source, rows, grads: g.grads });
        continue;
      }
      if (this.pooling === 'concat') {
        // segment l of a final row's gradient is hop l's direct gradient
        for (let l = 0; l <= L; l++) direct[l].push({ source: g.source, rows, grads: segment(g.grads, rows.length, this.scoreDim, l * D, D) });
        continue;
      }
      this.touched.push(rows);
      for (let r = 0; r < rows.length; r++) {
        const o = rows[r] * D;
        const go = r * D;
        for (let d = 0; d < D; d++) gFinal[o + d] += inv * g.grads[go + d];
      }
    }
    const drop = this.dropping;
    // a hop's direct gradients; with dropout, through its message mask (the pass has masked the rest of the layer)
    const addRows = (out: Float32Array, list: RowGradients[], hop: number): void => {
      const m = drop && hop > 0 ? this.hopDropout(hop, hop, true) : null;
      for (const g of list) {
        for (let r = 0; r < g.rows.length; r++) {
          const o = g.rows[r] * D;
          if (m && m.msgThr) {
            for (let d = 0; d < D; d++) if (messageKept(m.msgKey, o + d, m.msgThr)) out[o + d] += Math.fround(m.msgScale) * g.grads[r * D + d];
          } else {
            for (let d = 0; d < D; d++) out[o + d] += g.grads[r * D + d];
          }
        }
      }
    };
    const gEgo = this.gEgo;
    let x = gFinal;
    if (L === 0 || direct[L].length || drop) {
      x = L === 0 ? gEgo : this.gScratch[0];
      x.set(gFinal);
      if (drop) {
        // ∂P_L = M_L ⊙ ∂E^(L)/(1 − p): the direct gradients join unmasked here, then the whole layer is masked
        addRows(x, direct[L], 0);
        const m = this.hopDropout(L, L, true);
        if (m.msgThr) this.g.dropRows(x, m);
      } else addRows(x, direct[L], L);
    }
    // the first product's operand is non-zero on the batch's rows only: the kernel skips the other columns, so it
    // reads a few thousand rows instead of every node's (the same sums; docs/benchmarks.md)
    let sparseRows = 0;
    if (L > 0 && !this.everyRow) {
      const mark = this.g.columnMask;
      const add = (rows: Int32Array): void => {
        for (let r = 0; r < rows.length; r++) {
          if (!mark[rows[r]]) sparseRows++;
          mark[rows[r]] = 1;
        }
      };
      for (const rows of this.touched) add(rows);
      for (const g of direct[L]) add(g.rows);
      if (sparseRows >= this.nodes / 2) mark.fill(0);
    }
    for (let l = L - 1; l >= 0; l--) {
      const y = l === 0 ? gEgo : x === this.gScratch[0] ? this.gScratch[1] : this.gScratch[0];
      // concat / final pooling carry their final gradients as the hops' direct ones: gFinal stays 0
      const z = this.pooling === 'mean' || this.pooling === 'sum' ? gFinal : null;
      const masked = l === L - 1 && sparseRows > 0 && sparseRows < this.nodes / 2;
      if (drop) this.g.spmmDrop(x, y, z, 1, null, 0, this.hopDropout(l + 1, l, true), 0, masked);
      else this.g.spmmFused(x, y, z, 1, null, 0, 0, masked);
      if (masked) this.g.columnMask.fill(0);
      addRows(y, direct[l], l);
      x = y;
    }
    // L2 on the ego rows of the batch, then one dense update of the ego table
    let sq = 0;
    if (l2) {
      const w = this.ego.data;
      for (const [rows, base] of [[l2.users, 0], [l2.items, nUserFloats]] as const) {
        for (let r = 0; r < rows.length; r++) {
          const o = base + rows[r] * D;
          for (let d = 0; d < D; d++) {
            const v = w[o + d];
            sq += v * v;
            gEgo[o + d] += l2.c * v;
          }
        }
      }
      const wi = l2.weightedItems;
      for (let r = 0; wi && r < wi.rows.length; r++) {
        const o = nUserFloats + wi.rows[r] * D, w = wi.weights[r];
        for (let d = 0; d < D; d++) {
          const v = this.ego.data[o + d];
          sq += w * v * v;
          gEgo[o + d] += l2.c * w * v;
        }
      }
    }
    if (this.fullGradient) this.opt.applyFullGradient();
    else applyDense(this.opt, gEgo, 0, this.nodes, D);
    this.state = 'stale';
    return l2 ? 0.5 * l2.c * sq : 0;
  }

  /** the propagation without dropout (the code's `generate`), computed once per parameter change */
  evalEmbeddings(): { users: Float32Array; items: Float32Array } {
    if (!this.dropping) this.forward();
    else if (this.state !== 'eval') {
      this.propagate(false);
      this.state = 'eval';
    }
    return { users: this.sources.users.data, items: this.sources.items.data };
  }

  parameters(): { users: Float32Array; items: Float32Array } {
    return { users: this.users.data, items: this.items.data };
  }

  load(p: { users: Float32Array; items: Float32Array }): void {
    this.users.data.set(p.users);
    this.items.data.set(p.items);
    this.state = 'stale';
  }
}

/** columns [off, off + w) of an [n × W] row-major array */
function segment(x: Float32Array, n: number, W: number, off: number, w: number): Float32Array {
  const out = new Float32Array(n * w);
  for (let r = 0; r < n; r++) out.set(x.subarray(r * W + off, r * W + off + w), r * w);
  return out;
}

/** One optimiser update of every row of a table with the gradient g[offset .. offset + rows·D). */
function applyDense(opt: SparseOptimizer, g: Float32Array, offset: number, rows: number, D: number): void {
  const sums = opt.beginAccumulate(rows);
  for (let r = 0; r < rows; r++) {
    const o = opt.accumulate(r);
    sums.set(g.subarray(offset + r * D, offset + (r + 1) * D), o);
  }
  opt.applyAccumulated();
}

export const lightgcn: BackboneSpec = {
  name: 'lightgcn',
  title: 'LightGCN',
  description: 'embeddings propagated over the normalised user–item graph (model.layers hops), averaged over the layers',
  label: (cfg) => `LightGCN-${cfg.layers ?? 3}${cfg.pooling && cfg.pooling !== 'mean' ? ` (${cfg.pooling})` : ''}`,
  create: (data, cfg, opt, rng) => new LightGcnModel(data.train, cfg, opt, rng),
};
