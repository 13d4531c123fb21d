/**
 * A sweep driven from a long-lived host (the VS Code extension) with each trial in its own detached process
 * (`reclab trial <sweep.json> <index>`), so that trials outlive the host: a window reload kills the extension host, not
 * the trials. The sweep's state is its record file, not memory. The record names its driver (pid, host, process start
 * time, as a run's lease does); a host that starts finds sweeps whose record says `running`, whose driver is gone and
 * which still have work (pending trials, or budget left), claims them under the record's lock and drives them on:
 * trials still running in their own process are waited for, trials whose process is gone are run again (the
 * controller's `recover`), and the search continues within its budget. ASHA judges each trial inside its own process
 * (src/scale/trial.ts), so early stopping needs no driver at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { currentLease, hostName, procStat } from '../runs/lease';
import type { RunLease } from '../runs/format';
import { listSweeps, readSweep, updateSweep, type SweepRecord, type SweepTrial } from '../runs/records';
import { readRunInfo } from '../runs/reader';
import { runLiveness } from '../runs/lease';
import type { Executor } from './executors/types';
import { runSweep } from './launch';
import type { SweepController } from './sweep';

export interface SweepDriver {
  /** `vscode` (the extension) or `cli` */
  kind: string;
  lease: RunLease;
}

