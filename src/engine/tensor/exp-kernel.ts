/**
 * e^{s·z − shift}·mask over a row, and its sum, as a hand-assembled WebAssembly SIMD kernel (4 floats per
 * instruction) — the inner loop of the fused log-sum-exp (tensor/ops.ts logSumExpRows).
 *
 * Why: the many-negative losses exponentiate a [B, N] block twice a step (the loss and Adap-τ's per-row loss at β = 1);
 * V8's Math.exp costs ~15 ns an element (32 ms for 2048 × 1024 here), this kernel ~1 ns (bench/step.mjs,
 * docs/benchmarks.md).
 *
 * exp as Cephes' expf, vectorised: n = round(x·log2 e); r = x − n·C1 − n·C2 (C1 + C2 = ln 2 split for exactness);
 * e^r by its degree-6 minimax polynomial (relative error ~1e-7); 2^n assembled in the exponent bits. x is clamped at
 * −87 (e^x ≈ 1.6e−38, still a normal float), so masked columns rely on the ×mask for an exact 0.
 *
 * (func $rowExp (param $z $mask $out $bytes i32) (param $s $shift f32) (result f32)):
 *   for k < bytes step 16: e = exp(max(s·z[k] − shift, −87))·mask[k]; out[k] = e; acc += e;   return Σ lanes of acc
 */
import { F32, I32, S, V128, compileOnce, f32c, get, i32c, op, section, set, simd, str, tee, uleb, vload, vstore } from '../wasm/assemble';

const vconst = (v: number): number[] => [...f32c(v), ...S(simd.f32x4Splat)];
const splat = (v: number, local: number): number[] => [...vconst(v), ...set(local)];

// Cephes expf constants
const LOG2E = 1.44269504088896341;
const C1 = 0.693359375;
const C2 = -2.12194440e-4;
const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

// params
const Z = 0, MASK = 1, OUT = 2, BYTES = 3, SCALE = 4, SHIFT = 5;
// locals: i32 k; v128 vs, vsh, acc, vmin, vlog2e, vc1, vc2, p0..p5, v127, x, n, y
const k = 6;
const vs = 7, vsh = 8, acc = 9, vmin = 10, vlog2e = 11, vc1 = 12, vc2 = 13, p0 = 14, v127 = 20, x = 21, n = 22, y = 23;

function body(): number[] {
  const at = (base: number): number[] => [...get(base), ...get(k), op.i32Add];
  const loop = [
    op.block, op.void, op.loop, op.void,
    ...get(k), ...get(BYTES), op.i32GeU, op.brIf, 1,
    ...at(OUT),
    // x = max(s·z − shift, −87)
    ...at(Z), ...vload, ...get(vs), ...S(simd.mul), ...get(vsh), ...S(simd.sub), ...get(vmin), ...S(simd.max), ...tee(x),
    // n = nearest(x·log2 e); x = x − n·C1 − n·C2
    ...get(vlog2e), ...S(simd.mul), ...S(simd.f32x4Nearest), ...set(n),
    ...get(x), ...get(n), ...get(vc1), ...S(simd.mul), ...S(simd.sub), ...get(n), ...get(vc2), ...S(simd.mul), ...S(simd.sub), ...set(x),
    // y = (((((p0·x + p1)·x + p2)·x + p3)·x + p4)·x + p5)·x² + x + 1
    ...get(p0),
    ...[1, 2, 3, 4, 5].flatMap((i) => [...get(x), ...S(simd.mul), ...get(p0 + i), ...S(simd.add)]),
    ...get(x), ...get(x), ...S(simd.mul), ...S(simd.mul), ...get(x), ...S(simd.add), ...f32c(1), ...S(simd.f32x4Splat), ...S(simd.add),
    // × 2^n (exponent bits), × mask
    ...get(n), ...S(simd.i32x4TruncSatF32x4S), ...get(v127), ...S(simd.i32x4Add), ...i32c(23), ...S(simd.i32x4Shl), ...S(simd.mul),
    ...at(MASK), ...vload, ...S(simd.mul),
    ...tee(y), ...vstore,
    ...get(acc), ...get(y), ...S(simd.add), ...set(acc),
    ...get(k), ...i32c(16), op.i32Add, ...set(k),
    op.br, 0,
    op.end, op.end,
  ];
  const lane = (i: number): number[] => [...get(acc), ...S(simd.f32x4ExtractLane), i];
  const code = [
    2, 1, I32, 17, V128, // locals
    ...get(SCALE), ...S(simd.f32x4Splat), ...set(vs),
    ...get(SHIFT), ...S(simd.f32x4Splat), ...set(vsh),
    ...splat(0, acc), ...splat(-87, vmin), ...splat(LOG2E, vlog2e), ...splat(C1, vc1), ...splat(C2, vc2),
    ...P.flatMap((c, i) => splat(c, p0 + i)),
    op.i32Const, 0xff, 0x00, ...S(simd.i32x4Splat), ...set(v127), // 127 (signed LEB128)
    ...i32c(0), ...set(k),
    ...loop,
    ...lane(0), ...lane(1), op.f32Add, ...lane(2), op.f32Add, ...lane(3), op.f32Add,
    op.end,
  ];
  return [...uleb(code.length), ...code];
}

