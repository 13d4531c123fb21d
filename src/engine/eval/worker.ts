/**
 * Eval worker (bundled as dist/eval-worker.js): initialises tfjs once, holds the item matrix of the current
 * evaluation on the backend, and scores, masks, ranks and sums blocks of users sent by the Evaluator.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, tf } from '../tensor/backend';
import { MetricAccumulator } from './accumulate';
import { gatherUsers, rankBlock, rankBlockTiled, RankScratch } from './block';
import { matMulInto } from './js-matmul';
import { createScanAbove, type ScanAbove } from './simd-scan';
import { NativeScores } from './native-scores';
import type { EvalWorkerData, FromWorker, ToWorker } from './protocol';
import type { EvalTables } from './tables';

interface Loaded {
  evalId: number;
  tables: EvalTables;
  /** the item matrix on the tfjs backend; null with the plain-JS kernel, which reads tables.itemsT */
  itemsT: tf.Tensor2D | null;
  /** the native gemm's memory (backend 'native'): items, user block, score block */
  native: NativeScores | null;
  /** score buffer of the plain-JS kernel */
  scores: Float32Array;
  acc: MetricAccumulator;
  scratch: RankScratch;
  userBuf: Float32Array;
}

const port = parentPort;
if (!port) throw new Error('eval-worker must run in a worker thread');
const data = workerData as EvalWorkerData;
let backend = 'none';
let current: Loaded | null = null;
let cancelledUpTo = 0;
let scan: ScanAbove | null = null;

const send = (m: FromWorker): void => port.postMessage(m);

async function init(): Promise<void> {
  let warning: string | undefined;
  if (data.backend === 'native') {
    // no tfjs: the native gemm writes the scores into a memory of this worker, the SIMD scan reads them there
    backend = 'native';
    send({ type: 'ready', info: { backend, scan: 'simd' } });
    return;
  }
  if (data.backend !== 'js') {
    try {
      backend = await initBackend(data.backend);
      if (backend === 'wasm' && data.scan !== 'js') scan = wasmScanner();
    } catch (e) {
      if (data.backend !== 'wasm') throw e;
      // the plain-JS kernel, not tfjs-cpu: measured ~2.8× faster than tfjs-cpu (docs/evaluation.md)
      warning = `eval worker: the wasm backend failed (${(e as Error).message}); ` +
        'falling back to the plain-JS kernel (about 10× slower)';
    }
  }
  if (backend === 'none') backend = 'js';
  send({ type: 'ready', info: { backend, scan: scan ? 'simd' : 'js' }, warning });
}

/** The SIMD scanner over the wasm backend's heap; null (plain-JS scan) if the heap is not reachable or SIMD is missing. */
function wasmScanner(): ScanAbove | null {
  const memory = (tf.backend() as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  return createScanAbove(memory); // a kernel that cannot compile fails the worker loudly
}

function load(evalId: number, tables: EvalTables): void {
  current?.itemsT?.dispose();
  const native = backend === 'native' ? new NativeScores(tables, data.tileItems) : null;
  current = {
    evalId,
    tables,
    itemsT: backend === 'js' || native ? null : tf.tensor2d(tables.itemsT, [tables.dim, tables.nItems]),
    native,
    scores: new Float32Array(0),
    acc: new MetricAccumulator(tables.layout, tables.itemGroup, tables.perUser),
    scratch: new RankScratch(tables.layout.maxK, native ? native.scan : scan),
    userBuf: new Float32Array(0),
  };
}

function scoreBlock(c: Loaded, start: number, end: number): void {
  if (c.native) {
    c.acc.reset();
    rankBlockTiled(c.tables, c.native, start, end, c.acc, c.scratch, data.tileItems);
    return;
  }
  const rows = end - start;
  if (c.userBuf.length < rows * c.tables.dim) c.userBuf = new Float32Array(rows * c.tables.dim);
  const users = gatherUsers(c.tables, start, end, c.userBuf);
  c.acc.reset();
  if (!c.itemsT) {
    if (c.scores.length < rows * c.tables.nItems) c.scores = new Float32Array(rows * c.tables.nItems);
    matMulInto(users, rows, c.tables.dim, c.tables.itemsT, c.tables.nItems, c.scores);
    rankBlock(c.tables, c.scores, start, end, c.acc, c.scratch);
    return;
  }
  const a = tf.tensor2d(users, [rows, c.tables.dim]);
  const s = tf.matMul(a, c.itemsT);
  try {
    // wasm: rank in place on the wasm heap (measured: skips a rows×nItems copy per block that dataSync would make)
    const scores = backend === 'wasm'
      ? ((tf.backend() as BackendWasm).typedArrayFromHeap(s) as Float32Array)
      : (s.dataSync() as Float32Array);
    rankBlock(c.tables, scores, start, end, c.acc, c.scratch);
  } finally {
    a.dispose();
    s.dispose();
  }
}

function handle(m: ToWorker): void {
  if (m.type === 'load') {
    load(m.evalId, m.tables);
    return;
  }
  if (m.type === 'release') {
    if (current?.evalId === m.evalId) {
      current.itemsT?.dispose();
      current = null;
    }
    return;
  }
  if (m.type !== 'block' || m.evalId <= cancelledUpTo) return;
  if (!current || current.evalId !== m.evalId) throw new Error(`block for evaluation ${m.evalId} before its tables`);
  scoreBlock(current, m.start, m.end);
  send({ type: 'done', evalId: m.evalId, start: m.start, end: m.end, users: current.acc.users, sums: current.acc.sums });
}

const ready = init();
ready.catch((e: Error) => send({ type: 'error', evalId: 0, message: `eval worker failed to start: ${e.message}` }));
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    cancelledUpTo = Math.max(cancelledUpTo, m.evalId);
    return;
  }
  void ready.then(() => {
    try {
      handle(m);
    } catch (e) {
      send({ type: 'error', evalId: 'evalId' in m ? m.evalId : 0, message: (e as Error).stack ?? String(e) });
    }
  }, () => undefined);
});
