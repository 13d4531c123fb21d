/**
 * Formatting of runs for the tree, status bar, CodeLens and notifications (no vscode).
 */
import type { RunEvent, RunStatus } from '../../protocol/events';
import type { RunRecord } from '../../runs/reader';

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatMetric(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

export interface Progress {
  epoch: number;
  epochs: number;
  etaSeconds?: number;
}

/** Progress from run.json, else from the last epoch event. */
export function progressOf(record: RunRecord, events?: readonly RunEvent[]): Progress | undefined {
  if (record.info.progress) return record.info.progress;
  if (!events) return undefined;
  let epochs = 0;
  for (const e of events) if (e.kind === 'start') epochs = e.epochs;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === 'epoch') return { epoch: e.epoch, epochs, etaSeconds: e.etaSeconds };
  }
  return epochs ? { epoch: 0, epochs } : undefined;
}

/**
 * The best value of `metric` (e.g. "ndcg@20") of a run: from summary.json, falling back to the run's selection
 * metric when the preferred one was not computed. Returns the metric actually used.
 */
export function bestMetric(record: RunRecord, metric: string): { metric: string; value: number; epoch?: number } | undefined {
  const s = record.summary;
  if (!s) return undefined;
  const pools = [s.bestTest, s.best, s.last].filter((p): p is Record<string, number> => !!p);
  for (const p of pools) if (typeof p[metric] === 'number') return { metric, value: p[metric]!, epoch: s.bestEpoch };
  const sel = s.selectMetric;
  for (const p of pools) if (typeof p[sel] === 'number') return { metric: sel, value: p[sel]!, epoch: s.bestEpoch };
  return undefined;
}

export function statusLabel(status: RunStatus): string {
  return status;
}

/** One-line description shown next to a run. */
export function describeRun(record: RunRecord, metric: string, opts: { stopping?: boolean } = {}): string {
  const { info } = record;
  switch (info.status) {
    case 'queued':
      return 'queued';
    case 'running': {
      if (opts.stopping) return 'stopping…';
      const p = info.progress;
      if (!p) return 'starting…';
      const eta = p.etaSeconds !== undefined ? ` · ETA ${formatDuration(p.etaSeconds)}` : '';
      return `epoch ${p.epoch}/${p.epochs}${eta}`;
    }
    case 'finished': {
      const b = bestMetric(record, metric);
      return b ? `${b.metric} ${formatMetric(b.value)}` : 'finished';
    }
    case 'stopped': {
      const b = bestMetric(record, metric);
      const at = info.progress ? ` at ${info.progress.epoch}/${info.progress.epochs}` : '';
      return `stopped${at}${b ? ` · ${b.metric} ${formatMetric(b.value)}` : ''}`;
    }
    case 'failed':
      return `failed${info.reason ? `: ${truncate(info.reason, 60)}` : ''}`;
  }
}

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** Markdown tooltip lines for a run. */
export function runTooltip(record: RunRecord, metric: string): string {
  const { info, summary } = record;
  const lines = [`**${escapeMd(info.name)}** — ${info.status}`, '', `id: \`${info.id}\``];
  if (info.experiment && info.experiment !== info.name) lines.push(`experiment: ${escapeMd(info.experiment)}`);
  if (info.dataset) lines.push(`dataset: ${escapeMd(info.dataset)}`);
  if (info.backend) lines.push(`backend: ${info.backend}`);
  if (info.sweepPoint && Object.keys(info.sweepPoint).length) {
    lines.push(`sweep: ${Object.entries(info.sweepPoint).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
  }
  lines.push(`created: ${info.createdAt.replace('T', ' ').slice(0, 19)}`);
  if (info.startedAt && info.endedAt) {
    lines.push(`wall time: ${formatDuration((Date.parse(info.endedAt) - Date.parse(info.startedAt)) / 1000)}`);
  }
  const b = bestMetric(record, metric);
  if (b) lines.push(`best ${b.metric}: ${formatMetric(b.value)}${b.epoch !== undefined ? ` (epoch ${b.epoch})` : ''}`);
  if (summary?.bestTest && Object.keys(summary.bestTest).length) {
    lines.push(`test at best: ${Object.entries(summary.bestTest).map(([k, v]) => `${k} ${formatMetric(v)}`).join(' · ')}`);
  }
  if (info.reason) lines.push('', `reason: ${escapeMd(info.reason)}`);
  if (info.note) lines.push('', `note: ${escapeMd(info.note)}`);
  return lines.join('  \n');
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}
