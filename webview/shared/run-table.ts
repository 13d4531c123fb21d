/** Rows of the compare view's metrics table: best, last, epoch of best, wall time and delta against a baseline. */

export interface MetricPoints {
  epoch: ArrayLike<number>;
  wall: ArrayLike<number>;
  value: ArrayLike<number>;
  length: number;
}

export interface RunRow {
  runId: string;
  name: string;
  status: string;
  best?: number;
  last?: number;
  bestEpoch?: number;
  wallSeconds?: number;
  /** best − baseline's best (undefined for the baseline itself or when either is missing) */
  delta?: number;
  /** delta relative to the baseline's best */
  deltaRatio?: number;
}

/** Loss-like metrics improve downwards; ranking metrics (recall, ndcg, …) upwards. */
export function lowerIsBetter(metric: string): boolean {
  return /loss|error|mse|rmse|mae/i.test(metric);
}

export function summarisePoints(points: MetricPoints | undefined, metric: string): Pick<RunRow, 'best' | 'last' | 'bestEpoch'> {
  if (!points || points.length === 0) return {};
  const lower = lowerIsBetter(metric);
  let bestAt = -1;
  for (let i = 0; i < points.length; i++) {
    const v = points.value[i];
    if (!Number.isFinite(v)) continue;
    if (bestAt < 0 || (lower ? v < points.value[bestAt] : v > points.value[bestAt])) bestAt = i;
  }
  return {
    best: bestAt >= 0 ? points.value[bestAt] : undefined,
    bestEpoch: bestAt >= 0 ? points.epoch[bestAt] : undefined,
    last: points.value[points.length - 1],
  };
}

export function applyBaseline(rows: RunRow[], baselineId: string | undefined): RunRow[] {
  const base = rows.find((r) => r.runId === baselineId);
  return rows.map((r) => {
    if (!base || r.runId === base.runId || r.best === undefined || base.best === undefined) return { ...r, delta: undefined, deltaRatio: undefined };
    const delta = r.best - base.best;
    return { ...r, delta, deltaRatio: base.best !== 0 ? delta / Math.abs(base.best) : undefined };
  });
}

export type SortKey = 'name' | 'status' | 'best' | 'last' | 'bestEpoch' | 'wallSeconds' | 'delta';

/** Sorts rows by a column; missing values always go last. */
export function sortRows(rows: readonly RunRow[], key: SortKey, descending: boolean): RunRow[] {
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = a[key];
    const vb = b[key];
    if (va === undefined && vb === undefined) return 0;
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    if (typeof va === 'string' || typeof vb === 'string') return String(va).localeCompare(String(vb)) * dir;
    return (va - vb) * dir;
  });
}

/** Compiles a user's run-name filter; invalid patterns fall back to a case-insensitive substring match. */
export function nameFilter(pattern: string): { test(name: string): boolean; valid: boolean } {
  if (!pattern.trim()) return { test: () => true, valid: true };
  try {
    const re = new RegExp(pattern, 'i');
    return { test: (n) => re.test(n), valid: true };
  } catch {
    const p = pattern.toLowerCase();
    return { test: (n) => n.toLowerCase().includes(p), valid: false };
  }
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
