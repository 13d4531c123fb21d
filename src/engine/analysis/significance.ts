/**
 * Statistics for "A beats B": summaries over seeds (mean ± std, a 95 % t interval), paired tests over per-user metric
 * values (Student's paired t-test, Wilcoxon signed-rank) and Holm's step-down correction across the metrics tested.
 * The distributions (Student's t, the normal) come from @stdlib; the statistics are a few lines each and follow
 * scipy.stats' definitions so that the numbers can be checked against it (test/unit/significance.test.ts).
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

export interface Summary {
  n: number;
  mean: number;
  /** sample standard deviation (n − 1 in the denominator); 0 for one value */
  std: number;
  /** 95 % confidence interval of the mean, Student's t with n − 1 degrees of freedom; [mean, mean] for one value */
  lo: number;
  hi: number;
}

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return x.length ? s / x.length : NaN;
}

/** Sample standard deviation (ddof = 1). */
export function std(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Mean, standard deviation and the 95 % t interval of the mean (level adjustable). */
export function summarize(x: ArrayLike<number>, level = 0.95): Summary {
  const n = x.length;
  const m = mean(x);
  const s = std(x);
  if (n < 2) return { n, mean: m, std: 0, lo: m, hi: m };
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (s / Math.sqrt(n));
  return { n, mean: m, std: s, lo: m - half, hi: m + half };
}

export interface PairedTTest {
  n: number;
  /** mean of a − b */
  meanDiff: number;
  t: number;
  df: number;
  /** two-sided p-value */
  p: number;
}

/** Student's paired t-test of a against b (scipy.stats.ttest_rel, two-sided). */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTTest {
  if (a.length !== b.length) throw new Error(`paired t-test needs samples of equal length (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n < 2) throw new Error('paired t-test needs at least 2 pairs');
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i] - b[i];
  const m = mean(d);
  const s = std(d);
  const df = n - 1;
  if (s === 0) return { n, meanDiff: m, t: m === 0 ? NaN : Math.sign(m) * Infinity, df, p: m === 0 ? 1 : 0 };
  const t = m / (s / Math.sqrt(n));
  return { n, meanDiff: m, t, df, p: 2 * tCdf(-Math.abs(t), df) };
}

export interface WilcoxonTest {
  /** pairs with a non-zero difference (zero differences are dropped: scipy's zero_method="wilcox") */
  n: number;
  /** the smaller of the positive and negative rank sums (scipy's statistic) */
  w: number;
  /** rank sum of the positive differences a − b */
  wPlus: number;
  z: number;
  /** two-sided p-value of the normal approximation with the tie correction, no continuity correction */
  p: number;
}

/**
 * Wilcoxon signed-rank test of a against b by the normal approximation (scipy.stats.wilcoxon(a, b,
 * zero_method="wilcox", correction=False, method="approx")): drop zero differences, rank |d| with average ranks for
 * ties, z = (W⁺ − n(n+1)/4) / σ with σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over tie groups. Per-user comparisons have
 * hundreds to thousands of users, where the approximation is what every toolkit uses.
 */
export function wilcoxonSignedRank(a: ArrayLike<number>, b: ArrayLike<number>): WilcoxonTest {
  if (a.length !== b.length) throw new Error(`Wilcoxon test needs samples of equal length (${a.length} vs ${b.length})`);
  const diffs: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    if (d !== 0) diffs.push(d);
  }
  const n = diffs.length;
  if (n === 0) return { n, w: 0, wPlus: 0, z: 0, p: 1 };
  const order = diffs.map((_, i) => i).sort((i, j) => Math.abs(diffs[i]) - Math.abs(diffs[j]));
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && Math.abs(diffs[order[e]]) === Math.abs(diffs[order[s]])) e++;
    const avg = (s + 1 + e) / 2; // ranks s+1 … e
    for (let k = s; k < e; k++) ranks[order[k]] = avg;
    const t = e - s;
    if (t > 1) tieTerm += t * t * t - t;
    s = e;
  }
  let wPlus = 0;
  let wMinus = 0;
  for (let i = 0; i < n; i++) (diffs[i] > 0 ? (wPlus += ranks[i]) : (wMinus += ranks[i]));
  const expected = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const z = variance > 0 ? (wPlus - expected) / Math.sqrt(variance) : 0;
  return { n, w: Math.min(wPlus, wMinus), wPlus, z, p: Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1)) };
}

/**
 * Holm's step-down adjustment: sort p ascending, p'(i) = max over j ≤ i of min(1, (m − j + 1)·p(j)); returned in the
 * input order. Controls the family-wise error rate over the m tests (statsmodels multipletests(method="holm")).
 */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((i, j) => p[i] - p[j]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[idx]));
    out[idx] = running;
  });
  return out;
}
