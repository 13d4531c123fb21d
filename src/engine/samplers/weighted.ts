/**
 * A fixed discrete distribution over items given by weights, with the draws every static sampler needs: plain (alias
 * table, O(1)), rejecting the user's training items (resampling, then an exact weighted scan of the complement for a
 * user who owns almost every item; uniform over the complement when its weight is 0), and log q.
 */
import { hasItem, type Interactions } from '../data/types';
import type { Rng } from '../rng';
import { AliasTable } from './alias';
import { MAX_TRIES } from './reject';

export class ItemDistribution {
  readonly table: AliasTable;
  /** log of the normalised probability of each item (−Infinity for weight 0) */
  readonly logQ: Float64Array;

  constructor(readonly weights: Float64Array) {
    this.table = new AliasTable(weights);
    this.logQ = Float64Array.from(this.table.p, (p) => Math.log(p));
  }

  /** weights (c_j + smoothing)^α of a training-frequency vector; α = 0 gives uniform over the items with weight > 0 */
  static power(popularity: Int32Array, alpha: number, smoothing: number): ItemDistribution {
    return new ItemDistribution(Float64Array.from(popularity, (c) => (c + smoothing > 0 ? Math.pow(c + smoothing, alpha) : 0)));
  }

  draw(rng: Rng): number {
    return this.table.draw(rng);
  }

  drawRejecting(rng: Rng, train: Interactions, u: number, reject: boolean): number {
    let j = this.table.draw(rng);
    if (!reject) return j;
    for (let t = 0; t < MAX_TRIES; t++) {
      if (!hasItem(train, u, j)) return j;
      j = this.table.draw(rng);
    }
    return this.drawFromComplement(rng, train, u, j);
  }

  private drawFromComplement(rng: Rng, train: Interactions, u: number, fallback: number): number {
    const { indptr, indices } = train;
    const n = this.weights.length;
    let total = 0;
    let free = 0;
    for (let j = 0, k = indptr[u]; j < n; j++) {
      if (k < indptr[u + 1] && indices[k] === j) { k++; continue; }
      total += this.weights[j];
      free++;
    }
    if (free === 0) return fallback;
    const uniform = total <= 0;
    let r = uniform ? rng.int(free) : rng.float() * total;
    let last = fallback;
    for (let j = 0, k = indptr[u]; j < n; j++) {
      if (k < indptr[u + 1] && indices[k] === j) { k++; continue; }
      last = j;
      r -= uniform ? 1 : this.weights[j];
      if (r < 0) return j;
    }
    return last;
  }

  logQOf(items: Int32Array): Float32Array {
    return Float32Array.from(items, (j) => this.logQ[j]);
  }
}

/** Items of a row of a CSR matrix, drawn uniformly: −1 when the row is empty. */
export function drawFromRow(m: Interactions, u: number, rng: Rng): number {
  const start = m.indptr[u];
  const deg = m.indptr[u + 1] - start;
  return deg > 0 ? m.indices[start + rng.int(deg)] : -1;
}

/** How many of n slots go to a share: ⌊n·share⌋ plus one more with probability frac(n·share) (expectation n·share). */
export function shareCount(n: number, share: number, rng: Rng): number {
  const x = n * share;
  const whole = Math.floor(x);
  return Math.min(n, whole + (rng.float() < x - whole ? 1 : 0));
}

/** A per-row negative block: n draws for each row's user, rows in order (the rng is consumed in that order). */
export function perRowNegatives(users: Int32Array, n: number, draw: (u: number) => number): { layout: 'per-row'; n: number; items: Int32Array } {
  const items = new Int32Array(users.length * n);
  for (let b = 0; b < users.length; b++) {
    const u = users[b];
    for (let k = 0; k < n; k++) items[b * n + k] = draw(u);
  }
  return { layout: 'per-row', n, items };
}

/**
 * Thinning: proposals from q kept with probability keep[x], up to maxTries in a row, then an exact draw from the
 * thinned target (q·keep normalised). Counts proposals and kept ones in `tally`.
 */
export function drawThinned(
  rng: Rng, train: Interactions, u: number, reject: boolean, q: ItemDistribution, keep: Float64Array, maxTries: number,
  target: ItemDistribution, tally: { proposed: number; kept: number },
): number {
  for (let t = 0; t < maxTries; t++) {
    const x = q.drawRejecting(rng, train, u, reject);
    tally.proposed++;
    if (rng.float() < keep[x]) {
      tally.kept++;
      return x;
    }
  }
  return target.drawRejecting(rng, train, u, reject);
}
