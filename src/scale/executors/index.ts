/** The executors, by name (one file each): where runs execute. */
import { local } from './local';
import { slurm } from './slurm';
import type { Executor } from './types';

export const EXECUTORS: Record<string, Executor> = { local, slurm };

export function executor(name: string): Executor {
  const e = EXECUTORS[name];
  if (!e) throw new Error(`unknown executor "${name}" (known: ${Object.keys(EXECUTORS).join(', ')})`);
  return e;
}

export type { CliJob, Executor, JobRunOptions, JobUpdate, SweepRunOptions } from './types';
