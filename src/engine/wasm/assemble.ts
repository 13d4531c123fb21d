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
