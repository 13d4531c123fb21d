// Every WebAssembly kernel (src/engine/wasm/kernels/*.wat) against a plain-JavaScript reference, on random inputs and
// on the edges: row tails, empty rows and ranges, NaN and ±∞, fully masked rows, clamped norms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heap } from '../../src/engine/wasm/heap';
import { instantiate, kernelModule, type KernelName } from '../../src/engine/wasm/modules';
import { Rng } from '../../src/engine/rng';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rng = new Rng(11);
const randn = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * scale);
const near = (got: number, want: number, tol: number, what: string): void => {
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${what}: ${got}, expected NaN`);
  if (!Number.isFinite(want)) return assert.equal(got, want, what);
  assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `${what}: ${got} vs ${want}`);
};

/** Copies arrays into a fresh heap; returns their byte offsets. */
function place(heap: Heap, ...arrays: (Float32Array | Int32Array)[]): number[] {
  return arrays.map((a) => {
    const at = heap.alloc(a.byteLength);
    (a instanceof Int32Array ? heap.i32(at, a.length) : heap.f32(at, a.length)).set(a as never);
    return at;
  });
}

test('every kernel source assembles and compiles to a module with its exports', () => {
  const want: Record<KernelName, string[]> = {
    adam: ['adamRows', 'adamDense', 'adamFull'], gemm: ['gemm'], mfdot: ['scores', 'grads'], rows: ['normalize', 'normalizeBack', 'rowDots', 'groupDots', 'groupBack', 'indexDots', 'indexGroupDots', 'indexGroupBack', 'indexScatter'],
    scan: ['scan'], scores: ['rowMax', 'rowExp', 'rowScale', 'rowHinge', 'rowCount'], spmm: ['spmm', 'spmm64', 'spmmFused'],
  };
  for (const [name, exports] of Object.entries(want) as [KernelName, string[]][]) {
    const got = WebAssembly.Module.exports(kernelModule(name)).map((e) => e.name);
    for (const e of exports) assert.ok(got.includes(e), `${name}.wat exports ${e} (has ${got.join(', ')})`);
  }
});

test('a kernel that does not assemble fails the build with its file:line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-wat-'));
  const bad = path.join(dir, 'bad.wat');
  fs.writeFileSync(bad, '(module\n  (func (export "f") (result i32)\n    (f32.const 1)))\n');
  const plugin = path.join(process.env.RECLAB_ROOT ?? process.cwd(), 'scripts', 'wat-plugin.mjs');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { assembleWat } from ${JSON.stringify(plugin)}; await assembleWat(${JSON.stringify(bad)});`], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.notEqual(r.status, 0, 'assembling a type-incorrect kernel must fail');
  assert.match(r.stderr, /bad\.wat:3:\d+: error: type mismatch/);
});

interface Gemm { gemm(a: number, ai: number, ak: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, acc: number): void }

test('gemm: C (+)= A·B for plain, transposed and strided A, with row tails (M % 4 ≠ 0), K = 0 and M = 0', () => {
  for (const [M, N, K] of [[1, 8, 1], [3, 8, 5], [4, 16, 64], [7, 24, 3], [13, 40, 17], [0, 8, 4], [5, 8, 0]]) {
    for (const transposed of [false, true]) {
      for (const acc of [0, 1]) {
        const heap = new Heap();
        const A = randn(M * K), Bm = randn(K * N), C0 = randn(M * N);
        const [a, b, c] = place(heap, A, Bm, C0);
        // A(i, k) at a + i·ai + k·ak: row-major [M, K], or stored transposed as [K, M]
        const At = new Float32Array(M * K);
        for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) At[k * M + i] = A[i * K + k];
        if (transposed) heap.f32(a, M * K).set(At);
        const [ai, ak] = transposed ? [4, M * 4] : [K * 4, 4];
        heap.kernel<Gemm>('gemm').gemm(a, ai, ak, b, N * 4, c, N * 4, M, N, K, acc);
        const got = heap.f32(c, M * N);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let s = acc ? C0[i * N + j] : 0;
          for (let k = 0; k < K; k++) s += A[i * K + k] * Bm[k * N + j];
          near(got[i * N + j], s, 1e-5, `M${M} N${N} K${K} ${transposed ? 'Aᵀ' : 'A'} acc${acc} C[${i},${j}]`);
        }
      }
    }
  }
});

