/**
 * Lazy-Adam row update as a hand-assembled WebAssembly SIMD kernel (4 floats per instruction).
 *
 * Why: the update does a square root and a division per coordinate; on Yelp2018 (4,096 item rows + 2,048 user rows
 * of 64 floats per step, 604 steps an epoch) the plain-JS loop cost about a third of the epoch; this kernel does the
 * same arithmetic in float32 SIMD (measured in bench/engine.mjs and docs/benchmarks.md).
 *
 * The kernel works in a memory of its own that also holds the table, the moments and a scratch area for the summed
 * gradients and row ids, so the table the engine reads is a view into that memory (allocated once, never grown).
 *
 * (func $adam (param $w $m $v $g $rows $n $rowBytes i32) (param $b1 $b2 $step $eps f32)): for r < n, row = rows[r]:
 *   m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g²;  w −= step·m / (√v + eps)   on the row's rowBytes/16 lanes of 4.
 */

import { F32, I32, S, V128, compileOnce, f32c, get, i32c, op, section, set, simd, str, tee, uleb, vload, vstore } from '../wasm/assemble';

// params
const W = 0, M = 1, Vv = 2, G = 3, ROWS = 4, N = 5, RB = 6, B1 = 7, B2 = 8, STEP = 9, EPS = 10;
// locals: i32 r, o, go, k, ok; v128 b1, c1, b2, c2, s, e, gk, mk, vk
const r = 11, o = 12, go = 13, k = 14, ok = 15;
const vb1 = 16, vc1 = 17, vb2 = 18, vc2 = 19, vs = 20, ve = 21, gk = 22, mk = 23, vk = 24;
// locals after the v128s (so the indices above stay): i32 o2 (offset of the row PREFETCH rows ahead), k2
const o2 = 25, k2 = 26;
const PREFETCH = 4;

function body(): number[] {
  const addr = (base: number): number[] => [...get(base), ...get(ok), op.i32Add];
  const inner = [
    op.block, op.void, op.loop, op.void,
    ...get(k), ...get(RB), op.i32GeU, op.brIf, 1,
    ...get(o), ...get(k), op.i32Add, ...set(ok),
    ...get(go), ...get(k), op.i32Add, ...vload, ...set(gk),
    // m = b1·m + (1−b1)·g
    ...addr(M),
    ...get(vb1), ...addr(M), ...vload, ...S(simd.mul),
    ...get(vc1), ...get(gk), ...S(simd.mul), ...S(simd.add),
    ...tee(mk), ...vstore,
    // v = b2·v + (1−b2)·g²
    ...addr(Vv),
    ...get(vb2), ...addr(Vv), ...vload, ...S(simd.mul),
    ...get(vc2), ...get(gk), ...get(gk), ...S(simd.mul), ...S(simd.mul), ...S(simd.add),
    ...tee(vk), ...vstore,
    // w −= step·m / (√v + eps)
    ...addr(W),
    ...addr(W), ...vload,
    ...get(vs), ...get(mk), ...S(simd.mul),
    ...get(vk), ...S(simd.sqrt), ...get(ve), ...S(simd.add),
    ...S(simd.div), ...S(simd.sub),
    ...vstore,
    ...get(k), ...i32c(16), op.i32Add, ...set(k),
    op.br, 0,
    op.end, op.end,
  ];
  // software prefetch: read one word per 64-byte line of the weights and moments of the row PREFETCH rows ahead, so
  // their cache misses overlap this row's arithmetic (the update is memory-latency bound; docs/benchmarks.md)
  const line = (base: number): number[] => [...get(base), ...get(o2), op.i32Add, ...get(k2), op.i32Add, op.i32Load, 2, 0, op.drop];
  const prefetch = [
    ...get(r), ...i32c(PREFETCH), op.i32Add, ...get(N), op.i32LtU, op.if, op.void,
    ...get(ROWS), ...get(r), ...i32c(PREFETCH), op.i32Add, ...i32c(2), op.i32Shl, op.i32Add, op.i32Load, 2, 0, ...get(RB), op.i32Mul, ...set(o2),
    ...i32c(0), ...set(k2),
    op.block, op.void, op.loop, op.void,
    ...get(k2), ...get(RB), op.i32GeU, op.brIf, 1,
    ...line(W), ...line(M), ...line(Vv),
    ...get(k2), op.i32Const, 0xc0, 0x00, op.i32Add, ...set(k2), // += 64 (signed LEB128)
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
  const code = [
    3, 5, I32, 9, V128, 2, I32, // locals
    ...get(B1), ...S(simd.f32x4Splat), ...set(vb1),
    ...f32c(1), ...get(B1), op.f32Sub, ...S(simd.f32x4Splat), ...set(vc1),
    ...get(B2), ...S(simd.f32x4Splat), ...set(vb2),
    ...f32c(1), ...get(B2), op.f32Sub, ...S(simd.f32x4Splat), ...set(vc2),
    ...get(STEP), ...S(simd.f32x4Splat), ...set(vs),
    ...get(EPS), ...S(simd.f32x4Splat), ...set(ve),
    ...get(G), ...set(go),
    ...i32c(0), ...set(r),
    op.block, op.void, op.loop, op.void,
    ...get(r), ...get(N), op.i32GeU, op.brIf, 1,
    ...get(ROWS), ...get(r), ...i32c(2), op.i32Shl, op.i32Add, op.i32Load, 2, 0, ...get(RB), op.i32Mul, ...set(o),
    ...prefetch,
    ...i32c(0), ...set(k),
    ...inner,
    ...get(go), ...get(RB), op.i32Add, ...set(go),
    ...get(r), ...i32c(1), op.i32Add, ...set(r),
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const type = [1, 0x60, 11, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, 0];
  const imports = [1, ...str('env'), ...str('mem'), 0x02, 0x00, 0x01]; // memory, min 1 page
  const fn = body();
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type),
    ...section(2, imports),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('adam'), 0x00, 0]),
    ...section(10, [1, ...fn]),
  ]);
}

