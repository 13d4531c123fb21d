/**
 * Parameter importance of a sweep: how much of the variation of the selection value each parameter accounts for,
 * one parameter at a time, over the trials with a value. Numeric parameters: the squared Spearman rank correlation
 * (log-uniform ones are ranked like their logs, which ranking does anyway), with its sign; choices: η², the share of the
 * value's variance between the groups of equal value (one-way ANOVA). Both lie in [0, 1]. Simple, model-free and
 * honest about being marginal: interactions between parameters are not credited.
 */
import type { SweepRecord } from '../runs/records';

export interface Importance {
  path: string;
  /** 0 … 1 */
  score: number;
  /** numeric parameters: +1 when higher values go with a higher metric, −1 when lower; 0 for choices */
  direction: number;
  kind: 'spearman²' | 'η²';
  trials: number;
}

function ranks(x: number[]): number[] {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let s = 0; s < order.length; ) {
    let e = s + 1;
    while (e < order.length && x[order[e]] === x[order[s]]) e++;
    for (let k = s; k < e; k++) r[order[k]] = (s + e + 1) / 2; // average rank, 1-based
    s = e;
  }
  return r;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

export function spearman(a: number[], b: number[]): number {
  return pearson(ranks(a), ranks(b));
}

/** η² = between-group sum of squares / total sum of squares */
export function etaSquared(groups: string[], y: number[]): number {
  const m = y.reduce((s, v) => s + v, 0) / y.length;
  const total = y.reduce((s, v) => s + (v - m) ** 2, 0);
  if (total === 0) return 0;
  const by = new Map<string, number[]>();
  groups.forEach((g, i) => by.set(g, [...(by.get(g) ?? []), y[i]]));
  let between = 0;
  for (const vs of by.values()) between += vs.length * ((vs.reduce((s, v) => s + v, 0) / vs.length) - m) ** 2;
  return between / total;
}

/** Importance of every parameter of the sweep's space that varies across the trials with a value, highest first. */
export function parameterImportance(s: Pick<SweepRecord, 'space' | 'trials'>): Importance[] {
  const done = s.trials.filter((t) => t.value !== undefined && Number.isFinite(t.value));
  const y = done.map((t) => t.value!);
  const out: Importance[] = [];
  if (done.length < 3) return out;
  for (const [path, spec] of Object.entries(s.space)) {
    const xs = done.map((t) => t.point[path]);
    if (new Set(xs.map((v) => JSON.stringify(v))).size < 2) continue;
    if (spec.type !== 'choice' && xs.every((v) => typeof v === 'number')) {
      const r = spearman(xs as number[], y);
      out.push({ path, score: r * r, direction: Math.sign(r), kind: 'spearman²', trials: done.length });
    } else {
      out.push({ path, score: etaSquared(xs.map((v) => JSON.stringify(v)), y), direction: 0, kind: 'η²', trials: done.length });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}