test('gemm: NaN and ∞ in A propagate to exactly the rows they touch', () => {
  const heap = new Heap();
  const M = 6, N = 8, K = 4;
  const A = randn(M * K), Bm = randn(K * N);
  A[1 * K + 2] = NaN;
  A[4 * K] = Infinity;
  const [a, b, c] = place(heap, A, Bm, new Float32Array(M * N));
  heap.kernel<Gemm>('gemm').gemm(a, K * 4, 4, b, N * 4, c, N * 4, M, N, K, 0);
  const got = heap.f32(c, M * N);
  for (let j = 0; j < N; j++) {
    assert.ok(Number.isNaN(got[N + j]), 'row 1 is NaN');
    assert.equal(Math.abs(got[4 * N + j]), Infinity, 'row 4 is ±∞');
    for (const i of [0, 2, 3, 5]) assert.ok(Number.isFinite(got[i * N + j]), `row ${i} stays finite`);
  }
});

interface Scores {
  rowMax(z: number, mask: number, bytes: number, s: number, off: number): number;
  rowExp(z: number, mask: number, out: number, bytes: number, s: number, shift: number, off: number): number;
  rowScale(x: number, bytes: number, c: number): void;
  rowHinge(z: number, mask: number, bytes: number, terms: number, P: number, c: number, coefSums: number): number;
  rowCount(mask: number, bytes: number): number;
}

test('score rows: max, exp-and-sum (with and without an offset row), scale, multi-margin hinge and count against Math loops (random, masked, NaN/∞, empty rows)', () => {
  for (const n of [0, 4, 12, 64, 1024]) {
    for (const edge of ['random', 'masked', 'special', 'all-masked']) {
      const heap = new Heap();
      const z = randn(n, 3);
      const mask = Float32Array.from({ length: n }, (_, k) => (edge === 'all-masked' ? 0 : edge === 'masked' && k % 3 === 1 ? 0 : 1));
      if (edge === 'special' && n >= 4) {
        z[0] = NaN; mask[0] = 0; // a masked NaN is never read
        z[1] = -Infinity; // e^−∞ = 0 (clamped: ~1e-38)
        z[2] = 80; // large but finite after the shift
      }
      const offRow = randn(n, 2); // log q of the columns (the logQ correction)
      const [zp, mp, op, offp] = place(heap, z, mask, new Float32Array(n), offRow);
      const k = heap.kernel<Scores>('scores');
      let mx = -Infinity;
      for (let j = 0; j < n; j++) if (mask[j] !== 0 && z[j] > mx) mx = z[j];
      near(k.rowMax(zp, mp, n * 4, 1, 0), mx, 0, `rowMax n${n} ${edge}`);
      const s = Math.fround(0.7); // as the kernel's f32 parameter
      for (const withOff of [false, true]) {
        const o = (j: number): number => (withOff ? offRow[j] : 0);
        let mxs = -Infinity;
        for (let j = 0; j < n; j++) if (mask[j] !== 0 && Math.fround(s * z[j]) - o(j) > mxs) mxs = Math.fround(Math.fround(s * z[j]) - o(j));
        near(k.rowMax(zp, mp, n * 4, s, withOff ? offp : 0), mxs, 0, `rowMax scaled n${n} ${edge} offset ${withOff}`);
        const shift = Number.isFinite(mxs) ? mxs : 0;
        const sum = k.rowExp(zp, mp, op, n * 4, s, shift, withOff ? offp : 0);
        const out = heap.f32(op, n);
        let ref = 0;
        for (let j = 0; j < n; j++) {
          const e = mask[j] === 0 ? 0 : Math.exp(Math.min(Math.max(s * z[j] - shift - o(j), -87), 88.7));
          ref += e;
          near(out[j], e, 2e-6, `rowExp n${n} ${edge} offset ${withOff} [${j}]`);
        }
        near(sum, ref, 1e-5, `rowExp sum n${n} ${edge} offset ${withOff}`);
      }
      const out = heap.f32(op, n);
      assert.equal(k.rowCount(mp, n * 4), mask.filter((v) => v !== 0).length, `rowCount n${n} ${edge}`);
      const before = Float32Array.from(out);
      k.rowScale(op, n * 4, -2);
      for (let j = 0; j < n; j++) assert.equal(out[j], Math.fround(before[j] * -2), `rowScale [${j}]`);
      // hinge in place over a copy of z: one margin (CCL), three weighted margins (MMCL), and per-term coefficient sums
      // (GDNS: two positives' relative margins)
      for (const [terms, sums] of [[[[0.5, 1]], false], [[[0.9, 150], [0.6, 50], [-0.3, 10]], false], [[[0.3, 1], [-0.6, 1]], true], [[[0.2, 2]], true]] as const) {
        const [hz, tp, cs] = place(heap, z, Float32Array.from(terms.flat()), new Float32Array(4 * terms.length).fill(NaN));
        const c = 3;
        let href = 0;
        const perTerm = terms.map(() => 0);
        const coef = z.map((zj, j) => {
          let g = 0;
          terms.forEach(([m, w], p) => {
            if (mask[j] !== 0 && zj - m > 0) (href += w * (zj - m)), (g += w), (perTerm[p] += w * c);
          });
          return g * c;
        });
        near(k.rowHinge(hz, mp, n * 4, tp, terms.length, c, sums ? cs : 0), href, 1e-5 * (1 + Math.abs(href)), `rowHinge n${n} ${edge} ${terms.length} margins`);
        const hg = heap.f32(hz, n);
        for (let j = 0; j < n; j++) near(hg[j], coef[j], 1e-5 * (1 + coef[j]), `hinge gradient n${n} ${edge} ${terms.length} margins [${j}]`);
        const slots = heap.f32(cs, 4 * terms.length);
        if (sums) perTerm.forEach((want, p) => near(slots[4 * p], want, 1e-5 * (1 + want), `hinge coefficient sum of term ${p}, n${n} ${edge}`));
        else assert.ok(slots.every(Number.isNaN), 'no coefficient sums asked: the slots are left alone');
      }
    }
  }
});

