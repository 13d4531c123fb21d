import type { EvalTables } from './tables';

/** Messages between the Evaluator (main thread) and its eval workers. */

/**
 * What computes the score block: a tfjs backend's matMul (wasm, cpu), 'native': the native gemm of train.kernels
 * "native" (native-scores.ts, no tfjs), or 'js': the plain-JS kernel of js-matmul.ts
 */
export type WorkerBackend = 'wasm' | 'cpu' | 'js' | 'native';

export interface WorkerInfo {
  /** tfjs backend of the matMul */
  backend: string;
  /** how the top-K pass scans a score row: the wasm SIMD kernel, or plain JS */
  scan: 'simd' | 'js';
}

export interface EvalWorkerData {
  backend: WorkerBackend;
  /** 'js' turns the SIMD scan off (for measurements) */
  scan: 'auto' | 'js';
  /** native backend: items per score tile (ranked while in cache; block.ts rankBlockTiled) */
  tileItems: number;
}

export type ToWorker =
  /** the tables of a new evaluation (SharedArrayBuffer-backed: shared, not copied) */
  | { type: 'load'; evalId: number; tables: EvalTables }
  /** score and rank evalUsers[start..end) */
  | { type: 'block'; evalId: number; start: number; end: number }
  /** the evaluation is over: drop its tables and item matrix */
  | { type: 'release'; evalId: number }
  /** skip the queued blocks of every evaluation up to evalId */
  | { type: 'cancel'; evalId: number };

export type FromWorker =
  | { type: 'ready'; info: WorkerInfo; warning?: string }
  | { type: 'done'; evalId: number; start: number; end: number; users: number; sums: Float64Array }
  | { type: 'error'; evalId: number; message: string };
