/**
 * The Slurm command-line tools as functions: sbatch (submit), squeue (state of jobs and array tasks), scancel. The
 * CLI is the transport on purpose: no REST daemon or credentials, it works wherever the user can log in. Job states come
 * from `squeue --json` (Slurm ≥ 21.08; Debian 12 ships 22.05) and, where --json is absent, from a parsable format.
 * With accounting disabled (`sacct` says "accounting storage is disabled"), finished jobs stay visible to
 * `squeue --states=all` for MinJobAge seconds; the sweep record is the durable truth beyond that.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutorConfig } from '../../engine/config/types';

/** Where `sbatch` is on PATH (this machine can submit Slurm jobs), or undefined. */
export function sbatchOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'sbatch');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && code === 127 ? err.message : '')) });
    });
  });
}

export class SlurmError extends Error {
  constructor(message: string, readonly stderr = '') {
    super(message);
    this.name = 'SlurmError';
  }
}

/** Submits a batch script; returns the job id (`sbatch --parsable`). Slurm's own message on refusal. */
export async function sbatch(script: string, options: string[]): Promise<string> {
  const r = await run('sbatch', ['--parsable', ...options, script]);
  if (r.code !== 0) {
    const reason = r.stderr.split('\n').map((l) => l.replace(/^sbatch: error: /, '').trim()).filter(Boolean).join('; ');
    throw new SlurmError(`Slurm refused the job: ${reason || `sbatch exited with ${r.code}`}`, r.stderr);
  }
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed no job id: ${r.stdout.trim()}`);
  return id;
}

/** Lets a job submitted with --hold run (submission is held until its id is written where the views read it). */
export async function releaseJob(jobId: string): Promise<void> {
  const r = await run('scontrol', ['release', jobId]);
  if (r.code !== 0) throw new SlurmError(`scontrol release ${jobId}: ${r.stderr.trim()}`, r.stderr);
}

/**
 * The time limit asked for a run estimated to take `seconds`: the estimate × 1.5 + 10 minutes, rounded up to whole
 * minutes. The factor covers a compute node slower than the machine that measured, a loaded node, and what the
 * estimate does not count (checkpoint writes, diagnostics); the 10 minutes cover the job's start (Node, the data).
 */
export const TIME_FACTOR = 1.5;
export const TIME_MARGIN_MINUTES = 10;
export function slurmTimeMinutes(seconds: number): number {
  return Math.ceil((seconds * TIME_FACTOR) / 60 + TIME_MARGIN_MINUTES);
}

/** Minutes in Slurm's --time syntax: "MM" under an hour, "D-HH:MM:SS" from an hour on. */
export function formatSlurmTime(minutes: number): string {
  const m = Math.ceil(minutes);
  if (m < 60) return String(m);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(m / 1440)}-${pad(Math.floor((m % 1440) / 60))}:${pad(m % 60)}:00`;
}

/** Slurm's time limits back in minutes: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS" (scontrol's TimeLimit). */
export function parseSlurmTime(t: string): number {
  const [days, rest] = t.includes('-') ? [Number(t.split('-')[0]), t.split('-')[1]] : [0, t];
  const f = rest.split(':').map(Number);
  let minutes: number;
  if (t.includes('-')) minutes = (f[0] ?? 0) * 60 + (f[1] ?? 0) + (f[2] ?? 0) / 60;
  else if (f.length === 3) minutes = f[0] * 60 + f[1] + f[2] / 60;
  else minutes = f[0] + (f[1] ?? 0) / 60;
  return days * 1440 + minutes;
}

/**
 * sbatch options of an executor config. --mem: given, else estimated from the config when an estimator is plugged
 * in (`setMemoryEstimator` in the executor, the `reclab estimate` model); else the partition's default. --time: given,
 * else `slurmTimeMinutes` of the time estimate when there is one (`setTimeEstimator`); else the partition's default.
 */
export function sbatchOptions(e: Partial<ExecutorConfig>, memMb?: number, timeMinutes?: number): string[] {
  const o: string[] = [];
  if (e.partition) o.push(`--partition=${e.partition}`);
  if (e.time) o.push(`--time=${e.time}`);
  else if (timeMinutes) o.push(`--time=${formatSlurmTime(timeMinutes)}`);
  if (e.cpus) o.push(`--cpus-per-task=${e.cpus}`);
  if (e.mem) o.push(`--mem=${e.mem}`);
  else if (memMb) o.push(`--mem=${Math.ceil(memMb)}M`);
  o.push(...(e.sbatchArgs ?? []));
  return o;
}

