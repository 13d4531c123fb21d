/**
 * The Runs tree as plain data (no vscode): grouping, filtering, ordering and per-row presentation. The vscode
 * TreeDataProvider only maps these nodes to TreeItems.
 */
import type { RunStatus } from '../../protocol/events';
import type { RunRecord, UnreadableRun } from '../../runs/reader';
import type { QueuedLaunch } from './queue';
import { describeRun, runTooltip } from './format';
import { groupStats } from '../../scale/compare';

export type Grouping = 'experiment' | 'dataset' | 'flat';
export type TreeNode = RunRow | GroupRow | SweepRow;
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
  /** the sweep point of a sweep run (dotted config path → value) */
  point?: Record<string, unknown>;
}

/** The points of one sweep (runs of an experiment varying the same parameters), under their experiment. */
export interface SweepRow {
  kind: 'sweep';
  key: string;
  label: string;
  description: string;
  runs: RunRow[];
  /** a searching sweep's id (`<runs>/<id>.sweep.json`), when its runs say so: the node opens the sweep view */
  sweepId?: string;
}

export interface GroupRow {
  kind: 'group';
  key: string;
  label: string;
  description: string;
  runs: RunRow[];
  /** what the tree shows under the group: sweeps (with their points) and single runs, newest first */
  children?: (RunRow | SweepRow)[];
}

export interface TreeOptions {
  grouping: Grouping;
  filter?: string;
  metric: string;
  stopping?: ReadonlySet<string>;
  /** folders of the runs directory whose run.json cannot be read: listed (last) with the reason */
  unreadable?: readonly UnreadableRun[];
  /** why the runs folder itself cannot be listed: one row says so (instead of the "No runs yet" welcome) */
  listError?: string;
}

export function runRow(record: RunRecord, opts: Pick<TreeOptions, 'metric' | 'stopping'>): RunRow {
  const status = record.info.status;
  const job = record.info.job;
  // a run waiting in Slurm's queue shows its job and Slurm's state; once it runs it looks like any local run
  const waiting = job?.executor === 'slurm' && status === 'queued';
  return {
    kind: 'run',
    id: record.id,
    label: record.info.name || record.id,
    description: waiting
      ? `Slurm ${job.id || '(submitting)'} · ${job.state ?? 'PENDING'}${job.reason ? ` (${job.reason})` : ''}`
      : describeRun(record, opts.metric, { stopping: opts.stopping?.has(record.id) }) + (job?.executor === 'slurm' && status === 'running' ? ` · Slurm ${job.id}` : ''),
    tooltip: runTooltip(record, opts.metric) + (record.problems?.length ? `  \n\n${record.problems.map((p) => `⚠ ${p}`).join('  \n')}` : ''),
    status,
    pending: false,
    contextValue: waiting ? 'run.queued.slurm' : `run.${status}`,
    record,
    point: nonEmpty(record.info.sweepPoint),
  };
}

function nonEmpty(p: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return p && Object.keys(p).length ? p : undefined;
}

/** "lr=0.001 · negatives=64": the last segment of each path, the same for queued, running and finished points. */
export function pointLabel(point: Record<string, unknown>): string {
  return Object.entries(point).map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}

export function pendingRow(q: QueuedLaunch): RunRow {
  const point = nonEmpty(q.request.sweepPoint);
  return {
    kind: 'run', id: q.id, label: q.request.label, description: 'queued',
    tooltip: `**${q.request.label}** — queued  \nid: \`${q.id}\`  \nconfig: ${q.request.configPath}${point ? `  \nsweep point: ${pointLabel(point)}` : ''}`,
    status: 'queued', pending: true, contextValue: 'run.queued.pending', point,
  };
}

/** Text shown literally in a markdown tooltip. */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}

/** A run folder that cannot be read: shown with the reason, so it never vanishes silently. */
export function unreadableRow(u: UnreadableRun): RunRow {
  return {
    kind: 'run', id: u.id, label: u.id, description: `unreadable: ${u.reason}`,
    tooltip: `**${u.id}** — unreadable  \n\n${escapeMarkdown(u.reason)}  \n\nfolder: ${u.dir}`,
    status: 'failed', pending: false, contextValue: 'run.unreadable',
  };
}

/** The row of a runs folder that cannot be listed (shown whatever the filter: nothing else can be shown). */
export function listErrorRow(reason: string): RunRow {
  return {
    kind: 'run', id: '(runs folder)', label: 'Runs folder cannot be listed', description: reason,
    tooltip: `**The runs folder cannot be listed**  \n\n${escapeMarkdown(reason)}  \n\nCheck the folder's permissions, or point the setting \`reclab.runsDirectory\` at a folder.`,
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
  if (opts.listError) rows.push(listErrorRow(opts.listError));
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
    // the runs of a seed group (train --seeds / repeat) form a node of their own, described by mean ± std
    const seedGroup = row.record?.info.group;
    const key = seedGroup ? `seeds:${seedGroup}` : groupKey(row, opts.grouping);
    let g = groups.get(key);
    if (!g) {
      g = { kind: 'group', key, label: seedGroup ? `${row.record!.info.experiment} · seed group` : key, description: '', runs: [] };
      groups.set(key, g);
    }
    g.runs.push(row);
  }
  for (const g of groups.values()) {
    const seeds = g.key.startsWith('seeds:');
    g.description = seeds ? seedGroupDescription(g.runs, opts.metric) : groupDescription(g.runs);
    if (!seeds) g.children = withSweeps(g.key, g.runs);
  }
  return [...groups.values()];
}

