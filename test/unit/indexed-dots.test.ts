/**
 * Dots by row number (src/engine/tensor/indexed-dots.ts, kernels/rows.wat indexDots): the kernel on 1 and 2 threads
 * against the plain loop on random tables, odd row counts and repeated rows; tables outside the heap take the loop.
 * Needs the built dist/kernel-worker.js for 2 threads.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HeapIndexedDots, referenceIndexedDots } from '../../src/engine/tensor/indexed-dots';
import { KernelPool } from '../../src/engine/wasm/pool';
import { Heap } from '../../src/engine/wasm/heap';
import { Rng } from '../../src/engine/rng';

after(() => KernelPool.get().close());

function tables(heap: Heap, nU: number, nX: number, D: number, rng: Rng): { U: Float32Array; X: Float32Array } {
  const U = heap.f32(heap.alloc(nU * D * 4), nU * D);
  const X = heap.f32(heap.alloc(nX * D * 4), nX * D);
  for (let k = 0; k < U.length; k++) U[k] = rng.normal();
  for (let k = 0; k < X.length; k++) X[k] = rng.normal();
  return { U, X };
}

for (const threads of [1, 2]) {
  test(`indexDots on ${threads} thread(s) equals the plain loop (random rows, B not a multiple of the share, repeats)`, () => {
    KernelPool.configure(threads);
    const rng = new Rng(17 + threads);
    const heap = new Heap();
    for (const [D, B, K] of [[64, 301, 7], [4, 5, 1], [12, 33, 64], [64, 1, 3]]) {
      const { U, X } = tables(heap, 50, 200, D, rng);
      const users = Int32Array.from({ length: B }, () => rng.int(50));
      const items = Int32Array.from({ length: B * K }, () => rng.int(200));
      items[0] = 199; // the last row of the table
      const dots = new HeapIndexedDots(heap);
      const got = dots.run(U, X, users, items, K, D);
      const want = referenceIndexedDots(U, X, users, items, K, D);
      assert.equal(got.length, B * K);
      for (let r = 0; r < want.length; r++) assert.ok(Math.abs(got[r] - want[r]) <= 1e-5 * (1 + Math.abs(want[r])), `D ${D} entry ${r}: ${got[r]} vs ${want[r]}`);
      // the same call again reuses its scratch and gives the same bits
      assert.deepEqual(dots.run(U, X, users, items, K, D), got);
    }
  });
}

test('indexDots: a second, larger call grows its scratch; 1 and 2 threads give the same bits', () => {
  const rng = new Rng(5);
  const heap = new Heap();
  const { U, X } = tables(heap, 40, 300, 64, rng);
  const users = Int32Array.from({ length: 2048 }, () => rng.int(40));
  const items = Int32Array.from({ length: 2048 * 64 }, () => rng.int(300));
  KernelPool.configure(1);
  const dots = new HeapIndexedDots(heap);
  dots.run(U, X, users.subarray(0, 3), items.subarray(0, 6), 2, 64);
  const one = dots.run(U, X, users, items, 64, 64);
  KernelPool.configure(2);
  const two = new HeapIndexedDots(heap).run(U, X, users, items, 64, 64);
  assert.deepEqual(one, two);
});

test('indexDots: tables outside the heap, or rows that are not whole vectors, take the plain loop', () => {
  KernelPool.configure(1);
  const rng = new Rng(9);
  const heap = new Heap();
  const U = Float32Array.from({ length: 10 * 6 }, () => rng.normal());
  const X = Float32Array.from({ length: 20 * 6 }, () => rng.normal());
  const users = Int32Array.of(0, 9, 3);
  const items = Int32Array.of(1, 19, 2, 2, 0, 5);
  assert.deepEqual(new HeapIndexedDots(heap).run(U, X, users, items, 2, 6), referenceIndexedDots(U, X, users, items, 2, 6));
  assert.throws(() => {
    const inHeap = tables(heap, 10, 20, 8, rng);
    new HeapIndexedDots(heap).run(inHeap.U, inHeap.X, users, items.subarray(0, 5), 2, 8);
  }, /5 items for 3 rows × 2/);
});
