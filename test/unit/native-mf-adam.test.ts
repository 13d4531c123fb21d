/**
 * The native Adam (native/src/adam.c) and MF's native fused dot step (native/src/mfdot.c): every variant this CPU has
 * (portable C, AVX2, AVX-512) against a plain TypeScript reference and the wasm kernels (kernels/adam.wat, mfdot.wat)
 * on random and edge inputs — row widths that leave tails (D = 4, 12, 20, 68), empty row sets, n = 0, sub-ranges.
 *
 * Tolerances: Adam and the gradient sums are element-wise without fused multiply-adds in every variant — all give the
 * wasm kernel's floats bit for bit (tolerance 0), and so does a TypeScript reference that rounds to float32 after each
 * operation. The dot products of the portable variant are the wasm kernel's bit for bit; the AVX2 / AVX-512 dot
 * products sum in 8 / 16 lanes with fused multiply-adds: within 1e-5·(1 + |s|) of a float64 sum.
 * Also: the slot bookkeeping (mfSlots) against SparseOptimizer.accumulate's rule, the native uniform sampler against
 * the JS draws (the same items from the same Rng stream), the pool tasks on 1 and 2 threads, and MF-BPR training
 * (lazy and dense Adam) on native vs wasm kernels.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Heap } from '../../src/engine/wasm/heap';
import { instantiate } from '../../src/engine/wasm/modules';
import { KernelPool } from '../../src/engine/wasm/pool';
import type { AdamExports, MfDotExports } from '../../src/engine/wasm/tasks';
import { nativeAddon } from '../../src/engine/native/addon';
import { nativeAdam, nativeMfDot, nativeMfSlots } from '../../src/engine/native/bind';
import { Rng } from '../../src/engine/rng';
import { drawUniformRejecting } from '../../src/engine/samplers/reject';
import { uniform } from '../../src/engine/samplers/uniform';
import { nativeUniformRows } from '../../src/engine/native/sampling';
import { csrFromRows } from '../fixtures/data/helpers';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { RunEvent } from '../../src/protocol/events';

const addon = nativeAddon();
const best = addon.bestIsa() as 'scalar' | 'avx2' | 'avx512';
const ISAS = (['scalar', 'avx2', 'avx512'] as const).filter((i) => i === 'scalar' || (i === 'avx2' ? best !== 'scalar' : best === 'avx512'));
after(() => addon.setIsa(best));

const rng = new Rng(31);
const randn = (n: number, s = 1): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
const f = Math.fround;
const sameBits = (got: Float32Array, want: Float32Array, what: string): void => {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length), w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < w.length; i++) if (g[i] !== w[i]) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
};
const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
};
/** copies an array into the heap, returns its offset */
const put = (heap: Heap, arr: Float32Array | Int32Array): number => {
  const at = heap.alloc(Math.max(arr.byteLength, 4));
  new (arr.constructor as Float32ArrayConstructor)(heap.memory.buffer, at, arr.length).set(arr as Float32Array);
  return at;
};
/** n distinct ids below max, in random order */
const distinct = (n: number, max: number): Int32Array => {
  const all = Int32Array.from({ length: max }, (_, i) => i);
  for (let i = max - 1; i > 0; i--) { const j = rng.int(i + 1); [all[i], all[j]] = [all[j], all[i]]; }
  return all.slice(0, n);
};

// ---- Adam ----

const B1 = 0.9, B2 = 0.999, STEP = 0.0123, EPS = 3e-8;

/** one element of Adam in float32, rounding after every operation as the kernels do (g = null: the coasting form) */
function adamRef(w: Float32Array, m: Float32Array, v: Float32Array, o: number, g: number | null): void {
  const b1 = f(B1), b2 = f(B2), step = f(STEP), eps = f(EPS);
  const mk = g === null ? f(b1 * m[o]) : f(f(b1 * m[o]) + f(f(1 - b1) * g));
  const vk = g === null ? f(b2 * v[o]) : f(f(b2 * v[o]) + f(f(1 - b2) * f(g * g)));
  m[o] = mk;
  v[o] = vk;
  w[o] = f(w[o] - f(f(step * mk) / f(f(Math.sqrt(vk)) + eps)));
}

