/**
 * The process manager: one child process of the bundled engine per run, a launch queue with a concurrency limit,
 * graceful stop then kill, re-attachment to runs that outlived a previous extension host, and failure bookkeeping
 * when an engine process dies without recording an end status. No vscode: the extension wires it to the UI, the
 * benchmark and the unit tests drive it directly.
 *
 * Children are started `detached`, without an IPC channel, with stdout/stderr going to a capture file (not a pipe),
 * so a window reload, which ends the extension host, neither kills them nor breaks their output or messages. The run directory stays the truth: the
 * manager reads run.json after an exit and only writes it when the engine could not (crash, kill).
 *
 * Runs this host did not fork are judged by their lease (src/runs/lease.ts): only an engine whose pid, start time and
 * host match the lease is attached and ever signalled; a run on another host, or one whose pid now belongs to another
 * program, is never signalled. A `readOnly` manager (Restricted Mode) never attaches, starts or stops anything.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineToHost, HostToEngine, RunEvent, RunStatus } from '../../protocol/events';
import { RUN_FILES, type RunInfo } from '../../runs/format';
import { readEvents, readRunInfo, type RunRecord } from '../../runs/reader';
import { makeRunId } from '../../runs/writer';
import { deathReason, runLiveness, settleRun, signalEngine } from '../../runs/lease';
import { LaunchQueue, type LaunchRequest, type QueuedLaunch } from './queue';
import { readFileTail, TextTail } from './processes';

export type EndStatus = Exclude<RunStatus, 'queued' | 'running'>;

export type ManagerEvent =
  | { type: 'queue-changed' }
  | { type: 'started'; id: string; pid: number }
  | { type: 'output'; id: string; text: string }
  | { type: 'ended'; id: string; status: EndStatus; reason?: string; runExists: boolean; outputTail: string }
  | { type: 'log'; message: string };

export interface ProcessManagerOptions {
  /** the bundled engine entry (dist/engine.js) */
  enginePath: string;
  runsDir: string;
  concurrency: number;
  stopTimeoutMs: number;
  /** where the engine's stdout/stderr are captured (default <runsDir>/.host) */
  captureDir?: string;
  /** node binary for the children (default: the host's own, as fork does) */
  execPath?: string;
  /** liveness probe period for runs this host did not fork (default 1000 ms) */
  livenessMs?: number;
  /** period of forwarding captured output (default 500 ms) */
  outputPollMs?: number;
  /** Restricted Mode: never start, attach to or signal a process (enqueue refuses) */
  readOnly?: boolean;
  /**
   * Open an IPC channel to the engine (default false). Off by default: a run must outlive the extension host, and an
   * engine writing to the channel of a host that just went away gets EPIPE. Without it, stop is SIGTERM (which the
   * engine handles like the stop message) and everything else comes from the run directory.
   */
  ipc?: boolean;
}

interface Tracked {
  id: string;
  runDir: string;
  pid?: number;
  /** present when this host forked the process (exit is observed directly) */
  child?: ChildProcess;
  stopRequested: boolean;
  killed: boolean;
  killTimer?: NodeJS.Timeout;
  capture?: TextTail;
  captureFile?: string;
  launchedAt: number;
  waiters: (() => void)[];
}

