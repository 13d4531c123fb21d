/**
 * The native per-row negatives' table reads (native/src/index.c: indexGroupDots, indexGroupBack, indexScatter) against
 * the WebAssembly kernels of kernels/rows.wat (themselves tested against loops in wasm-kernels.test.ts) on the same
 * memory: random rows with repeats, score rows padded past K, a row D not a multiple of 8, NaN reaching exactly the rows
 * it touches, thread-like row shares; and the addon's own checks: row numbers or regions outside the memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heap } from '../../src/engine/wasm/heap';
import { instantiate } from '../../src/engine/wasm/modules';
import { nativeAddon } from '../../src/engine/native/addon';
import { nativeIndexRows } from '../../src/engine/native/bind';
import type { RowExports } from '../../src/engine/wasm/kernel-exports';
import { Rng } from '../../src/engine/rng';

const rng = new Rng(17);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

function setup(B: number, K: number, I: number, D: number) {
  const Kp = Math.max(8, Math.ceil(K / 8) * 8);
  const heap = new Heap(1 << 16);
  const put = (a: Float32Array | Int32Array): number => {
    const at = heap.alloc(a.byteLength);
    (a instanceof Int32Array ? heap.i32(at, a.length) : heap.f32(at, a.length)).set(a as never);
    return at;
  };
  const idx = Int32Array.from({ length: B * K }, (_, e) => (e % 3 === 0 ? 0 : rng.int(I)));
  const G = randn(B * Kp);
  if (B > 1 && K > 2) G[Kp + 2] = NaN;
  const at = {
    u: put(randn(B * D)), X: put(randn(I * D)), idx: put(idx), G: put(G), list: put(new Int32Array(B * K)),
    count: [put(new Int32Array(I)), put(new Int32Array(I))],
    S: [put(new Float32Array(B * Kp)), put(new Float32Array(B * Kp))], dU: [put(new Float32Array(B * D)), put(new Float32Array(B * D))],
    dX: [put(new Float32Array(I * D)), put(new Float32Array(I * D))],
  };
  const wasm = instantiate<RowExports>('rows', heap.memory);
  const native = nativeIndexRows(wasm, heap.memory, nativeAddon());
  return { heap, at, wasm, native, Kp, idx };
}

const close = (got: Float32Array, want: Float32Array, what: string): void => {
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= 2e-5 * (1 + Math.abs(w))) continue;
    assert.fail(`${what}: element ${i} is ${g}, the wasm kernel's ${w}`);
  }
};

test('native indexGroupDots, indexGroupBack and indexScatter equal the wasm kernels (repeats, padding, D = 12 and 64, NaN, row shares)', () => {
  for (const [B, K, I, D] of [[1, 1, 1, 4], [5, 3, 4, 12], [7, 13, 6, 64], [33, 40, 9, 64]]) {
    const { heap, at, wasm, native, Kp } = setup(B, K, I, D);
    const rb = D * 4, mid = B >> 1, cut = I >> 1;
    [wasm, native].forEach((k, v) => {
      for (const [b0, b1] of [[0, mid], [mid, B]]) k.indexGroupDots(at.u, at.X, at.idx, at.S[v], b0, b1, K, Kp * 4, rb);
      for (const [b0, b1] of [[0, mid], [mid, B]]) k.indexGroupBack(at.X, at.idx, at.G, at.dU[v], b0, b1, K, Kp * 4, rb, 0);
      for (const [i0, i1] of [[cut, I], [0, cut]]) k.indexScatter(at.u, at.idx, at.G, at.dX[v], at.count[v], i0, i1, B, K, Kp * 4, rb, at.list);
    });
    const two = (a: number[], n: number): [Float32Array, Float32Array] => [heap.f32(a[0], n), heap.f32(a[1], n)];
    const [sw, sn] = two(at.S, B * Kp), [uw, un] = two(at.dU, B * D), [xw, xn] = two(at.dX, I * D);
    close(sn, sw, `scores B ${B} K ${K} D ${D}`);
    close(un, uw, `user gradients B ${B} K ${K} D ${D}`);
    close(xn, xw, `table gradients B ${B} K ${K} D ${D}`);
    assert.deepEqual(heap.i32(at.count[1], I), heap.i32(at.count[0], I), 'the same counts');
    if (B > 1 && K > 2) assert.ok(uw.slice(D, 2 * D).every(Number.isNaN) && !un.slice(0, D).some(Number.isNaN), 'NaN in row 1 only');
    // accumulate: dU += the same sums again
    const before = Float32Array.from(un);
    native.indexGroupBack(at.X, at.idx, at.G, at.dU[1], 0, B, K, Kp * 4, rb, 1);
    close(heap.f32(at.dU[1], B * D), before.map((x) => 2 * x), 'acc 1 doubles dU');
  }
});

test('the native index kernels refuse row numbers and regions outside the memory, touching nothing', () => {
  const { heap, at, native, Kp, idx } = setup(4, 5, 6, 8);
  heap.i32(at.idx, idx.length)[7] = 1 << 28;
  assert.throws(() => native.indexGroupDots(at.u, at.X, at.idx, at.S[1], 0, 4, 5, Kp * 4, 32), /indexGroupDots: row id 268435456 \(at 7\) lies outside the table's \d+ rows/);
  assert.throws(() => native.indexGroupBack(at.X, at.idx, at.G, at.dU[1], 0, 4, 5, Kp * 4, 32, 0), /indexGroupBack: row id 268435456/);
  assert.ok(heap.f32(at.S[1], 4 * Kp).every((x) => x === 0), 'no score written');
  const end = heap.memory.buffer.byteLength;
  assert.throws(() => native.indexScatter(at.u, at.idx, at.G, at.dX[1], at.count[1], 0, 6, 4, 5, Kp * 4, 32, end - 40), /list \[\d+, \d+\) lies outside the memory/);
  assert.throws(() => native.indexScatter(at.u, at.idx, at.G, end - 100, at.count[1], 0, 6, 4, 5, Kp * 4, 32, at.list), /dX \[\d+, \d+\) lies outside the memory/);
  assert.ok(heap.f32(at.dX[1], 6 * 8).every((x) => x === 0), 'no table gradient written');
});