for (const D of [4, 12, 20, 64, 68]) {
  test(`Adam at D = ${D}: adamRows, adamDense, adamFull — every native variant gives the wasm kernel's and the float32 reference's floats bit for bit`, () => {
    const rows = 53, rb = D * 4;
    const heap = new Heap(1 << 20);
    const w0 = randn(rows * D), m0 = randn(rows * D, 0.1), v0 = Float32Array.from(randn(rows * D, 0.1), (x) => x * x);
    const g0 = randn(rows * D);
    g0[3] = 0; // an exact zero gradient, and a row of zero moments
    m0.fill(0, 5 * D, 6 * D);
    v0.fill(0, 5 * D, 6 * D);
    const at = { w: put(heap, w0), m: put(heap, m0), v: put(heap, v0), g: put(heap, g0), rows: heap.alloc(rows * 4), slots: heap.alloc(rows * 4) };
    const wasm = instantiate<AdamExports>('adam', heap.memory), native = nativeAdam(heap.memory, addon);
    const state = () => ({ w: heap.f32(at.w, rows * D), m: heap.f32(at.m, rows * D), v: heap.f32(at.v, rows * D) });
    const reset = () => { const s = state(); s.w.set(w0); s.m.set(m0); s.v.set(v0); };
    const ids = distinct(37, rows);
    const slots = Int32Array.from({ length: rows }, () => -1);
    ids.slice(0, 20).forEach((row, s) => (slots[row] = s)); // 20 rows with a gradient (slots 0 .. 19), the rest coast
    heap.i32(at.rows, rows).set(ids);
    heap.i32(at.slots, rows).set(slots);
    const cases: [string, (k: AdamExports) => void, () => void][] = [
      ['adamRows (37 rows)', (k) => k.adamRows(at.w, at.m, at.v, at.g, at.rows, 37, rb, B1, B2, STEP, EPS),
        () => { const s = state(); ids.forEach((row, r) => { for (let d = 0; d < D; d++) adamRef(s.w, s.m, s.v, row * D + d, g0[r * D + d]); }); }],
      ['adamRows (n = 0)', (k) => k.adamRows(at.w, at.m, at.v, at.g, at.rows, 0, rb, B1, B2, STEP, EPS), () => {}],
      ['adamDense (rows 7 .. 51)', (k) => k.adamDense(at.w, at.m, at.v, at.g, at.slots, 7, 44, rb, B1, B2, STEP, EPS),
        () => { const s = state(); for (let row = 7; row < 51; row++) for (let d = 0; d < D; d++) adamRef(s.w, s.m, s.v, row * D + d, slots[row] >= 0 ? g0[slots[row] * D + d] : null); }],
      ['adamDense (n = 0)', (k) => k.adamDense(at.w, at.m, at.v, at.g, at.slots, 7, 0, rb, B1, B2, STEP, EPS), () => {}],
      ['adamFull (rows 1 .. 50)', (k) => k.adamFull(at.w, at.m, at.v, at.g, 1, 49, rb, B1, B2, STEP, EPS),
        () => { const s = state(); for (let o = D; o < 50 * D; o++) adamRef(s.w, s.m, s.v, o, g0[o]); }],
    ];
    for (const [name, run, reference] of cases) {
      reset();
      reference();
      const want = state(), ref = { w: want.w.slice(), m: want.m.slice(), v: want.v.slice() };
      if (name.includes('n = 0')) sameBits(ref.w, w0, `${name} changes nothing`);
      reset();
      run(wasm);
      const ws = state();
      for (const key of ['w', 'm', 'v'] as const) sameBits(ws[key], ref[key], `wasm ${name} ${key} vs the float32 reference`);
      for (const isa of ISAS) {
        assert.ok(addon.setIsa(isa));
        reset();
        run(native);
        const ns = state();
        for (const key of ['w', 'm', 'v'] as const) sameBits(ns[key], ref[key], `${isa} ${name} ${key}`);
      }
      addon.setIsa(best);
    }
  });
}

