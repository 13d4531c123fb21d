/**
 * The kernel pool: worker threads that run the WebAssembly kernels over row ranges of the same shared memory, so a
 * training step uses every core (train.threads, default all of them). The main thread takes a share too and then
 * blocks until the workers are done (Atomics.wait): a step stays a synchronous function, and a task costs a few
 * microseconds of hand-off instead of a message round trip. Tasks are in ./tasks.ts; the worker is ./pool-worker.ts
 * (bundled as dist/kernel-worker.js). With one thread there are no workers and the tasks run inline.
 */
import os from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { requireDistFile } from '../paths';
import { BoundKernels, DEFAULT_KERNELS, TASKS, TASK_NAMES, type KernelImpl, type TaskName } from './tasks';
import { nativeAddon, type NativeAddon } from '../native/addon';
import type { Heap } from './heap';

/** control block (Int32): generation, workers still running, op, task, heap id, error flag */
export const CTRL = { gen: 0, pending: 1, op: 2, task: 3, heap: 4, error: 5 } as const;
export const OP = { run: 0, attach: 1, detach: 2, exit: 3 } as const;
export const MAX_ARGS = 32;
/**
 * How long a thread spins (polling the control block) before it sleeps in Atomics.wait, in ms. Waking a sleeping
 * thread costs a futex round trip through the host (≈ 0.1–0.2 ms a hand-off on this 2-vCPU VM, measured: the pool's
 * signal and wait were a third of an MF-BPR epoch's main-thread time); within a step the next task follows in well
 * under this, so the threads meet spinning. Between steps (sampling, evaluation) they go to sleep after it.
 */
export const SPIN_MS = 0.25;

/** Polls until ctrl[at] differs from `value`, spinning up to SPIN_MS, then sleeping; returns the new value. */
export function awaitChange(ctrl: Int32Array, at: number, value: number): number {
  let now = Atomics.load(ctrl, at);
  if (now !== value) return now;
  const until = performance.now() + SPIN_MS;
  for (let i = 1; (now = Atomics.load(ctrl, at)) === value; i++) if ((i & 127) === 0 && performance.now() > until) break;
  while ((now = Atomics.load(ctrl, at)) === value) Atomics.wait(ctrl, at, value);
  return now;
}

export class KernelPool {
  private static current: KernelPool | null = null;

  /**
   * The process's pool, with `threads` threads in all (0 = one per core) running the SpMM and gemm kernels of `kernels`
   * (train.kernels); replaces a pool of another size or kind. Native kernels that cannot load throw here, naming why.
   */
  static configure(threads = 0, kernels: KernelImpl = DEFAULT_KERNELS): KernelPool {
    const T = threads > 0 ? threads : os.availableParallelism();
    if (kernels === 'native') nativeAddon();
    if (KernelPool.current?.threads !== T || KernelPool.current.kernels !== kernels) {
      KernelPool.current?.close();
      KernelPool.current = new KernelPool(T, kernels);
    }
    return KernelPool.current;
  }

  /** The process's pool (one thread and the default kernels until configured). */
  static get(): KernelPool {
    return KernelPool.current ?? KernelPool.configure(1);
  }

  /**
   * The addon when this pool runs the native kernels (train.kernels = "native"), else null: for the main thread's row
   * loops that have a native form (the step's gather and dropout, the optimisers' accumulation).
   */
  get native(): NativeAddon | null {
    return this.kernels === 'native' ? nativeAddon() : null;
  }

  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: { worker: Worker; port: MessagePort }[] = [];
  private readonly bound = new Map<number, BoundKernels>();
  private readonly attached = new Set<number>();

  private constructor(readonly threads: number, readonly kernels: KernelImpl) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
    this.args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
    if (threads > 1) {
      const script = requireDistFile('kernel-worker.js');
      for (let i = 1; i < threads; i++) {
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(script, { workerData: { control: this.ctrl.buffer, args: this.args.buffer, port: port2, index: i, threads, tasks: TASK_NAMES, kernels }, transferList: [port2] });
        worker.unref();
        port1.unref();
        this.workers.push({ worker, port: port1 });
      }
    }
  }

  /**
   * Runs a task on every thread (this one as thread 0) over the heap's memory; returns when all are done. `inline`:
   * this thread alone runs all of it (no hand-off; the same result — tasks do not depend on the split), for work too
   * small or too latency-bound to gain from a second core.
   */
  run(task: TaskName, heap: Heap, args: ArrayLike<number>, inline = false): void {
    if (args.length > MAX_ARGS) throw new Error(`kernel task ${task}: ${args.length} arguments, at most ${MAX_ARGS}`);
    const k = this.kernelsFor(heap);
    this.args.set(args);
    if (this.threads === 1 || inline) {
      TASKS[task](k, this.args, 0, 1);
      return;
    }
    this.attach(heap);
    this.signal(OP.run, TASK_NAMES.indexOf(task), heap.id);
    let failure: unknown = null;
    try {
      TASKS[task](k, this.args, 0, this.threads);
    } catch (e) {
      failure = e;
    }
    this.wait();
    if (failure) throw failure;
  }

  /** Forgets a heap (its owner dropped it): the workers release their bindings to its memory. */
  release(heap: Heap): void {
    this.bound.delete(heap.id);
    if (!this.attached.delete(heap.id)) return;
    this.signal(OP.detach, 0, heap.id);
    this.wait();
  }

  close(): void {
    if (this.workers.length) {
      this.signal(OP.exit, 0, 0);
      for (const w of this.workers) void w.worker.terminate();
    }
    this.workers.length = 0;
    if (KernelPool.current === this) KernelPool.current = null;
  }

  /** The pool's kernels (train.kernels: native or wasm) bound to a heap's memory, for direct calls on this thread. */
  kernelsFor(heap: Heap): BoundKernels {
    let k = this.bound.get(heap.id);
    if (!k) this.bound.set(heap.id, (k = new BoundKernels(heap.memory, this.kernels)));
    return k;
  }

  private attach(heap: Heap): void {
    if (this.attached.has(heap.id)) return;
    for (const w of this.workers) w.port.postMessage({ id: heap.id, memory: heap.memory });
    this.signal(OP.attach, 0, heap.id);
    this.wait();
    this.attached.add(heap.id);
  }

  private signal(op: number, task: number, heapId: number): void {
    const c = this.ctrl;
    c[CTRL.op] = op;
    c[CTRL.task] = task;
    c[CTRL.heap] = heapId;
    Atomics.store(c, CTRL.pending, this.workers.length);
    Atomics.add(c, CTRL.gen, 1);
    Atomics.notify(c, CTRL.gen);
  }

  private wait(): void {
    const c = this.ctrl;
    for (let p = Atomics.load(c, CTRL.pending); p !== 0; p = Atomics.load(c, CTRL.pending)) awaitChange(c, CTRL.pending, p);
    if (Atomics.load(c, CTRL.error)) {
      Atomics.store(c, CTRL.error, 0);
      const messages = this.workers.map((w) => receiveMessageOnPort(w.port)?.message).filter(Boolean);
      throw new Error(`kernel worker failed: ${messages.join('; ')}`);
    }
  }
}
