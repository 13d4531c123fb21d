/**
 * The Slurm executor: a sweep's trials go to the cluster as job arrays (`sbatch --array=<trial indices>%k`, the array
 * task id is the trial index), each task running `reclab trial <sweep.json> <index>` on a compute node; the runs write
 * their directories on the shared file system, where the extension and the CLI read them as any local run.
 *
 * Submission is race-free: each trial's run directory is first created as a queued placeholder, the array is submitted
 * held (`--hold`), the job ids are written to the placeholders and the record, then `scontrol release` lets it run.
 * States come from squeue (src/scale/slurm/commands.ts) and are written to the record; a task that ends without its
 * run saying how (killed, failed to start) is marked failed — or stopped when cancelled — with Slurm's state and reason.
 * Grid and random sweeps with a run budget go out as one array; TPE proposes `parallel` trials per array, since each
 * proposal needs the results before it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { requireDistFile } from '../../engine/paths';
import { resolveConfig } from '../../engine/config/validate';
import { RUN_FILES } from '../../runs/format';
import { readRunInfo } from '../../runs/reader';
import { RunWriter, writeJsonAtomic } from '../../runs/writer';
import type { SweepRecord, SweepTrial } from '../../runs/records';
import type { SweepController } from '../sweep';
import { trialConfigRaw } from '../trial';
import { arraySpec, formatSlurmTime, releaseJob, slurmTimeMinutes, TIME_FACTOR, TIME_MARGIN_MINUTES, sbatch, sbatchOptions, scancel, shellQuote, squeue, TERMINAL_STATES, type JobState } from '../slurm/commands';
import { markRun, outputTail, showPendingState } from '../slurm/runs';
import { runSlurmJobs } from '../slurm/jobs';
import type { Executor, SweepRunOptions } from './types';

/** How often squeue is asked while trials are queued or running (ms); RECLAB_SLURM_POLL_MS overrides. */
const pollMs = (): number => Number(process.env.RECLAB_SLURM_POLL_MS) || 2000;

const TRIAL_ENDED = new Set(['finished', 'stopped', 'failed']);

export { sbatchOptions };

/** Estimated peak memory of a run in MiB, or undefined; set by whoever provides the estimate (src/engine/estimate.ts). */
let memoryEstimator: ((config: ReturnType<typeof resolveConfig>) => number | undefined) | undefined;
export function setMemoryEstimator(f: typeof memoryEstimator): void {
  memoryEstimator = f;
}

/**
 * A run's estimated seconds (src/engine/estimate-time.ts, measured on this machine); set by whoever provides the
 * estimate (the CLI). `key` names the config shape measured: trials with the same key shared one measurement.
 */
export type TimeEstimator = (config: ReturnType<typeof resolveConfig>, baseDir: string, o: { threads?: number; signal?: AbortSignal }) => Promise<{ seconds: number; key: string } | undefined>;
let timeEstimator: TimeEstimator | undefined;
export function setTimeEstimator(f: TimeEstimator | undefined): void {
  timeEstimator = f;
}

/**
 * --mem and --time of a job array when the executor config gives none: the largest memory estimate of its trials, and
 * the longest time estimate (array tasks share one limit), rounded to the millisecond before the Slurm rule
 * (`slurmTimeMinutes`: × 1.5 + 10 min, whole minutes). Returns a line for the sweep's decisions saying what was
 * estimated and how many config shapes were measured.
 */
async function estimateLimits(record: SweepRecord, batch: SweepTrial[], signal?: AbortSignal): Promise<{ memMb?: number; timeMinutes?: number; note?: string }> {
  const exec = record.executor;
  const configs: ReturnType<typeof resolveConfig>[] = [];
  for (const t of batch) {
    try {
      configs.push(resolveConfig(trialConfigRaw(record, t)));
    } catch {
      /* an invalid point fails in its own run */
    }
  }
  let memMb: number | undefined;
  if (!exec.mem && memoryEstimator) {
    const mems = configs.map((c) => memoryEstimator!(c)).filter((m): m is number => m !== undefined);
    if (mems.length) memMb = Math.max(...mems);
  }
  if (exec.time || !timeEstimator || !configs.length) return { memMb };
  try {
    const t0 = Date.now();
    let longest = 0;
    const keys = new Set<string>();
    for (const c of configs) {
      const e = await timeEstimator(c, record.baseDir, { threads: exec.cpus, signal });
      if (!e) return { memMb };
      keys.add(e.key);
      longest = Math.max(longest, e.seconds);
    }
    const seconds = Math.round(longest * 1000) / 1000;
    const timeMinutes = slurmTimeMinutes(seconds);
    const note = `time estimate ${seconds.toFixed(3)} s (the longest of ${configs.length} trial${configs.length === 1 ? '' : 's'}; ${keys.size} config shape${keys.size === 1 ? '' : 's'}, each measured once; ${((Date.now() - t0) / 1000).toFixed(1)} s spent estimating) → --time=${formatSlurmTime(timeMinutes)} (× ${TIME_FACTOR} + ${TIME_MARGIN_MINUTES} min)`;
    return { memMb, timeMinutes, note };
  } catch (e) {
    if (signal?.aborted) throw e;
    return { memMb, note: `time not estimated (${(e as Error).message.split('\n')[0]}): the partition's default time limit applies` };
  }
}

