import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { requireDistFile } from '../paths';
import { finalizeResult } from './finalize';
import { sumsLength } from './layout';
import { targetsPerGroup } from './popularity';
import type { EvalWorkerData, FromWorker, ToWorker, WorkerBackend, WorkerInfo } from './protocol';
import { prepareEval } from './tables';
import { DEFAULT_BLOCK_USERS, DEFAULT_TILE_ITEMS, type EvalRequest, type EvalResult, type EvaluateOptions } from './types';

export interface EvaluatorOptions {
  /** worker threads; 0 or absent = one per core */
  workers?: number;
  /** tfjs backend of the workers (wasm falls back to cpu with a warning when it cannot initialise) */
  backend?: WorkerBackend;
  /** top-K scan of the workers: the wasm SIMD kernel when available (auto), or plain JS (for measurements) */
  scan?: 'auto' | 'js';
  /**
   * native backend: items per score tile (default DEFAULT_TILE_ITEMS: with 256 users a 1 MB tile, half the L2 of a
   * core here); smaller in tests, so that a few dozen items span several tiles
   */
  tileItems?: number;
  /** receives warnings such as the cpu fallback (default: console.warn) */
  onWarning?: (message: string) => void;
  /** path of the bundled worker (default: eval-worker.js of the built dist/ folder) */
  workerScript?: string;
}

/**
 * The evaluator a run's config asks for: its eval.workers, and the native gemm for the score blocks when the run's
 * kernels are native (train.kernels), tfjs-wasm's matMul otherwise.
 */
export function evaluatorOptionsFor(c: { eval: { workers: number }; train: { kernels: 'native' | 'wasm' } }): EvaluatorOptions {
  return { workers: c.eval.workers, backend: c.train.kernels === 'native' ? 'native' : 'wasm' };
}

/** Blocks kept queued per worker, so a worker never idles waiting for the next message. */
const IN_FLIGHT_PER_WORKER = 2;

interface PoolWorker {
  worker: Worker;
  ready: Promise<WorkerInfo>;
  /** message handler of the evaluation in progress */
  onMessage: ((m: FromWorker) => void) | null;
  onFailure: ((e: Error) => void) | null;
  /** crashed or exited: the pool is replaced before the next evaluation */
  dead: boolean;
}

/**
 * Full-ranking evaluator on a pool of worker threads. Workers start on the first evaluation and initialise tfjs once;
 * each evaluation shares its tables with them through SharedArrayBuffers, hands out blocks of users from a queue and
 * sums the per-block metric sums. Evaluations run one at a time, in call order.
 */
export class Evaluator {
  private pool: PoolWorker[] | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private nextEvalId = 1;
  private closed = false;
  private readonly size: number;
  private readonly backend: WorkerBackend;
  private readonly scan: 'auto' | 'js';
  private readonly tileItems: number;
  private readonly warn: (message: string) => void;
  private readonly script: string | undefined;

  constructor(opts: EvaluatorOptions = {}) {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    this.size = opts.workers && opts.workers > 0 ? Math.floor(opts.workers) : Math.max(1, cores);
    this.backend = opts.backend ?? 'wasm';
    this.scan = opts.scan ?? 'auto';
    this.tileItems = opts.tileItems ?? DEFAULT_TILE_ITEMS;
    if (!Number.isInteger(this.tileItems) || this.tileItems < 1) throw new Error(`tileItems must be a positive integer, got ${opts.tileItems}`);
    this.warn = opts.onWarning ?? ((m) => console.warn(m));
    this.script = opts.workerScript;
  }

  get workers(): number {
    return this.size;
  }

  /** Starts the workers if needed and reports the backend and top-K scan each one ended up with. */
  async workerInfo(): Promise<WorkerInfo[]> {
    return Promise.all(this.startPool().map((w) => w.ready));
  }

  evaluate(req: EvalRequest, opts: EvaluateOptions = {}): Promise<EvalResult> {
    const run = this.chain.then(() => this.run(req, opts));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    const pool = this.pool;
    this.pool = null;
    if (pool) await Promise.all(pool.map((w) => w.worker.terminate()));
  }

