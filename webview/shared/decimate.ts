/**
 * Decimation for drawing: many series × hundreds of thousands of points become at most a few points per pixel.
 * - `minMaxGrid`: every line is reduced onto one shared grid of pixel-wide buckets, keeping each bucket's minimum and
 *   maximum in the order they occurred, so spikes survive and all lines share one x array (what uPlot wants).
 * - `alignUnion`: when a range holds few points, the exact points of all lines joined on the union of their x values.
 * - `lttb`: Largest-Triangle-Three-Buckets (Steinarsson 2013) for a single series, used by exports of thumbnails and
 *   kept as the reference the tests compare against.
 * Every x array must be non-decreasing.
 */

export interface XYLine {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** number of valid points (the arrays may be longer, e.g. growable buffers) */
  length: number;
  /** precomputed min/max of y per block of BLOCK points, so long ranges cost points / BLOCK */
  blocks?: BlockSummary;
}

export const BLOCK_SHIFT = 6;
export const BLOCK = 1 << BLOCK_SHIFT;
export const SUB_SHIFT = 3;
export const SUB = 1 << SUB_SHIFT;

/** Min/max (and where they occur) per block of a fixed size. */
class Level {
  min = new Float64Array(16);
  max = new Float64Array(16);
  minAt = new Int32Array(16);
  maxAt = new Int32Array(16);
  complete = 0;

  reserve(n: number): void {
    if (n <= this.min.length) return;
    let cap = this.min.length;
    while (cap < n) cap *= 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.min = f(this.min);
    this.max = f(this.max);
    this.minAt = g(this.minAt);
    this.maxAt = g(this.maxAt);
  }
}

/**
 * Min and max (and where they occur) of every complete block of SUB and of BLOCK values of an append-only series:
 * a range then costs about points / BLOCK + buckets × 2·SUB reads instead of one read per point.
 */
export class BlockSummary {
  readonly fine = new Level();
  readonly coarse = new Level();

  get complete(): number {
    return this.coarse.complete;
  }

  /** Summarises the blocks completed since the last call (values[0…length)). */
  update(values: ArrayLike<number>, length: number): void {
    const fine = this.fine;
    const fineTarget = length >> SUB_SHIFT;
    fine.reserve(fineTarget);
    for (let b = fine.complete; b < fineTarget; b++) {
      let mn = Infinity;
      let mx = -Infinity;
      let mnAt = -1;
      let mxAt = -1;
      const end = (b + 1) << SUB_SHIFT;
      for (let i = b << SUB_SHIFT; i < end; i++) {
        const v = values[i];
        if (!(v === v) || v === Infinity || v === -Infinity) continue;
        if (v < mn) {
          mn = v;
          mnAt = i;
        }
        if (v > mx) {
          mx = v;
          mxAt = i;
        }
      }
      fine.min[b] = mn;
      fine.max[b] = mx;
      fine.minAt[b] = mnAt;
      fine.maxAt[b] = mxAt;
    }
    fine.complete = fineTarget;
    const coarse = this.coarse;
    const per = BLOCK >> SUB_SHIFT;
    const coarseTarget = length >> BLOCK_SHIFT;
    coarse.reserve(coarseTarget);
    for (let b = coarse.complete; b < coarseTarget; b++) {
      let mn = Infinity;
      let mx = -Infinity;
      let mnAt = -1;
      let mxAt = -1;
      for (let k = b * per; k < (b + 1) * per; k++) {
        if (fine.minAt[k] < 0) continue;
        if (fine.min[k] < mn) {
          mn = fine.min[k];
          mnAt = fine.minAt[k];
        }
        if (fine.max[k] > mx) {
          mx = fine.max[k];
          mxAt = fine.maxAt[k];
        }
      }
      coarse.min[b] = mn;
      coarse.max[b] = mx;
      coarse.minAt[b] = mnAt;
      coarse.maxAt[b] = mxAt;
    }
    coarse.complete = coarseTarget;
  }

  /** Forgets everything (the values were recomputed, e.g. a new smoothing weight). */
  reset(): void {
    this.fine.complete = 0;
    this.coarse.complete = 0;
  }
}

export interface Aligned {
  x: number[];
  ys: (number | null)[][];
}