type AdamFn = (w: number, m: number, v: number, g: number, rows: number, n: number, rowBytes: number, b1: number, b2: number, step: number, eps: number) => void;

const module = compileOnce(moduleBytes); // null without WebAssembly SIMD: callers fall back to the JS loop

/**
 * One table's storage for the Adam kernel: [weights | m | v | gradient scratch | row-id scratch] in one memory, plus
 * for dense Adam [full gradient | row ids 0‥rows−1]. `weights` is the Float32Array the EmbeddingTable uses.
 */
export class AdamKernelStorage {
  readonly weights: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** summed gradients of the unique rows of a step, row after row */
  readonly grads: Float32Array;
  readonly rowIds: Int32Array;
  private readonly fn: AdamFn;
  private readonly offsets: { w: number; m: number; v: number; g: number; rows: number; dense: number; all: number };

  /** dense Adam: the gradient of every row (0 for rows absent from the step) */
  readonly denseGrads: Float32Array | null;

  private constructor(private readonly rows: number, readonly dim: number, mod: WebAssembly.Module, dense: boolean) {
    const floats = rows * dim;
    const bytes = floats * 4;
    const total = bytes * (dense ? 5 : 4) + rows * (dense ? 8 : 4) + 64;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(total / 65536) });
    this.offsets = { w: 0, m: bytes, v: 2 * bytes, g: 3 * bytes, rows: 4 * bytes, dense: 4 * bytes + rows * 4, all: 5 * bytes + rows * 4 };
    const buf = memory.buffer;
    this.weights = new Float32Array(buf, this.offsets.w, floats);
    this.m = new Float32Array(buf, this.offsets.m, floats);
    this.v = new Float32Array(buf, this.offsets.v, floats);
    this.grads = new Float32Array(buf, this.offsets.g, floats);
    this.rowIds = new Int32Array(buf, this.offsets.rows, rows);
    this.denseGrads = dense ? new Float32Array(buf, this.offsets.dense, floats) : null;
    if (dense) new Int32Array(buf, this.offsets.all, rows).forEach((_, r, a) => (a[r] = r));
    this.fn = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports.adam as AdamFn;
  }

  /** null when WebAssembly SIMD is unavailable or the row width is not a multiple of 4 floats */
  static create(rows: number, dim: number, dense = false): AdamKernelStorage | null {
    const mod = module();
    if (!mod || dim % 4 !== 0) return null;
    return new AdamKernelStorage(rows, dim, mod, dense);
  }

  /** Dense Adam over every row, with the gradients in denseGrads (created with dense = true). */
  updateAll(beta1: number, beta2: number, stepSize: number, epsHat: number): void {
    const o = this.offsets;
    this.fn(o.w, o.m, o.v, o.dense, o.all, this.rows, this.dim * 4, beta1, beta2, stepSize, epsHat);
  }

  /** Applies Adam to the first n rows listed in rowIds, whose summed gradients are in grads. */
  update(n: number, beta1: number, beta2: number, stepSize: number, epsHat: number): void {
    const o = this.offsets;
    this.fn(o.w, o.m, o.v, o.g, o.rows, n, this.dim * 4, beta1, beta2, stepSize, epsHat);
  }
}
