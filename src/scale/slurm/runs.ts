/**
 * Run directories of Slurm jobs, as the controller and the extension see them (no engine imports: the extension host
 * bundles this): ending the run.json of a task that ended without its run saying so, and Stop for a run on Slurm.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type RunInfo } from '../../runs/format';
import { readRunInfo } from '../../runs/reader';
import { writeJsonAtomic } from '../../runs/writer';
import { scancel } from './commands';

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
