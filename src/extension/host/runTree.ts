/**
 * The Runs tree as plain data (no vscode): grouping, filtering, ordering and per-row presentation. The vscode
 * TreeDataProvider only maps these nodes to TreeItems.
 */
import type { RunStatus } from '../../protocol/events';
import type { RunRecord, UnreadableRun } from '../../runs/reader';
import type { QueuedLaunch } from './queue';
import { describeRun, runTooltip } from './format';

export type Grouping = 'experiment' | 'dataset' | 'flat';
export const GROUPINGS: readonly Grouping[] = ['experiment', 'dataset', 'flat'];

/** codicon id and theme colour id per status */
export const STATUS_ICONS: Record<RunStatus, { icon: string; color?: string }> = {
  queued: { icon: 'clock', color: 'charts.yellow' },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  finished: { icon: 'pass', color: 'testing.iconPassed' },
  stopped: { icon: 'debug-stop', color: 'disabledForeground' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
};

export interface RunRow {
  kind: 'run';
  id: string;
  label: string;
  description: string;
  tooltip: string;
  status: RunStatus;
  /** true for launches still waiting in this host's queue (no run directory yet) */
  pending: boolean;
  /** context value for menus: `run.<status>` (+ `.pending`) */
  contextValue: string;
  record?: RunRecord;
}

export interface GroupRow {
  kind: 'group';
  key: string;
  label: string;
  description: string;
  runs: RunRow[];
}

export interface TreeOptions {
  grouping: Grouping;
  filter?: string;
  metric: string;
  stopping?: ReadonlySet<string>;
  /** folders of the runs directory whose run.json cannot be read: listed (last) with the reason */
  unreadable?: readonly UnreadableRun[];
}

export function runRow(record: RunRecord, opts: Pick<TreeOptions, 'metric' | 'stopping'>): RunRow {
  const status = record.info.status;
  return {
    kind: 'run',
    id: record.id,
    label: record.info.name || record.id,
    description: describeRun(record, opts.metric, { stopping: opts.stopping?.has(record.id) }),
    tooltip: runTooltip(record, opts.metric) + (record.problems?.length ? `  \n\n${record.problems.map((p) => `⚠ ${p}`).join('  \n')}` : ''),
    status,
    pending: false,
    contextValue: `run.${status}`,
    record,
  };
}

export function pendingRow(q: QueuedLaunch): RunRow {
  const point = q.request.sweepPoint && Object.keys(q.request.sweepPoint).length
    ? ` · ${Object.entries(q.request.sweepPoint).map(([k, v]) => `${k.split('.').pop()}=${JSON.stringify(v)}`).join(' ')}`
    : '';
  return {
    kind: 'run', id: q.id, label: q.request.label, description: `queued${point}`,
    tooltip: `**${q.request.label}** — queued  \nid: \`${q.id}\`  \nconfig: ${q.request.configPath}`,
    status: 'queued', pending: true, contextValue: 'run.queued.pending',
  };
}

/** A run folder that cannot be read: shown with the reason, so it never vanishes silently. */
export function unreadableRow(u: UnreadableRun): RunRow {
  return {
    kind: 'run', id: u.id, label: u.id, description: `unreadable: ${u.reason}`,
    tooltip: `**${u.id}** — unreadable  \n\n${u.reason.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1')}  \n\nfolder: ${u.dir}`,
    status: 'failed', pending: false, contextValue: 'run.unreadable',
  };
}

/** True when the filter text (case-insensitive, all words) matches a run. */
export function matchesFilter(record: RunRecord | undefined, row: RunRow, filter: string | undefined): boolean {
  const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const info = record?.info;
  const hay = [
    row.label, row.id, row.status, row.description, info?.experiment, info?.dataset, info?.note, info?.backend,
    info?.sweepPoint ? JSON.stringify(info.sweepPoint) : '',
  ].filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Rows newest first: this host's pending launches on top, then the runs of the runs directory. */
export function buildRows(records: readonly RunRecord[], pending: readonly QueuedLaunch[], opts: TreeOptions): RunRow[] {
  const rows: RunRow[] = [];
  const known = new Set(records.map((r) => r.id));
  for (const q of [...pending].reverse()) {
    if (known.has(q.id)) continue;
    const row = pendingRow(q);
    if (matchesFilter(undefined, row, opts.filter)) rows.push(row);
  }
  const sorted = [...records].sort((a, b) => (a.info.createdAt < b.info.createdAt ? 1 : a.info.createdAt > b.info.createdAt ? -1 : 0));
  for (const r of sorted) {
    const row = runRow(r, opts);
    if (matchesFilter(r, row, opts.filter)) rows.push(row);
  }
  for (const u of opts.unreadable ?? []) {
    const row = unreadableRow(u);
    if (matchesFilter(undefined, row, opts.filter)) rows.push(row);
  }
  return rows;
}

export function groupKey(row: RunRow, grouping: Grouping): string {
  if (row.contextValue === 'run.unreadable') return 'unreadable runs';
  if (grouping === 'dataset') return row.record?.info.dataset || (row.pending ? 'queued' : 'unknown dataset');
  return row.record?.info.experiment || row.record?.info.name || row.label;
}

/** Groups in order of their newest run; the runs keep their order. `flat` gives no groups. */
export function buildTree(records: readonly RunRecord[], pending: readonly QueuedLaunch[], opts: TreeOptions): GroupRow[] | RunRow[] {
  const rows = buildRows(records, pending, opts);
  if (opts.grouping === 'flat') return rows;
  const groups = new Map<string, GroupRow>();
  for (const row of rows) {
    const key = groupKey(row, opts.grouping);
    let g = groups.get(key);
    if (!g) {
      g = { kind: 'group', key, label: key, description: '', runs: [] };
      groups.set(key, g);
    }
    g.runs.push(row);
  }
  for (const g of groups.values()) g.description = groupDescription(g.runs);
  return [...groups.values()];
}

function groupDescription(runs: RunRow[]): string {
  const active = runs.filter((r) => r.status === 'running').length;
  const queued = runs.filter((r) => r.status === 'queued').length;
  const parts = [`${runs.length} run${runs.length === 1 ? '' : 's'}`];
  if (active) parts.push(`${active} running`);
  if (queued) parts.push(`${queued} queued`);
  return parts.join(' · ');
}