test('rowExp keeps the relative error of Cephes expf (≤ 3e-7) over [−87, 0]', () => {
  const heap = new Heap();
  const n = 4096;
  const z = Float32Array.from({ length: n }, (_, j) => -87 * (j / (n - 1)));
  const [zp, mp, op] = place(heap, z, new Float32Array(n).fill(1), new Float32Array(n));
  heap.kernel<Scores>('scores').rowExp(zp, mp, op, n * 4, 1, 0, 0);
  const out = heap.f32(op, n);
  for (let j = 0; j < n; j++) {
    const e = Math.exp(z[j]);
    assert.ok(Math.abs(out[j] - e) <= 3e-7 * e, `e^${z[j]}: ${out[j]} vs ${e}`);
  }
});

interface Rows {
  normalize(x: number, out: number, norms: number, n: number, rb: number): void;
  normalizeBack(xhat: number, g: number, norms: number, n: number, rb: number): void;
  rowDots(x: number, y: number, out: number, n: number, rb: number): void;
  groupBack(u: number, n: number, G: number, dU: number, dN: number, b0: number, b1: number, K: number, sb: number, rb: number, acc: number): void;
}

test('embedding rows: normalize and its backward (incl. a zero row, clamped at 1e-12), dots and axpy against loops', () => {
  for (const [R, D] of [[0, 4], [1, 4], [5, 8], [9, 64]]) {
    const heap = new Heap();
    const x = randn(R * D), y = randn(R * D), g = randn(R * D), c = randn(R);
    if (R > 1) x.fill(0, D, 2 * D); // row 1 is zero: its norm clamps to 1e-12
    const [xp, yp, op, np, gp, dp, cp] = place(heap, x, y, new Float32Array(R * D), new Float32Array(R), g, new Float32Array(R), c);
    const k = heap.kernel<Rows>('rows');
    k.normalize(xp, op, np, R, D * 4);
    const out = heap.f32(op, R * D), norms = heap.f32(np, R);
    for (let r = 0; r < R; r++) {
      let ss = 0;
      for (let d = 0; d < D; d++) ss += x[r * D + d] ** 2;
      const nn = Math.max(Math.sqrt(ss), 1e-12);
      near(norms[r], nn, 1e-6, `norm[${r}]`);
      for (let d = 0; d < D; d++) near(out[r * D + d], x[r * D + d] / nn, 1e-6, `x̂[${r},${d}]`);
    }
    k.normalizeBack(op, gp, np, R, D * 4);
    const back = heap.f32(gp, R * D);
    for (let r = 0; r < R; r++) {
      const nn = norms[r];
      let p = 0;
      for (let d = 0; d < D; d++) p += out[r * D + d] * g[r * D + d];
      if (!(nn > 1e-12)) p = 0;
      for (let d = 0; d < D; d++) near(back[r * D + d], (g[r * D + d] - out[r * D + d] * p) / nn, 1e-5, `∂x[${r},${d}]`);
    }
    k.rowDots(xp, yp, dp, R, D * 4);
    const dots = heap.f32(dp, R);
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += x[r * D + d] * y[r * D + d];
      near(dots[r], s, 1e-5, `dot[${r}]`);
    }
    // groups of one (the positives' backward): dU_r = [acc] dU_r + c_r·y_r, dN_r = c_r·x_r
    for (const acc of [0, 1]) {
      const [dUp, dNp] = place(heap, g, new Float32Array(R * D).fill(NaN));
      k.groupBack(xp, yp, cp, dUp, dNp, 0, R, 1, 4, D * 4, acc);
      const dU = heap.f32(dUp, R * D), dN = heap.f32(dNp, R * D);
      for (let r = 0; r < R; r++) {
        for (let d = 0; d < D; d++) {
          near(dU[r * D + d], (acc ? g[r * D + d] : 0) + c[r] * y[r * D + d], 1e-6, `groupBack acc ${acc} dU[${r},${d}]`);
          near(dN[r * D + d], c[r] * x[r * D + d], 1e-6, `groupBack dN[${r},${d}]`);
        }
      }
    }
  }
});

