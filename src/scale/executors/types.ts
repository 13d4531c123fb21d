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
}
