/**
 * The one definition of a run's result ("best"), written by the engine into summary.json and read by every view
 * (Runs tree, CodeLens, notifications, tooltips, dashboard header, compare table, CLI).
 *
 * A run selects an epoch on one split (`eval.selectOn`, usually `valid`) by one metric (`eval.selectMetric`); its
 * result is the value of each metric on *each* split at that epoch: "ndcg@20 valid 0.2648 · test 0.3801 @ ep 52".
 * Nothing here ever takes a maximum over the test curve to call it "best": `max` is offered as its own, labelled
 * statistic next to `last` and `min`.
 */
import type { EvalEvent, MetricKey, MetricValues, RunEvent } from '../protocol/events';

export type Split = 'valid' | 'test';
export const SPLITS: readonly Split[] = ['valid', 'test'];

/** Statistics of one metric on one split over all evaluations of the run. */
export interface MetricStats {
  last: number;
  lastEpoch: number;
  min: number;
  minEpoch: number;
  max: number;
  maxEpoch: number;
}

/** The epoch the run selected, and why. */
export interface Selection {
  metric: MetricKey;
  split: Split;
  epoch: number;
  /** the selection metric on the selection split at that epoch */
  value: number;
}

/** The fields summary.json carries about results (RunSummary in format.ts extends this). */
export interface ResultSummary {
  selectMetric: MetricKey;
  selectSplit: Split;
  /** legacy fields, still written: best = selection split's metrics at bestEpoch, bestTest = test's */
  bestEpoch?: number;
  best?: MetricValues;
  bestTest?: MetricValues;
  lastEpoch?: number;
  last?: MetricValues;
  selection?: Selection;
  /** every split's metrics at the selected epoch */
  atSelection?: Partial<Record<Split, MetricValues>>;
  stats?: Partial<Record<Split, Record<MetricKey, MetricStats>>>;
}

/** Follows a run's evaluations and keeps its result; the engine and `summaryFromEvents` use the same rule. */
export class SummaryTracker {
  private selection: Selection | undefined;
  private readonly atSelection: Partial<Record<Split, MetricValues>> = {};
  private readonly stats: Partial<Record<Split, Record<MetricKey, MetricStats>>> = {};
  private lastSelectEpoch: number | undefined;
  private lastSelect: MetricValues | undefined;

  constructor(readonly selectMetric: MetricKey, readonly selectSplit: Split) {}

  /**
   * Records one evaluation. Returns true when it is a new best on the selection split (a strictly larger value of
   * the selection metric; the first of equal values is kept).
   */
  add(epoch: number, split: Split, metrics: MetricValues): boolean {
    const table = (this.stats[split] ??= {});
    for (const [k, v] of Object.entries(metrics)) {
      if (!Number.isFinite(v)) continue;
      const s = table[k];
      if (!s) table[k] = { last: v, lastEpoch: epoch, min: v, minEpoch: epoch, max: v, maxEpoch: epoch };
      else {
        s.last = v;
        s.lastEpoch = epoch;
        if (v < s.min) { s.min = v; s.minEpoch = epoch; }
        if (v > s.max) { s.max = v; s.maxEpoch = epoch; }
      }
    }
    let improved = false;
    if (split === this.selectSplit) {
      this.lastSelect = metrics;
      this.lastSelectEpoch = epoch;
      const value = metrics[this.selectMetric];
      improved = value !== undefined && Number.isFinite(value) && (!this.selection || value > this.selection.value);
      if (improved) {
        this.selection = { metric: this.selectMetric, split, epoch, value: value! };
        for (const s of SPLITS) delete this.atSelection[s];
      }
    }
    if (this.selection && this.selection.epoch === epoch) this.atSelection[split] = metrics;
    return improved;
  }

  get selected(): Selection | undefined {
    return this.selection;
  }

  /** Writes the result fields into a summary (the legacy ones included). */
  fill<T extends ResultSummary>(summary: T): T {
    if (this.selection) {
      summary.selection = { ...this.selection };
      summary.atSelection = { ...this.atSelection };
      summary.bestEpoch = this.selection.epoch;
      summary.best = this.atSelection[this.selectSplit];
      if (this.atSelection.test) summary.bestTest = this.atSelection.test;
    }
    if (this.lastSelect) {
      summary.last = this.lastSelect;
      summary.lastEpoch = this.lastSelectEpoch;
    }
    summary.stats = JSON.parse(JSON.stringify(this.stats)) as ResultSummary['stats'];
    return summary;
  }
}

