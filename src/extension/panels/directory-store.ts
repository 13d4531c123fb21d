/**
 * A PanelRunStore over a single run directory that is not in the watched runs directory (a run.json or
 * metrics.jsonl opened from anywhere): reads it once, then polls for appended events while the run is live.
 */
import path from 'node:path';
import type { RunEvent } from '../../protocol/events';
import { RUN_FILES } from '../../runs/format';
import { EventTail, readRun, type RunRecord } from '../../runs/reader';
import type { PanelRunStore, RunStoreChange } from './panel-session';

export class DirectoryRunStore implements PanelRunStore {
  private record: RunRecord | undefined;
  private readonly tail: EventTail;
  private readonly all: RunEvent[] = [];
  private listeners = new Set<(c: RunStoreChange) => void>();
  private timer: ReturnType<typeof setInterval>;

  constructor(private readonly dir: string, pollMs = 1000) {
    this.record = readRun(dir);
    this.tail = new EventTail(path.join(dir, RUN_FILES.metrics));
    this.all.push(...this.tail.read());
    this.timer = setInterval(() => this.poll(), pollMs);
  }

  list(): RunRecord[] {
    return this.record ? [this.record] : [];
  }
  get(id: string): RunRecord | undefined {
    return this.record?.id === id ? this.record : undefined;
  }
  events(id: string): RunEvent[] {
    return this.record?.id === id ? [...this.all] : [];
  }
  onDidChange(listener: (c: RunStoreChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private poll(): void {
    const fresh = this.tail.read();
    const record = readRun(this.dir);
    const statusChanged = record && this.record && (record.info.status !== this.record.info.status || record.info.progress?.epoch !== this.record.info.progress?.epoch);
    this.record = record ?? this.record;
    if (!fresh.length && !statusChanged) return;
    this.all.push(...fresh);
    if (!this.record) return;
    const change: RunStoreChange = { id: this.record.id, kind: 'updated', record: this.record, newEvents: fresh };
    for (const l of this.listeners) l(change);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }
}
