/**
 * The host side of one webview: answers `ready` with a snapshot, relays store changes as batched deltas (at most one
 * message per `minIntervalMs`), and hands every other webview command to the caller. Pure (no vscode): VS Code
 * panels, the browser harness and the benchmark drive the same class.
 */
import type { RunEvent } from '../../protocol/events';
import type { RunRecord } from '../../runs/reader';
import {
  MAX_MESSAGES_PER_SECOND,
  WEBVIEW_PROTOCOL_VERSION,
  packSeries,
  type DeltaMessage,
  type HostToWebview,
  type PairedTestResult,
  type RunExtras,
  type RunHeader,
  type SeriesChunk,
  type ViewKind,
  type WebviewToHost,
} from '../../protocol/webview';
import { toRunHeader } from './run-header';
import { RunSeriesAccumulator, mergeChunks } from './run-series';

/** The part of the extension's RunStore (src/runs/store.ts) the panels use. */
export interface RunStoreChange {
  id: string;
  kind: 'added' | 'updated' | 'removed';
  record?: RunRecord;
  newEvents: RunEvent[];
}
export interface PanelRunStore {
  list(): RunRecord[];
  get(id: string): RunRecord | undefined;
  events(id: string): RunEvent[];
  onDidChange(listener: (c: RunStoreChange) => void): { dispose(): void };
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface PanelSessionOptions {
  view: ViewKind;
  runIds: string[];
  store: PanelRunStore;
  /** delivers a message to the webview; returns false when it could not (hidden webview) */
  post(message: HostToWebview): boolean | void | Thenable<boolean>;
  /** commands other than ready / selectRuns (stop, export, open) */
  onCommand?(message: WebviewToHost): void;
  /** resolved config of a run, for the compare view's config diff */
  readConfig?(record: RunRecord): unknown;
  /** compare: the paired tests of the runs shown (when they are two runs or two seed groups) */
  pairedTest?(records: RunRecord[]): PairedTestResult | undefined;
  /** called when the set of displayed runs changes (to update the title and the persisted state) */
  onRunsChanged?(runIds: string[]): void;
  clock?: Clock;
  minIntervalMs?: number;
}

interface Thenable<T> {
  then<R>(onfulfilled?: (value: T) => R): unknown;
}

export class PanelSession {
  private runIds: string[];
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private accumulators = new Map<string, RunSeriesAccumulator>();
  private ready = false;
  private seq = 0;
  private lastSentAt = -Infinity;
  private timer: unknown;
  private pendingChunks: SeriesChunk[] = [];
  private pendingHeaders = new Map<string, RunHeader>();
  private pendingExtras = new Map<string, RunExtras>();
  private pendingRemoved = new Set<string>();
  private subscription: { dispose(): void };
  private disposed = false;

  constructor(private readonly opts: PanelSessionOptions) {
    this.runIds = [...opts.runIds];
    this.clock = opts.clock ?? realClock;
    this.minIntervalMs = Math.max(opts.minIntervalMs ?? 50, 1000 / MAX_MESSAGES_PER_SECOND);
    this.subscription = opts.store.onDidChange((c) => this.onStoreChange(c));
  }

  get displayedRunIds(): readonly string[] {
    return this.runIds;
  }

  /** Feed every message the webview posts. */
  receive(message: WebviewToHost): void {
    if (this.disposed) return;
    switch (message.type) {
      case 'ready':
        this.sendSnapshot();
        return;
      case 'selectRuns':
        this.runIds = [...new Set(message.runIds)];
        this.opts.onRunsChanged?.(this.runIds);
        this.sendSnapshot();
        return;
      default:
        this.opts.onCommand?.(message);
    }
  }

  /** The webview went away (hidden without retained context): stop sending until it says ready again. */
  suspend(): void {
    this.ready = false;
    this.cancelTimer();
    this.clearPending();
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
    this.subscription.dispose();
  }

  /** Builds the snapshot message for the current runs (exposed for tests and the harness). */
  buildSnapshot(): HostToWebview {
    const store = this.opts.store;
    this.accumulators.clear();
    const runs: RunHeader[] = [];
    const series: SeriesChunk[] = [];
    const extras: RunExtras[] = [];
    const configs: Record<string, unknown> = {};
    for (const id of this.runIds) {
      const record = store.get(id);
      if (!record) continue;
      const acc = new RunSeriesAccumulator(id, parseTime(record.info.startedAt));
      acc.add(store.events(id));
      this.accumulators.set(id, acc);
      runs.push(toRunHeader(record, acc.start));
      series.push(...acc.drain());
      extras.push(acc.takeExtras(true)!);
      if (this.opts.readConfig) configs[id] = this.opts.readConfig(record);
    }
    return {
      type: 'snapshot',
      protocol: WEBVIEW_PROTOCOL_VERSION,
      view: this.opts.view,
      runs,
      series: packSeries(series),
      extras,
      configs,
      catalog: this.opts.view === 'compare' ? store.list().map((r) => toRunHeader(r, this.accumulators.get(r.id)?.start)) : undefined,
      paired: this.opts.view === 'compare' ? this.paired() : undefined,
    };
  }

  private paired(): PairedTestResult | undefined {
    if (!this.opts.pairedTest) return undefined;
    const records = this.runIds.map((id) => this.opts.store.get(id)).filter((r): r is RunRecord => !!r);
    try {
      return this.opts.pairedTest(records);
    } catch (e) {
      return undefined;
    }
  }

  private sendSnapshot(): void {
    this.cancelTimer();
    this.clearPending();
    this.seq = 0;
    this.ready = true;
    this.opts.post(this.buildSnapshot());
    this.lastSentAt = this.clock.now();
  }

  private onStoreChange(c: RunStoreChange): void {
    if (!this.ready || this.disposed) return;
    const displayed = this.accumulators.get(c.id);
    if (c.kind === 'removed') {
      if (displayed || this.opts.view === 'compare') this.pendingRemoved.add(c.id);
      this.accumulators.delete(c.id);
    } else if (displayed) {
      if (c.newEvents.length) {
        displayed.add(c.newEvents);
        this.pendingChunks.push(...displayed.drain());
        const ex = displayed.takeExtras();
        if (ex) this.pendingExtras.set(c.id, ex);
      }
      const record = c.record ?? this.opts.store.get(c.id);
      if (record) this.pendingHeaders.set(c.id, toRunHeader(record, displayed.start));
    } else if (this.opts.view === 'compare') {
      const record = c.record ?? this.opts.store.get(c.id);
      if (record && (c.kind === 'added' || c.record)) this.pendingHeaders.set(c.id, toRunHeader(record));
    } else {
      return;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Sends what accumulated since the last message (no-op when nothing did). */
  flush(): void {
    if (!this.ready || this.disposed) return;
    if (!this.pendingChunks.length && !this.pendingHeaders.size && !this.pendingExtras.size && !this.pendingRemoved.size) return;
    const delta: DeltaMessage = {
      type: 'delta',
      seq: ++this.seq,
      runs: [...this.pendingHeaders.values()],
      series: packSeries(mergeChunks(this.pendingChunks)),
      extras: [...this.pendingExtras.values()],
      removed: [...this.pendingRemoved],
    };
    this.clearPending();
    this.lastSentAt = this.clock.now();
    this.opts.post(delta);
  }

  private clearPending(): void {
    this.pendingChunks = [];
    this.pendingHeaders.clear();
    this.pendingExtras.clear();
    this.pendingRemoved.clear();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function parseTime(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}
