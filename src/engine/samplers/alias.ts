/**
 * Walker's alias method (Vose's stable construction): O(n) build, O(1) draws from a fixed discrete distribution.
 * Column i keeps item i with probability prob[i] and otherwise gives alias[i].
 */
import type { Rng } from '../rng';

export class AliasTable {
  readonly n: number;
  readonly prob: Float64Array;
  readonly alias: Int32Array;
  /** the normalised distribution the table draws from */
  readonly p: Float64Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error('alias table needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`alias table weight ${i} is ${w}; weights must be finite and ≥ 0`);
      total += w;
    }
    if (total <= 0) throw new Error('alias table weights sum to 0');
    this.n = n;
    this.p = new Float64Array(n);
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      this.p[i] = weights[i] / total;
      scaled[i] = this.p[i] * n;
      if (scaled[i] < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[--nl];
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    // leftovers are 1 up to rounding
    while (nl > 0) {
      const l = large[--nl];
      this.prob[l] = 1;
      this.alias[l] = l;
    }
    while (ns > 0) {
      const s = small[--ns];
      this.prob[s] = 1;
      this.alias[s] = s;
    }
  }

  draw(rng: Rng): number {
    const i = rng.int(this.n);
    return rng.float() < this.prob[i] ? i : this.alias[i];
  }
}