/** A word for a batch script, single-quoted. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export async function scancel(jobId: string): Promise<void> {
  const r = await run('scancel', [jobId]);
  if (r.code !== 0) throw new SlurmError(`scancel ${jobId}: ${r.stderr.trim() || `exit ${r.code}`}`, r.stderr);
}

/** One job or array task: `123` or `123_4`. */
export interface JobState {
  id: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, … */
  state: string;
  /** why it pends or failed: Priority, Resources, JobArrayTaskLimit, NonZeroExitCode, … ("None" is dropped) */
  reason?: string;
}

export const TERMINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

let jsonSupported: boolean | undefined;

/** The states of the given jobs (array ids expand to their tasks), finished ones included while Slurm keeps them. */
export async function squeue(jobIds: string[]): Promise<JobState[]> {
  if (!jobIds.length) return [];
  const ids = [...new Set(jobIds.map((j) => j.split('_')[0]))].join(',');
  if (jsonSupported !== false) {
    const r = await run('squeue', ['--json', '--states=all', '--jobs', ids]);
    if (r.code === 0 && r.stdout.trimStart().startsWith('{')) {
      jsonSupported = true;
      return parseSqueueJson(r.stdout);
    }
    // an unknown option (older Slurm) → the parsable format from now on; "Invalid job id" → nothing known
    if (/unrecognized option|invalid option/i.test(r.stderr)) jsonSupported = false;
    else if (/Invalid job id/i.test(r.stderr)) return [];
    else if (r.code !== 0) throw new SlurmError(`squeue: ${r.stderr.trim() || `exit ${r.code}`}`, r.stderr);
  }
  const r = await run('squeue', ['--noheader', '--states=all', '--jobs', ids, '--format=%i|%T|%r']);
  if (r.code !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return [];
    throw new SlurmError(`squeue: ${r.stderr.trim() || `exit ${r.code}`}`, r.stderr);
  }
  return parseSqueueText(r.stdout);
}

interface SqueueJsonJob {
  job_id: number;
  array_job_id?: number | { number?: number; set?: boolean };
  array_task_id?: number | { number?: number; set?: boolean } | null;
  array_task_string?: string;
  job_state: string | string[];
  state_reason?: string;
}

const num = (v: SqueueJsonJob['array_job_id']): number | undefined =>
  typeof v === 'number' ? v : v && typeof v === 'object' && v.set !== false ? v.number : undefined;

/** Parses `squeue --json` (data_parser v0.0.38 of 22.05 and the {set, number} fields of later releases). */
export function parseSqueueJson(text: string): JobState[] {
  const data = JSON.parse(text) as { jobs?: SqueueJsonJob[] };
  const out: JobState[] = [];
  for (const j of data.jobs ?? []) {
    const state = Array.isArray(j.job_state) ? j.job_state[0] : j.job_state;
    const reason = j.state_reason && j.state_reason !== 'None' ? j.state_reason : undefined;
    const arrayId = num(j.array_job_id);
    if (!arrayId) {
      out.push({ id: String(j.job_id), state, reason });
      continue;
    }
    if (j.array_task_string) {
      // pending tasks not yet split out: "3,5-7%2"
      for (const t of expandTaskString(j.array_task_string)) out.push({ id: `${arrayId}_${t}`, state, reason });
      continue;
    }
    const task = num(j.array_task_id ?? undefined);
    out.push({ id: task !== undefined ? `${arrayId}_${task}` : String(arrayId), state, reason });
  }
  return out;
}

/** Parses `squeue --format=%i|%T|%r` lines ("12_[3-5%2]|PENDING|JobArrayTaskLimit" included). */
export function parseSqueueText(text: string): JobState[] {
  const out: JobState[] = [];
  for (const line of text.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (!id || !state) continue;
    const r = reason && reason !== 'None' ? reason : undefined;
    const m = /^(\d+)_\[(.+)\]$/.exec(id);
    if (m) for (const t of expandTaskString(m[2])) out.push({ id: `${m[1]}_${t}`, state, reason: r });
    else out.push({ id, state, reason: r });
  }
  return out;
}

/** "3,5-7%2" → [3, 5, 6, 7] */
export function expandTaskString(s: string): number[] {
  const out: number[] = [];
  for (const part of s.replace(/%\d+$/, '').split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isFinite(a)) continue;
    for (let t = a; t <= (Number.isFinite(b) ? b : a); t++) out.push(t);
  }
  return out;
}

/** `--array` of trial indices: "0-3%2", "3,5,8%2" */
export function arraySpec(indices: number[], parallel: number): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${parts.join(',')}%${Math.max(1, parallel)}`;
}
