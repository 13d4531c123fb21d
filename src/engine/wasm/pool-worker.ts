/**
 * A kernel-pool worker (bundled as dist/kernel-worker.js; ./pool.ts): waits on the shared control block, binds the
 * kernels to each heap's memory it is given, and runs its share of each task.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { BoundKernels, TASKS, TASK_NAMES } from './tasks';
import { CTRL, OP } from './pool';

const { control, args, port, index, threads } = workerData as { control: SharedArrayBuffer; args: SharedArrayBuffer; port: MessagePort; index: number; threads: number };
const ctrl = new Int32Array(control);
const a = new Float64Array(args);
const heaps = new Map<number, BoundKernels>();
let seen = 0;

for (;;) {
  Atomics.wait(ctrl, CTRL.gen, seen);
  seen = Atomics.load(ctrl, CTRL.gen);
  const op = ctrl[CTRL.op];
  if (op === OP.exit) break;
  try {
    if (op === OP.attach) {
      const m = receiveMessageOnPort(port)?.message as { id: number; memory: WebAssembly.Memory } | undefined;
      if (!m) throw new Error('attach: no memory was sent');
      heaps.set(m.id, new BoundKernels(m.memory));
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
