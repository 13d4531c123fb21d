/**
 * Seed groups and sweeps are records in the runs folder — files beside the run directories, not memory — so a reload,
 * a crash or another window sees them (docs/run-format.md):
 *
 *   <runs>/<id>.group.json   GroupRecord: the runs of one config over several seeds
 *   <runs>/<id>.sweep.json   SweepRecord: a search's settings, its trials, ASHA's rungs and every decision
 *
 * Both are rewritten atomically; concurrent writers (a sweep's controller and its trials, possibly on other hosts of a
 * shared file system) serialise read-modify-write through `<file>.lock`, created with O_EXCL.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunStatus } from '../protocol/events';
import type { ExecutorConfig, ParamSpec, SearchConfig } from '../engine/config/types';
import { writeJsonAtomic } from './writer';

export const RECORD_FORMAT_VERSION = 1;

export interface GroupRecord {
  formatVersion: number;
  kind: 'group';
  id: string;
  name: string;
  experiment: string;
  configPath?: string;
  createdAt: string;
  seeds: number[];
  /** the sweep point the group realises, when it is a sweep's */
  point?: Record<string, unknown>;
  sweepId?: string;
  runs: { seed: number; runId: string }[];
}

export type TrialStatus = 'pending' | Exclude<RunStatus, never>;

export interface SweepTrial {
  index: number;
  point: Record<string, unknown>;
  /** the run directory's id (known before it starts: Slurm placeholders use it) */
  runId?: string;
  status: TrialStatus;
  /** why it stopped or failed (ASHA's reason, Slurm's reason) */
  reason?: string;
  /** the best selection metric the run reached */
  value?: number;
  /** the epoch of that value */
  epoch?: number;
  pruned?: boolean;
  /** executor job: Slurm `<array>_<task>` and its last seen state */
  job?: { id: string; state?: string; reason?: string };
}

export interface SweepDecision {
  /** ms since the epoch */
  t: number;
  trial: number;
  kind: 'propose' | 'asha' | 'budget' | 'executor' | 'resume';
  action?: 'continue' | 'stop';
  rung?: number;
  epoch?: number;
  value?: number;
  cutoff?: number;
  message: string;
}

export interface SweepRecord {
  formatVersion: number;
  kind: 'sweep';
  id: string;
  name: string;
  experiment: string;
  configPath?: string;
  /** folder the config's relative paths resolve against */
  baseDir: string;
  /** the raw config with --set applied, without sweep / search / executor: each trial applies its point to it */
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  status: 'running' | 'finished' | 'stopped' | 'failed';
  reason?: string;
  strategy: SearchConfig['strategy'];
  space: Record<string, ParamSpec>;
  search: SearchConfig;
  executor: ExecutorConfig;
  /** selection metric (higher is better) */
  metric: string;
  /** seconds the sweep has been active, summed over sessions (budget.wallSeconds) */
  activeSeconds: number;
  trials: SweepTrial[];
  /** ASHA: rung epoch → trial index → value */
  rungs: Record<string, Record<string, number>>;
  decisions: SweepDecision[];
}

export const groupFile = (runsDir: string, id: string): string => path.join(runsDir, `${id}.group.json`);
export const sweepFile = (runsDir: string, id: string): string => path.join(runsDir, `${id}.sweep.json`);

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readGroup(file: string): GroupRecord | undefined {
  const g = readJson<GroupRecord>(file);
  return g?.kind === 'group' ? g : undefined;
}

export function readSweep(file: string): SweepRecord | undefined {
  const s = readJson<SweepRecord>(file);
  return s?.kind === 'sweep' ? s : undefined;
}

function listRecords<T>(runsDir: string, suffix: string, read: (f: string) => T | undefined): T[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith(suffix) && !n.startsWith('.')).sort().reverse().map((n) => read(path.join(runsDir, n))).filter((r): r is T => !!r);
}

export const listGroups = (runsDir: string): GroupRecord[] => listRecords(runsDir, '.group.json', readGroup);
export const listSweeps = (runsDir: string): SweepRecord[] => listRecords(runsDir, '.sweep.json', readSweep);

export function writeRecord(file: string, record: GroupRecord | SweepRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, record);
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Read-modify-write of a record under `<file>.lock` (O_EXCL; a lock older than 30 s is taken to be left by a
 * crashed writer and broken). `change` returns the new record, or undefined to leave the file as it is.
 */
export function updateRecord<T extends GroupRecord | SweepRecord>(file: string, read: (f: string) => T | undefined, change: (r: T) => T | undefined): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 30_000) fs.rmSync(lock, { force: true });
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`${file}: could not lock it within 60 s (remove ${lock} if no sweep is running)`);
      sleepSync(5);
    }
  }
  try {
    const current = read(file);
    if (!current) throw new Error(`${file}: missing or not a RecLab record`);
    const next = change(current);
    if (next) {
      if (next.kind === 'sweep') next.updatedAt = new Date().toISOString();
      writeRecord(file, next);
    }
    return next ?? current;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export const updateSweep = (file: string, change: (s: SweepRecord) => SweepRecord | undefined | void): SweepRecord =>
  updateRecord(file, readSweep, (s) => change(s) ?? s);
export const updateGroup = (file: string, change: (g: GroupRecord) => GroupRecord | undefined | void): GroupRecord =>
  updateRecord(file, readGroup, (g) => change(g) ?? g);