/**
 * A group's runs with the points of each sweep gathered under one sweep node (keyed by the parameters it varies),
 * placed where its newest point is. Point rows are labelled by their point only ("lr=0.001 · negatives=64").
 */
function withSweeps(groupKey: string, runs: RunRow[]): (RunRow | SweepRow)[] {
  const out: (RunRow | SweepRow)[] = [];
  const sweeps = new Map<string, SweepRow>();
  for (const r of runs) {
    if (!r.point) {
      out.push(r);
      continue;
    }
    const params = Object.keys(r.point).sort();
    // the trials of one sweep record stay together (and apart from another sweep over the same parameters)
    const sweepId = r.record?.info.sweep?.id;
    const key = sweepId ? `${groupKey}|sweep:${sweepId}` : `${groupKey}|${params.join(',')}`;
    let sw = sweeps.get(key);
    if (!sw) {
      sw = { kind: 'sweep', key, label: `sweep: ${params.map((p) => p.split('.').pop()).join(' × ')}`, description: '', runs: [], ...(sweepId ? { sweepId } : {}) };
      sweeps.set(key, sw);
      out.push(sw);
    }
    sw.runs.push({ ...r, label: pointLabel(r.point) });
  }
  for (const sw of sweeps.values()) sw.description = groupDescription(sw.runs).replace(/runs?\b/, (m) => (m === 'run' ? 'point' : 'points'));
  return out;
}

/** "ndcg@20 0.0512 ± 0.0012 · 5 seeds · 1 running": the mean ± std over the seeds' best test values */
export function seedGroupDescription(runs: RunRow[], metric: string): string {
  const records = runs.map((r) => r.record).filter((r): r is RunRecord => !!r);
  const g = groupStats(records);
  const s = g.metrics[metric];
  const parts = [s ? `${metric} ${s.n > 1 ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : s.mean.toFixed(4)}` : '', `${runs.length} seeds`];
  const active = runs.filter((r) => r.status === 'running' || r.status === 'queued').length;
  if (active) parts.push(`${active} running`);
  return parts.filter(Boolean).join(' · ');
}

function groupDescription(runs: RunRow[]): string {
  const active = runs.filter((r) => r.status === 'running').length;
  const queued = runs.filter((r) => r.status === 'queued').length;
  const parts = [`${runs.length} run${runs.length === 1 ? '' : 's'}`];
  if (active) parts.push(`${active} running`);
  if (queued) parts.push(`${queued} queued`);
  return parts.join(' · ');
}

/**
 * Updates the current tree in place from a freshly built one. Returns 'structure' when rows or groups were added,
 * removed or reordered (the whole tree is refreshed), else the nodes whose shown text changed (often none).
 */
export function patchTree(current: TreeNode[], next: TreeNode[]): TreeNode[] | 'structure' {
  const shape = (nodes: readonly TreeNode[]): string => nodes.map((n) => (n.kind === 'run' ? `r:${n.id}` : `${n.kind}:${n.key}[${shape(n.kind === 'group' ? n.children ?? n.runs : n.runs)}]`)).join('|');
  if (!current.length || shape(current) !== shape(next)) return 'structure';
  const changed: TreeNode[] = [];
  const patchRow = (a: RunRow, b: RunRow, report = true) => {
    const visible = a.label !== b.label || a.description !== b.description || a.status !== b.status || a.contextValue !== b.contextValue || a.pending !== b.pending;
    a.tooltip = b.tooltip;
    a.record = b.record;
    if (visible) {
      Object.assign(a, b);
      if (report) changed.push(a);
    }
  };
  const walk = (a: readonly TreeNode[], b: readonly TreeNode[]): void => a.forEach((node, i) => {
    const other = b[i]!;
    if (node.kind === 'run' && other.kind === 'run') patchRow(node, other);
    else if (node.kind !== 'run' && other.kind !== 'run') {
      if (node.description !== other.description) {
        node.description = other.description;
        changed.push(node);
      }
      // group.runs (all runs, for commands on the group) and the shown children share the run rows' identity only
      // through ids: keep both in step
      if (node.kind === 'group' && other.kind === 'group') {
        // the shown rows first (reported), then the group's full list (same objects, or sweep copies: silent)
        if (node.children && other.children) walk(node.children, other.children);
        node.runs.forEach((r, k) => patchRow(r, other.runs[k]!, !node.children));
      } else walk(node.runs, other.runs);
    }
  });
  walk(current, next);
  return [...new Set(changed)];
}