test('native Adam rejects what it cannot do: a ragged row width, ranges outside the memory', () => {
  const heap = new Heap(65536);
  const v = new Uint8Array(heap.memory.buffer);
  assert.throws(() => addon.adamRows(v, 0, 0, 0, 0, 0, 1, 24, 0.9, 0.999, 0.1, 1e-8), /multiple of 16/);
  assert.throws(() => addon.adamFull(v, 0, 0, 0, v.length - 64, 0, 1, 256, 0.9, 0.999, 0.1, 1e-8), /outside the memory/);
  assert.throws(() => addon.adamDense(v, 0, 0, 0, 0, v.length - 8, 0, 4, 16, 0.9, 0.999, 0.1, 1e-8), /outside the memory/);
});

// ---- MF's fused dot step ----

interface Batch { B: number; N: number; users: Int32Array; pos: Int32Array; negs: Int32Array }

function mfSetup(D: number, N: number, B: number) {
  const nU = 29, nI = 41, rb = D * 4;
  const heap = new Heap(1 << 21);
  const U = randn(nU * D, 0.5), I = randn(nI * D, 0.5);
  // few users and items: duplicates within the batch (a row's sums are added to several times)
  const batch: Batch = { B, N, users: Int32Array.from({ length: B }, () => rng.int(nU)), pos: Int32Array.from({ length: B }, () => rng.int(nI)), negs: Int32Array.from({ length: B * N }, () => rng.int(nI)) };
  const at = {
    U: put(heap, U), I: put(heap, I), users: put(heap, batch.users), pos: put(heap, batch.pos), negs: put(heap, batch.negs),
    sPos: heap.alloc(B * 4 + 4), sNeg: heap.alloc(B * N * 4 + 4), sq: heap.alloc(B * 4 + 4),
    slotsU: put(heap, new Int32Array(nU).fill(-1)), slotsI: put(heap, new Int32Array(nI).fill(-1)), idsU: heap.alloc(nU * 4), idsI: heap.alloc(nI * 4),
    gU: heap.alloc(nU * rb), gI: heap.alloc(nI * rb), slotU: heap.alloc(B * 4 + 4), slotP: heap.alloc(B * 4 + 4), slotN: heap.alloc(B * N * 4 + 4),
    dPos: put(heap, randn(B)), dNeg: put(heap, randn(B * N)),
  };
  return { heap, nU, nI, rb, U, I, batch, at };
}

