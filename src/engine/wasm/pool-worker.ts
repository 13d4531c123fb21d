/**
 * A kernel-pool worker (bundled as dist/kernel-worker.js; ./pool.ts): waits on the shared control block, binds the
 * kernels to each heap's memory it is given, and runs its share of each task.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { BoundKernels, TASKS, TASK_NAMES, type KernelImpl } from './tasks';
import { awaitChange, CTRL, OP } from './pool';

const { control, args, port, index, threads, tasks, kernels } = workerData as {
  control: SharedArrayBuffer; args: SharedArrayBuffer; port: MessagePort; index: number; threads: number; tasks: string[]; kernels: KernelImpl;
};
// the caller's task list must be this worker's (a stale dist/kernel-worker.js would run the wrong task)
const stale = tasks.join(',') !== TASK_NAMES.join(',') ? `the kernel worker is stale (its tasks: ${TASK_NAMES.join(', ')}; the caller's: ${tasks.join(', ')}); run \`npm run build\`` : null;
const ctrl = new Int32Array(control);
const a = new Float64Array(args);
const heaps = new Map<number, BoundKernels>();
let seen = 0;

for (;;) {
  // Wait until the generation moves on. A return from Atomics.wait alone is not enough: the caller's notify of a task
  // can arrive after this worker already saw the new generation, ran the task and came back to wait — that late wake
  // would run the task twice, drive `pending` below zero and leave the caller waiting forever (a training run hung
  // this way: test/integration/pool-stress.test.ts).
  // (awaitChange returns only once the value differs, spinning first: a hand-off within a step meets this thread awake)
  seen = awaitChange(ctrl, CTRL.gen, seen);
  const op = ctrl[CTRL.op];
  if (op === OP.exit) break;
  try {
    if (stale) throw new Error(stale);
    if (op === OP.attach) {
      const m = receiveMessageOnPort(port)?.message as { id: number; memory: WebAssembly.Memory } | undefined;
      if (!m) throw new Error('attach: no memory was sent');
      heaps.set(m.id, new BoundKernels(m.memory, kernels));
    } else if (op === OP.detach) {
      heaps.delete(ctrl[CTRL.heap]);
    } else {
      const k = heaps.get(ctrl[CTRL.heap]);
      if (!k) throw new Error(`heap ${ctrl[CTRL.heap]} is not attached`);
      TASKS[TASK_NAMES[ctrl[CTRL.task]]](k, a, index, threads);
    }
  } catch (e) {
    port.postMessage(`worker ${index}: ${(e as Error).stack ?? String(e)}`);
    Atomics.store(ctrl, CTRL.error, 1);
  }
  if (Atomics.sub(ctrl, CTRL.pending, 1) === 1) Atomics.notify(ctrl, CTRL.pending);
}
