/**
 * CLI jobs on Slurm (the rows of `reclab reproduce --executor slurm`): each job is one batch job running
 * `node cli.js <args>` on a compute node, writing its run folder on the shared file system.
 *
 * As for sweeps, submission is race-free: the run folder is first a queued placeholder, the job is submitted held, its
 * id is written to the placeholder, then `scontrol release` lets it run. squeue is polled for the jobs' states
 * (PENDING → queued with Slurm's reason, RUNNING → running); a job that ends without its run recording the end
 * (refused, never started, killed) is marked in its run folder with Slurm's verdict and its output's last lines.
 * Aborting scancels the jobs submitted here that have not ended — nothing else — and waits for them to end (a running
 * run gets SIGTERM and records itself stopped).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES } from '../../runs/format';
import { readRunInfo } from '../../runs/reader';
import { RunWriter, writeJsonAtomic } from '../../runs/writer';
import type { CliJob, JobRunOptions } from '../executors/types';
import { releaseJob, sbatch, sbatchOptions, scancel, shellQuote, squeue, TERMINAL_STATES, type JobState } from './commands';
import { markRun, outputTail, showPendingState } from './runs';

/** How often squeue is asked while jobs wait or run (ms); RECLAB_SLURM_POLL_MS overrides. */
const pollMs = (): number => Number(process.env.RECLAB_SLURM_POLL_MS) || 2000;

export function jobScript(job: CliJob, node: string, cli: string): string {
  return [
    '#!/bin/bash',
    `# RecLab job ${job.runId} (${job.name}): written by reclab, see docs/reproduction.md`,
    `cd ${shellQuote(job.cwd)} || exit 1`,
    `exec ${[node, cli, ...job.args].map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

interface Submitted {
  job: CliJob;
  id: string;
  output: string;
  /** last state seen */
  state: string;
  reason?: string;
  ran: boolean;
}

async function submitJob(job: CliJob, o: JobRunOptions): Promise<Submitted | undefined> {
  const slurmDir = path.join(job.runsDir, '.slurm');
  fs.mkdirSync(slurmDir, { recursive: true });
  const script = path.join(slurmDir, `${job.runId}.sh`);
  fs.writeFileSync(script, jobScript(job, job.executor?.node ?? process.execPath, o.cli), { mode: 0o755 });
  RunWriter.placeholder(job.runsDir, {
    id: job.runId, name: job.name, experiment: job.name.split(' ')[0], job: { executor: 'slurm', id: '' }, versions: { reclab: '', node: process.version },
  });
  const options = [`--job-name=reclab-${job.runId}`.slice(0, 60), `--output=${path.join(slurmDir, `${job.runId}-%j.out`)}`, '--hold', ...sbatchOptions(job.executor ?? {})];
  let id: string;
  try {
    id = await sbatch(script, options);
  } catch (e) {
    const reason = (e as Error).message;
    markRun(job.runsDir, job.runId, 'failed', reason);
    o.onMessage?.(`${job.key}: ${reason}`);
    o.onUpdate(job.key, { status: 'ended', code: null, detail: reason, started: false });
    return undefined;
  }
  const dir = path.join(job.runsDir, job.runId);
  const info = readRunInfo(dir);
  if (info) writeJsonAtomic(path.join(dir, RUN_FILES.info), { ...info, job: { executor: 'slurm', id, state: 'PENDING' } });
  await releaseJob(id);
  o.onMessage?.(`${job.key}: Slurm job ${id} (${options.filter((x) => x !== '--hold' && !x.startsWith('--output')).join(' ')})`);
  o.onUpdate(job.key, { status: 'queued', jobId: id, state: 'PENDING' });
  return { job, id, output: path.join(slurmDir, `${job.runId}-${id}.out`), state: 'PENDING', ran: false };
}

const runEnded = (job: CliJob): boolean => {
  const status = readRunInfo(path.join(job.runsDir, job.runId))?.status;
  return status === 'finished' || status === 'stopped' || status === 'failed';
};

export async function runSlurmJobs(jobs: CliJob[], o: JobRunOptions): Promise<void> {
  const open: Submitted[] = [];
  for (const job of jobs) {
    if (o.signal?.aborted) break;
    const s = await submitJob(job, o);
    if (s) open.push(s);
  }
  let cancelled = false;
  while (open.length) {
    if (o.signal?.aborted && !cancelled) {
      cancelled = true;
      for (const s of open) await scancel(s.id).catch(() => undefined);
      o.onMessage?.(`cancelled Slurm job${open.length === 1 ? '' : 's'} ${open.map((s) => s.id).join(', ')}`);
    }
    const states = new Map<string, JobState>((await squeue(open.map((s) => s.id))).map((st) => [st.id, st]));
    for (const s of [...open]) {
      const st = states.get(s.id);
      if (st && !TERMINAL_STATES.has(st.state)) {
        if (st.state === s.state && st.reason === s.reason) continue;
        s.state = st.state;
        s.reason = st.reason;
        if (st.state === 'PENDING') {
          showPendingState(s.job.runsDir, s.job.runId, s.id, st);
          o.onUpdate(s.job.key, { status: 'queued', jobId: s.id, state: st.state, reason: st.reason });
        } else {
          s.ran = true;
          o.onUpdate(s.job.key, { status: 'running', jobId: s.id });
        }
        continue;
      }
      // ended, or gone from squeue (MinJobAge passed) after it was seen leaving PENDING
      if (!st && s.state === 'PENDING' && !cancelled && !runEnded(s.job)) continue;
      const state = st?.state ?? 'GONE';
      const ran = s.ran || fs.existsSync(path.join(s.job.runsDir, s.job.runId, RUN_FILES.metrics));
      const log = outputTail(s.output);
      const verdict = `Slurm job ${s.id}: ${state}${st?.reason ? ` (${st.reason})` : ''}`;
      // a run that did not record its end (never started, killed) gets Slurm's verdict; one that did keeps its own
      markRun(s.job.runsDir, s.job.runId, state === 'CANCELLED' ? 'stopped' : 'failed', state === 'CANCELLED' ? `cancelled (${verdict})` : `${verdict}${log ? `\n${log}` : ''}`);
      o.onUpdate(s.job.key, { status: 'ended', jobId: s.id, code: state === 'COMPLETED' ? 0 : 1, detail: [verdict, log].filter(Boolean).join('\n'), started: ran });
      open.splice(open.indexOf(s), 1);
    }
    if (open.length) await new Promise((r) => setTimeout(r, pollMs()));
  }
}
