/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32). Every random choice of the engine goes
 * through an Rng so that the same config and seed give the same run. Hand-written on purpose: it is on the hot path
 * of every sampler and Math.random cannot be seeded.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** the generator's state (a, b, c, d) into out: for a native loop that draws as this generator does (native/src/gather.c, sample.c) */
  saveState(out: Uint32Array): Uint32Array {
    out[0] = this.a, out[1] = this.b, out[2] = this.c, out[3] = this.d;
    return out;
  }

  /** continues from a state saveState gave and a native loop advanced */
  loadState(s: Uint32Array): void {
    this.a = s[0] | 0, this.b = s[1] | 0, this.c = s[2] | 0, this.d = s[3] | 0;
  }

  /** uniform 32-bit unsigned integer */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** uniform in [0, 1) */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** uniform integer in [0, n) for n ≤ 2^32 (multiply-shift; bias below 2^-32·n, negligible for our n) */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** standard normal (Marsaglia polar method) */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = this.float() * 2 - 1;
      v = this.float() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /** in-place Fisher–Yates shuffle */
  shuffle<T extends { length: number; [i: number]: number }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** a new independent generator derived from this one (for sub-components) */
  fork(): Rng {
    return new Rng(this.nextU32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
