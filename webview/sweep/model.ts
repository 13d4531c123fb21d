/**
 * The sweep view's data, pure (no DOM): which parameters vary, the axes of the parallel coordinates and the scatter,
 * each trial's value for the chosen summary, brushing filters and the status class a trial is drawn as.
 *
 * A trial's value comes from its run's summary (src/runs/summary.ts, the one definition of a result): by default the
 * selection metric on the selection split at the epoch the run selected; last / min / max over that split's
 * evaluations when picked. Never a maximum over the test curve.
 */
import type { ParamSpec } from '../../src/engine/config/types';
import type { SweepViewData, SweepViewTrial } from '../../src/protocol/sweep-view';
import { headline, type SummaryKind } from '../../src/runs/summary';
import { parameterImportance, type Importance } from '../../src/scale/importance';

/** How a trial is drawn: ASHA-pruned, user-stopped and failed trials each look different from finished ones. */
export type TrialClass = 'best' | 'finished' | 'pruned' | 'stopped' | 'failed' | 'running' | 'waiting';
export const TRIAL_CLASSES: readonly TrialClass[] = ['best', 'finished', 'running', 'pruned', 'stopped', 'failed', 'waiting'];
export const CLASS_LABELS: Record<TrialClass, string> = {
  best: 'best', finished: 'finished', running: 'running', pruned: 'stopped by ASHA', stopped: 'stopped', failed: 'failed', waiting: 'waiting',
};

/** the selection split's value of the metric, for a summary kind (undefined before the run's first evaluation) */
export function trialValue(t: SweepViewTrial, metric: string, kind: SummaryKind): number | undefined {
  const h = headline(t.result, metric, kind);
  if (h && h.metric === metric) {
    const v = h.values[h.selectSplit];
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  // a record written before the run's summary was readable: its value is the best selection metric
  return kind === 'best' && t.value !== undefined && Number.isFinite(t.value) ? t.value : undefined;
}

export function trialClass(t: SweepViewTrial, bestIndex: number | undefined): TrialClass {
  if (t.index === bestIndex) return 'best';
  if (t.status === 'failed') return 'failed';
  if (t.pruned) return 'pruned';
  if (t.status === 'stopped') return 'stopped';
  if (t.status === 'finished') return 'finished';
  if (t.status === 'running') return 'running';
  return 'waiting';
}

/** A parallel-coordinates / scatter axis. Numbers: linear or log; choices: one slot per value. */
export interface Axis {
  key: string;
  label: string;
  scale: 'linear' | 'log' | 'category';
  min: number;
  max: number;
  /** category axes: the values in slot order (JSON text of each) */
  categories?: string[];
}

export const METRIC_AXIS = '$metric';

export function paramAxis(path: string, spec: ParamSpec | undefined, values: unknown[]): Axis {
  const label = path.split('.').pop() ?? path;
  const numeric = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (spec?.type !== 'choice' && numeric.length === values.length && values.length > 0) {
    const range = spec; // not a choice here
    let min = range ? range.min : Math.min(...numeric);
    let max = range ? range.max : Math.max(...numeric);
    min = Math.min(min, ...numeric);
    max = Math.max(max, ...numeric);
    const log = spec?.type === 'log-uniform' && min > 0;
    if (min === max) { min -= 0.5; max += 0.5; }
    return { key: path, label, scale: log ? 'log' : 'linear', min, max };
  }
  const cats: string[] = [];
  for (const v of spec?.type === 'choice' ? spec.values : []) if (!cats.includes(JSON.stringify(v))) cats.push(JSON.stringify(v));
  for (const v of values) if (!cats.includes(JSON.stringify(v))) cats.push(JSON.stringify(v));
  return { key: path, label, scale: 'category', min: 0, max: Math.max(1, cats.length - 1), categories: cats };
}

/** Position of a value on an axis in [0, 1] (0 = bottom); undefined when it cannot be placed. */
export function axisPosition(a: Axis, v: unknown): number | undefined {
  if (a.scale === 'category') {
    const i = a.categories!.indexOf(JSON.stringify(v));
    if (i < 0) return undefined;
    return a.categories!.length === 1 ? 0.5 : i / (a.categories!.length - 1);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  if (a.scale === 'log') return v <= 0 ? undefined : (Math.log(v) - Math.log(a.min)) / (Math.log(a.max) - Math.log(a.min));
  return (v - a.min) / (a.max - a.min);
}

/** The value at a position (inverse of axisPosition for numbers; the slot index for categories). */
export function axisValueAt(a: Axis, p: number): number {
  if (a.scale === 'log') return Math.exp(Math.log(a.min) + p * (Math.log(a.max) - Math.log(a.min)));
  return a.min + p * (a.max - a.min);
}

/** Tick positions and labels of an axis (about `count` for numbers; every value of a category axis). */
export function axisTicks(a: Axis, count = 5): { p: number; label: string }[] {
  if (a.scale === 'category') return a.categories!.map((c, i) => ({ p: a.categories!.length === 1 ? 0.5 : i / (a.categories!.length - 1), label: categoryLabel(c) }));
  const out: { p: number; label: string }[] = [];
  for (let i = 0; i < count; i++) {
    const p = i / (count - 1);
    out.push({ p, label: tickLabel(axisValueAt(a, p)) });
  }
  return out;
}

export function categoryLabel(json: string): string {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'string' ? v : json;
  } catch {
    return json;
  }
}

export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return (+v.toPrecision(2)).toExponential();
  return String(+v.toPrecision(3));
}