interface IndexRows {
  indexGroupDots(u: number, X: number, idx: number, S: number, b0: number, b1: number, K: number, sb: number, rb: number): void;
  indexGroupBack(X: number, idx: number, G: number, dU: number, b0: number, b1: number, K: number, sb: number, rb: number, acc: number): void;
  indexScatter(u: number, idx: number, G: number, dX: number, count: number, i0: number, i1: number, B: number, K: number, sb: number, rb: number, list: number): void;
}

test('per-row negatives by row number (the folded per-row step): scores, the user backward and the table scatter against loops, in row shares, with repeated rows, padded score rows, K = 0 and NaN', () => {
  for (const [B, K, I, D] of [[0, 3, 4, 4], [1, 0, 3, 4], [3, 1, 2, 8], [6, 5, 7, 8], [9, 13, 5, 64]]) {
    const Kp = Math.max(8, Math.ceil(K / 8) * 8); // score rows padded to whole vectors, as the fused step lays them out
    const heap = new Heap();
    const u = randn(B * D), X = randn(I * D), G = randn(B * Kp), dU0 = randn(B * D);
    const idx = Int32Array.from({ length: B * K }, (_, e) => (e % 4 === 0 ? I - 1 : rng.int(I))); // row I−1 repeated
    if (B > 2 && K > 1) G[2 * Kp + 1] = NaN; // reaches dU_2 and the row it names, nothing else
    const [up, Xp, ip, Gp, Sp, dUp, dXp] = place(heap, u, X, idx, G, new Float32Array(B * Kp).fill(-7), dU0, new Float32Array((I + 1) * D).fill(NaN).fill(5, I * D));
    const guard = dXp + I * D * 4; // a row after the table
    const k = heap.kernel<IndexRows>('rows');
    const mid = B >> 1;
    for (const [b0, b1] of [[0, mid], [mid, B]]) k.indexGroupDots(up, Xp, ip, Sp, b0, b1, K, Kp * 4, D * 4);
    const S = heap.f32(Sp, B * Kp);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < Kp; c++) {
        if (c >= K) { assert.equal(S[b * Kp + c], -7, `padding S[${b},${c}] untouched`); continue; }
        let s = 0;
        for (let d = 0; d < D; d++) s += u[b * D + d] * X[idx[b * K + c] * D + d];
        near(S[b * Kp + c], s, 1e-5, `S[${b},${c}]`);
      }
    }
    for (const acc of [0, 1]) {
      heap.f32(dUp, B * D).set(dU0);
      for (const [b0, b1] of [[0, mid], [mid, B]]) k.indexGroupBack(Xp, ip, Gp, dUp, b0, b1, K, Kp * 4, D * 4, acc);
      const dU = heap.f32(dUp, B * D);
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < D; d++) {
          let want = acc ? dU0[b * D + d] : 0;
          for (let c = 0; c < K; c++) want += G[b * Kp + c] * X[idx[b * K + c] * D + d];
          near(dU[b * D + d], want, 1e-5, `indexGroupBack acc ${acc} dU[${b},${d}]`);
        }
      }
    }
    // the table's rows in three shares (one may be empty), the last first: each zeroed, then summed over the whole
    // batch in order, and counted; a share that wrote past its rows would spoil the next one's, or the guard row
    const [cp, lp] = place(heap, new Int32Array(I).fill(-1), new Int32Array(Math.max(B * K, 1)));
    const cuts = [0, Math.min(1, I), I >> 1, I];
    for (let t = cuts.length - 2; t >= 0; t--) k.indexScatter(up, ip, Gp, dXp, cp, cuts[t], cuts[t + 1], B, K, Kp * 4, D * 4, lp);
    const count = heap.i32(cp, I);
    for (let i = 0; i < I; i++) assert.equal(count[i], idx.filter((x) => x === i).length, `count[${i}]`);
    const dX = heap.f32(dXp, I * D);
    for (let d = 0; d < D; d++) assert.equal(heap.f32(guard, D)[d], 5, 'the row after the table is left alone');
    for (let i = 0; i < I; i++) {
      for (let d = 0; d < D; d++) {
        let want = 0;
        for (let e = 0; e < B * K; e++) if (idx[e] === i) want += G[Math.floor(e / K) * Kp + (e % K)] * u[Math.floor(e / K) * D + d];
        near(dX[i * D + d], want, 1e-5, `indexScatter dX[${i},${d}]`);
      }
    }
  }
});

