/**
 * RunStore: a live, in-memory index of a runs directory, shared by the CLI, the extension host and the panels.
 *
 * - `start()` scans the directory once, then watches it with chokidar (depth 1: `<runs>/<id>/<file>`). File events
 *   are debounced per run, so a burst of appends costs one re-read.
 * - run.json and summary.json are re-read when they change; metrics.jsonl is tailed incrementally with EventTail, so
 *   an epoch of appends costs a read of the new bytes only. Event lists are cached per run and built lazily (the
 *   first `events(id)` reads the file once), except for runs that are being written, which are tailed eagerly so
 *   that listeners get `newEvents`.
 * - A slow safety poll re-tails running runs, in case a file-system event is lost (network file systems, inotify
 *   limits).
 * - Entries whose name starts with '.' (host bookkeeping, temp files) are ignored.
 * - Runs are keyed by their folder name. A folder whose run.json cannot be read is listed by `unreadable()` with the
 *   reason instead of vanishing; torn metrics lines are counted (`skippedLines`).
 * - Liveness (src/runs/lease.ts): a `running` run whose engine is gone is recorded failed once ("engine process died:
 *   no heartbeat since …"), or, with `readOnly`, shown failed without writing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { RunEvent } from '../protocol/events';
import { RUN_FILES } from './format';
import { CREATING_MS, EventTail, inspectRun, looksLikeRun, newestFirst, scanRuns, type RunRecord, type UnreadableRun } from './reader';
import { needsPolling } from './fs-kind';
import { livenessNote, settleIfDead } from './lease';

export type RunChangeKind = 'added' | 'updated' | 'removed';

export interface RunChange {
  id: string;
  kind: RunChangeKind;
  record?: RunRecord;
  newEvents: RunEvent[];
}

export interface Disposable {
  dispose(): void;
}

export interface RunStoreOptions {
  /** debounce of file events per run, ms (default 75) */
  debounceMs?: number;
  /** safety poll of running runs, ms (default 3000; 0 = off) */
  pollMs?: number;
  /** use chokidar polling instead of native events (default: on network and cluster file systems, src/runs/fs-kind.ts) */
  usePolling?: boolean;
  /** never write to the runs directory (Restricted Mode): dead engines are shown failed, not recorded */
  readOnly?: boolean;
}

interface EventCache {
  tail: EventTail;
  events: RunEvent[];
}

const WATCHED_FILES = new Set<string>([RUN_FILES.info, RUN_FILES.summary, RUN_FILES.metrics]);

export class RunStore implements Disposable {
  private readonly records = new Map<string, RunRecord>();
  private readonly broken = new Map<string, UnreadableRun>();
  private readonly unreadableListeners = new Set<() => void>();
  private readonly caches = new Map<string, EventCache>();
  private readonly listeners = new Set<(c: RunChange) => void>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private waitForDir: NodeJS.Timeout | undefined;
  /** why the runs folder itself cannot be listed (a file, no permission …); undefined when it can */
  private listError: string | undefined;
  private rescan: NodeJS.Timeout | undefined;
  /** polling: the last stat signature of each live run's files (see rescanForNew) */
  private readonly seen = new Map<string, string>();
  private disposed = false;
  private readonly debounceMs: number;
  private readonly pollMs: number;

  constructor(readonly runsDir: string, private readonly options: RunStoreOptions = {}) {
    this.debounceMs = options.debounceMs ?? 75;
    this.pollMs = options.pollMs ?? 3000;
  }

  async start(): Promise<void> {
    const { runs, unreadable, error } = scanRuns(this.runsDir);
    this.listError = error;
    for (const u of unreadable) this.broken.set(u.id, u);
    for (const raw of runs) {
      const r = this.withLiveness(raw);
      this.records.set(r.id, r);
      if (isLive(r)) this.cacheFor(r.id);
    }
    if (error) this.waitForListing();
    else if (fs.existsSync(this.runsDir)) await this.startWatching();
    else this.waitForRunsDir();
    if (this.pollMs > 0) {
      this.poll = setInterval(() => this.pollLiveRuns(), this.pollMs);
      this.poll.unref?.();
    }
  }

  /** Runs, newest first. */
  list(): RunRecord[] {
    return [...this.records.values()].sort(newestFirst);
  }

  get(id: string): RunRecord | undefined {
    return this.records.get(id);
  }

  /** Why the runs folder itself cannot be listed (it is a file, permission denied …), or undefined. */
  listingProblem(): string | undefined {
    return this.listError;
  }

