/**
 * The run lease: which process is training a run, proven beyond its pid, and whether it is still alive.
 *
 * The engine writes `lease` into run.json when the run starts: its pid, the host name, the kernel's boot id and the
 * process start time (field 22 of /proc/<pid>/stat, clock ticks since boot), and touches `<run>/.heartbeat` every
 * few seconds. A reader (the CLI, the RunStore behind the tree, the extension's process manager) decides:
 *
 *   alive    same host and boot, the pid exists and started at the leased tick: this is our engine
 *   dead     same host, and the pid is gone, a zombie, or another process (pid reuse, a copied runs folder)
 *   remote   another host (or another boot id is unknown): shown as such, never signalled, never written
 *   unknown  no way to prove identity here (no /proc): alive while the heartbeat is fresh, dead once it is stale
 *
 * Only an `alive` engine is ever signalled (`signalEngine`). A dead run is recorded as failed once, by whoever notices
 * first (`settleDeadRun`: an exclusive claim file, then an atomic run.json rewrite and one `end` event), so the CLI,
 * two windows and the engine's own last write never race.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent, RunStatus } from '../protocol/events';
import { appendRecord, isTempName, writeJsonAtomic } from './atomic';
import { repairCheckpoints } from './checkpoint-files';
import { RUN_FILES, type RunInfo, type RunLease } from './format';

export const HEARTBEAT_FILE = '.heartbeat';
const CLAIM_FILE = '.settled';
/** the engine touches the heartbeat this often */
export const HEARTBEAT_MS = 2000;
/** a heartbeat older than this counts as stale (generous: a loaded machine can delay a timer by many seconds) */
export const STALE_MS = 60_000;

export type Liveness =
  /** stale: the process is our engine but its heartbeat stopped (hung, or stopped with SIGSTOP) */
  | { state: 'alive'; heartbeatAt?: Date; stale?: boolean }
  | { state: 'dead'; why: string; heartbeatAt?: Date }
  | { state: 'remote'; host: string; heartbeatAt?: Date; stale: boolean }
  | { state: 'unknown'; heartbeatAt?: Date };

// --- this process ---------------------------------------------------------------------------------------------

let bootIdCache: string | undefined | null = null;
function bootId(): string | undefined {
  if (bootIdCache === null) {
    try {
      bootIdCache = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      bootIdCache = undefined;
    }
  }
  return bootIdCache;
}

