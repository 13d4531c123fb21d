/** Y-axis extents: plain min/max, or TensorBoard-style "ignore outliers" (a central quantile range). */

export interface Extent {
  min: number;
  max: number;
}

/** Min and max of the finite values (optionally only those > 0, for a log axis); undefined when there are none. */
export function finiteExtent(arrays: readonly ArrayLike<number | null>[], positiveOnly = false): Extent | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v === null || !Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : undefined;
}

/** The q-quantile (linear interpolation) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Extent that ignores outliers: from the `tail` to the `1 - tail` quantile of all finite values, so a loss spike at
 * step 1 no longer flattens the rest of the curve.
 */
export function robustExtent(arrays: readonly ArrayLike<number | null>[], tail = 0.05, positiveOnly = false): Extent | undefined {
  const vals: number[] = [];
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v === null || !Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
      vals.push(v);
    }
  }
  if (!vals.length) return undefined;
  const sorted = Float64Array.from(vals).sort();
  return { min: quantileSorted(sorted, tail), max: quantileSorted(sorted, 1 - tail) };
}

/** Adds margins around an extent (linear, or in log space for a log axis); a flat extent gets a visible height. */
export function padExtent(e: Extent, log: boolean, fraction = 0.05): Extent {
  if (log) {
    const lo = Math.log10(e.min);
    const hi = Math.log10(e.max);
    const pad = hi > lo ? (hi - lo) * fraction : 0.5;
    return { min: 10 ** (lo - pad), max: 10 ** (hi + pad) };
  }
  const span = e.max - e.min;
  const pad = span > 0 ? span * fraction : Math.abs(e.max) * 0.1 || 1;
  return { min: e.min - pad, max: e.max + pad };
}
