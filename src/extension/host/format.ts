/**
 * Formatting of runs for the tree, status bar, CodeLens and notifications (no vscode).
 */
import type { RunEvent, RunStatus } from '../../protocol/events';
import type { RunRecord } from '../../runs/reader';
import { endedEarly, formatDuration, formatProgress, smoothedEta } from '../../runs/progress';
import { formatHeadline, headline, type Headline } from '../../runs/summary';

export { formatDuration };

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
 * The result of a run for `metric` (e.g. "ndcg@20"): its value on each split at the epoch the run selected (see
 * src/runs/summary.ts), falling back to the run's selection metric when the preferred one was not computed.
 */
export function bestMetric(record: RunRecord, metric: string): Headline | undefined {
  return headline(record.summary, metric);
}

/** "ndcg@20 valid 0.2648 · test 0.3801 @ ep 52", the same text in the tree, CodeLens, notifications and tooltips. */
export function resultText(record: RunRecord, metric: string): string {
  return formatHeadline(bestMetric(record, metric));
}

/**
 * "epoch 66/500 · 13% · ETA 2m 00s" from run.json, the one progress text of every view. The ETA is taken as of the
 * run.json update (not counted down by the view), so the tree, status bar, CodeLens and dashboard header show the
 * same text for the same update and a row only changes when the run reports progress.
 */
export function progressText(record: RunRecord, now?: number, opts: { percent?: boolean } = {}): string {
  const p = record.info.progress;
  return formatProgress(p, smoothedEta(p, record.info, now ?? progressTime(record.info)), opts);
}

function progressTime(info: { heartbeatAt?: string }): number {
  const t = info.heartbeatAt ? Date.parse(info.heartbeatAt) : NaN;
  return Number.isFinite(t) ? t : Date.now();
}

export function statusLabel(status: RunStatus): string {
  return status;
}

/** One-line description shown next to a run. */
export function describeRun(record: RunRecord, metric: string, opts: { stopping?: boolean; now?: number } = {}): string {
  const { info } = record;
  const result = resultText(record, metric);
  switch (info.status) {
    case 'queued':
      return 'queued';
    case 'running': {
      if (opts.stopping) return 'stopping…';
      return info.progress ? progressText(record, opts.now, { percent: false }) : 'starting…';
    }
    case 'finished': {
      const early = endedEarly(info.status, info.reason, info.progress) ? ` · early stop at ${info.progress!.epoch}/${info.progress!.epochs}` : '';
      return `${result || 'finished'}${early}`;
    }
    case 'stopped': {
      const at = info.progress ? ` at ${info.progress.epoch}/${info.progress.epochs}` : '';
      return `stopped${at}${result ? ` · ${result}` : ''}`;
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
  if (info.status === 'running' && info.progress) lines.push(`progress: ${progressText(record)}`);
  const result = resultText(record, metric);
  if (result) {
    const sel = summary?.selection ?? (summary?.bestEpoch !== undefined ? { metric: summary.selectMetric, split: summary.selectSplit } : undefined);
    lines.push(`${info.status === 'running' ? 'best so far' : 'result'}: ${escapeMd(result)}`);
    if (sel) lines.push(`selected on ${sel.split} by ${escapeMd(sel.metric)}`);
  }
  if (info.reason) lines.push('', `${info.status === 'failed' ? 'reason' : 'why it ended'}: ${escapeMd(info.reason)}`);
  if (info.note) lines.push('', `note: ${escapeMd(info.note)}`);
  return lines.join('  \n');
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}