/** First index with x[i] >= value (binary search over the first `length` points). */
export function lowerBound(x: ArrayLike<number>, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with x[i] > value. */
export function upperBound(x: ArrayLike<number>, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of points of a line inside [x0, x1]. */
export function countInRange(line: XYLine, x0: number, x1: number): number {
  return upperBound(line.x, line.length, x1) - lowerBound(line.x, line.length, x0);
}

/**
 * Joins lines on the union of their x values inside [x0, x1], plus one point on each side so lines reach the edges.
 */
export function alignUnion(lines: readonly XYLine[], x0: number, x1: number): Aligned {
  const ranges = lines.map((l) => {
    const a = Math.max(0, lowerBound(l.x, l.length, x0) - 1);
    const b = Math.min(l.length, upperBound(l.x, l.length, x1) + 1);
    return [a, b] as const;
  });
  const cursor = ranges.map((r) => r[0]);
  const xs: number[] = [];
  const ys: (number | null)[][] = lines.map(() => []);
  for (;;) {
    let next = Infinity;
    for (let k = 0; k < lines.length; k++) if (cursor[k] < ranges[k][1] && lines[k].x[cursor[k]] < next) next = lines[k].x[cursor[k]];
    if (next === Infinity) break;
    xs.push(next);
    for (let k = 0; k < lines.length; k++) {
      const c = cursor[k];
      if (c < ranges[k][1] && lines[k].x[c] === next) {
        const v = lines[k].y[c];
        ys[k].push(Number.isFinite(v) ? v : null);
        cursor[k] = c + 1;
        // duplicates of the same x in one line: keep the last value
        while (cursor[k] < ranges[k][1] && lines[k].x[cursor[k]] === next) {
          const w = lines[k].y[cursor[k]];
          ys[k][ys[k].length - 1] = Number.isFinite(w) ? w : null;
          cursor[k]++;
        }
      } else {
        ys[k].push(null);
      }
    }
  }
  return { x: xs, ys };
}

let scratchMin = new Float64Array(0);
let scratchMax = new Float64Array(0);
let scratchMinAt = new Int32Array(0);
let scratchMaxAt = new Int32Array(0);

/**
 * Min-max decimation of every line onto `buckets` equal-width buckets over [x0, x1]. Returns 2 rows per bucket (at a
 * quarter and three quarters of its width); a line's bucket holds its min and max in occurrence order, or nulls when
 * the line has no point there.
 */
export function minMaxGrid(lines: readonly XYLine[], x0: number, x1: number, buckets: number): Aligned {
  const B = Math.max(1, Math.floor(buckets));
  const dx = x1 > x0 ? (x1 - x0) / B : 1;
  const xs = new Array<number>(2 * B);
  for (let b = 0; b < B; b++) {
    xs[2 * b] = x0 + (b + 0.25) * dx;
    xs[2 * b + 1] = x0 + (b + 0.75) * dx;
  }
  if (scratchMin.length < B) {
    scratchMin = new Float64Array(B);
    scratchMax = new Float64Array(B);
    scratchMinAt = new Int32Array(B);
    scratchMaxAt = new Int32Array(B);
  }
  const ys: (number | null)[][] = [];
  for (const line of lines) {
    const mn = scratchMin;
    const mx = scratchMax;
    const mnAt = scratchMinAt;
    const mxAt = scratchMaxAt;
    mn.fill(Infinity, 0, B);
    mx.fill(-Infinity, 0, B);
    const a = lowerBound(line.x, line.length, x0);
    const z = upperBound(line.x, line.length, x1);
    foldRange(line, a, z, x0, 1 / dx, B, mn, mx, mnAt, mxAt);
    const out = new Array<number | null>(2 * B);
    for (let b = 0; b < B; b++) {
      if (mn[b] === Infinity) {
        out[2 * b] = null;
        out[2 * b + 1] = null;
      } else if (mnAt[b] <= mxAt[b]) {
        out[2 * b] = mn[b];
        out[2 * b + 1] = mx[b];
      } else {
        out[2 * b] = mx[b];
        out[2 * b + 1] = mn[b];
      }
    }
    ys.push(out);
  }
  return { x: xs, ys };
}


/**
 * Folds points [a, z) of a line into per-bucket min/max (bucket = ⌊(x − x0)·inv⌋, clamped to B − 1), using the
 * line's block summaries for whole blocks that fall inside one bucket.
 */
function foldRange(line: XYLine, a: number, z: number, x0: number, inv: number, B: number, mn: Float64Array, mx: Float64Array, mnAt: Int32Array, mxAt: Int32Array): void {
  const x = line.x;
  const y = line.y;
  const blocks = line.blocks;
  const coarseEnd = blocks ? Math.min(z, blocks.coarse.complete << BLOCK_SHIFT) : 0;
  const fineEnd = blocks ? Math.min(z, blocks.fine.complete << SUB_SHIFT) : 0;
  for (let i = a; i < z; i++) {
    if (blocks) {
      // a whole block (64, else 8 points) inside one bucket: take its summary instead of its points
      let level: Level | undefined;
      let size = 0;
      if ((i & (BLOCK - 1)) === 0 && i + BLOCK <= coarseEnd) {
        level = blocks.coarse;
        size = BLOCK;
      } else if ((i & (SUB - 1)) === 0 && i + SUB <= fineEnd) {
        level = blocks.fine;
        size = SUB;
      }
      if (level) {
        let b0 = ((x[i] - x0) * inv) | 0;
        let b1 = ((x[i + size - 1] - x0) * inv) | 0;
        if (b0 >= B) b0 = B - 1;
        if (b1 >= B) b1 = B - 1;
        if (b0 !== b1 && size === BLOCK && i + SUB <= fineEnd) {
          level = blocks.fine;
          size = SUB;
          b1 = ((x[i + SUB - 1] - x0) * inv) | 0;
          if (b1 >= B) b1 = B - 1;
        }
        if (b0 === b1) {
          const k = size === BLOCK ? i >> BLOCK_SHIFT : i >> SUB_SHIFT;
          if (level.minAt[k] >= 0) {
            if (level.min[k] < mn[b0]) {
              mn[b0] = level.min[k];
              mnAt[b0] = level.minAt[k];
            }
            if (level.max[k] > mx[b0]) {
              mx[b0] = level.max[k];
              mxAt[b0] = level.maxAt[k];
            }
          }
          i += size - 1;
          continue;
        }
      }
    }
    const v = y[i];
    if (!(v === v) || v === Infinity || v === -Infinity) continue;
    let b = ((x[i] - x0) * inv) | 0;
    if (b >= B) b = B - 1;
    if (v < mn[b]) {
      mn[b] = v;
      mnAt[b] = i;
    }
    if (v > mx[b]) {
      mx[b] = v;
      mxAt[b] = i;
    }
  }
}

/** Largest-Triangle-Three-Buckets: indices of `threshold` points that keep the shape of one series. */
export function lttb(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number, length = x.length): number[] {
  if (threshold >= length || threshold < 3) return Array.from({ length }, (_, i) => i);
  const picked: number[] = [0];
  const every = (length - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, length);
    let avgX = 0;
    let avgY = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += x[j];
      avgY += y[j];
    }
    const n = avgEnd - avgStart || 1;
    avgX /= n;
    avgY /= n;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((x[a] - avgX) * (y[j] - y[a]) - (x[a] - x[j]) * (avgY - y[a]));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    picked.push(best);
    a = best;
  }
  picked.push(length - 1);
  return picked;
}

