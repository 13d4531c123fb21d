import type { ExecutorConfig } from '../../engine/config/types';
import type { RunEvent } from '../../protocol/events';
import type { SweepRecord, SweepTrial } from '../../runs/records';
import type { SweepController } from '../sweep';

export interface SweepRunOptions {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** a trial was handed to the executor (local: starts now; slurm: submitted) */
  onTrialStart?: (trial: SweepTrial) => void;
  /** a trial ended */
  onTrialEnd?: (trial: SweepTrial) => void;
  /** progress lines (submissions, job states) */
  onMessage?: (message: string) => void;
}

/**
 * One CLI command that records one run: a suite row's `reclab train <config> --runs-dir D --id <runId> …`
 * (`reclab reproduce`). The executor runs it where it runs things; the run folder is the result.
 */
export interface CliJob {
  /** the caller's name for the job (a row id) */
  key: string;
  /** the CLI's arguments (after the script) */
  args: string[];
  runsDir: string;
  /** the run folder the command writes (`--id`): Slurm makes it a queued placeholder first */
  runId: string;
  /** a label (placeholder run name, Slurm job name) */
  name: string;
  /** the working folder of the command */
  cwd: string;
  /** scheduler settings (partition, time, cpus, mem, sbatch arguments) of the job's config */
  executor?: ExecutorConfig;
}

/** What became of a job: queued (Slurm: submitted, waiting), running, or ended (with the command's exit status when known). */
export type JobUpdate =
  | { status: 'queued'; jobId: string; state?: string; reason?: string }
  | { status: 'running'; jobId?: string }
  /** `detail`: the last lines of the command's output, or the scheduler's verdict; `started`: it ran at all */
  | { status: 'ended'; jobId?: string; code: number | null; detail?: string; started: boolean };

export interface JobRunOptions {
  /** the CLI bundle (dist/cli.js) */
  cli: string;
  /** at most this many at once on this machine (local; Slurm leaves it to the cluster) */
  parallel?: number;
  /** aborting stops the running jobs (local: SIGINT to the children; slurm: scancel of the jobs submitted) */
  signal?: AbortSignal;
  onUpdate(key: string, update: JobUpdate): void;
  /** a line of a job's output (local children; Slurm jobs write theirs to <runs>/.slurm/) */
  onOutput?(key: string, line: string): void;
  onMessage?(message: string): void;
}

/** Where runs execute. One file per executor; src/scale/executors/index.ts is the registry. */
export interface Executor {
  name: string;
  description: string;
  /** runs the sweep's trials until the strategy or the budget is done and every launched trial has ended */
  runSweep(ctl: SweepController, o: SweepRunOptions): Promise<void>;
  /** stops one trial (local: the caller's abort signal; slurm: scancel) */
  cancelTrial(record: SweepRecord, trial: SweepTrial): Promise<void>;
  /** trials left queued/running by an earlier session that this executor still runs (resume) */
  activeTrials(record: SweepRecord): Promise<Set<number>>;
  /** runs independent CLI jobs (suite rows) until each has ended; absent: the executor runs sweeps only */
  runJobs?(jobs: CliJob[], o: JobRunOptions): Promise<void>;
}
