/**
 * How much memory a run needs, before anything is allocated: `estimateMemory(config, datasetStats?)` is a pure
 * function of the resolved config and the dataset's shape, summing what the engine allocates (the figures follow the
 * allocations in data/, models/mf.ts, tensor/adam-kernel.ts, tensor/sparse-optimizer.ts, samplers/ and eval/).
 * It is an estimate of the peak resident memory, checked against measured peaks in test/integration/estimate.test.ts
 * (within a factor of two on the configs measured); `checkMemory` compares it with this machine's memory.
 *
 * The figures are for the training process. `reclab estimate <config>` prints them; a scheduler can use `total` for
 * its memory request.
 */
import os from 'node:os';
import type { ExperimentConfig } from './config/types';
import { DEFAULT_TILE_ITEMS } from './eval/types';
import { lossSpec } from './losses/registry';
import { perRowFolds } from './tensor/fused-contrastive';

/** The dataset's shape: the counts the allocations depend on. */
export interface DatasetShape {
  users: number;
  items: number;
  /** interactions of each split */
  train: number;
  valid: number;
  test: number;
}

export interface MemoryPart {
  /** what it is: "embedding tables", "Adam moments (dense)" … */
  name: string;
  bytes: number;
  /** how the figure was reached, e.g. "(31,668 + 38,048) × 64 × 4 B" */
  detail: string;
  /** when in the run it is held: the whole run, or only while loading (freed before training starts) */
  phase: 'load' | 'run';
}

export interface MemoryEstimate {
  parts: MemoryPart[];
  /** peak resident memory: runtime + max(loading, training) */
  total: number;
  /** the dataset shape the estimate used */
  shape: DatasetShape;
  /** true when the shape was derived from the config (synthetic) or given; false when it is a guess */
  exactShape: boolean;
}

/** Node, tfjs and the WebAssembly backend before any data (measured: ~100 MB RSS with one evaluation worker). */
const RUNTIME_BYTES = 90 * 2 ** 20;
/** one evaluation worker thread: its isolate, tfjs and wasm heap (measured ~25–40 MB each) */
const WORKER_BYTES = 35 * 2 ** 20;
/** a JS string id in an array (V8: header + characters + the array slot), for userIds / itemIds */
const ID_BYTES = 40;

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The dataset shape implied by the config alone (synthetic data), or null when the data must be read. */
export function shapeFromConfig(c: Pick<ExperimentConfig, 'dataset' | 'split'>): DatasetShape | null {
  const d = c.dataset;
  if (d.kind !== 'synthetic') return null;
  const perUser = Math.min(Math.max(3, d.interactionsPerUser), Math.max(1, Math.floor(d.items / 2)));
  const all = d.users * perUser;
  const test = all * d.testRatio;
  const valid = (all - test) * c.split.validRatio;
  return { users: d.users, items: d.items, train: all - test - valid, valid, test };
}

/**
 * The memory a run of `config` needs, part by part. `shape` is the loaded dataset's (datasetStats gives it); without
 * it the config's own (synthetic) sizes are used, and for file datasets a small placeholder that the caller should
 * replace by reading the data (`reclab estimate` does).
 */
