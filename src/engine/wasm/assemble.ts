/**
 * The few encoders the hand-assembled WebAssembly kernels need (eval/simd-scan.ts, tensor/adam-kernel.ts): LEB128
 * integers, names and sections of the binary format.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** A name: its length, then its bytes (ASCII). */
export function str(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** A section: id, byte length, content. */
export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** Value types. */
export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

/** The core opcodes the kernels use. */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, br: 0x0c, brIf: 0x0d, end: 0x0b, void: 0x40, drop: 0x1a,
  get: 0x20, set: 0x21, tee: 0x22,
  i32Const: 0x41, f32Const: 0x43, i32Load: 0x28,
  i32Add: 0x6a, i32Mul: 0x6c, i32Shl: 0x74, i32GeU: 0x4f, i32LtU: 0x49, f32Add: 0x92, f32Sub: 0x93, f32Max: 0x97,
};

/** SIMD opcodes (after the 0xfd prefix, LEB128-encoded). */
export const simd = {
  load: 0x00, store: 0x0b, i32x4Splat: 0x11, f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f32x4Ne: 0x42,
  bitselect: 0x52, f32x4Nearest: 0x6a, i32x4Shl: 0xab, i32x4Add: 0xae,
  sqrt: 0xe3, add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, max: 0xe9, i32x4TruncSatF32x4S: 0xf8,
};

/** A SIMD instruction. */
export const S = (code: number): number[] => [0xfd, ...uleb(code)];
/** v128.load / v128.store, align 2^2, offset 0. */
export const vload = [...S(simd.load), 2, 0];
export const vstore = [...S(simd.store), 2, 0];
export const get = (i: number): number[] => [op.get, i];
export const set = (i: number): number[] => [op.set, i];
export const tee = (i: number): number[] => [op.tee, i];
/** i32.const for small non-negative constants (< 64: one byte of signed LEB128). */
export const i32c = (n: number): number[] => [op.i32Const, ...uleb(n)];
export const f32c = (v: number): number[] => [op.f32Const, ...new Uint8Array(new Float32Array([v]).buffer)];

/**
 * Compiles a module the first time it is asked for; null when the engine cannot (no WebAssembly SIMD), so callers
 * fall back to JavaScript.
 */
export function compileOnce(bytes: () => Uint8Array<ArrayBuffer>): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(bytes());
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}
