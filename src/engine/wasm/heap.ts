/**
 * A heap: one shared WebAssembly memory holding tables, optimiser state and scratch blocks, with the kernels bound to
 * it. Shared (SharedArrayBuffer) so worker threads can run the same kernels over row ranges of the same data.
 * Allocation is a bump pointer (64-byte aligned, cache lines): a heap lives as long as its owner (a table's
 * optimiser storage, a fused step's scratch) and is dropped with it.
 */
import { instantiate, type KernelName } from './modules';

const PAGE = 65536;

let nextId = 1;

export class Heap {
  /** identifies the heap to the worker threads that attach its memory (wasm/pool.ts) */
  readonly id = nextId++;
  readonly memory: WebAssembly.Memory;
  private top = 0;
  private readonly instances = new Map<KernelName, unknown>();
  /** every buffer object the memory has had: a shared memory's `buffer` is a new object after each grow */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(initialBytes = PAGE) {
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(initialBytes / PAGE)), maximum: 65536, shared: true });
    this.buffers.add(this.memory.buffer);
  }

  /** whether a view lies in this heap's memory (made before or after the memory grew) */
  owns(view: ArrayBufferView): boolean {
    return this.buffers.has(view.buffer);
  }

  /** Reserves bytes (rounded up to 64) and returns their byte offset; grows the memory when needed. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 64) * 64;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      this.memory.grow(Math.ceil((this.top - have) / PAGE));
      this.buffers.add(this.memory.buffer);
    }
    return at;
  }

  /** bytes allocated so far */
  get used(): number {
    return this.top;
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }

  /** A kernel's exports bound to this heap's memory (instantiated once per heap). */
  kernel<T>(name: KernelName): T {
    let k = this.instances.get(name);
    if (!k) this.instances.set(name, (k = instantiate<T>(name, this.memory)));
    return k as T;
  }
}