/** Rounds up to 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k: a grid end that stays put while a live series grows. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return v;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

interface GridLineState {
  mn: Float64Array;
  mx: Float64Array;
  mnAt: Int32Array;
  mxAt: Int32Array;
  /** points of the line already folded into the buckets */
  done: number;
}

/**
 * Min-max decimation for a live view: the bucket grid spans [x0, niceCeil(x1)], so while points are appended inside it
 * only the new points are folded in (O(new points) per frame instead of O(all points)). The grid is rebuilt when the
 * lines change (identity, smoothing), x0 changes, or the data outgrows the grid.
 */
export class LiveGrid {
  private key = '';
  private x0 = 0;
  private xEnd = 0;
  private buckets = 0;
  private states: GridLineState[] = [];

  /** `lineKey` must change whenever a line's values are not an extension of the previous ones. */
  decimate(lines: readonly XYLine[], lineKey: string, x0: number, x1: number, pixels: number): Aligned {
    if (lineKey !== this.key || x0 !== this.x0 || x1 > this.xEnd || this.states.length !== lines.length) this.reset(lines, lineKey, x0, x1, pixels);
    const B = this.buckets;
    const dx = (this.xEnd - this.x0) / B;
    const inv = 1 / dx;
    let lastBucket = -1;
    lines.forEach((line, k) => {
      const st = this.states[k];
      const x = line.x;
      // the first fill uses the block summaries; later frames fold in only the appended points
      foldRange(line, Math.max(st.done, lowerBound(x, line.length, this.x0)), line.length, this.x0, inv, B, st.mn, st.mx, st.mnAt, st.mxAt);
      st.done = line.length;
      if (line.length) {
        const lb = Math.min(B - 1, ((x[line.length - 1] - this.x0) * inv) | 0);
        if (lb > lastBucket) lastBucket = lb;
      }
    });
    const rows = lastBucket + 1;
    const xs = new Array<number>(2 * rows);
    for (let b = 0; b < rows; b++) {
      xs[2 * b] = this.x0 + (b + 0.25) * dx;
      xs[2 * b + 1] = this.x0 + (b + 0.75) * dx;
    }
    const ys = this.states.map((st) => {
      const out = new Array<number | null>(2 * rows);
      for (let b = 0; b < rows; b++) {
        if (st.mn[b] === Infinity) {
          out[2 * b] = null;
          out[2 * b + 1] = null;
        } else if (st.mnAt[b] <= st.mxAt[b]) {
          out[2 * b] = st.mn[b];
          out[2 * b + 1] = st.mx[b];
        } else {
          out[2 * b] = st.mx[b];
          out[2 * b + 1] = st.mn[b];
        }
      }
      return out;
    });
    return { x: xs, ys };
  }

  private reset(lines: readonly XYLine[], lineKey: string, x0: number, x1: number, pixels: number): void {
    this.key = lineKey;
    this.x0 = x0;
    this.xEnd = x0 + niceCeil(Math.max(x1 - x0, 1e-9) * 1.0001);
    // about `pixels` buckets over the visible part now; a bit more than one per pixel as the data fills the grid
    this.buckets = Math.max(1, Math.ceil((pixels * (this.xEnd - x0)) / Math.max(x1 - x0, 1e-9)));
    this.states = lines.map(() => ({
      mn: new Float64Array(this.buckets).fill(Infinity),
      mx: new Float64Array(this.buckets).fill(-Infinity),
      mnAt: new Int32Array(this.buckets),
      mxAt: new Int32Array(this.buckets),
      done: 0,
    }));
  }
}