interface Adam {
  adamRows(w: number, m: number, v: number, g: number, rows: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  adamDense(w: number, m: number, v: number, g: number, slots: number, first: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
  adamFull(w: number, m: number, v: number, g: number, first: number, n: number, rb: number, b1: number, b2: number, step: number, eps: number): void;
}

test('adam: lazy rows (incl. n = 0 and prefetch past the last row), dense row ranges and full-gradient row ranges equal the float64 loop', () => {
  const T = 23, D = 12, b1 = 0.9, b2 = 0.999, step = 0.01, eps = 1e-7;
  const ref = (w: Float64Array, m: Float64Array, v: Float64Array, o: number, g: (k: number) => number): void => {
    for (let k = 0; k < D; k++) {
      m[o + k] = b1 * m[o + k] + (1 - b1) * g(k);
      v[o + k] = b2 * v[o + k] + (1 - b2) * g(k) ** 2;
      w[o + k] -= (step * m[o + k]) / (Math.sqrt(v[o + k]) + eps);
    }
  };
  for (const mode of ['lazy', 'dense', 'full']) {
    for (const n of mode === 'full' ? [T] : [0, 1, 6]) {
      const heap = new Heap();
      const W = randn(T * D), M = randn(T * D, 0.1), V = Float32Array.from(randn(T * D), (x) => x * x);
      const ids = Int32Array.from({ length: n }, (_, r) => (r * 7 + 3) % T);
      const G = randn(n * D);
      const slots = new Int32Array(T).fill(-1);
      ids.forEach((row, r) => (slots[row] = r));
      const [w, m, v, g, rows, sl] = place(heap, W, M, V, G, ids, slots);
      const k = heap.kernel<Adam>('adam');
      const w64 = Float64Array.from(W), m64 = Float64Array.from(M), v64 = Float64Array.from(V);
      if (mode === 'full') {
        // every row's gradient at its own row of g (a graph backbone's ego gradient), two row ranges
        k.adamFull(w, m, v, g, 0, 9, D * 4, b1, b2, step, eps);
        k.adamFull(w, m, v, g, 9, T - 9, D * 4, b1, b2, step, eps);
        for (let row = 0; row < T; row++) ref(w64, m64, v64, row * D, (kk) => G[row * D + kk]);
      } else if (mode === 'lazy') {
        k.adamRows(w, m, v, g, rows, n, D * 4, b1, b2, step, eps);
        ids.forEach((row, r) => ref(w64, m64, v64, row * D, (kk) => G[r * D + kk]));
      } else {
        // two row ranges, as two worker threads would run them
        k.adamDense(w, m, v, g, sl, 0, 10, D * 4, b1, b2, step, eps);
        k.adamDense(w, m, v, g, sl, 10, T - 10, D * 4, b1, b2, step, eps);
        for (let row = 0; row < T; row++) ref(w64, m64, v64, row * D, (kk) => (slots[row] >= 0 ? G[slots[row] * D + kk] : 0));
      }
      const wg = heap.f32(w, T * D), mg = heap.f32(m, T * D), vg = heap.f32(v, T * D);
      for (let e = 0; e < T * D; e++) {
        near(wg[e], w64[e], 1e-5, `${mode} n${n} w[${e}]`);
        near(mg[e], m64[e], 1e-5, `${mode} n${n} m[${e}]`);
        near(vg[e], v64[e], 1e-5, `${mode} n${n} v[${e}]`);
      }
    }
  }
});

test('scan: finds the first 16-float group above the threshold; NaN never qualifies; stops at the end', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const scan = instantiate<{ scan: (p: number, end: number, t: number) => number }>('scan', memory).scan;
  const f = new Float32Array(memory.buffer, 0, 256).fill(0);
  f[40] = NaN;
  f[100] = 2;
  assert.equal(scan(0, 1024, 1), 64 * 6, 'group of float 100 (floats 96..111)');
  assert.equal(scan(0, 1024, 5), 1024, 'none above 5: the end');
  assert.equal(scan(0, 0, -1), 0, 'empty range');
  f[3] = Infinity;
  assert.equal(scan(0, 1024, 1), 0, '+∞ qualifies');
});