/** Whether the process a lease names is this machine's and still the same process. */
export function leaseAlive(lease: RunLease | undefined): boolean {
  if (!lease?.pid || lease.host !== hostName()) return false;
  const mine = currentLease();
  if (lease.bootId && mine.bootId && lease.bootId !== mine.bootId) return false;
  const st = procStat(lease.pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return lease.startTicks === undefined || st.startTicks === lease.startTicks;
}

type DrivenRecord = SweepRecord & { driver?: SweepDriver };

/** Sweeps of a runs folder that a `kind` driver left running, with work left, and whose driver is gone. */
export function orphanedSweeps(runsDir: string, kind = 'vscode'): SweepRecord[] {
  return listSweeps(runsDir).filter((s) => {
    const d = (s as DrivenRecord).driver;
    if (s.status !== 'running' || d?.kind !== kind || leaseAlive(d.lease)) return false;
    const open = s.trials.some((t) => t.status === 'pending' || t.status === 'queued' || t.status === 'running');
    const budget = s.search.budget.runs ? s.trials.length < s.search.budget.runs : s.strategy !== 'grid';
    return open || budget;
  });
}

/** Makes this process the sweep's driver unless a live one holds it; true when claimed. */
export function claimSweep(file: string, kind: string): boolean {
  let claimed = false;
  updateSweep(file, (s) => {
    const d = (s as DrivenRecord).driver;
    if (d && leaseAlive(d.lease) && d.lease.pid !== process.pid) return;
    (s as DrivenRecord).driver = { kind, lease: currentLease() };
    claimed = true;
  });
  return claimed;
}

export interface ProcessExecutorOptions {
  /** the sweep's runs folder */
  runsDir: string;
  /** dist/cli.js */
  cliPath: string;
  /** the node binary (in VS Code: process.execPath with ELECTRON_RUN_AS_NODE) */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** trials at the same time (the sweep's search.parallel when not given) */
  parallel?: number;
  /** how often trials adopted from an earlier host are checked */
  pollMs?: number;
  onMessage?(m: string): void;
}

/** Is a trial's run alive in its own process (a trial an earlier host started)? */
function trialAlive(runsDir: string, t: SweepTrial): boolean {
  if (!t.runId) return false;
  const dir = path.join(runsDir, t.runId);
  const info = readRunInfo(dir);
  if (!info) {
    // no run folder yet: alive while the trial process the driver spawned is (it may be loading the data)
    const m = /^pid:(\d+):(\d+)$/.exec(t.job?.id ?? '');
    return !!m && leaseAlive({ pid: Number(m[1]), host: hostName(), startTicks: Number(m[2]), since: '' });
  }
  if (info.status !== 'running' && info.status !== 'queued') return false;
  return runLiveness(dir, info).state === 'alive';
}

/**
 * The executor of a driven sweep: each trial a detached `reclab trial` process (its output in
 * `<runs>/.sweeps/<sweep>/trial-<i>.log`), at most `parallel` at once.
 */
export function processExecutor(o: ProcessExecutorOptions): Executor {
  return {
    name: 'processes',
    description: 'each trial in its own detached process on this machine (the extension\'s sweeps)',
    async runSweep(ctl: SweepController, ro) {
      const runsDir = ctl.runsDir;
      const record = ctl.read();
      const parallel = Math.max(1, o.parallel ?? record.search.parallel ?? 1);
      const logDir = path.join(runsDir, '.sweeps', record.id);
      fs.mkdirSync(logDir, { recursive: true });
      const children = new Map<number, ChildProcess>();
      // trials an earlier host left running in their own process: adopted, waited for by polling the record
      const adopted = new Set(record.trials.filter((t) => (t.status === 'queued' || t.status === 'running') && trialAlive(runsDir, t)).map((t) => t.index));
      let wake: () => void = () => undefined;
      const sleep = (ms: number) => new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const onAbort = () => {
        for (const c of children.values()) c.kill('SIGTERM');
        wake();
      };
      ro.signal?.addEventListener('abort', onAbort);
      try {
        for (;;) {
          // adopted trials end when their process records the end (or dies)
          const now = ctl.read();
          for (const i of [...adopted]) {
            const t = now.trials[i];
            if (!t || !(t.status === 'queued' || t.status === 'running') || !trialAlive(runsDir, t)) adopted.delete(i);
          }
          const active = children.size + adopted.size;
          let started = 0;
          if (!ro.signal?.aborted && active < parallel) {
            for (const t of ctl.next(parallel - active)) {
              started++;
              children.set(t.index, spawnTrial(ctl.file, t, logDir, o, (code) => {
                children.delete(t.index);
                // a trial process that ended without recording its end (killed, crashed at start) failed
                updateSweep(ctl.file, (s) => {
                  const x = s.trials[t.index];
                  if (x && (x.status === 'queued' || x.status === 'running')) {
                    x.status = 'failed';
                    x.reason = `the trial process exited (code ${code}) without recording an end; see ${path.relative(runsDir, path.join(logDir, `trial-${t.index}.log`))}`;
                  }
                });
                ro.onTrialEnd?.(readSweep(ctl.file)!.trials[t.index]);
                wake();
              }));
              // the trial's process, so that a later driver can tell whether it still runs before its run folder exists
              const child = children.get(t.index)!;
              const st = child.pid ? procStat(child.pid) : undefined;
              if (child.pid && st) updateSweep(ctl.file, (s) => {
                const x = s.trials[t.index];
                if (x && !x.job) x.job = { id: `pid:${child.pid}:${st.startTicks}`, state: 'process' };
              });
              ro.onTrialStart?.(t);
              o.onMessage?.(`trial ${t.index} started`);
            }
          }
          if (!children.size && !adopted.size && !started) break;
          await sleep(adopted.size ? o.pollMs ?? 1000 : 60_000);
        }
      } finally {
        ro.signal?.removeEventListener('abort', onAbort);
      }
    },
    async cancelTrial() {
      throw new Error('stop the trial\'s run (Stop in the Runs tree): it ends stopped, and the sweep continues');
    },
    activeTrials: async (record) => new Set(record.trials.filter((t) => (t.status === 'queued' || t.status === 'running') && trialAlive(o.runsDir, t)).map((t) => t.index)),
  };
}

function spawnTrial(file: string, t: SweepTrial, logDir: string, o: ProcessExecutorOptions, onExit: (code: number | null) => void): ChildProcess {
  const fd = fs.openSync(path.join(logDir, `trial-${t.index}.log`), 'a');
  try {
    const child = spawn(o.execPath ?? process.execPath, [o.cliPath, 'trial', file, String(t.index)], {
      detached: true, // outlives the host (a window reload): the record, not this process, holds the sweep
      stdio: ['ignore', fd, fd],
      cwd: path.dirname(file),
      env: { ...process.env, ...o.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    child.on('exit', (code) => onExit(code));
    child.on('error', () => onExit(null));
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Drives a sweep to its end from this process: claims it (unless another live driver holds it), recovers what an
 * earlier driver left (trials still running are adopted, gone ones run again), runs trials as detached processes and
 * closes the record. Resolves with the final record, or undefined when another driver holds it.
 */
export async function driveSweep(file: string, kind: string, o: Omit<ProcessExecutorOptions, 'runsDir'> & { signal?: AbortSignal }): Promise<SweepRecord | undefined> {
  if (!claimSweep(file, kind)) return undefined;
  return runSweep(file, { signal: o.signal, onMessage: o.onMessage }, processExecutor({ ...o, runsDir: path.dirname(file) }));
}