export function estimateMemory(config: ExperimentConfig, shape?: DatasetShape, opts: { cores?: number } = {}): MemoryEstimate {
  const fromConfig = shapeFromConfig(config);
  const s = shape ?? fromConfig ?? { users: 0, items: 0, train: 0, valid: 0, test: 0 };
  const exactShape = Boolean(shape ?? fromConfig);
  const parts: MemoryPart[] = [];
  const add = (name: string, bytes: number, detail: string, phase: MemoryPart['phase'] = 'run'): void => {
    if (bytes > 0) parts.push({ name, bytes: Math.ceil(bytes), detail, phase });
  };
  const U = s.users;
  const I = s.items;
  const nnz = s.train + s.valid + s.test;
  const D = config.model.dim;
  const mostPop = config.model.kind === 'mostpop';
  // LightGCN's scoring width: D, or D·(L+1) with concat pooling (the step's rows and the evaluation tables)
  const graph = config.model.kind === 'lightgcn';
  const L = config.model.layers ?? 3;
  const W = graph && config.model.pooling === 'concat' ? D * (L + 1) : D;
  const cores = opts.cores ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  const workers = config.eval.workers > 0 ? config.eval.workers : Math.max(1, cores);

  add('runtime (Node, tfjs, WebAssembly)', RUNTIME_BYTES, 'measured baseline');

  // --- loading: the (user, item[, time]) pairs buffer (grows by doubling) and the CSR built from it
  const timed = config.dataset.kind === 'movielens' || (config.dataset.kind === 'csv' && config.dataset.columns.timestamp !== undefined);
  const pairBytes = timed ? 16 : 8;
  add('loading: interaction pairs', nnz * pairBytes * 1.5, `${fmtInt(nnz)} × ${pairBytes} B × 1.5 (buffer growth)`, 'load');
  add('loading: unsplit matrix and split copies', nnz * 4 * 2 + (U + 1) * 4 * 4, `${fmtInt(nnz)} × 4 B × 2 + row pointers`, 'load');
  if (config.dataset.kind === 'csv' || config.dataset.kind === 'movielens') {
    add('loading: id maps', (U + I) * 80, `${fmtInt(U + I)} distinct ids × ~80 B (Map entries)`, 'load');
  }

  // --- the dataset held for the run: CSR train / valid / test, ids, popularity
  add('dataset (CSR train / valid / test)', nnz * 4 + (U + 1) * 4 * 3, `${fmtInt(nnz)} interactions × 4 B + 3 × ${fmtInt(U + 1)} row pointers × 4 B`);
  add('dataset ids and item popularity', (U + I) * ID_BYTES + I * 8, `${fmtInt(U + I)} ids × ~${ID_BYTES} B + ${fmtInt(I)} × 8 B`);

  const trains = !mostPop && config.train.epochs > 0;
  if (!mostPop) {
    const rows = U + I;
    const table = rows * D * 4;
    add('embedding tables', table, `(${fmtInt(U)} + ${fmtInt(I)}) × ${D} × 4 B`);
    const o = config.optimizer;
    const kernel = o.kind === 'adam' && D % 4 === 0; // the SIMD Adam kernel owns [w | m | v | gradient scratch]
    const dense = o.kind === 'adam' && !o.lazy;
    // the kernel's gradient scratch holds the unique rows of one step: only that much of it is ever touched
    const B0 = Math.min(config.train.batchSize, Math.max(1, s.train));
    const stepRows = Math.min(U, B0) + Math.min(I, B0 * (1 + config.sampler.negatives));
    if (o.kind === 'adam') {
      add(`Adam moments m, v (${dense ? 'dense' : 'lazy'})`, 2 * table, `2 × ${fmtBytes(table)}`);
      if (kernel) add('Adam kernel gradient scratch', stepRows * D * 4 + rows * 4, `${fmtInt(stepRows)} rows of a step × ${D} × 4 B + row ids`);
      if (dense) add('dense Adam full gradient', table + rows * 4, `${fmtBytes(table)} (every row, every step)`);
    } else if (o.kind === 'adagrad') add('Adagrad accumulator', table, fmtBytes(table));
    add('optimiser row slots', rows * 4, `${fmtInt(rows)} × 4 B`);
    if (config.train.reloadBestOnPlateau) add('best-epoch copy (reloadBestOnPlateau)', table, fmtBytes(table));
    if (graph) {
      // models/lightgcn.ts: Â in CSR (both directions), hops 1..L, backward's final gradient and 2 scratch buffers,
      // and the final embeddings (mean / sum: one more buffer; concat: D·(L+1) wide; final: hop L itself)
      const pooling = config.model.pooling ?? 'mean';
      const buffers = L + 3 + (pooling === 'mean' || pooling === 'sum' ? 1 : 0);
      const concatBytes = pooling === 'concat' && L > 0 ? rows * W * 4 : 0;
      add('graph: normalised adjacency', s.train * 2 * 8 + (rows + 1) * 4, `${fmtInt(2 * s.train)} non-zeros × 8 B`);
      add('graph: propagation buffers', buffers * table + concatBytes, `${buffers} × ${fmtBytes(table)}${concatBytes ? ` + the concatenated layers ${fmtBytes(concatBytes)}` : ''}`);
    }
  }
  if (trains) {
    // --- one epoch's shuffled rows: order, user of each row, item of each row, row → user
    add('epoch rows (shuffled pairs)', s.train * 4 * 4, `${fmtInt(s.train)} × 4 arrays × 4 B`);

    // --- a step: gathered rows, their gradients and the tfjs tensors of the batch (about 3 copies of the rows)
    const B = Math.min(config.train.batchSize, Math.max(1, s.train));
    const N = config.sampler.negatives;
    const layout = samplerLayout(config.sampler.kind);
    const scoreCells = layout === 'per-row' ? B * N : B * (layout === 'shared' ? N : B + N);
    if (layout === 'per-row' && foldsPerRow(config, B, N, I, W)) {
      // the fused step reads the negatives from the table by row number (tensor/fused-contrastive.ts): four copies of
      // the item table (raw, normalised, gradient, the touched rows' gradients), the row numbers and the score block
      add('training step (batch rows, item table ×4, scores)', (B + B) * W * 4 * 3 + 4 * I * W * 4 + scoreCells * 4 * 3, `batch ${fmtInt(B)}, ${fmtInt(B * N)} negatives read from the table, ${fmtInt(scoreCells)} scores`);
    } else {
      const negRows = layout === 'per-row' ? B * N : layout === 'shared' ? N : B;
      add('training step (batch rows, scores, gradients)', (B + B + negRows) * W * 4 * 3 + scoreCells * 4 * 3, `batch ${fmtInt(B)}, ${fmtInt(negRows)} negative rows, ${fmtInt(scoreCells)} scores`);
    }
    add(...samplerPart(config, U, I));
  }

  // --- evaluation (MostPop evaluates once; a model at every evaluation): shared copies of the tables and masks, and
  // per worker its own itemsᵀ tensor and one block of scores (blockUsers × items float32, ranked in place; with the
  // native kernels a tile of DEFAULT_TILE_ITEMS items at a time, eval/block.ts rankBlockTiled)
  if (trains || mostPop) {
    const evalRows = Math.min(config.eval.blockUsers, Math.max(1, U));
    const scoreCols = config.train.kernels === 'native' ? Math.min(I, DEFAULT_TILE_ITEMS) : I;
    const evalD = mostPop ? 1 : W;
    add('evaluation tables (users, itemsᵀ, masks)', (U + I) * evalD * 4 + nnz * 4 + (U + 1) * 4 * 3, `(${fmtInt(U)} + ${fmtInt(I)}) × ${evalD} × 4 B + masks`);
    add(
      `evaluation workers (${workers})`,
      workers * (WORKER_BYTES + evalRows * scoreCols * 4 + I * evalD * 4 + evalRows * evalD * 4),
      `${workers} × (${fmtBytes(WORKER_BYTES)} + ${fmtInt(evalRows)} users × ${fmtInt(scoreCols)} ${scoreCols < I ? 'items a tile' : 'items'} × 4 B + itemsᵀ)`,
    );
  }

  const sum = (phase: MemoryPart['phase']): number => parts.filter((p) => p.phase === phase).reduce((a, p) => a + p.bytes, 0);
  // loading buffers are freed before training starts; the dataset itself exists in both phases
  const datasetBytes = parts.filter((p) => p.name.startsWith('dataset')).reduce((a, p) => a + p.bytes, 0);
  const total = RUNTIME_BYTES + Math.max(sum('load') + datasetBytes, sum('run') - RUNTIME_BYTES);
  return { parts, total, shape: s, exactShape };
}

