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
 * - evaluation ranks with the propagated embeddings, computed once per evaluation; checkpoints hold E⁰.
 */
import { EmbeddingTable, rowScore } from '../tensor/embedding';
import { SparseOptimizer, type OptimizerSettings } from '../tensor/sparse-optimizer';
import { AdamKernelStorage } from '../tensor/adam-kernel';
import type { ModelConfig, OptimizerConfig } from '../config/types';
import type { Interactions } from '../data/types';
import type { Rng } from '../rng';
import type { Backbone, BackboneSpec, EgoL2, RowGradients, Sources } from './types';
import { normalizedAdjacency, type NormalizedAdjacency } from './graph';
import { graphBuffers, type GraphBuffers } from './spmm';

export class LightGcnModel implements Backbone {
  readonly kind = 'lightgcn';
  /** ego embeddings (the parameters) */
  readonly users: EmbeddingTable;
  readonly items: EmbeddingTable;
  readonly graph: NormalizedAdjacency;
  readonly layers: number;
  /** weight of every layer in the final embedding: 1/(L+1) (mean pooling) or 1 (sum) */
  private readonly combine: number;
  private readonly userOpt: SparseOptimizer;
  private readonly itemOpt: SparseOptimizer;
  private readonly cosine: boolean;
  private readonly nodes: number;
  /** E^(0..L), each [nodes × D] (E^(0) a copy of the ego tables), and their mean */
  private readonly hop: Float32Array[];
  private readonly final: Float32Array;
  private readonly sources: Sources;
  /** gradient buffers of backward: the final embeddings', each hop's direct one (allocated on first use), a scratch */
  private readonly gFinal: Float32Array;
  private readonly gHop: (Float32Array | null)[];
  private readonly gAcc: Float32Array;
  private readonly gTmp: Float32Array;
  private readonly g: GraphBuffers;
  private stale = true;
  /** the product's engine: the SIMD kernel, or the plain reference when D is not a multiple of 4 */
  get spmmEngine(): GraphBuffers['engine'] {
    return this.g.engine;
  }
  /** propagations so far (tests, benchmarks) */
  propagations = 0;

  constructor(
    train: Interactions,
    private readonly cfg: ModelConfig,
    opt: OptimizerConfig,
    rng: Rng,
    /** the SpMM kernel (default) or the plain reference (tests) */
    spmmEngine: 'auto' | 'reference' = 'auto',
  ) {
    const nUsers = train.nUsers, nItems = train.nItems, D = cfg.dim;
    this.layers = cfg.layers ?? 3;
    this.combine = cfg.pooling === 'sum' ? 1 : 1 / (this.layers + 1);
    const kernelU = opt.kind === 'adam' ? AdamKernelStorage.create(nUsers, D) : null;
    const kernelI = opt.kind === 'adam' ? AdamKernelStorage.create(nItems, D) : null;
    this.users = new EmbeddingTable(nUsers, D, kernelU?.weights).init(rng, cfg.init.dist, cfg.init.std);
    this.items = new EmbeddingTable(nItems, D, kernelI?.weights).init(rng, cfg.init.dist, cfg.init.std);
    const s: OptimizerSettings = { kind: opt.kind, lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, lazy: opt.lazy };
    this.userOpt = new SparseOptimizer(this.users, s, kernelU);
    this.itemOpt = new SparseOptimizer(this.items, s, kernelI);
    this.cosine = cfg.score === 'cosine';
    this.graph = normalizedAdjacency(train);
    this.nodes = nUsers + nItems;
    // hops 0..L, the final mean, and backward's final gradient, accumulator and scratch
    const g = (this.g = graphBuffers(this.graph, D, this.layers + 5, spmmEngine));
    this.hop = g.buffers.slice(0, this.layers + 1);
    this.final = this.layers === 0 ? this.hop[0] : g.buffers[this.layers + 1];
    const view = (x: Float32Array, users: boolean): EmbeddingTable =>
      users ? new EmbeddingTable(nUsers, D, x.subarray(0, nUsers * D)) : new EmbeddingTable(nItems, D, x.subarray(nUsers * D));
    const sources: Sources = { users: view(this.final, true), items: view(this.final, false) };
    this.hop.forEach((h, l) => {
      sources[`users@${l}`] = view(h, true);
      sources[`items@${l}`] = view(h, false);
    });
    this.sources = sources;
    this.gFinal = g.buffers[this.layers + 2];
    this.gHop = this.hop.map(() => null);
    this.gAcc = g.buffers[this.layers + 3];
    this.gTmp = g.buffers[this.layers + 4];
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
    return this.userOpt.lr;
  }
  set lr(v: number) {
    this.userOpt.lr = v;
    this.itemOpt.lr = v;
  }

