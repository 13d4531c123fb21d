import type { Histogram, Percentiles } from '../protocol/events';

/** min, p5, p25, p50, p75, p95, max of a sample (linear interpolation between order statistics). */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const n = values.length;
  if (!n) return { min: 0, p5: 0, p25: 0, p50: 0, p75: 0, p95: 0, max: 0 };
  const s = Float64Array.from(values).sort();
  const q = (p: number): number => {
    const x = p * (n - 1);
    const lo = Math.floor(x);
    const hi = Math.min(n - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (x - lo);
  };
  return { min: s[0], p5: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95), max: s[n - 1] };
}

/** Equal-width histogram over [min, max] of the values. */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    if (values[k] < min) min = values[k];
    if (values[k] > max) max = values[k];
  }
  if (!values.length) return { edges: [0, 1], counts: [0] };
  if (min === max) return { edges: [min, max], counts: [values.length] };
  const w = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < values.length; k++) counts[Math.min(bins - 1, Math.floor((values[k] - min) / w))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => min + i * w), counts };
}