for (const [D, N] of [[4, 1], [12, 3], [64, 1], [68, 2], [20, 0]] as const) {
  test(`MF scores at D = ${D}, N = ${N}: the portable variant gives the wasm kernel's floats, AVX variants a float64 sum's within 1e-5; rows [b0, b1) only`, () => {
    const B = 23;
    const { heap, U, I, batch, at, rb } = mfSetup(D, N, B);
    const wasm = instantiate<MfDotExports>('mfdot', heap.memory), native = nativeMfDot(heap.memory, addon);
    const dot = (x: Float32Array, xo: number, y: Float32Array, yo: number): number => { let s = 0; for (let d = 0; d < D; d++) s += x[xo + d] * y[yo + d]; return s; };
    const [b0, b1] = [2, 21];
    const ref = { sPos: new Float32Array(B).fill(7), sNeg: new Float32Array(B * N).fill(7), sq: new Float32Array(B).fill(7) };
    for (let b = b0; b < b1; b++) {
      const u = batch.users[b] * D, p = batch.pos[b] * D;
      ref.sPos[b] = dot(U, u, I, p);
      let q = dot(U, u, U, u) + dot(I, p, I, p);
      for (let k = 0; k < N; k++) {
        const n = batch.negs[b * N + k] * D;
        ref.sNeg[b * N + k] = dot(U, u, I, n);
        q += dot(I, n, I, n);
      }
      ref.sq[b] = q;
    }
    const run = (k: MfDotExports, sq: boolean) => {
      heap.f32(at.sPos, B).fill(7); heap.f32(at.sNeg, B * N).fill(7); heap.f32(at.sq, B).fill(7);
      k.scores(at.U, at.I, at.users, at.pos, at.negs, at.sPos, at.sNeg, sq ? at.sq : 0, b0, b1, N, rb);
      return { sPos: heap.f32(at.sPos, B).slice(), sNeg: heap.f32(at.sNeg, B * N).slice(), sq: heap.f32(at.sq, B).slice() };
    };
    for (const sq of [true, false]) {
      const want = run(wasm, sq);
      near(want.sPos, ref.sPos, 1e-5, 'wasm sPos');
      if (sq) near(want.sq, ref.sq, 1e-5, 'wasm sq');
      else assert.ok(want.sq.every((x) => x === 7), 'no sq written when sq = 0');
      for (const isa of ISAS) {
        assert.ok(addon.setIsa(isa));
        const got = run(native, sq);
        for (const key of ['sPos', 'sNeg', 'sq'] as const) {
          if (isa === 'scalar') sameBits(got[key], want[key], `${isa} ${key} sq=${sq}`);
          else if (key !== 'sq' || sq) near(got[key], ref[key], 1e-5, `${isa} ${key}`);
          else sameBits(got[key], want[key], `${isa} sq untouched`);
        }
      }
      addon.setIsa(best);
    }
  });

  test(`MF slots and gradient sums at D = ${D}, N = ${N}: mfSlots follows SparseOptimizer.accumulate; grads of every variant = wasm bit for bit, any split of the slots`, () => {
    const B = 31;
    const { heap, nU, nI, U, I, batch, at, rb } = mfSetup(D, N, B);
    const slots = nativeMfSlots(heap.memory, addon);
    // accumulate's rule in plain TypeScript: first use of a row this step → next slot; `used` slots taken before
    const refSlots = (rows: number, prior: number[], seq: number[]) => {
      const slot = new Map<number, number>(prior.map((r, s) => [r, s]));
      const ids = [...prior];
      const out = seq.map((r) => { if (!slot.has(r)) { slot.set(r, ids.length); ids.push(r); } return slot.get(r)!; });
      return { out, ids, table: Int32Array.from({ length: rows }, (_, r) => slot.get(r) ?? -1) };
    };
    // two rows taken before this batch (used = 2); garbage in the sum rows, which a new slot must zero
    const priorI = [batch.pos[0], (batch.pos[0] + 1) % nI];
    heap.i32(at.slotsI, nI).set(refSlots(nI, priorI, []).table);
    heap.i32(at.idsI, nI).set(priorI);
    heap.f32(at.gU, nU * D).fill(5);
    heap.f32(at.gI, nI * D).fill(5);
    const usedU = slots(at.slotsU, at.idsU, at.gU, 0, rb, at.users, 0, B, 0, at.slotU, 0);
    const usedI = slots(at.slotsI, at.idsI, at.gI, 2, rb, at.pos, at.negs, B, N, at.slotP, at.slotN);
    const seqI: number[] = [];
    for (let b = 0; b < B; b++) seqI.push(batch.pos[b], ...batch.negs.subarray(b * N, (b + 1) * N));
    const ru = refSlots(nU, [], [...batch.users]), ri = refSlots(nI, priorI, seqI);
    assert.equal(usedU, ru.ids.length);
    assert.equal(usedI, ri.ids.length);
    assert.deepEqual([...heap.i32(at.slotU, B)], ru.out);
    assert.deepEqual([...heap.i32(at.slotsU, nU)], [...ru.table]);
    assert.deepEqual([...heap.i32(at.idsU, usedU)], ru.ids);
    assert.deepEqual([...heap.i32(at.slotsI, nI)], [...ri.table]);
    assert.deepEqual([...heap.i32(at.idsI, usedI)], ri.ids);
    const slotPN = [...heap.i32(at.slotP, B)].flatMap((s, b) => [s, ...heap.i32(at.slotN + b * N * 4, N)]);
    assert.deepEqual(slotPN, ri.out);
    const gI = heap.f32(at.gI, nI * D), gU = heap.f32(at.gU, nU * D);
    for (let s = 0; s < usedI; s++) for (let d = 0; d < D; d++) assert.equal(gI[s * D + d], s < 2 ? 5 : 0, `item sum row ${s}`);
    for (let s = 0; s < usedU; s++) assert.ok(gU.subarray(s * D, (s + 1) * D).every((x) => x === 0), `user sum row ${s} zeroed`);
    assert.equal(gU[usedU * D], 5, 'rows past the slots in use untouched');
    // the empty batch takes no slot
    assert.equal(slots(at.slotsU, at.idsU, at.gU, usedU, rb, at.users, 0, 0, 0, at.slotU, 0), usedU);

    // the chain rule into the sums, from random starting sums, c = 0.03
    const gU0 = randn(nU * D), gI0 = randn(nI * D), c = 0.03;
    const dPos = heap.f32(at.dPos, B), dNeg = heap.f32(at.dNeg, B * N);
    const ref = { gU: Float64Array.from(gU0), gI: Float64Array.from(gI0) };
    for (let b = 0; b < B; b++) {
      const u = batch.users[b] * D, p = batch.pos[b] * D, su = ru.out[b] * D, sp = heap.i32(at.slotP, B)[b] * D;
      for (let d = 0; d < D; d++) {
        ref.gU[su + d] += dPos[b] * I[p + d] + c * U[u + d];
        ref.gI[sp + d] += dPos[b] * U[u + d] + c * I[p + d];
      }
      for (let k = 0; k < N; k++) {
        const j = b * N + k, n = batch.negs[j] * D, sn = heap.i32(at.slotN, B * N)[j] * D;
        for (let d = 0; d < D; d++) {
          ref.gU[su + d] += dNeg[j] * I[n + d];
          ref.gI[sn + d] += dNeg[j] * U[u + d] + c * I[n + d];
        }
      }
    }
    const run = (k: MfDotExports, splits: [number, number, number, number][]) => {
      heap.f32(at.gU, nU * D).set(gU0);
      heap.f32(at.gI, nI * D).set(gI0);
      for (const [u0, u1, i0, i1] of splits) {
        k.grads(at.U, at.I, at.gU, at.gI, at.users, at.pos, at.negs, at.slotU, at.slotP, at.slotN, at.dPos, at.dNeg, B, N, rb, c, u0, u1, i0, i1);
      }
      return { gU: heap.f32(at.gU, nU * D).slice(), gI: heap.f32(at.gI, nI * D).slice() };
    };
    const whole: [number, number, number, number][] = [[0, usedU, 0, usedI]];
    const split: [number, number, number, number][] = [[0, 3, 0, 5], [3, usedU, 5, usedI]];
    const want = run(instantiate<MfDotExports>('mfdot', heap.memory), whole);
    near(want.gU, ref.gU, 1e-5, 'wasm gU');
    near(want.gI, ref.gI, 1e-5, 'wasm gI');
    const native = nativeMfDot(heap.memory, addon);
    for (const isa of ISAS) {
      assert.ok(addon.setIsa(isa));
      for (const [name, s] of [['whole', whole], ['split', split]] as const) {
        const got = run(native, s);
        sameBits(got.gU, want.gU, `${isa} ${name} gU`);
        sameBits(got.gI, want.gI, `${isa} ${name} gI`);
      }
    }
    addon.setIsa(best);
  });
}