/** The result of a run rebuilt from its eval events (for runs written before summary.json had these fields). */
export function summaryFromEvents(events: readonly RunEvent[], selectMetric?: MetricKey, selectSplit?: Split): ResultSummary | undefined {
  const evals = events.filter((e): e is EvalEvent => e.kind === 'eval');
  if (!evals.length) return undefined;
  const sel = evals.find((e) => e.selection);
  const metric = selectMetric ?? sel?.selection?.metric ?? Object.keys(evals[0]!.metrics)[0]!;
  const split = selectSplit ?? sel?.split ?? (evals.some((e) => e.split === 'valid') ? 'valid' : 'test');
  const tracker = new SummaryTracker(metric, split);
  for (const e of evals) tracker.add(e.epoch, e.split, e.metrics);
  return tracker.fill({ selectMetric: metric, selectSplit: split });
}

/** best = value at the selected epoch; last / min / max over all evaluations (each labelled as such). */
export type SummaryKind = 'best' | 'last' | 'min' | 'max';
export const SUMMARY_KINDS: readonly SummaryKind[] = ['best', 'last', 'min', 'max'];

/** One metric of a run, on each split, as a view shows it. */
export interface Headline {
  metric: MetricKey;
  kind: SummaryKind;
  /** the split the run selects on (the first one shown) */
  selectSplit: Split;
  /** the epoch per split (one epoch for `best`; `last`/`min`/`max` may differ per split) */
  epochs: Partial<Record<Split, number>>;
  values: Partial<Record<Split, number>>;
}

/** At-selection metrics of a summary, from the new fields or the legacy ones. */
function atSelectionOf(s: ResultSummary): { epoch?: number; values: Partial<Record<Split, MetricValues>> } {
  if (s.selection && s.atSelection) return { epoch: s.selection.epoch, values: s.atSelection };
  const values: Partial<Record<Split, MetricValues>> = {};
  if (s.best) values[s.selectSplit] = s.best;
  if (s.bestTest) values.test = s.bestTest;
  return { epoch: s.bestEpoch, values };
}

/**
 * `metric` of a run on each split (selection split first). When the run did not compute `metric`, falls back to
 * its selection metric. Undefined when the run has no evaluation yet.
 */
export function headline(summary: ResultSummary | undefined, metric: MetricKey, kind: SummaryKind = 'best'): Headline | undefined {
  if (!summary) return undefined;
  const pick = (m: MetricKey): Headline | undefined => {
    const h: Headline = { metric: m, kind, selectSplit: summary.selectSplit, epochs: {}, values: {} };
    if (kind === 'best') {
      const at = atSelectionOf(summary);
      for (const s of SPLITS) {
        const v = at.values[s]?.[m];
        if (v !== undefined && at.epoch !== undefined) { h.values[s] = v; h.epochs[s] = at.epoch; }
      }
    } else {
      for (const s of SPLITS) {
        const st = summary.stats?.[s]?.[m];
        if (!st) continue;
        h.values[s] = st[kind];
        h.epochs[s] = kind === 'last' ? st.lastEpoch : kind === 'min' ? st.minEpoch : st.maxEpoch;
      }
      if (kind === 'last' && !summary.stats && summary.last?.[m] !== undefined && summary.lastEpoch !== undefined) {
        h.values[summary.selectSplit] = summary.last[m];
        h.epochs[summary.selectSplit] = summary.lastEpoch;
      }
    }
    return Object.keys(h.values).length ? h : undefined;
  };
  return pick(metric) ?? (metric !== summary.selectMetric ? pick(summary.selectMetric) : undefined);
}

/** Splits of a headline in display order: the selection split first. */
export function headlineSplits(h: Headline): Split[] {
  return [h.selectSplit, ...SPLITS.filter((s) => s !== h.selectSplit)].filter((s) => h.values[s] !== undefined);
}

export function formatScore(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

/**
 * "ndcg@20 valid 0.2648 · test 0.3801 @ ep 52" — the same text in every view. `last`/`min`/`max` are prefixed with
 * their kind, and give the epoch per split when the splits differ.
 */
export function formatHeadline(h: Headline | undefined, opts: { metric?: boolean } = {}): string {
  if (!h) return '';
  const splits = headlineSplits(h);
  const epochs = new Set(splits.map((s) => h.epochs[s]));
  const one = epochs.size === 1;
  const parts = splits.map((s) => `${s} ${formatScore(h.values[s])}${one ? '' : ` @ ep ${h.epochs[s]}`}`);
  const prefix = `${h.kind === 'best' ? '' : `${h.kind} `}${opts.metric === false ? '' : `${h.metric} `}`;
  return `${prefix}${parts.join(' · ')}${one ? ` @ ep ${[...epochs][0]}` : ''}`;
}
