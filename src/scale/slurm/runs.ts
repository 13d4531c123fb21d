/**
 * Run directories of Slurm jobs, as the controller and the extension see them (no engine imports: the extension host
 * bundles this): ending the run.json of a task that ended without its run saying so, and Stop for a run on Slurm.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type RunInfo } from '../../runs/format';
import { readRunInfo } from '../../runs/reader';
import { writeJsonAtomic } from '../../runs/writer';
import { scancel, type JobState } from './commands';

/**
 * Ends the run.json of a run whose Slurm task ended without the run recording it (never started, killed, cancelled
 * while pending). A queued folder the run has meanwhile taken over (metrics.jsonl exists) is left to the run.
 */
export function markRun(runsDir: string, runId: string | undefined, status: 'failed' | 'stopped', reason: string, onlyPlaceholder = false): void {
  if (!runId) return;
  const dir = path.join(runsDir, runId);
  const info = readRunInfo(dir);
  if (!info || (info.status !== 'queued' && info.status !== 'running')) return;
  if (onlyPlaceholder && (info.status !== 'queued' || fs.existsSync(path.join(dir, RUN_FILES.metrics)))) return;
  const next: RunInfo & { placeholder?: boolean } = { ...info, status, reason, endedAt: new Date().toISOString() };
  delete next.placeholder;
  delete next.pid;
  writeJsonAtomic(path.join(dir, RUN_FILES.info), next);
}

/** Stop for a run on Slurm (the Runs tree's Stop): scancel its job; a job cancelled before it started is marked stopped. */
export async function cancelSlurmRun(runsDir: string, runId: string, jobId: string): Promise<void> {
  await scancel(jobId);
  markRun(runsDir, runId, 'stopped', `cancelled before it started (Slurm job ${jobId})`, true);
}

/** A waiting job's Slurm state in its placeholder's run.json, where the Runs tree shows it (a started run owns run.json). */
export function showPendingState(runsDir: string, runId: string | undefined, jobId: string, st: JobState): void {
  if (!runId) return;
  const dir = path.join(runsDir, runId);
  const info = readRunInfo(dir) as (RunInfo & { placeholder?: boolean }) | undefined;
  // the run takes the folder over when its task starts (it writes metrics.jsonl first thing); were this write to land
  // just after that, the run's next run.json update (every epoch) replaces it
  if (!info?.placeholder || info.status !== 'queued' || fs.existsSync(path.join(dir, RUN_FILES.metrics))) return;
  writeJsonAtomic(path.join(dir, RUN_FILES.info), { ...info, job: { executor: 'slurm', id: jobId, state: st.state, ...(st.reason ? { reason: st.reason } : {}) } });
}

/** The last lines of a job's output file ('' when there is none). */
export function outputTail(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