test('the Adam and MF pool tasks on native kernels: 1 and 2 threads give the same floats, Adam the wasm kernels\' exactly', () => {
  const D = 64, rows = 900, rb = D * 4, B = 600, N = 2;
  const w0 = randn(rows * D), m0 = randn(rows * D, 0.1), v0 = Float32Array.from(randn(rows * D, 0.1), (x) => x * x), g0 = randn(rows * D);
  const ids = distinct(700, rows), slots = new Int32Array(rows).fill(-1);
  ids.slice(0, 300).forEach((row, s) => (slots[row] = s));
  const dPos = randn(B), dNeg = randn(B * N);
  const users = Int32Array.from({ length: B }, () => rng.int(rows)), pos = Int32Array.from({ length: B }, () => rng.int(rows)), negs = Int32Array.from({ length: B * N }, () => rng.int(rows));
  const results: Record<string, Float32Array[]> = {};
  for (const [kernels, threads] of [['native', 1], ['native', 2], ['wasm', 1]] as const) {
    const pool = KernelPool.configure(threads, kernels);
    const heap = new Heap(1 << 24);
    const at = { w: put(heap, w0), m: put(heap, m0), v: put(heap, v0), g: put(heap, g0), rows: put(heap, ids), slots: put(heap, slots) };
    const out: Float32Array[] = [];
    const adam = (task: 'adamRows' | 'adamDense' | 'adamFull', args: number[]) => {
      heap.f32(at.w, rows * D).set(w0); heap.f32(at.m, rows * D).set(m0); heap.f32(at.v, rows * D).set(v0);
      pool.run(task, heap, args);
      out.push(heap.f32(at.w, rows * D).slice(), heap.f32(at.m, rows * D).slice(), heap.f32(at.v, rows * D).slice());
    };
    adam('adamRows', [at.w, at.m, at.v, at.g, at.rows, 700, rb, B1, B2, STEP, EPS]);
    adam('adamDense', [at.w, at.m, at.v, at.g, at.slots, rows, rb, B1, B2, STEP, EPS]);
    adam('adamFull', [at.w, at.m, at.v, at.g, rows, rb, B1, B2, STEP, EPS]);
    // the MF step's kernels: scores with sq, slots (natively, or the same rule in JS), grads
    const a = { users: put(heap, users), pos: put(heap, pos), negs: put(heap, negs), sPos: heap.alloc(B * 4), sNeg: heap.alloc(B * N * 4), sq: heap.alloc(B * 4),
      slotU: put(heap, Int32Array.from(users, (u) => u)), slotP: put(heap, Int32Array.from(pos, (p) => p % 500)), slotN: put(heap, Int32Array.from(negs, (n) => n % 500)),
      dPos: put(heap, dPos), dNeg: put(heap, dNeg) };
    pool.run('mfScores', heap, [at.w, at.m, a.users, a.pos, a.negs, a.sPos, a.sNeg, a.sq, B, N, rb]);
    out.push(heap.f32(a.sPos, B).slice(), heap.f32(a.sNeg, B * N).slice(), heap.f32(a.sq, B).slice());
    heap.f32(at.g, rows * D).set(g0);
    pool.run('mfGrads', heap, [at.w, at.m, at.g, at.v, a.users, a.pos, a.negs, a.slotU, a.slotP, a.slotN, a.dPos, a.dNeg, B, N, rb, 0.01, rows, 500]);
    out.push(heap.f32(at.g, rows * D).slice(), heap.f32(at.v, 500 * D).slice());
    results[`${kernels}/${threads}`] = out;
    pool.release(heap);
  }
  const [one, two, wasm] = [results['native/1'], results['native/2'], results['wasm/1']];
  const names = ['adamRows w', 'm', 'v', 'adamDense w', 'm', 'v', 'adamFull w', 'm', 'v', 'sPos', 'sNeg', 'sq', 'grads gU', 'gI'];
  names.forEach((what, i) => {
    sameBits(two[i], one[i], `native 2 threads vs 1: ${what}`);
    if (what.startsWith('s')) near(one[i], wasm[i], 1e-5, `native vs wasm: ${what}`);
    else sameBits(one[i], wasm[i], `native vs wasm: ${what}`);
  });
  KernelPool.configure(1);
});