  /** Folders of the runs directory that look like runs but cannot be read, with the reason. */
  unreadable(): UnreadableRun[] {
    return [...this.broken.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Complete lines of a run's metrics.jsonl skipped so far as unreadable (torn or not events); counts once events were read. */
  skippedLines(id: string): number {
    return this.caches.get(id)?.tail.skipped ?? 0;
  }

  onDidChangeUnreadable(listener: () => void): Disposable {
    this.unreadableListeners.add(listener);
    return { dispose: () => this.unreadableListeners.delete(listener) };
  }

  /** All events of a run so far (cached; the first call reads metrics.jsonl once). Do not mutate. */
  events(id: string): RunEvent[] {
    const cache = this.cacheFor(id);
    if (!cache) return [];
    const fresh = cache.tail.read();
    if (fresh.length) appendAll(cache.events, fresh);
    return cache.events;
  }

  /** Re-reads one run now (e.g. after the host itself rewrote run.json) instead of waiting for the watcher. */
  refresh(id: string): void {
    this.schedule(id, 0);
  }

  onDidChange(listener: (c: RunChange) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    if (this.poll) clearInterval(this.poll);
    if (this.rescan) clearInterval(this.rescan);
    if (this.waitForDir) clearInterval(this.waitForDir);
    void this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
    this.unreadableListeners.clear();
  }

  // --- watching -----------------------------------------------------------------------------------------------

  private async startWatching(): Promise<void> {
    const root = this.runsDir;
    const polling = this.options.usePolling ?? needsPolling(root);
    const watcher = watch(root, {
      ignoreInitial: true,
      depth: 1,
      // network / cluster file systems (runs written by Slurm jobs on other hosts): inotify misses them, poll instead
      usePolling: polling,
      interval: POLL_INTERVAL_MS,
      ignored: (p: string) => {
        const rel = path.relative(root, p);
        if (!rel) return false;
        const parts = rel.split(path.sep);
        if (parts.some((s) => s.startsWith('.'))) return true;
        if (parts.length === 2) return !WATCHED_FILES.has(parts[1]!);
        return parts.length > 2;
      },
    });
    this.watcher = watcher;
    const onPath = (p: string) => {
      const rel = path.relative(root, p);
      if (!rel || rel.startsWith('..')) return;
      const id = rel.split(path.sep)[0]!;
      this.schedule(id, this.debounceMs);
    };
    watcher.on('add', onPath).on('change', onPath).on('unlink', onPath).on('addDir', onPath).on('unlinkDir', onPath);
    watcher.on('error', () => {
      /* a vanished run directory mid-scan; the next event or poll catches up */
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    if (this.disposed) {
      void watcher.close();
      return;
    }
    // Polling watches the runs folder with fs.watchFile, whose first stat is taken asynchronously: a run folder created
    // before that baseline is never reported (1 run in 3 was missed on a loaded machine). When polling, the store also
    // lists the runs folder itself at the same interval and looks at any folder it does not know yet.
    if (polling) {
      this.rescan = setInterval(() => this.rescanForNew(), POLL_INTERVAL_MS);
      this.rescan.unref?.();
    }
    // anything created between the initial scan and the watcher becoming ready
    const { runs, unreadable } = scanRuns(root);
    for (const r of runs) if (!this.records.has(r.id)) this.schedule(r.id, 0);
    for (const u of unreadable) if (!this.broken.has(u.id)) this.schedule(u.id, 0);
  }

  /** The runs folder cannot be listed: look again every second; once it can, load it and watch it as at start. */
  private waitForListing(): void {
    this.waitForDir = setInterval(() => {
      const { runs, unreadable, error } = scanRuns(this.runsDir);
      if (error === this.listError && error) return;
      this.listError = error;
      if (!error) {
        clearInterval(this.waitForDir);
        this.waitForDir = undefined;
        for (const id of [...runs.map((r) => r.id), ...unreadable.map((u) => u.id)]) this.schedule(id, 0);
        if (fs.existsSync(this.runsDir)) void this.startWatching();
        else this.waitForRunsDir();
      }
      this.emitUnreadable();
    }, 1000);
    this.waitForDir.unref?.();
  }

  private waitForRunsDir(): void {
    this.waitForDir = setInterval(() => {
      if (!fs.existsSync(this.runsDir)) return;
      clearInterval(this.waitForDir);
      this.waitForDir = undefined;
      void this.startWatching();
    }, 1000);
    this.waitForDir.unref?.();
  }

  /**
   * Polling only: folders of the runs folder the store does not know (a new run the watcher missed) are looked at, and
   * a live run is re-read when its run.json or metrics.jsonl changed (by inode, mtime and size) — the same stat calls
   * the polling watcher makes, without its baseline race.
   */
  private rescanForNew(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.runsDir);
    } catch {
      return;
    }
    for (const n of names) {
      if (!n.startsWith('.') && !this.records.has(n) && !this.broken.has(n) && !this.pending.has(n) && isYoungFolder(path.join(this.runsDir, n))) this.schedule(n, 0);
    }
    for (const r of this.records.values()) {
      if (!isLive(r)) {
        this.seen.delete(r.id);
        continue;
      }
      const sig = [RUN_FILES.info, RUN_FILES.metrics].map((f) => {
        try {
          const st = fs.statSync(path.join(r.dir, f));
          return `${st.ino}:${st.mtimeMs}:${st.size}`;
        } catch {
          return '-';
        }
      }).join('|');
      if (this.seen.get(r.id) !== sig) {
        this.seen.set(r.id, sig);
        this.schedule(r.id, 0);
      }
    }
  }

  private pollLiveRuns(): void {
    for (const r of this.records.values()) if (isLive(r)) this.schedule(r.id, 0);
  }

  private schedule(id: string, delay: number): void {
    if (this.disposed || id.startsWith('.')) return;
    const prev = this.pending.get(id);
    if (prev) {
      if (delay > 0) return; // a re-read is already due; keep its deadline (bounded latency under a stream of appends)
      clearTimeout(prev);
    }
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.reload(id);
    }, delay);
    this.pending.set(id, timer);
  }

