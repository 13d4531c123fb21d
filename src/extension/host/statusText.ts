/**
 * Status bar text while runs are active (no vscode). Progress comes from the same source and format as the tree,
 * CodeLens and dashboard header (src/runs/progress.ts).
 */
import type { RunRecord } from '../../runs/reader';
import { progressText } from './format';

export interface StatusText {
  text: string;
  tooltip: string;
  /** the run a click opens ('' = none) */
  runId: string;
}

export function statusBarText(active: readonly RunRecord[], queued: number, now?: number): StatusText | undefined {
  if (!active.length) {
    return queued ? { text: `$(clock) RecLab: ${queued} queued`, tooltip: `${queued} run(s) waiting to start`, runId: '' } : undefined;
  }
  const first = active[0]!;
  const more = active.length > 1 ? ` +${active.length - 1}` : '';
  const q = queued ? ` · ${queued} queued` : '';
  const p = first.info.progress;
  const text = `$(sync~spin) ${first.info.name} · ${p ? progressText(first, now).replace(/^epoch /, '') : 'starting…'}${more}${q}`;
  const tooltip = [
    ...active.map((a) => `${a.info.name}: ${a.info.progress ? progressText(a, now) : 'starting'}`),
    queued ? `${queued} queued` : '',
    'Click to open the dashboard',
  ].filter(Boolean).join('\n');
  return { text, tooltip, runId: first.id };
}