test('the native uniform sampler draws the JS loop\'s items from the same Rng stream (rejection, the complement draw, empty rows, n = 0)', () => {
  const nItems = 50;
  // user 0 has every item but two (the complement path after 32 failed draws), user 1 none, the rest a few
  const rows = [Array.from({ length: nItems }, (_, i) => i).filter((i) => i !== 7 && i !== 31), [], ...Array.from({ length: 30 }, () => [...new Set(Array.from({ length: 1 + rng.int(20) }, () => rng.int(nItems)))])];
  const train = csrFromRows(rows, nItems);
  const users = Int32Array.from({ length: 300 }, (_, b) => (b % 5 === 0 ? 0 : rng.int(rows.length)));
  const native = nativeUniformRows();
  assert.ok(native, 'the default pool runs native kernels');
  for (const reject of [true, false]) {
    for (const n of [0, 1, 3]) {
      const a = new Rng(77), b = new Rng(77);
      const want = new Int32Array(users.length * n);
      for (let r = 0; r < users.length; r++) for (let k = 0; k < n; k++) want[r * n + k] = drawUniformRejecting(a, train, nItems, users[r], reject);
      const got = new Int32Array(users.length * n).fill(-1);
      native(b, train, nItems, users, n, reject, got);
      assert.deepEqual([...got], [...want], `reject=${reject} n=${n}`);
      assert.equal(b.nextU32(), a.nextU32(), 'the Rng continues where the JS draws left it');
      if (reject) for (let r = 0; r < users.length; r++) for (let k = 0; k < n; k++) assert.ok(!rows[users[r]].includes(got[r * n + k]), `a training item drawn for user ${users[r]}`);
    }
  }
  // through the sampler plug-in, on native and on wasm kernels: the same batch
  const batches = (['native', 'wasm'] as const).map((kernels) => {
    KernelPool.configure(1, kernels);
    const s = uniform.create({ negatives: 2, rejectPositives: true } as never, { train, nItems, nUsers: rows.length } as never);
    return s.sample(users, users, { rng: new Rng(5) } as never);
  });
  KernelPool.configure(1);
  assert.deepEqual(batches[0], batches[1]);
  assert.throws(() => addon.uniformRows(train.indptr, train.indices, Int32Array.from([rows.length]), new Int32Array(1), new Uint32Array(4), nItems, 1, 1), /outside the CSR/);
});