  private reload(id: string): void {
    if (this.disposed) return;
    const dir = path.join(this.runsDir, id);
    const before = this.records.get(id);
    const inspected = inspectRun(dir);
    if ('unreadable' in inspected) {
      const gone = !fs.existsSync(dir);
      if (before && (gone || looksLikeRun(dir))) {
        this.records.delete(id);
        this.caches.delete(id);
        this.emit({ id, kind: 'removed', newEvents: [] });
      }
      // a directory without a readable run.json yet (being created) waits for the next event; a broken one is listed
      const u = !gone && looksLikeRun(dir) ? inspected.unreadable : undefined;
      const prev = this.broken.get(id);
      if (u && prev?.reason !== u.reason) {
        this.broken.set(id, u);
        this.emitUnreadable();
      } else if (!u && prev) {
        this.broken.delete(id);
        this.emitUnreadable();
      }
      // ...and is looked at again shortly while it is young: a watcher (polling, on network file systems) can miss the
      // run.json written right after its folder appeared — reproduced 2 times in 6 on a loaded machine — and a run
      // must never stay invisible until some later write happens to be seen
      if (!gone && !u && !before && isYoungFolder(dir)) this.schedule(id, RECHECK_MS);
      return;
    }
    if (this.broken.delete(id)) this.emitUnreadable();
    const record = this.withLiveness(inspected.record);
    this.records.set(id, record);
    const cache = before && !this.caches.has(id) && !isLive(record) && !isLive(before) ? undefined : this.cacheFor(id);
    const newEvents = cache ? cache.tail.read() : [];
    if (cache && newEvents.length) appendAll(cache.events, newEvents);
    if (!before) {
      this.emit({ id, kind: 'added', record, newEvents: cache ? cache.events.slice() : [] });
      return;
    }
    if (newEvents.length || !sameRecord(before, record)) this.emit({ id, kind: 'updated', record, newEvents });
  }

  private cacheFor(id: string): EventCache | undefined {
    let cache = this.caches.get(id);
    if (cache) return cache;
    const record = this.records.get(id);
    if (!record) return undefined;
    cache = { tail: new EventTail(path.join(record.dir, RUN_FILES.metrics)), events: [] };
    appendAll(cache.events, cache.tail.read());
    this.caches.set(id, cache);
    return cache;
  }

  /** A live run whose engine is gone becomes failed (written once unless read-only); see src/runs/lease.ts. */
  private withLiveness(r: RunRecord): RunRecord {
    if (!isLive(r)) return r;
    const { info, liveness } = settleIfDead(r.dir, r.info, { write: !this.options.readOnly });
    const note = liveness?.state === 'remote'
      ? `running on host ${liveness.host}: shown as that host reports it, never stopped from here`
      : liveness?.state === 'unknown' && info.status === 'running' ? 'its engine cannot be verified on this machine (no lease): never stopped from here'
        : liveness?.state === 'alive' && liveness.stale ? livenessNote(liveness) : undefined;
    if (note) return { ...r, info, problems: [...(r.problems ?? []), note] };
    return info === r.info ? r : { ...r, info };
  }

  private emitUnreadable(): void {
    for (const l of [...this.unreadableListeners]) {
      try {
        l();
      } catch {
        /* see emit */
      }
    }
  }

  private emit(change: RunChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch {
        /* one listener's bug must not starve the others */
      }
    }
  }
}

/** how often a folder without run.json yet is looked at again while it is young (see reload) */
const RECHECK_MS = 250;
/** the polling interval on network file systems */
const POLL_INTERVAL_MS = 250;

function isYoungFolder(dir: string): boolean {
  try {
    const st = fs.statSync(dir);
    return st.isDirectory() && Date.now() - st.mtimeMs < CREATING_MS;
  } catch {
    return false;
  }
}

function isLive(r: RunRecord): boolean {
  return r.info.status === 'running' || r.info.status === 'queued';
}

function sameRecord(a: RunRecord, b: RunRecord): boolean {
  return JSON.stringify(a.info) === JSON.stringify(b.info) && JSON.stringify(a.summary) === JSON.stringify(b.summary);
}

function appendAll<T>(target: T[], items: T[]): void {
  for (const x of items) target.push(x);
}