/** Parameters of the space whose values differ between the trials (the default axes). */
export function varyingParameters(data: SweepViewData): string[] {
  return Object.keys(data.space).filter((p) => new Set(data.trials.map((t) => JSON.stringify(t.point[p]))).size > 1);
}

/** brush: axis key → [lo, hi] positions in [0, 1] */
export type Brushes = Record<string, [number, number]>;

export interface SweepModel {
  axes: Axis[];
  metricAxis: Axis | undefined;
  values: Map<number, number | undefined>;
  bestIndex?: number;
  classes: Map<number, TrialClass>;
  /** trials that pass every brush */
  selected: Set<number>;
  importance: Importance[];
}

/** Everything the charts draw, for the chosen parameters, summary kind and brushes. */
export function buildModel(data: SweepViewData, opts: { params: string[]; kind: SummaryKind; brushes: Brushes }): SweepModel {
  const values = new Map<number, number | undefined>();
  for (const t of data.trials) values.set(t.index, trialValue(t, data.metric, opts.kind));
  const scored = data.trials.filter((t) => values.get(t.index) !== undefined);
  // the best trial by the summary shown (higher is better: the selection metric is a ranking metric)
  const best = scored.length ? scored.reduce((a, b) => (values.get(b.index)! > values.get(a.index)! ? b : a)) : undefined;
  const classes = new Map(data.trials.map((t) => [t.index, trialClass(t, best?.index)]));
  const axes = opts.params.map((p) => paramAxis(p, data.space[p], data.trials.map((t) => t.point[p]).filter((v) => v !== undefined)));
  let metricAxis: Axis | undefined;
  if (scored.length) {
    const vs = scored.map((t) => values.get(t.index)!);
    let min = Math.min(...vs);
    let max = Math.max(...vs);
    const pad = max > min ? (max - min) * 0.04 : Math.max(Math.abs(max) * 0.05, 1e-3);
    min -= pad;
    max += pad;
    metricAxis = { key: METRIC_AXIS, label: data.metric, scale: 'linear', min, max };
  }
  const selected = new Set<number>();
  for (const t of data.trials) {
    let ok = true;
    for (const [key, [lo, hi]] of Object.entries(opts.brushes)) {
      const axis = key === METRIC_AXIS ? metricAxis : axes.find((a) => a.key === key);
      if (!axis) continue; // a brush on an axis not shown does not filter
      const p = axisPosition(axis, key === METRIC_AXIS ? values.get(t.index) : t.point[key]);
      if (p === undefined || p < lo - 1e-9 || p > hi + 1e-9) {
        ok = false;
        break;
      }
    }
    if (ok) selected.add(t.index);
  }
  const importance = parameterImportance({ space: data.space, trials: data.trials.map((t) => ({ ...t, value: values.get(t.index) })) });
  return { axes, metricAxis, values, bestIndex: best?.index, classes, selected, importance };
}
