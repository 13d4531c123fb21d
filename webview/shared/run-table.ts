/**
 * Rows of the compare view's metrics table. Every number comes from the run's summary (src/runs/summary.ts), the
 * same definition the tree, CodeLens and dashboard header use: by default the value on each split at the epoch the
 * run selected, never a maximum over a curve the run did not select on. last / min / max are offered as such.
 */
import { headline, type ResultSummary, type SummaryKind } from '../../src/runs/summary';

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
  /** the value on the run's selection split (what sorting and the baseline delta use) */
  best?: number;
  valid?: number;
  test?: number;
  /** the epoch of `best` (for last/min/max: of the selection split's value) */
  bestEpoch?: number;
  /** the split `best` was read on */
  split?: 'valid' | 'test';
  wallSeconds?: number;
  /** sweep parameters of the run (dotted config path → value) */
  params?: Record<string, unknown>;
  /** best − baseline's best (undefined for the baseline itself or when either is missing) */
  delta?: number;
  /** delta relative to the baseline's best */
  deltaRatio?: number;
  /** a seed group's row: how many runs, and the std of valid / test over them (valid, test, best are means) */
  runs?: number;
  validStd?: number;
  testStd?: number;
  /** paired test against the other side (Holm-corrected t-test p-value on per-user test values of the metric) */
  p?: number;
}

/** Loss-like metrics improve downwards; ranking metrics (recall, ndcg, …) upwards. */
export function lowerIsBetter(metric: string): boolean {
  return /loss|error|mse|rmse|mae/i.test(metric);
}

/** The table cells of one run for `metric` and a summary kind, from the run's summary. */
export function summaryCells(result: ResultSummary | undefined, metric: string, kind: SummaryKind = 'best'): Pick<RunRow, 'best' | 'valid' | 'test' | 'bestEpoch' | 'split'> {
  const h = headline(result, metric, kind);
  if (!h || h.metric !== metric) return {};
  const split = h.values[h.selectSplit] !== undefined ? h.selectSplit : h.values.valid !== undefined ? 'valid' : 'test';
  return { valid: h.values.valid, test: h.values.test, best: h.values[split], bestEpoch: h.epochs[split], split };
}

export function applyBaseline(rows: RunRow[], baselineId: string | undefined): RunRow[] {
  const base = rows.find((r) => r.runId === baselineId);
  return rows.map((r) => {
    if (!base || r.runId === base.runId || r.best === undefined || base.best === undefined) return { ...r, delta: undefined, deltaRatio: undefined };
    const delta = r.best - base.best;
    return { ...r, delta, deltaRatio: base.best !== 0 ? delta / Math.abs(base.best) : undefined };
  });
}

/** A column to sort by: a row field, or `param:<path>` for a sweep parameter. */
export type SortKey = 'name' | 'status' | 'best' | 'valid' | 'test' | 'bestEpoch' | 'wallSeconds' | 'delta' | 'p' | `param:${string}`;

function sortValue(r: RunRow, key: SortKey): string | number | undefined {
  if (key.startsWith('param:')) {
    const v = r.params?.[key.slice(6)];
    return typeof v === 'number' || typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v);
  }
  return r[key as Exclude<SortKey, `param:${string}`>] as string | number | undefined;
}

/** Sorts rows by a column; missing values always go last. */
export function sortRows(rows: readonly RunRow[], key: SortKey, descending: boolean): RunRow[] {
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === undefined && vb === undefined) return 0;
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    if (typeof va === 'string' || typeof vb === 'string') return String(va).localeCompare(String(vb), undefined, { numeric: true }) * dir;
    return (va - vb) * dir;
  });
}

/** The sweep parameters that differ between the runs shown (the compare table's extra columns), in first-seen order. */
export function varyingParams(points: readonly (Record<string, unknown> | undefined)[]): string[] {
  const keys: string[] = [];
  for (const p of points) for (const k of Object.keys(p ?? {})) if (!keys.includes(k)) keys.push(k);
  return keys.filter((k) => new Set(points.map((p) => JSON.stringify(p?.[k]))).size > 1);
}

/** Short, consistent label of a sweep point: last path segment = value, e.g. "lr=0.001 · negatives=64". */
export function pointLabel(point: Record<string, unknown> | undefined): string {
  if (!point) return '';
  return Object.entries(point).map(([k, v]) => `${shortParam(k)}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}

export function shortParam(path: string): string {
  return path.split('.').pop() ?? path;
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

/** one duration format in every view (src/runs/progress.ts) */
export { formatDuration } from '../../src/runs/progress';
