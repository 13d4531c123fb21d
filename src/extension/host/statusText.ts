/**
 * Status bar text while runs are active (no vscode).
 */
import { formatDuration, type Progress } from './format';

export interface ActiveRun {
  id: string;
  name: string;
  progress?: Progress;
}

export interface StatusText {
  text: string;
  tooltip: string;
  /** the run a click opens */
  runId: string;
}

export function statusBarText(active: readonly ActiveRun[], queued: number): StatusText | undefined {
  if (!active.length) {
    return queued ? { text: `$(clock) RecLab: ${queued} queued`, tooltip: `${queued} run(s) waiting to start`, runId: '' } : undefined;
  }
  const first = active[0]!;
  const p = first.progress;
  const pct = p && p.epochs ? Math.floor((100 * p.epoch) / p.epochs) : undefined;
  const eta = p?.etaSeconds !== undefined ? ` · ETA ${formatDuration(p.etaSeconds)}` : '';
  const more = active.length > 1 ? ` +${active.length - 1}` : '';
  const q = queued ? ` · ${queued} queued` : '';
  const text = `$(sync~spin) ${first.name}${p ? ` ${p.epoch}/${p.epochs}` : ''}${pct !== undefined ? ` (${pct}%)` : ''}${eta}${more}${q}`;
  const tooltip = [
    ...active.map((a) => `${a.name}: ${a.progress ? `epoch ${a.progress.epoch}/${a.progress.epochs}, ETA ${formatDuration(a.progress.etaSeconds)}` : 'starting'}`),
    queued ? `${queued} queued` : '',
    'Click to open the dashboard',
  ].filter(Boolean).join('\n');
  return { text, tooltip, runId: first.id };
}