export class ProcessManager {
  private readonly queue = new LaunchQueue();
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<(e: ManagerEvent) => void>();
  private readonly captureDir: string;
  private liveness: NodeJS.Timeout | undefined;
  private outputPoll: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: ProcessManagerOptions) {
    this.captureDir = options.captureDir ?? path.join(options.runsDir, '.host');
  }

  // --- queries -------------------------------------------------------------------------------------------------

  queued(): readonly QueuedLaunch[] {
    return this.queue.list();
  }

  isQueued(id: string): boolean {
    return this.queue.has(id);
  }

  /** ids of runs with a live process this host manages (forked here or re-attached) */
  active(): string[] {
    return [...this.tracked.keys()];
  }

  isManaged(id: string): boolean {
    return this.tracked.has(id) || this.queue.has(id);
  }

  isStopping(id: string): boolean {
    return this.tracked.get(id)?.stopRequested ?? false;
  }

  captureFileOf(id: string): string {
    return path.join(this.captureDir, `${id}.out`);
  }

  onEvent(listener: (e: ManagerEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  // --- settings ------------------------------------------------------------------------------------------------

  setConcurrency(n: number): void {
    this.options.concurrency = Math.max(1, Math.floor(n) || 1);
    this.pump();
  }

  setStopTimeout(ms: number): void {
    this.options.stopTimeoutMs = Math.max(0, ms);
  }

  // --- launching -----------------------------------------------------------------------------------------------

  /** Queues a run; it starts as soon as the concurrency limit allows. Returns the run id it will have. */
  enqueue(request: LaunchRequest): QueuedLaunch {
    if (this.options.readOnly) throw new Error('runs cannot be started in Restricted Mode: trust this workspace to train');
    const item: QueuedLaunch = { id: makeRunId(request.label), request, enqueuedAt: Date.now() };
    this.queue.push(item);
    this.emit({ type: 'queue-changed' });
    this.pump();
    return item;
  }

  private pump(): void {
    if (this.disposed) return;
    const ready = this.queue.takeReady(this.tracked.size, this.options.concurrency);
    if (!ready.length) return;
    for (const item of ready) this.launch(item);
    this.emit({ type: 'queue-changed' });
  }

  private launch(item: QueuedLaunch): void {
    const { id, request } = item;
    const runDir = path.join(this.options.runsDir, id);
    if (!fs.existsSync(this.options.enginePath)) {
      this.emitEnded(id, 'failed', `engine not found at ${this.options.enginePath} (run the build)`, false, '');
      return;
    }
    const args = ['train', request.configPath, '--runs-dir', this.options.runsDir, '--id', id];
    for (const o of request.overrides) args.push('--set', o);
    // the engine applies the point and records it in run.json (sweep runs are named and grouped by it)
    if (request.sweepPoint && Object.keys(request.sweepPoint).length) args.push('--point', JSON.stringify(request.sweepPoint));
    const captureFile = this.captureFileOf(id);
    let fd: number | undefined;
    let child: ChildProcess;
    try {
      fs.mkdirSync(this.captureDir, { recursive: true });
      fd = fs.openSync(captureFile, 'a');
      const common = { detached: true, cwd: path.dirname(request.configPath), env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', RECLAB_PARENT: 'host' } };
      child = this.options.ipc
        ? fork(this.options.enginePath, args, { ...common, stdio: ['ignore', fd, fd, 'ipc'], execPath: this.options.execPath })
        : spawn(this.options.execPath ?? process.execPath, [this.options.enginePath, ...args], { ...common, stdio: ['ignore', fd, fd] });
    } catch (e) {
      this.emitEnded(id, 'failed', `could not start the engine: ${(e as Error).message}`, false, '');
      return;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    const entry: Tracked = {
      id, runDir, child, pid: child.pid, stopRequested: false, killed: false,
      capture: new TextTail(captureFile), captureFile, launchedAt: Date.now(), waiters: [],
    };
    this.tracked.set(id, entry);
    this.log(`start ${id}: node ${path.basename(this.options.enginePath)} ${args.map(quoteArg).join(' ')}`);
    if (!this.options.ipc && child.pid) this.emit({ type: 'started', id, pid: child.pid });
    child.on('message', (m: EngineToHost) => {
      if (m && m.type === 'started') {
        entry.pid = m.pid;
        if (m.runDir) entry.runDir = m.runDir;
        this.emit({ type: 'started', id, pid: m.pid });
      }
    });
    child.on('error', (e) => {
      if (!this.tracked.has(id)) return;
      this.log(`engine process error for ${id}: ${e.message}`);
    });
    child.on('exit', (code, sig) => this.finalize(entry, { code, signal: sig }));
    this.ensureTimers();
  }

  // --- re-attaching --------------------------------------------------------------------------------------------

  /**
   * Takes charge of a run this host did not fork (a previous window's, or one started with the CLI): watches its
   * pid, can stop it by signal, and records it as failed if the process disappears without an end status.
   */
  attach(record: RunRecord): void {
    const { id, info } = record;
    if (this.disposed || this.options.readOnly || this.tracked.has(id) || this.queue.has(id)) return;
    if (info.status !== 'running' && !(info.status === 'queued' && info.pid)) return;
    const liveness = runLiveness(record.dir, info);
    // another host's engine, or one that cannot be identified here: shown by the store, never attached or signalled
    if (liveness.state === 'remote' || liveness.state === 'unknown') return;
    const captureFile = this.captureFileOf(id);
    const hasCapture = fs.existsSync(captureFile);
    const entry: Tracked = {
      id, runDir: record.dir, pid: info.pid, stopRequested: false, killed: false,
      capture: hasCapture ? new TextTail(captureFile) : undefined, captureFile: hasCapture ? captureFile : undefined,
      launchedAt: Date.now(), waiters: [],
    };
    if (entry.capture) entry.capture.read(); // forward only what is new from now on
    if (liveness.state === 'dead') {
      this.finalize(entry, { lost: true, why: deathReason(liveness) });
      return;
    }
    this.tracked.set(id, entry);
    this.log(`attached to ${id} (pid ${info.pid})`);
    this.ensureTimers();
  }

  // --- stopping ------------------------------------------------------------------------------------------------

  /** Graceful stop (IPC message or SIGTERM), then SIGKILL after the stop timeout. Resolves when the run ended. */
  stop(id: string): Promise<void> {
    if (this.queue.remove(id)) {
      this.emit({ type: 'queue-changed' });
      return Promise.resolve();
    }
    const entry = this.tracked.get(id);
    if (!entry) return Promise.resolve();
    const done = new Promise<void>((resolve) => entry.waiters.push(resolve));
    if (!entry.stopRequested) {
      entry.stopRequested = true;
      const msg: HostToEngine = { type: 'stop', reason: 'stopped by the user' };
      if (entry.child?.connected) {
        entry.child.send(msg, (err) => {
          if (err) this.signal(entry, 'SIGTERM');
        });
      } else {
        this.signal(entry, 'SIGTERM');
      }
      this.log(`stop ${id}: asked to stop, kill in ${Math.round(this.options.stopTimeoutMs / 1000)} s if it does not`);
      entry.killTimer = setTimeout(() => {
        if (!this.tracked.has(id)) return;
        this.log(`stop ${id}: no exit after the stop timeout, sending SIGKILL`);
        entry.killed = this.signal(entry, 'SIGKILL');
      }, this.options.stopTimeoutMs);
    }
    return done;
  }

  /**
   * Signals a run's engine: a child this host forked through its handle (Node never signals an exited child), any
   * other only when its lease proves, right now, that the pid is still our engine. Returns whether it was sent.
   */
  private signal(entry: Tracked, sig: NodeJS.Signals): boolean {
    if (entry.child) return entry.child.exitCode === null && entry.child.signalCode === null && entry.child.kill(sig);
    const sent = signalEngine(entry.runDir, sig);
    if (!sent) this.log(`stop ${entry.id}: not signalled — its engine process is not verifiably ours (gone, reused pid, or another host)`);
    return sent;
  }

  async stopAll(): Promise<void> {
    if (this.queue.clear().length) this.emit({ type: 'queue-changed' });
    await Promise.all([...this.tracked.keys()].map((id) => this.stop(id)));
  }

  /** Stops watching; the runs themselves keep going (a reload re-attaches to them). */
  dispose(): void {
    this.disposed = true;
    if (this.liveness) clearInterval(this.liveness);
    if (this.outputPoll) clearInterval(this.outputPoll);
    for (const e of this.tracked.values()) {
      if (e.killTimer) clearTimeout(e.killTimer);
      e.child?.removeAllListeners();
    }
    this.listeners.clear();
  }

  // --- exits ---------------------------------------------------------------------------------------------------

  private finalize(entry: Tracked, how: { code?: number | null; signal?: NodeJS.Signals | null; lost?: boolean; why?: string }): void {
    if (this.disposed) return;
    this.tracked.delete(entry.id);
    this.stopTimersWhenIdle();
    if (entry.killTimer) clearTimeout(entry.killTimer);
    this.flushOutput(entry);
    const outputTail = entry.captureFile ? readFileTail(entry.captureFile, 4096) : '';
    const info = readRunInfo(entry.runDir);
    const exit = how.lost
      ? 'the process is gone'
      : how.signal ? `killed by ${how.signal}` : `exit code ${how.code}`;
    if (!info) {
      const firstLines = outputTail.trim().split('\n').slice(-3).join(' | ');
      if (entry.stopRequested) this.emitEnded(entry.id, 'stopped', 'stopped before the run started', false, outputTail);
      else this.emitEnded(entry.id, 'failed', `engine ended (${exit}) before creating the run${firstLines ? `: ${firstLines}` : ''}`, false, outputTail);
      for (const w of entry.waiters) w();
      this.pump();
      return;
    }
    let status: EndStatus;
    let reason: string | undefined;
    if (info.status === 'running' || info.status === 'queued') {
      if (entry.stopRequested) {
        status = 'stopped';
        reason = entry.killed ? `killed after the ${Math.round(this.options.stopTimeoutMs / 1000)} s stop timeout` : 'stopped';
      } else {
        status = 'failed';
        reason = how.lost ? how.why ?? 'engine process died unexpectedly' : `engine process ended unexpectedly (${exit})`;
      }
      this.recordEnd(entry, info, status, reason);
    } else {
      status = info.status;
      reason = info.reason;
    }
    if (status === 'failed' && outputTail.trim()) {
      appendText(path.join(entry.runDir, RUN_FILES.log),
        `${new Date().toISOString()} [host] ${reason ?? 'failed'}; last engine output:\n${outputTail.replace(/\n?$/, '\n')}`);
    }
    this.log(`${entry.id} ended: ${status}${reason ? ` (${reason})` : ''}`);
    this.emitEnded(entry.id, status, reason, true, outputTail);
    for (const w of entry.waiters) w();
    this.pump();
  }

  /** Writes the end status the engine could not write itself: run.json and a final `end` event, once (src/runs/lease.ts). */
  private recordEnd(entry: Tracked, info: RunInfo, status: EndStatus, reason: string): void {
    try {
      const started = info.startedAt ? Date.parse(info.startedAt) : entry.launchedAt;
      const events = readEvents(entry.runDir);
      settleRun(entry.runDir, status, reason, { epochs: info.progress?.epoch ?? lastEpoch(events), seconds: Math.max(0, (Date.now() - started) / 1000) });
    } catch (e) {
      this.log(`could not record the end of ${entry.id}: ${(e as Error).message}`);
    }
  }

  // --- timers --------------------------------------------------------------------------------------------------

  private ensureTimers(): void {
    if (!this.liveness) {
      this.liveness = setInterval(() => this.checkLiveness(), this.options.livenessMs ?? 1000);
    }
    if (!this.outputPoll) {
      this.outputPoll = setInterval(() => {
        for (const e of this.tracked.values()) this.flushOutput(e);
      }, this.options.outputPollMs ?? 500);
    }
  }

  private stopTimersWhenIdle(): void {
    if (this.tracked.size) return;
    if (this.liveness) clearInterval(this.liveness);
    if (this.outputPoll) clearInterval(this.outputPoll);
    this.liveness = this.outputPoll = undefined;
  }

  private checkLiveness(): void {
    for (const e of [...this.tracked.values()]) {
      if (e.child) continue; // forked here: the exit event reports it
      const info = readRunInfo(e.runDir);
      if (!info) continue;
      const l = runLiveness(e.runDir, info);
      if (l.state === 'dead') this.finalize(e, { lost: true, why: deathReason(l) });
      else if (info.status !== 'running' && info.status !== 'queued') this.finalize(e, { lost: true });
    }
  }

  private flushOutput(e: Tracked): void {
    const text = e.capture?.read();
    if (text) this.emit({ type: 'output', id: e.id, text });
  }

  private emitEnded(id: string, status: EndStatus, reason: string | undefined, runExists: boolean, outputTail: string): void {
    if (!runExists) this.log(`${id} ${status}: ${reason}`);
    this.emit({ type: 'ended', id, status, reason, runExists, outputTail });
  }

  private log(message: string): void {
    this.emit({ type: 'log', message });
  }

  private emit(e: ManagerEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        /* keep going */
      }
    }
  }
}

function lastEpoch(events: RunEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === 'epoch') return e.epoch;
  }
  return 0;
}

function appendText(file: string, text: string): void {
  try {
    fs.appendFileSync(file, text);
  } catch {
    /* run directory removed meanwhile */
  }
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