  private startPool(): PoolWorker[] {
    if (this.closed) throw new Error('Evaluator is closed');
    if (this.pool?.some((w) => w.dead)) this.discardPool();
    if (this.pool) return this.pool;
    const script = this.script ?? requireDistFile('eval-worker.js');
    const workerData: EvalWorkerData = { backend: this.backend, scan: this.scan, tileItems: this.tileItems };
    this.pool = Array.from({ length: this.size }, () => {
      const worker = new Worker(script, { workerData });
      worker.unref();
      const w: PoolWorker = { worker, ready: Promise.resolve({ backend: '', scan: 'js' }), onMessage: null, onFailure: null, dead: false };
      w.ready = new Promise<WorkerInfo>((resolve, reject) => {
        const fail = (e: Error): void => {
          w.dead = true;
          reject(e);
          w.onFailure?.(e);
        };
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') {
            if (m.warning) this.warn(m.warning);
            resolve(m.info);
          } else if (m.type === 'error' && m.evalId === 0) fail(new Error(m.message));
          else w.onMessage?.(m);
        });
        worker.on('error', fail);
        worker.on('exit', (code) => fail(new Error(`eval worker exited with code ${code}`)));
      });
      w.ready.catch(() => undefined);
      return w;
    });
    return this.pool;
  }

  /** Drops a pool after a worker failure; the next evaluation starts a fresh one. */
  private discardPool(): void {
    const pool = this.pool;
    this.pool = null;
    if (pool) for (const w of pool) void w.worker.terminate();
  }

  private async run(req: EvalRequest, opts: EvaluateOptions): Promise<EvalResult> {
    const t0 = performance.now();
    const { signal, onProgress } = opts;
    signal?.throwIfAborted();
    const { tables, groups } = prepareEval(req, true);
    const pool = this.startPool();
    for (const w of pool) w.worker.ref();
    try {
      await Promise.all(pool.map((w) => w.ready));
      signal?.throwIfAborted();
      const evalId = this.nextEvalId++;
      const nEval = tables.evalUsers.length;
      const block = Math.max(1, Math.floor(req.blockUsers ?? DEFAULT_BLOCK_USERS));
      const queue: [number, number][] = [];
      for (let s = 0; s < nEval; s += block) queue.push([s, Math.min(nEval, s + block)]);
      const sums = new Float64Array(sumsLength(tables.layout));
      let users = 0;
      let pending = queue.length;

      await new Promise<void>((resolve, reject) => {
        const post = (w: PoolWorker, m: ToWorker): void => w.worker.postMessage(m);
        const dispatch = (w: PoolWorker): void => {
          const next = queue.shift();
          if (next) post(w, { type: 'block', evalId, start: next[0], end: next[1] });
        };
        const finish = (err: Error | null): void => {
          signal?.removeEventListener('abort', onAbort);
          for (const w of pool) {
            w.onMessage = null;
            w.onFailure = null;
            if (!w.dead) post(w, { type: 'release', evalId });
          }
          if (err) reject(err);
          else resolve();
        };
        const cancelWorkers = (): void => {
          for (const w of pool) post(w, { type: 'cancel', evalId });
        };
        const onAbort = (): void => {
          cancelWorkers();
          finish(abortError(signal));
        };
        for (const w of pool) {
          w.onFailure = (e) => {
            this.discardPool();
            finish(e);
          };
          w.onMessage = (m) => {
            if (m.type === 'ready' || m.evalId !== evalId) return;
            if (m.type === 'error') {
              cancelWorkers();
              finish(new Error(m.message));
              return;
            }
            for (let i = 0; i < sums.length; i++) sums[i] += m.sums[i];
            users += m.users;
            try {
              onProgress?.(nEval ? users / nEval : 1);
            } catch (e) {
              cancelWorkers();
              finish(e as Error);
              return;
            }
            if (--pending === 0) finish(null);
            else dispatch(w);
          };
        }
        signal?.addEventListener('abort', onAbort);
        if (pending === 0) {
          finish(null);
          return;
        }
        for (const w of pool) {
          post(w, { type: 'load', evalId, tables });
          for (let i = 0; i < IN_FLIGHT_PER_WORKER; i++) dispatch(w);
        }
      });

      const perGroup = groups && tables.itemGroup
        ? targetsPerGroup(tables.target, tables.evalUsers, tables.itemGroup, groups.items.length)
        : null;
      return finalizeResult(tables.layout, sums, users, (performance.now() - t0) / 1000, groups, perGroup, tables);
    } finally {
      for (const w of pool) w.worker.unref();
    }
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('evaluation aborted', 'AbortError');
}
