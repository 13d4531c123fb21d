/**
 * LightGCN (He et al., SIGIR 2020), as the reference codes run it (gusye1234/LightGCN-PyTorch `model.py`,
 * kuandeng/LightGCN; algorithms.md §0):
 * - parameters: the ego (layer-0) embeddings E⁰ = [users | items];
 * - propagation over the whole graph at every step: E^(l+1) = Â·E^(l), Â = D^-1/2 A D^-1/2 (./graph.ts);
 * - the step's sources: the final embeddings mean_{l=0..L} E^(l) (model.pooling "sum": the sum) (`users`, `items`) and each hop (`users@l`, `items@l`)
 *   for hop-mixing samplers;
 * - backward: the row gradients of the final embeddings (÷(L+1) into every layer) and of the hops are carried back
 *   through the same product — Â is symmetric, so ∂E^(l) = Â·∂E^(l+1) + (direct gradient of layer l) — down to
 *   ∂E⁰; no autograd for the graph part;
 * - L2 on the ego embeddings of the batch rows (λ·½Σ‖e⁰‖²/B in the reference's "batch" scaling, optimizer.l2Mode);
 * - the ego gradient is dense, so every row moves every step (torch.optim.Adam on the reference's embeddings);
 * - speed (docs/benchmarks.md): the ego table, Adam's moments, the hops and the gradients live in the graph's
 *   WebAssembly heap; each layer is one fused kernel pass (the product plus the running layer mean, or plus the direct
 *   gradient), and Adam reads the ego gradient where back-propagation wrote it — no JS passes over [nodes × D].
 * - evaluation ranks with the propagated embeddings, computed once per evaluation; checkpoints hold E⁰.
 */
import { EmbeddingTable, rowScore } from '../tensor/embedding';
import { SparseOptimizer, type OptimizerSettings } from '../tensor/sparse-optimizer';
import { AdamKernelStorage } from '../tensor/adam-kernel';
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Interactions } from '../data/types';
import type { Rng } from '../rng';
import type { Backbone, BackboneSpec, EgoL2, RowGradients, RowNeed, Sources } from './types';
import { normalizedAdjacency, type NormalizedAdjacency } from './graph';
import { graphBuffers, type GraphBuffers } from './spmm';