export function batchScript(record: SweepRecord, file: string, node: string, cli: string): string {
  const q = shellQuote;
  return [
    '#!/bin/bash',
    `# RecLab sweep ${record.id}: the array task id is the trial index (written by reclab; see docs/scale.md)`,
    `cd ${q(record.baseDir)} || exit 1`,
    `exec ${q(node)} ${q(cli)} trial ${q(file)} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

async function submit(ctl: SweepController, batch: SweepTrial[], o: SweepRunOptions): Promise<void> {
  const record = ctl.read();
  const exec = record.executor;
  let limits: Awaited<ReturnType<typeof estimateLimits>>;
  try {
    limits = await estimateLimits(record, batch, o.signal);
  } catch (e) {
    if (!o.signal?.aborted) throw e;
    // stopped while measuring: nothing was submitted, the trials are pending again (a resumed sweep runs them)
    ctl.update((s) => {
      for (const t of batch) {
        s.trials[t.index].status = 'pending';
        delete s.trials[t.index].runId;
      }
    });
    return;
  }
  const slurmDir = path.join(ctl.runsDir, '.slurm');
  fs.mkdirSync(slurmDir, { recursive: true });
  const script = path.join(slurmDir, `${record.id}-${batch[0].index}.sh`);
  fs.writeFileSync(script, batchScript(record, ctl.file, exec.node ?? process.execPath, requireDistFile('cli.js')), { mode: 0o755 });
  for (const t of batch) {
    RunWriter.placeholder(ctl.runsDir, {
      id: t.runId!, name: `${record.experiment} ${Object.entries(t.point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
      experiment: record.experiment, configPath: record.configPath, sweepPoint: t.point, sweep: { id: record.id, trial: t.index },
      job: { executor: 'slurm', id: '' }, versions: { reclab: '', node: process.version },
    });
  }
  const options = [
    `--array=${arraySpec(batch.map((t) => t.index), record.search.parallel)}`, `--job-name=reclab-${record.experiment}`.slice(0, 60),
    `--output=${path.join(slurmDir, '%A_%a.out')}`, '--hold', ...sbatchOptions(exec, limits.memMb, limits.timeMinutes),
  ];
  let jobId: string;
  try {
    jobId = await sbatch(script, options);
  } catch (e) {
    const reason = (e as Error).message;
    ctl.update((s) => {
      for (const t of batch) Object.assign(s.trials[t.index], { status: 'failed', reason, job: { id: '', state: 'REFUSED', reason } });
      s.decisions.push({ t: Date.now(), trial: batch[0].index, kind: 'executor', message: `sbatch ${options.join(' ')}: ${reason}` });
    });
    for (const t of batch) markRun(ctl.runsDir, t.runId, 'failed', reason);
    o.onMessage?.(reason);
    throw e;
  }
  for (const t of batch) {
    const dir = path.join(ctl.runsDir, t.runId!);
    const info = readRunInfo(dir);
    if (info) writeJsonAtomic(path.join(dir, RUN_FILES.info), { ...info, job: { executor: 'slurm', id: `${jobId}_${t.index}`, state: 'PENDING' } });
  }
  ctl.update((s) => {
    for (const t of batch) s.trials[t.index].job = { id: `${jobId}_${t.index}`, state: 'PENDING' };
    if (limits.note) s.decisions.push({ t: Date.now(), trial: batch[0].index, kind: 'executor', message: limits.note });
    s.decisions.push({ t: Date.now(), trial: batch[0].index, kind: 'executor', message: `submitted trials ${batch.map((t) => t.index).join(', ')} as Slurm job array ${jobId} (${options.filter((x) => x !== '--hold').join(' ')})` });
  });
  await releaseJob(jobId);
  o.onMessage?.(`Slurm job array ${jobId}: trials ${batch.map((t) => t.index).join(', ')}`);
  for (const t of batch) o.onTrialStart?.(t);
}