/** Whether the fused step folds this run's per-row negatives (tensor/fused-contrastive.ts perRowFolds). */
function foldsPerRow(config: ExperimentConfig, B: number, N: number, I: number, W: number): boolean {
  if (config.model.fastPath === false || W % 8 !== 0) return false;
  return !!lossSpec(config.loss.kind).create(config.loss as never).fused && perRowFolds(B, N, I);
}

type Layout = 'per-row' | 'shared' | 'in-batch';
function samplerLayout(kind: string): Layout {
  if (kind === 'in-batch' || kind === 'mixed') return 'in-batch';
  if (kind === 'shared') return 'shared';
  return 'per-row';
}

/** Per-user state of the samplers that keep some (candidate pools, memories, rank windows), and popularity tables. */
function samplerPart(c: ExperimentConfig, U: number, I: number): [string, number, string] {
  const o = c.sampler as Record<string, unknown>;
  const n = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : d);
  switch (c.sampler.kind) {
    case 'srns': {
      const pool = n('poolSize', 100);
      const per = pool * (n('history', 1) + 1) + n('memorySize', 8);
      return ['sampler state (SRNS pools and memory)', U * per * 4 * 2 + I * 4, `${fmtInt(U)} users × ${per} × 8 B`];
    }
    case 'gdns': {
      const pool = n('poolSize', 100);
      return ['sampler state (GDNS pools, hardness, gain)', U * pool * 4 * 4 + I * 4, `${fmtInt(U)} users × ${pool} × 4 tables × 4 B`];
    }
    case 'hard-rank': {
      const W = n('rankTo', 100) - n('rankFrom', 1) + 1;
      const cache = Math.min(256 * 2 ** 20, U * W * 4);
      return ['sampler state (rank windows, reference checkpoint)', cache + U * 8 + (U + I) * c.model.dim * 4, `rank-window cache ${fmtBytes(cache)} + the reference tables`];
    }
    case 'popularity':
    case 'mixed':
    case 'shared':
    case 'dns':
      return ['sampler tables (popularity alias, candidates)', I * 40, `${fmtInt(I)} items × ~40 B`];
    default:
      return ['sampler tables', I * 8, `${fmtInt(I)} items × 8 B`];
  }
}

