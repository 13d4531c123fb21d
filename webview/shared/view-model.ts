/**
 * What a view knows: run headers, scalar series, extras and configs, kept up to date from snapshot and delta
 * messages. A gap in delta sequence numbers (a lost message) makes the view ask for a fresh snapshot.
 */
import { unpackSeries, type HostToWebview, type PairedTestResult, type RunExtras, type RunHeader, type ViewKind } from '../../src/protocol/webview';
import { SeriesStore } from './series-store';

export class ViewModel {
  readonly store = new SeriesStore();
  runs: RunHeader[] = [];
  catalog = new Map<string, RunHeader>();
  extras = new Map<string, RunExtras>();
  configs: Record<string, unknown> = {};
  /** compare: the paired tests of the two runs or groups shown (from the last snapshot) */
  paired: PairedTestResult | undefined;
  private seq = 0;
  hasSnapshot = false;
  /** bumped when headers, extras, evaluations or the set of runs change (not for plain series appends) */
  structureVersion = 0;
  /** bumped when the runs themselves change (set, headers, configs), not for new evaluations */
  catalogVersion = 0;

  constructor(readonly view: ViewKind) {}

  /** Applies a host message; returns 'resync' when the webview must ask for a new snapshot. */
  apply(m: HostToWebview): 'ok' | 'resync' | 'ignored' {
    if (m.type === 'snapshot') {
      this.store.clear();
      this.store.append(unpackSeries(m.series));
      this.runs = m.runs;
      this.extras = new Map(m.extras.map((e) => [e.runId, e]));
      this.configs = m.configs;
      this.paired = m.paired;
      this.catalog = new Map((m.catalog ?? m.runs).map((r) => [r.id, r]));
      this.seq = 0;
      this.hasSnapshot = true;
      this.structureVersion++;
      this.catalogVersion++;
      return 'ok';
    }
    if (m.type !== 'delta' || !this.hasSnapshot) return 'ignored';
    if (m.seq !== this.seq + 1) return 'resync';
    this.seq = m.seq;
    const series = unpackSeries(m.series);
    this.store.append(series);
    // headers arrive with every delta of a live run; redraw the DOM parts only when something they show changed
    let changed = m.extras.length > 0 || m.removed.length > 0 || series.some((c) => c.key.startsWith('eval/'));
    if (m.removed.length) this.catalogVersion++;
    for (const r of m.runs) {
      const i = this.runs.findIndex((x) => x.id === r.id);
      const before = i >= 0 ? this.runs[i] : this.catalog.get(r.id);
      if (!before || JSON.stringify(before) !== JSON.stringify(r)) {
        changed = true;
        this.catalogVersion++;
      }
      if (i >= 0) this.runs[i] = r;
      this.catalog.set(r.id, r);
    }
    if (changed) this.structureVersion++;
    for (const e of m.extras) this.extras.set(e.runId, { ...this.extras.get(e.runId), ...e });
    for (const id of m.removed) {
      this.runs = this.runs.filter((r) => r.id !== id);
      this.catalog.delete(id);
      this.store.removeRun(id);
    }
    return 'ok';
  }

  run(id: string): RunHeader | undefined {
    return this.runs.find((r) => r.id === id) ?? this.catalog.get(id);
  }
}

/** Coalesces redraw requests into one per animation frame. */
export function frameScheduler(draw: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}