/** Start time of a process in clock ticks since boot and its state letter, from /proc (Linux), or undefined. */
export function procStat(pid: number): { startTicks: number; state: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ppid …": comm may hold spaces and parentheses; the fields after the last ')' are plain
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); field 22 (starttime) is rest[19]
    return { state: rest[0]!, startTicks: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

export function hostName(): string {
  return os.hostname();
}

/** The lease of the calling process (the engine calls this when its run starts). */
export function currentLease(): RunLease {
  const st = procStat(process.pid);
  return {
    pid: process.pid, host: hostName(), ...(bootId() ? { bootId: bootId() } : {}),
    ...(st && Number.isFinite(st.startTicks) ? { startTicks: st.startTicks } : {}), since: new Date().toISOString(),
  };
}

/**
 * Touches `<run>/.heartbeat` now and every `HEARTBEAT_MS` until the returned function is called. The timer is unref'd
 * (it never keeps a finished engine alive); errors (a deleted run folder, a full disk) are ignored: a missing
 * heartbeat is exactly what readers are built to handle.
 */
export function startHeartbeat(runDir: string, everyMs = HEARTBEAT_MS): () => void {
  const file = path.join(runDir, HEARTBEAT_FILE);
  const beat = (): void => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      try {
        fs.writeFileSync(file, '');
      } catch {
        /* see above */
      }
    }
  };
  beat();
  const timer = setInterval(beat, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

// --- readers --------------------------------------------------------------------------------------------------

/** Last sign of life: the heartbeat file's mtime, or run.json's `heartbeatAt` / lease / start time when later. */
export function lastHeartbeat(runDir: string, info: RunInfo): Date | undefined {
  let best: number | undefined;
  try {
    best = fs.statSync(path.join(runDir, HEARTBEAT_FILE)).mtimeMs;
  } catch {
    /* none yet */
  }
  // run.json's own timestamps are signs of life too (older engines had no heartbeat file)
  for (const t of [info.heartbeatAt, info.lease?.since, info.startedAt]) {
    const v = t ? Date.parse(t) : NaN;
    if (Number.isFinite(v) && (best === undefined || v > best)) best = v;
  }
  return best === undefined ? undefined : new Date(best);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LivenessOptions {
  now?: number;
  staleMs?: number;
  host?: string;
}

/** Whether the engine of a `running`/`queued` run is alive (see the module comment). Other statuses: not asked. */
export function runLiveness(runDir: string, info: RunInfo, o: LivenessOptions = {}): Liveness {
  const now = o.now ?? Date.now();
  const staleMs = o.staleMs ?? STALE_MS;
  const heartbeatAt = lastHeartbeat(runDir, info);
  const stale = !heartbeatAt || now - heartbeatAt.getTime() > staleMs;
  const lease = info.lease;
  const pid = lease?.pid ?? info.pid;
  const host = lease?.host;
  if (host && host !== (o.host ?? hostName())) return { state: 'remote', host, heartbeatAt, stale };
  if (lease?.bootId && bootId() && lease.bootId !== bootId()) return { state: 'dead', why: 'the machine restarted since', heartbeatAt };
  if (!pid) {
    // queued without an engine yet (a scheduler's placeholder, e.g. a Slurm job waiting): nothing to judge — the engine
    // takes a lease when it starts; a `running` run without any pid is dead once its heartbeat is stale
    if (info.status === 'queued' || !stale) return { state: 'unknown', heartbeatAt };
    return { state: 'dead', why: 'no engine process recorded', heartbeatAt };
  }
  if (!pidExists(pid)) return { state: 'dead', why: `process ${pid} is gone`, heartbeatAt };
  const st = procStat(pid);
  if (st) {
    if (st.state === 'Z' || st.state === 'X') return { state: 'dead', why: `process ${pid} has exited`, heartbeatAt };
    if (lease?.startTicks !== undefined) {
      return st.startTicks === lease.startTicks ? { state: 'alive', heartbeatAt, stale } : { state: 'dead', why: `process ${pid} is another program (pid reused)`, heartbeatAt };
    }
  }
  // no start time to compare (a run.json without a lease, or no /proc): the heartbeat decides
  return stale ? { state: 'dead', why: `process ${pid} cannot be identified as its engine`, heartbeatAt } : { state: 'unknown', heartbeatAt };
}

/** "engine process died: no heartbeat since 2026-12-02 05:40:12 (process 123 is gone)" */
export function deathReason(l: Extract<Liveness, { state: 'dead' }>): string {
  const since = l.heartbeatAt ? `no heartbeat since ${formatTime(l.heartbeatAt)}` : 'no heartbeat';
  return `engine process died: ${since} (${l.why})`;
}

/** Short human text for a run whose engine cannot be judged here (remote host, no identity). */
export function livenessNote(l: Liveness, now = Date.now()): string | undefined {
  const age = l.heartbeatAt ? `${formatAge(now - l.heartbeatAt.getTime())} ago` : 'never';
  if (l.state === 'remote') return `on host ${l.host}; last heartbeat ${age}${l.stale ? ' (stale: the engine may be gone)' : ''}`;
  if (l.state === 'alive' && l.stale) return `not responding: its engine process is alive but its last heartbeat was ${age} (hung or suspended; stopping it ends it)`;
  if (l.state === 'unknown') return `engine not verifiable here; last heartbeat ${age}`;
  return undefined;
}

function formatTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

// --- acting -------------------------------------------------------------------------------------------------

/**
 * Sends `sig` to the run's engine only when its lease proves it is our engine right now (`alive`). Returns whether
 * the signal was sent. Never signals a remote, unverifiable or reused pid.
 */
export function signalEngine(runDir: string, sig: NodeJS.Signals, info?: RunInfo): boolean {
  const current = info ?? readInfo(runDir);
  if (!current || (current.status !== 'running' && current.status !== 'queued')) return false;
  const l = runLiveness(runDir, current);
  if (l.state !== 'alive') return false;
  try {
    process.kill(current.lease!.pid, sig);
    return true;
  } catch {
    return false;
  }
}

function readInfo(runDir: string): RunInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.info), 'utf8')) as RunInfo;
  } catch {
    return undefined;
  }
}

