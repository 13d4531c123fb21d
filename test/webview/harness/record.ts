/**
 * Records host→webview message streams with the real host-side code: a PanelSession (src/extension/panels) reading a
 * store of fixture runs, driven by a virtual clock. A run can be "live": its events are released over time, the way
 * the RunStore reports a growing metrics.jsonl, and the session batches them into deltas.
 */
import path from 'node:path';
import type { RunEvent } from '../../../src/protocol/events';
import type { ViewKind, WebviewToHost } from '../../../src/protocol/webview';
import { readConfig, readEvents, readRun, type RunRecord } from '../../../src/runs/reader';
import { PanelSession, type Clock, type PanelRunStore, type PanelSessionOptions, type RunStoreChange } from '../../../src/extension/panels/panel-session';
import type { RecordedMessage } from './codec';

export class VirtualClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  advanceTo(t: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > t) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = t;
  }
}

export interface ReplayRun {
  record: RunRecord;
  events: RunEvent[];
  config?: unknown;
  /** events visible at the start; the rest is released by `advance` (default: all) */
  visible?: number;
}

/** A PanelRunStore over in-memory runs whose events can be released progressively. */
export class ReplayStore implements PanelRunStore {
  private listeners: ((c: RunStoreChange) => void)[] = [];
  private visible = new Map<string, number>();

  constructor(readonly runs: ReplayRun[]) {
    for (const r of runs) this.visible.set(r.record.id, r.visible ?? r.events.length);
  }

  static fromDirs(dirs: string[]): ReplayStore {
    return new ReplayStore(
      dirs.map((d) => {
        const record = readRun(d);
        if (!record) throw new Error(`not a run directory: ${d}`);
        return { record, events: readEvents(d), config: readConfig(d) };
      }),
    );
  }

  list(): RunRecord[] {
    return this.runs.map((r) => r.record);
  }
  get(id: string): RunRecord | undefined {
    return this.runs.find((r) => r.record.id === id)?.record;
  }
  events(id: string): RunEvent[] {
    const r = this.runs.find((x) => x.record.id === id);
    return r ? r.events.slice(0, this.visible.get(id)) : [];
  }
  onDidChange(listener: (c: RunStoreChange) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  setVisible(id: string, n: number): void {
    this.visible.set(id, n);
  }
  /** Releases up to `count` more events of a run; returns how many are still held back. */
  release(id: string, count: number): number {
    const r = this.runs.find((x) => x.record.id === id)!;
    const from = this.visible.get(id)!;
    const to = Math.min(r.events.length, from + count);
    if (to > from) {
      this.visible.set(id, to);
      const change: RunStoreChange = { id, kind: 'updated', record: r.record, newEvents: r.events.slice(from, to) };
      for (const l of this.listeners) l(change);
    }
    return r.events.length - to;
  }
}

export interface RecordOptions {
  view: ViewKind;
  runIds: string[];
  store: ReplayStore;
  /** runs streamed live after the snapshot, with events released every tick */
  live?: { runIds: string[]; eventsPerTick: number; tickMs: number };
  minIntervalMs?: number;
  /** compare: the paired tests of the runs shown (the panel's src/extension/panels/paired.ts) */
  pairedTest?: PanelSessionOptions['pairedTest'];
}

/** Runs a PanelSession against the store: `ready` → snapshot, then (live) deltas until every event is released. */
export function recordStream(o: RecordOptions): RecordedMessage[] {
  const clock = new VirtualClock();
  const out: RecordedMessage[] = [];
  const session = new PanelSession({
    view: o.view,
    runIds: o.runIds,
    store: o.store,
    clock,
    minIntervalMs: o.minIntervalMs ?? 50,
    readConfig: (r) => o.store.runs.find((x) => x.record.id === r.id)?.config,
    pairedTest: o.pairedTest,
    post: (message) => {
      out.push({ at: clock.now(), message });
      return true;
    },
  });
  const ready: WebviewToHost = { type: 'ready', view: o.view };
  session.receive(ready);
  if (o.live) {
    let t = 0;
    for (let remaining = Infinity; remaining > 0; ) {
      t += o.live.tickMs;
      clock.advanceTo(t);
      remaining = 0;
      for (const id of o.live.runIds) remaining += o.store.release(id, o.live.eventsPerTick);
    }
    clock.advanceTo(t + 1000);
  }
  session.dispose();
  return out;
}

export const FIXTURE_RUNS_DIR = path.join(process.env.RECLAB_ROOT ?? process.cwd(), 'test/fixtures/runs');
