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
    const x = line.x;
    const y = line.y;
    const inv = 1 / dx;
    for (let i = a; i < z; i++) {
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