export type EndStatus = Exclude<RunStatus, 'queued' | 'running'>;

/**
 * Records the end of a run whose engine could not (it died, or was killed): run.json becomes `status` with `reason`
 * and an `end` event is appended — once. The first caller creates `<run>/.settled` exclusively; later callers (or
 * a run that ended meanwhile) change nothing. Returns the run.json now on disk. Throws only write errors.
 */
export function settleRun(runDir: string, status: EndStatus, reason: string, extra: { epochs?: number; seconds?: number } = {}): RunInfo | undefined {
  const claim = path.join(runDir, CLAIM_FILE);
  let fd: number;
  try {
    fd = fs.openSync(claim, 'wx');
  } catch {
    return readInfo(runDir); // someone else is settling or settled it
  }
  fs.closeSync(fd);
  const info = readInfo(runDir);
  if (!info || (info.status !== 'running' && info.status !== 'queued')) {
    fs.rmSync(claim, { force: true }); // it ended on its own: nothing to settle, and a later real death must still be recordable
    return info;
  }
  removeLeftovers(runDir, info.lease?.pid ?? info.pid);
  const now = new Date();
  const ended: RunInfo = { ...info, status, reason, endedAt: now.toISOString() };
  delete ended.pid;
  delete ended.lease;
  try {
    writeJsonAtomic(path.join(runDir, RUN_FILES.info), ended);
  } catch (e) {
    fs.rmSync(claim, { force: true }); // a full disk: let a later observer record it once there is room
    throw e;
  }
  const started = info.startedAt ? Date.parse(info.startedAt) : Date.parse(info.createdAt);
  const end: RunEvent = {
    t: now.getTime(), kind: 'end', status, reason,
    epochs: extra.epochs ?? info.progress?.epoch ?? 0, seconds: extra.seconds ?? Math.max(0, (now.getTime() - (Number.isFinite(started) ? started : now.getTime())) / 1000),
  };
  let mfd: number | undefined;
  try {
    mfd = fs.openSync(path.join(runDir, RUN_FILES.metrics), 'a');
    appendRecord(mfd, JSON.stringify(end) + '\n');
  } catch {
    /* run.json carries the status; the end event is a courtesy */
  } finally {
    if (mfd !== undefined) fs.closeSync(mfd);
  }
  return ended;
}

/** What a killed engine could not clean up: its temp files (`.<name>.<pid>.<rand>.tmp`) and half-swapped checkpoints. */
function removeLeftovers(runDir: string, pid: number | undefined): void {
  try {
    if (pid) {
      for (const n of fs.readdirSync(runDir)) {
        if (isTempName(n) && n.includes(`.${pid}.`)) fs.rmSync(path.join(runDir, n), { force: true });
      }
    }
    repairCheckpoints(path.join(runDir, RUN_FILES.checkpoints));
  } catch {
    /* best effort: readers skip leftovers anyway */
  }
}

/**
 * For a `running`/`queued` run: when its engine is dead, records it failed once ("engine process died: …") and
 * returns the updated info; otherwise returns the info unchanged. `write: false` (Restricted Mode, read-only views)
 * returns the failed info without touching the disk.
 */
export function settleIfDead(runDir: string, info: RunInfo, o: LivenessOptions & { write?: boolean } = {}): { info: RunInfo; liveness?: Liveness } {
  if (info.status !== 'running' && info.status !== 'queued') return { info };
  const l = runLiveness(runDir, info, o);
  if (l.state !== 'dead') return { info, liveness: l };
  const reason = deathReason(l);
  if (o.write === false) return { info: { ...info, status: 'failed', reason }, liveness: l };
  try {
    const settled = settleRun(runDir, 'failed', reason);
    // still running on disk: another observer is recording it right now, or the folder cannot be written (a read-only
    // file system refuses even the claim file) — the engine is proven gone either way, so it is shown failed
    if (!settled || settled.status === 'running' || settled.status === 'queued') return { info: { ...info, status: 'failed', reason }, liveness: l };
    return { info: settled, liveness: l };
  } catch {
    return { info: { ...info, status: 'failed', reason }, liveness: l }; // read-only or full disk: shown failed anyway
  }
}