/**
 * (func $rowMax (param $z $mask $bytes i32) (result f32)): the max of z[k] over the lanes whose mask is not 0
 * (−∞ when none): acc = max(acc, bitselect(z, −∞, mask ≠ 0)), then the max of the four lanes.
 */
function maxBody(): number[] {
  const [z, mask, bytes, kk, acc, ninf] = [0, 1, 2, 3, 4, 5];
  const at = (base: number): number[] => [...get(base), ...get(kk), op.i32Add];
  const lane = (i: number): number[] => [...get(acc), ...S(simd.f32x4ExtractLane), i];
  const code = [
    2, 1, I32, 2, V128,
    ...splat(-Infinity, acc), ...splat(-Infinity, ninf),
    ...i32c(0), ...set(kk),
    op.block, op.void, op.loop, op.void,
    ...get(kk), ...get(bytes), op.i32GeU, op.brIf, 1,
    ...get(acc),
    ...at(z), ...vload, ...get(ninf), ...at(mask), ...vload, ...vconst(0), ...S(simd.f32x4Ne), ...S(simd.bitselect),
    ...S(simd.max), ...set(acc),
    ...get(kk), ...i32c(16), op.i32Add, ...set(kk),
    op.br, 0,
    op.end, op.end,
    ...lane(0), ...lane(1), op.f32Max, ...lane(2), op.f32Max, ...lane(3), op.f32Max,
    op.end,
  ];
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const types = [2, 0x60, 6, I32, I32, I32, I32, F32, F32, 1, F32, 0x60, 3, I32, I32, I32, 1, F32];
  const imports = [1, ...str('env'), ...str('mem'), 0x02, 0x00, 0x01];
  const fn = body();
  const mx = maxBody();
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...str('rowExp'), 0x00, 0, ...str('rowMax'), 0x00, 1]),
    ...section(10, [2, ...fn, ...mx]),
  ]);
}

type RowExpFn = (z: number, mask: number, out: number, bytes: number, s: number, shift: number) => number;
type RowMaxFn = (z: number, mask: number, bytes: number) => number;

const module = compileOnce(moduleBytes); // null without WebAssembly SIMD: callers use Math.exp

/** A growable scratch memory with the kernel bound to it. One per process; callers copy results out. */
export class ExpKernel {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly fn: RowExpFn;
  private readonly maxFn: RowMaxFn;
  private constructor(mod: WebAssembly.Module) {
    const exports = new WebAssembly.Instance(mod, { env: { mem: this.memory } }).exports;
    this.fn = exports.rowExp as RowExpFn;
    this.maxFn = exports.rowMax as RowMaxFn;
  }

  private static shared: ExpKernel | null | undefined;
  /** tests turn the kernel off to exercise the Math.exp path */
  static enabled = true;
  /** null when WebAssembly SIMD is unavailable (or the kernel is turned off) */
  static get(): ExpKernel | null {
    if (!ExpKernel.enabled) return null;
    if (ExpKernel.shared === undefined) {
      const mod = module();
      ExpKernel.shared = mod ? new ExpKernel(mod) : null;
    }
    return ExpKernel.shared;
  }

  /** Float32Array views of consecutive regions of the given sizes (floats), valid until the next reserve. */
  reserve(...sizes: number[]): { views: Float32Array[]; offsets: number[] } {
    const total = sizes.reduce((a, b) => a + b, 0) * 4;
    const have = this.memory.buffer.byteLength;
    if (total > have) this.memory.grow(Math.ceil((total - have) / 65536));
    const views: Float32Array[] = [];
    const offsets: number[] = [];
    let at = 0;
    for (const s of sizes) {
      offsets.push(at);
      views.push(new Float32Array(this.memory.buffer, at, s));
      at += s * 4;
    }
    return { views, offsets };
  }

  /** max of z[k] over k < count (a multiple of 4) where mask[k] ≠ 0; −∞ when there is none */
  rowMax(zAt: number, maskAt: number, count: number): number {
    return this.maxFn(zAt, maskAt, count * 4);
  }

  /** out[k] = e^{s·z[k] − shift}·mask[k] for k < count (a multiple of 4; byte offsets into the memory); returns Σ out */
  rowExp(zAt: number, maskAt: number, outAt: number, count: number, s: number, shift: number): number {
    return this.fn(zAt, maskAt, outAt, count * 4, s, shift);
  }
}