const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-native-mf-'));
after(() => fs.rmSync(runs, { recursive: true, force: true }));

for (const [name, threads, lazy] of [['lazy Adam, 1 thread (the direct kernel calls)', 1, true], ['lazy Adam, 2 threads (the pool tasks)', 2, true], ['dense Adam, 2 threads', 2, false]] as const) {
  test(`MF-BPR training (${name}): native and wasm kernels give the same losses and metrics within float noise`, async () => {
    const got: Record<string, { losses: number[]; metrics: Record<string, number> }> = {};
    for (const kernels of ['native', 'wasm'] as const) {
      const config = resolveConfig({
        name: `mf-${kernels}`, seed: 7, dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 12, clusters: 4 },
        model: { kind: 'mf', dim: 64 }, loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 },
        optimizer: { lr: 0.01, l2: 1e-4, lazy }, train: { epochs: 3, batchSize: 256, threads, kernels, logEvery: 1 },
        eval: { every: 3, ks: [20], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: 1, popularityGroups: 0 },
      });
      const events: RunEvent[] = [];
      const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
      assert.equal(r.status, 'finished', r.reason);
      const evals = events.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval');
      got[kernels] = {
        losses: events.filter((e): e is Extract<RunEvent, { kind: 'step' }> => e.kind === 'step').map((e) => e.loss),
        metrics: evals[evals.length - 1].metrics as unknown as Record<string, number>,
      };
    }
    assert.ok(got.native.losses.length > 20 && got.native.losses.every(Number.isFinite), `${got.native.losses.length} steps`);
    near(got.native.losses, got.wasm.losses, 1e-4, 'step losses native vs wasm');
    const keys = Object.keys(got.wasm.metrics).filter((k) => typeof got.wasm.metrics[k] === 'number');
    assert.ok(keys.includes('recall@20') && got.wasm.metrics['recall@20'] > 0, keys.join(', '));
    near(keys.map((k) => got.native.metrics[k]), keys.map((k) => got.wasm.metrics[k]), 1e-3, 'final metrics native vs wasm');
    KernelPool.configure(1);
  });
}