export class LightGcnModel implements Backbone {
  readonly kind = 'lightgcn';
  /** ego embeddings (the parameters): views of one [nodes × D] table, users first */
  readonly users: EmbeddingTable;
  readonly items: EmbeddingTable;
  readonly graph: NormalizedAdjacency;
  readonly layers: number;
  /** weight of every layer in the final embedding: 1/(L+1) (mean pooling) or 1 (sum) */
  private readonly combine: number;
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
  private stale = true;
  /**
   * After forward(rows): the last layer (and the final embeddings) hold only these nodes (a byte per node, 1 = done;
   * the array is `done`, reused); null when every row is right.
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
    this.cosine = cfg.score === 'cosine';
    this.graph = normalizedAdjacency(train);
    const nodes = (this.nodes = nUsers + nItems);
    const floats = nodes * D;
    // Adam on the kernel keeps [weights | m | v | gradient | ids | slots] of every node in the graph's heap (other
    // optimisers: the ego table and its gradient)
    const adamBytes = opt.kind === 'adam' ? 4 * floats * 4 + nodes * 8 + 8 * 64 : 2 * floats * 4 + 128;
    // hops 1..L, the final mean (L > 0), backward's final gradient and two scratch buffers
    const g = (this.g = graphBuffers(this.graph, D, L + 4, spmmEngine, adamBytes));
    const kernel = opt.kind === 'adam' && g.heap ? AdamKernelStorage.create(nodes, D, g.heap) : null;
    this.fullGradient = kernel !== null;
    const buffer = (): Float32Array => (g.heap ? g.heap.f32(g.heap.alloc(floats * 4), floats) : new Float32Array(floats));
    const egoData = kernel?.weights ?? buffer();
    this.ego = new EmbeddingTable(nodes, D, egoData);
    this.users = new EmbeddingTable(nUsers, D, egoData.subarray(0, nUsers * D)).init(rng, cfg.init.dist, cfg.init.std);
    this.items = new EmbeddingTable(nItems, D, egoData.subarray(nUsers * D)).init(rng, cfg.init.dist, cfg.init.std);
    const s: OptimizerSettings = { kind: opt.kind, lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, lazy: opt.lazy };
    this.opt = new SparseOptimizer(this.ego, s, kernel);
    this.hop = [egoData, ...g.buffers.slice(0, L)];
    this.final = L === 0 ? egoData : g.buffers[L];
    this.gFinal = g.buffers[L + 1];
    this.gScratch = [g.buffers[L + 2], g.buffers[L + 3]];
    this.gEgo = kernel?.grads ?? buffer();
    const view = (x: Float32Array, users: boolean): EmbeddingTable =>
      users ? new EmbeddingTable(nUsers, D, x.subarray(0, nUsers * D)) : new EmbeddingTable(nItems, D, x.subarray(nUsers * D));
    const sources: Sources = { users: view(this.final, true), items: view(this.final, false) };
    this.hop.forEach((h, l) => {
      sources[`users@${l}`] = view(h, true);
      sources[`items@${l}`] = view(h, false);
    });
    this.sources = sources;
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
   * Propagates the current ego embeddings (once per parameter change): each layer one fused pass. With `rows` (the
   * step's batch), the last layer and the final mean are computed for those nodes only — the step reads nothing else,
   * and the last layer is one of the step's six products (measured in docs/benchmarks.md); a later forward() without
   * rows completes the other nodes, with the same numbers as one full pass.
   */
  forward(rows?: RowNeed): Sources {
    const L = this.layers;
    if (!this.stale) {
      if (this.partial && !(rows && this.covers(rows))) this.completeLastLayer();
      return this.sources;
    }
    this.partial = null;
    if (L > 0) {
      this.final.set(this.hop[0]);
      for (let l = 1; l < L; l++) this.g.spmmFused(this.hop[l - 1], this.hop[l], null, 0, this.final, 1);
      const n = rows && !this.everyRow ? this.listRows(rows) : 0;
      // a batch that touches most nodes gains nothing from the list
      if (n > 0 && n < this.nodes / 2) {
        this.g.spmmFused(this.hop[L - 1], this.hop[L], null, 0, this.final, this.combine, n);
        this.partial = this.done ??= new Uint8Array(this.nodes);
        this.partial.set(this.g.columnMask);
      } else this.g.spmmFused(this.hop[L - 1], this.hop[L], null, 0, this.final, this.combine);
      this.g.columnMask.fill(0);
    }
    this.stale = false;
    this.propagations++;
    return this.sources;
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

  /** The last layer and the final mean for the nodes a partial forward left out. */
  private completeLastLayer(): void {
    const done = this.partial!;
    const list = this.g.rowList;
    let n = 0;
    for (let v = 0; v < this.nodes; v++) if (!done[v]) list[n++] = v;
    const L = this.layers;
    if (n) this.g.spmmFused(this.hop[L - 1], this.hop[L], null, 0, this.final, this.combine, n);
    this.partial = null;
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
      this.touched.push(rows);
      for (let r = 0; r < rows.length; r++) {
        const o = rows[r] * D;
        const go = r * D;
        for (let d = 0; d < D; d++) gFinal[o + d] += inv * g.grads[go + d];
      }
    }
    const addRows = (out: Float32Array, list: RowGradients[]): void => {
      for (const g of list) {
        for (let r = 0; r < g.rows.length; r++) {
          const o = g.rows[r] * D;
          for (let d = 0; d < D; d++) out[o + d] += g.grads[r * D + d];
        }
      }
    };
    const gEgo = this.gEgo;
    let x = gFinal;
    if (L === 0 || direct[L].length) {
      x = L === 0 ? gEgo : this.gScratch[0];
      x.set(gFinal);
      addRows(x, direct[L]);
    }
    // the first product's operand is non-zero on the batch's rows only: the kernel skips the other columns, so it
    // reads a few thousand rows instead of every node's (the same sums; measured in docs/benchmarks.md)
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
      const masked = l === L - 1 && sparseRows > 0 && sparseRows < this.nodes / 2;
      this.g.spmmFused(x, y, gFinal, 1, null, 0, 0, masked);
      if (masked) this.g.columnMask.fill(0);
      addRows(y, direct[l]);
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
    }
    if (this.fullGradient) this.opt.applyFullGradient();
    else applyDense(this.opt, gEgo, 0, this.nodes, D);
    this.stale = true;
    return l2 ? 0.5 * l2.c * sq : 0;
  }

  evalEmbeddings(): { users: Float32Array; items: Float32Array } {
    const s = this.forward();
    return { users: s.users.data, items: s.items.data };
  }

  parameters(): { users: Float32Array; items: Float32Array } {
    return { users: this.users.data, items: this.items.data };
  }

  load(p: { users: Float32Array; items: Float32Array }): void {
    this.users.data.set(p.users);
    this.items.data.set(p.items);
    this.stale = true;
  }
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
  label: (cfg) => `LightGCN-${cfg.layers ?? 3}${cfg.pooling === 'sum' ? ' (sum)' : ''}`,
  create: (data, cfg, opt, rng) => new LightGcnModel(data.train, cfg, opt, rng),
};