/** 1.5 GB, 320 MB, 12 kB */
export function fmtBytes(b: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = b;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** This machine's memory as the kernel reports it: total, available now (MemAvailable), and a cgroup limit if any. */
export interface MachineMemory {
  total: number;
  available: number;
  /** cgroup / container limit when it is below the physical memory */
  limit?: number;
}

/**
 * @param heldByThisProcess bytes this process already holds (its RSS) and that the estimate counts too: they are
 *   added back to what is available, so a check made after loading the data does not count the data twice
 */
export function machineMemory(heldByThisProcess = 0): MachineMemory {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  const limit = constrained && constrained > 0 && constrained < total ? constrained : undefined;
  return { total, available: Math.min(os.freemem() + heldByThisProcess, limit ?? total), ...(limit ? { limit } : {}) };
}

/** The estimate as a table (used by `reclab estimate` and in the refusal message). */
export function formatEstimate(e: MemoryEstimate, m?: MachineMemory): string {
  const width = Math.max(...e.parts.map((p) => p.name.length));
  const lines = e.parts.map((p) => `  ${p.name.padEnd(width)}  ${fmtBytes(p.bytes).padStart(8)}${p.phase === 'load' ? ' (while loading)' : ''}  ${p.detail}`);
  const shape = `${fmtInt(e.shape.users)} users × ${fmtInt(e.shape.items)} items, ${fmtInt(e.shape.train)} train / ${fmtInt(e.shape.valid)} valid / ${fmtInt(e.shape.test)} test interactions`;
  const out = [`dataset: ${shape}${e.exactShape ? '' : ' (unknown until the data is read)'}`, ...lines, `  ${'peak (estimate)'.padEnd(width)}  ${fmtBytes(e.total).padStart(8)}`];
  if (m) out.push(`machine: ${fmtBytes(m.total)} memory, ${fmtBytes(m.available)} available now${m.limit ? `, limit ${fmtBytes(m.limit)}` : ''}`);
  return out.join('\n');
}

/** A run that cannot fit in memory: refused before it allocates. */
export class MemoryLimitError extends Error {
  override readonly name = 'MemoryLimitError';
  constructor(
    message: string,
    readonly estimate: MemoryEstimate,
  ) {
    super(message);
  }
}

/**
 * Refuses (throws MemoryLimitError) when the estimate exceeds the machine's memory (or its cgroup limit), or what is
 * available right now. RECLAB_MEMORY_CHECK=off skips the check (an estimate can be wrong; say so in an issue).
 */
export function checkMemory(e: MemoryEstimate, m: MachineMemory = machineMemory(), env: NodeJS.ProcessEnv = process.env): void {
  if (env.RECLAB_MEMORY_CHECK === 'off') return;
  const cap = m.limit ?? m.total;
  const biggest = [...e.parts].sort((a, b) => b.bytes - a.bytes).slice(0, 3).map((p) => `${p.name} ${fmtBytes(p.bytes)}`).join(', ');
  const hint = 'make the dataset, model.dim, eval.blockUsers or eval.workers smaller (`reclab estimate <config>` shows every part)';
  if (e.total > cap) {
    throw new MemoryLimitError(`this run needs about ${fmtBytes(e.total)} of memory (${biggest}) but this machine has ${fmtBytes(cap)}${m.limit ? ' (its memory limit)' : ''}: ${hint}`, e);
  }
  if (e.total > m.available) {
    throw new MemoryLimitError(`this run needs about ${fmtBytes(e.total)} of memory (${biggest}) but only ${fmtBytes(m.available)} of ${fmtBytes(cap)} is available now: free memory or ${hint} (RECLAB_MEMORY_CHECK=off runs it anyway)`, e);
  }
}
