/**
 * CSV export of runs' metrics (no vscode): one row per evaluation, with the epoch's training loss alongside.
 */
import type { RunEvent } from '../../protocol/events';
import type { RunRecord } from '../../runs/reader';

export interface RunWithEvents {
  record: RunRecord;
  events: readonly RunEvent[];
}

const FIXED = ['run_id', 'run_name', 'experiment', 'dataset', 'status', 'epoch', 'split', 'train_loss', 'eval_seconds'];

export function runsToCsv(runs: readonly RunWithEvents[]): string {
  const metricKeys = new Set<string>();
  for (const { events } of runs) for (const e of events) if (e.kind === 'eval') for (const k of Object.keys(e.metrics)) metricKeys.add(k);
  const metrics = [...metricKeys].sort(compareMetricKeys);
  const lines = [[...FIXED, ...metrics].join(',')];
  for (const { record, events } of runs) {
    const lossByEpoch = new Map<number, number>();
    for (const e of events) if (e.kind === 'epoch') lossByEpoch.set(e.epoch, e.loss);
    const base = [record.id, record.info.name, record.info.experiment, record.info.dataset ?? '', record.info.status];
    for (const e of events) {
      if (e.kind !== 'eval') continue;
      const row: (string | number | undefined)[] = [...base, e.epoch, e.split, lossByEpoch.get(e.epoch), e.seconds];
      for (const m of metrics) row.push(e.metrics[m]);
      lines.push(row.map(csvCell).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** recall@10 < recall@20 < ndcg@10 …: by metric name, then numerically by k */
function compareMetricKeys(a: string, b: string): number {
  const [ma, ka] = a.split('@');
  const [mb, kb] = b.split('@');
  if (ma !== mb) return (ma ?? '') < (mb ?? '') ? -1 : 1;
  return Number(ka ?? 0) - Number(kb ?? 0);
}

export function csvCell(v: string | number | undefined): string {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