  /** Propagates the current ego embeddings (once per parameter change). */
  forward(): Sources {
    if (!this.stale) return this.sources;
    const D = this.dim;
    const e0 = this.hop[0];
    e0.set(this.users.data);
    e0.set(this.items.data, this.users.data.length);
    for (let l = 1; l <= this.layers; l++) this.g.spmm(this.hop[l - 1], this.hop[l]);
    if (this.layers > 0) {
      const f = this.final;
      const inv = this.combine;
      f.set(e0);
      for (let l = 1; l <= this.layers; l++) {
        const h = this.hop[l];
        for (let k = 0; k < f.length; k++) f[k] += h[k];
      }
      for (let k = 0; k < f.length; k++) f[k] *= inv;
    }
    this.stale = false;
    this.propagations++;
    return this.sources;
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

  backward(grads: RowGradients[], l2: EgoL2 | null): number {
    const D = this.dim;
    const L = this.layers;
    const nUserFloats = this.users.data.length;
    const gFinal = this.gFinal;
    gFinal.fill(0);
    for (const h of this.gHop) h?.fill(0);
    for (const g of grads) {
      const m = /^(users|items)(?:@(\d+))?$/.exec(g.source);
      const hop = m?.[2] === undefined ? -1 : Number(m[2]);
      if (!m || hop > L) throw new Error(`LightGCN has no source "${g.source}"`);
      const target = hop < 0 ? gFinal : (this.gHop[hop] ??= new Float32Array(this.nodes * D));
      const base = m[1] === 'users' ? 0 : nUserFloats;
      for (let r = 0; r < g.rows.length; r++) {
        const o = base + g.rows[r] * D;
        const go = r * D;
        for (let d = 0; d < D; d++) target[o + d] += g.grads[go + d];
      }
    }
    // ∂E^(l) total = ∂final/(L+1) + direct_l;  ∂E^(0) = Σ_l Â^l·(∂E^(l) total), by Horner: acc ← Â·acc + total_l
    const inv = this.combine;
    let acc = this.gAcc;
    let tmp = this.gTmp;
    const direct = (l: number, out: Float32Array, add: boolean): void => {
      const h = this.gHop[l];
      if (add) for (let k = 0; k < out.length; k++) out[k] += gFinal[k] * inv + (h ? h[k] : 0);
      else for (let k = 0; k < out.length; k++) out[k] = gFinal[k] * inv + (h ? h[k] : 0);
    };
    direct(L, acc, false);
    for (let l = L - 1; l >= 0; l--) {
      this.g.spmm(acc, tmp);
      direct(l, tmp, true);
      [acc, tmp] = [tmp, acc];
    }
    // L2 on the ego rows of the batch, then one dense update of each table
    let sq = 0;
    if (l2) {
      for (const [rows, base, w] of [[l2.users, 0, this.users.data], [l2.items, nUserFloats, this.items.data]] as const) {
        for (let r = 0; r < rows.length; r++) {
          const wo = rows[r] * D;
          const o = base + wo;
          for (let d = 0; d < D; d++) {
            const x = w[wo + d];
            sq += x * x;
            acc[o + d] += l2.c * x;
          }
        }
      }
    }
    applyDense(this.userOpt, acc, 0, this.nUsers, D);
    applyDense(this.itemOpt, acc, nUserFloats, this.nItems, D);
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
