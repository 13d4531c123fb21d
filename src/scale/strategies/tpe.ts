/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl, NeurIPS 2011), parameter by parameter as in
 * hyperopt: after `startup` random draws, the observations are split into the best ⌈γ·n⌉ ("good") and the rest;
 * each parameter gets a Parzen density l(x) over the good values and g(x) over the others (truncated Gaussians at the
 * observations plus a wide prior component; categorical: smoothed counts), `candidates` draws are taken from l, and
 * the one with the largest l(x)/g(x) is proposed. Numeric parameters are modelled on their natural scale: log for
 * log-uniform, the integers as a continuum rounded at the end.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { ParamSpec } from '../../engine/config/types';
import type { Rng } from '../../engine/rng';
import { samplePoint, type Point } from '../space';
import type { SearchStrategy } from './types';

export const tpe: SearchStrategy = {
  name: 'tpe',
  description: 'Tree-structured Parzen Estimator after random start-up draws',
  finite: false,
  propose: ({ params, history, rng, settings }) => {
    const obs = history.filter((o) => o.value !== undefined && Number.isFinite(o.value));
    if (obs.length < settings.tpe.startup) return samplePoint(params, rng);
    const sorted = [...obs].sort((a, b) => b.value! - a.value!);
    const nGood = Math.max(1, Math.ceil(settings.tpe.gamma * sorted.length));
    const good = sorted.slice(0, nGood);
    const bad = sorted.slice(nGood);
    const point: Point = {};
    for (const { path, spec } of params) {
      point[path] = spec.type === 'choice'
        ? proposeChoice(spec.values, good.map((o) => o.point[path]), bad.map((o) => o.point[path]), settings.tpe.candidates, rng)
        : proposeNumeric(spec, good.map((o) => o.point[path] as number), bad.map((o) => o.point[path] as number), settings.tpe.candidates, rng);
    }
    return point;
  },
};

function proposeChoice(values: unknown[], good: unknown[], bad: unknown[], candidates: number, rng: Rng): unknown {
  const key = (v: unknown): string => JSON.stringify(v);
  const index = new Map(values.map((v, i) => [key(v), i]));
  const weights = (obs: unknown[]): number[] => {
    const w = values.map(() => 1); // a prior count of one per category
    for (const v of obs) {
      const i = index.get(key(v));
      if (i !== undefined) w[i]++;
    }
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  };
  const l = weights(good);
  const g = weights(bad);
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < candidates; c++) {
    let u = rng.float();
    let i = 0;
    while (i < l.length - 1 && u >= l[i]) u -= l[i++];
    const score = Math.log(l[i]) - Math.log(g[i]);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return values[best];
}

interface Scale {
  lo: number;
  hi: number;
  to: (x: number) => number;
  from: (t: number) => number;
}

function scaleOf(spec: Exclude<ParamSpec, { type: 'choice' }>): Scale {
  if (spec.type === 'log-uniform') return { lo: Math.log(spec.min), hi: Math.log(spec.max), to: Math.log, from: Math.exp };
  if (spec.type === 'integer') {
    return { lo: spec.min - 0.5, hi: spec.max + 0.5, to: (x) => x, from: (t) => Math.min(spec.max, Math.max(spec.min, Math.round(t))) };
  }
  return { lo: spec.min, hi: spec.max, to: (x) => x, from: (t) => Math.min(spec.max, Math.max(spec.min, t)) };
}

function proposeNumeric(spec: Exclude<ParamSpec, { type: 'choice' }>, good: number[], bad: number[], candidates: number, rng: Rng): number {
  const s = scaleOf(spec);
  const inRange = (x: number): boolean => typeof x === 'number' && Number.isFinite(x);
  const l = new Parzen(good.filter(inRange).map(s.to), s.lo, s.hi);
  const g = new Parzen(bad.filter(inRange).map(s.to), s.lo, s.hi);
  let best = l.sample(rng);
  let bestScore = -Infinity;
  for (let c = 0; c < candidates; c++) {
    const t = l.sample(rng);
    const score = l.logDensity(t) - g.logDensity(t);
    if (score > bestScore) {
      bestScore = score;
      best = t;
    }
  }
  return s.from(best);
}

/**
 * Equal-weight mixture of Gaussians truncated to [lo, hi]: one at each observation, with a bandwidth equal to the
 * larger gap to its neighbours (the bounds count as neighbours), clipped to [(hi − lo)/min(100, n + 1), hi − lo], plus
 * a prior component N((lo + hi)/2, (hi − lo)²) so that no region has zero density.
 */
export class Parzen {
  readonly mus: number[];
  readonly sigmas: number[];
  private readonly masses: number[];

  constructor(obs: number[], readonly lo: number, readonly hi: number) {
    const width = hi - lo;
    const sorted = [...obs].sort((a, b) => a - b);
    const minSigma = width / Math.min(100, sorted.length + 1);
    this.mus = [(lo + hi) / 2];
    this.sigmas = [width];
    sorted.forEach((mu, i) => {
      const left = mu - (i > 0 ? sorted[i - 1] : lo);
      const right = (i < sorted.length - 1 ? sorted[i + 1] : hi) - mu;
      this.mus.push(mu);
      this.sigmas.push(Math.min(width, Math.max(minSigma, left, right)));
    });
    this.masses = this.mus.map((mu, k) => Math.max(1e-300, normalCdf(hi, mu, this.sigmas[k]) - normalCdf(lo, mu, this.sigmas[k])));
  }

  logDensity(x: number): number {
    let p = 0;
    for (let k = 0; k < this.mus.length; k++) {
      const z = (x - this.mus[k]) / this.sigmas[k];
      p += Math.exp(-0.5 * z * z) / (this.sigmas[k] * Math.sqrt(2 * Math.PI) * this.masses[k]);
    }
    return Math.log(p / this.mus.length);
  }

  sample(rng: Rng): number {
    const k = rng.int(this.mus.length);
    for (let tries = 0; tries < 100; tries++) {
      const x = this.mus[k] + this.sigmas[k] * rng.normal();
      if (x >= this.lo && x <= this.hi) return x;
    }
    return Math.min(this.hi, Math.max(this.lo, this.mus[k]));
  }
}
