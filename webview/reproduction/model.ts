/**
 * The reproduction view's data, pure (no DOM): per row ours vs published with Δ (absolute and relative), the status
 * line (a running row's live epoch and selection so far), protocol, epochs, wall time; the suite's overall state; the
 * points of the ours-vs-published chart of a metric.
 *
 * Ours is the run's test metrics at its selected epoch as `reclab reproduce` recorded it; while a row runs, the view
 * shows the selection so far (labelled "so far") from its run folder, never in place of a final number.
 */
import type { ReproductionLive, ReproductionViewData } from '../../src/protocol/reproduction-view';
import { beyondColumns, PROTOCOL_LABEL, type ResultRow } from '../../src/suites/report';
import { formatDuration } from '../../src/runs/progress';

export interface MetricCell {
  ours?: number;
  published?: number;
  /** ours − published */
  delta?: number;
  /** (ours − published) / published */
  relative?: number;
  /** ours is a running row's selection so far, not its result */
  soFar: boolean;
}

export type RowState = ResultRow['status'];

export interface RowModel {
  id: string;
  method: string;
  backbone: string;
  dataset: string;
  status: RowState;
  /** what the status cell says under the status: epoch 3/20 · best so far …, the Slurm job, the error */
  detail: string;
  error?: string;
  metrics: Record<string, MetricCell>;
  beyond: Record<string, number | undefined>;
  protocol: string;
  epochs: string;
  wall: string;
  source: string;
  /** a row recorded before `reclab reproduce`: where its numbers come from */
  recordedFrom?: string;
  runDir?: string;
  live?: ReproductionLive;
}

const WAITING = new Set<RowState>(['pending', 'queued', 'running']);

export function metricCell(ours: number | undefined, published: number | undefined, soFar: boolean): MetricCell {
  const c: MetricCell = { soFar };
  if (ours !== undefined && Number.isFinite(ours)) c.ours = ours;
  if (published !== undefined && Number.isFinite(published)) c.published = published;
  if (c.ours !== undefined && c.published !== undefined) {
    c.delta = c.ours - c.published;
    if (c.published !== 0) c.relative = c.delta / c.published;
  }
  return c;
}

export function rowModel(row: ResultRow, metrics: string[], beyondKeys: string[], live: ReproductionLive | undefined): RowModel {
  const running = row.status === 'running';
  const soFar = running ? live?.best?.metrics ?? {} : {};
  const cells = Object.fromEntries(metrics.map((m) => [m, running ? metricCell(soFar[m], row.published[m], true) : metricCell(row.ours[m], row.published[m], false)]));
  let detail = '';
  if (row.status === 'running' && live) {
    detail = `epoch ${live.epoch}/${live.epochs}` + (live.best ? ` · selected so far: epoch ${live.best.epoch} (on ${live.best.split})` : ' · not evaluated yet');
  } else if (row.status === 'queued') {
    detail = row.job ? `${row.job.executor} job ${row.job.id}${row.job.state ? ` · ${row.job.state}` : ''}${row.job.reason ? ` (${row.job.reason})` : ''}` : 'queued';
  } else if (row.status === 'recorded') {
    detail = 'numbers recorded earlier (¹ below)';
  }
  if (row.job && row.status !== 'queued') detail = [detail, `${row.job.executor} job ${row.job.id}`].filter(Boolean).join(' · ');
  return {
    id: row.id, method: row.method, backbone: row.backbone, dataset: row.dataset, status: row.status, detail,
    ...(row.error ? { error: row.error } : {}),
    metrics: cells,
    beyond: Object.fromEntries(beyondKeys.map((k) => [k, row.beyond?.[k]])),
    protocol: WAITING.has(row.status) ? '—' : row.protocol === 'test' ? 'test (papers’ protocol)' : 'validation',
    epochs: row.epochs === null ? (running && live ? `${live.epoch} of ${live.epochs}` : '—') : row.bestEpoch !== null ? `${row.bestEpoch} of ${row.epochs}` : String(row.epochs),
    wall: row.wallSeconds === null ? '—' : formatDuration(row.wallSeconds),
    source: row.source,
    ...(row.recordedFrom ? { recordedFrom: row.recordedFrom } : {}),
    ...(row.runDir ? { runDir: row.runDir } : {}),
    ...(live ? { live } : {}),
  };
}

export interface ViewModel {
  rows: RowModel[];
  metrics: string[];
  beyondKeys: string[];
  /** running while any row waits or runs; else failed when a row failed; else finished */
  state: 'running' | 'finished' | 'failed';
  counts: Partial<Record<RowState, number>>;
  /** the protocols of the rows that have one (for the caption) */
  protocols: string[];
}

export function buildView(d: ReproductionViewData): ViewModel {
  const r = d.results;
  const beyondKeys = beyondColumns(r);
  const rows = r.rows.map((row) => rowModel(row, r.metrics, beyondKeys, d.live[row.id]));
  const counts: Partial<Record<RowState, number>> = {};
  for (const row of r.rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
  const state = r.rows.some((x) => WAITING.has(x.status)) ? 'running' : r.rows.some((x) => x.status === 'failed') ? 'failed' : 'finished';
  const protocols = [...new Set(r.rows.filter((x) => !WAITING.has(x.status) && x.status !== 'failed').map((x) => PROTOCOL_LABEL[x.protocol]))];
  return { rows, metrics: r.metrics, beyondKeys, state, counts, protocols };
}

/** "+0.0099 (+22.9 %)", "−0.0032 (−4.5 %)"; "—" without both numbers */
export function formatDelta(c: MetricCell): string {
  if (c.delta === undefined) return '—';
  const sign = (v: number): string => (v >= 0 ? '+' : '−');
  const rel = c.relative !== undefined ? ` (${sign(c.relative)}${Math.abs(100 * c.relative).toFixed(1)} %)` : '';
  return `${sign(c.delta)}${Math.abs(c.delta).toFixed(4)}${rel}`;
}

export const formatNumber = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

/** One row of a metric's chart: published and ours (or the selection so far while it runs). */
export interface ChartPoint {
  id: string;
  ours?: number;
  published?: number;
  soFar: boolean;
  status: RowState;
}

export function chartPoints(v: ViewModel, metric: string): ChartPoint[] {
  return v.rows.map((r) => ({ id: r.id, ours: r.metrics[metric]?.ours, published: r.metrics[metric]?.published, soFar: r.metrics[metric]?.soFar ?? false, status: r.status }));
}

/** A padded value range covering every point of a chart ([0, 1] when there are none). */
export function chartRange(points: ChartPoint[]): [number, number] {
  const vs = points.flatMap((p) => [p.ours, p.published]).filter((x): x is number => x !== undefined && Number.isFinite(x));
  if (!vs.length) return [0, 1];
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  const pad = hi > lo ? (hi - lo) * 0.12 : Math.max(Math.abs(hi) * 0.1, 1e-3);
  lo = Math.max(0, lo - pad);
  hi += pad;
  return [lo, hi];
}