/** Polls squeue until every trial of the sweep that has a job has ended; records states and Slurm's verdicts. */
async function waitForJobs(ctl: SweepController, o: SweepRunOptions): Promise<void> {
  let cancelled = false;
  for (;;) {
    const record = ctl.read();
    const open = record.trials.filter((t) => t.job?.id && !TRIAL_ENDED.has(t.status));
    if (!open.length) return;
    if (o.signal?.aborted && !cancelled) {
      cancelled = true;
      for (const id of new Set(open.map((t) => t.job!.id.split('_')[0]))) await scancel(id).catch(() => undefined);
      o.onMessage?.('cancelled the sweep\'s Slurm jobs');
    }
    const states = new Map<string, JobState>((await squeue(open.map((t) => t.job!.id))).map((s) => [s.id, s]));
    const ended: SweepTrial[] = [];
    ctl.update((s) => {
      for (const t0 of open) {
        const t = s.trials[t0.index];
        if (TRIAL_ENDED.has(t.status)) {
          ended.push(t);
          continue;
        }
        const st = states.get(t.job!.id);
        if (st && (st.state !== t.job!.state || st.reason !== t.job!.reason)) {
          t.job = { id: t.job!.id, state: st.state, ...(st.reason ? { reason: st.reason } : {}) };
          if (st.state === 'PENDING') showPendingState(ctl.runsDir, t.runId, t.job.id, st);
        }
        const gone = !st && t.job!.state !== 'PENDING';
        if ((st && TERMINAL_STATES.has(st.state)) || gone) {
          // the task is over but its run did not record an end: it never started, or was killed
          const state = st?.state ?? 'GONE';
          const log = outputTail(path.join(ctl.runsDir, '.slurm', `${t.job!.id}.out`));
          const stopped = state === 'CANCELLED';
          t.status = stopped ? 'stopped' : 'failed';
          t.reason = stopped
            ? `cancelled (Slurm job ${t.job!.id}: CANCELLED)`
            : `Slurm job ${t.job!.id}: ${state}${st?.reason ? ` (${st.reason})` : ''}${log ? `\n${log}` : ''}`;
          s.decisions.push({ t: Date.now(), trial: t.index, kind: 'executor', message: `trial ${t.index}: ${t.reason.split('\n')[0]}` });
          markRun(ctl.runsDir, t.runId, t.status, t.reason);
          ended.push(t);
        }
      }
    });
    for (const t of ended) o.onTrialEnd?.(t);
    if (ended.length === open.length) continue;
    await new Promise((r) => setTimeout(r, pollMs()));
  }
}

export const slurm: Executor = {
  name: 'slurm',
  description: 'submits each sweep as Slurm job arrays (sbatch); runs write to the shared file system',
  async runSweep(ctl, o) {
    await waitForJobs(ctl, o); // trials a previous session left on the cluster
    while (!o.signal?.aborted) {
      const record = ctl.read();
      const remaining = ctl.remaining();
      if (remaining <= 0) break;
      // grid, and random with a run budget: everything in one array; TPE (and wall-time-only budgets): `parallel` at a time
      const max = record.strategy === 'tpe' || !Number.isFinite(remaining) ? record.search.parallel : Math.min(remaining, 1000);
      const batch = ctl.next(max);
      if (!batch.length) break;
      await submit(ctl, batch, o);
      await waitForJobs(ctl, o);
    }
    await waitForJobs(ctl, o);
  },
  async cancelTrial(_record, trial) {
    if (!trial.job?.id) throw new Error(`trial ${trial.index} has no Slurm job`);
    await scancel(trial.job.id);
  },
  activeTrials: (record) => activeSlurmTrials(record),
  // suite rows: one Slurm job each (src/scale/slurm/jobs.ts)
  runJobs: runSlurmJobs,
};

/** Trials of a record still queued or running on the cluster (for resuming a sweep). */
async function activeSlurmTrials(record: SweepRecord): Promise<Set<number>> {
  const withJobs = record.trials.filter((t) => t.job?.id && (t.status === 'queued' || t.status === 'running'));
  const states = new Map((await squeue(withJobs.map((t) => t.job!.id))).map((s) => [s.id, s]));
  return new Set(withJobs.filter((t) => {
    const st = states.get(t.job!.id);
    return st && !TERMINAL_STATES.has(st.state);
  }).map((t) => t.index));
}
