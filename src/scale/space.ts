/**
 * A sweep's search space: typed parameters by dotted config path (uniform, log-uniform, integer, choice), built from
 * `search.space` and the grid of `sweep` (each `sweep` entry is a choice). Sampling draws each parameter from its own
 * distribution; the grid enumerates the product of the choices.
 */
import type { ParamSpec } from '../engine/config/types';
import { ConfigError } from '../engine/config/validate';
import type { Rng } from '../engine/rng';

export interface Param {
  path: string;
  spec: ParamSpec;
}

export type Point = Record<string, unknown>;

/** The parameters of a raw config's `sweep` and `search.space`, checked (min < max, log-uniform above 0, integers). */
export function searchSpace(raw: Record<string, unknown>): Param[] {
  const params: Param[] = [];
  const sweep = (raw.sweep ?? {}) as Record<string, unknown[]>;
  for (const [path, values] of Object.entries(sweep)) {
    if (!Array.isArray(values) || !values.length) throw new ConfigError(`$.sweep["${path}"]: expected a non-empty array of values`);
    params.push({ path, spec: { type: 'choice', values } });
  }
  const space = ((raw.search as { space?: Record<string, ParamSpec> } | undefined)?.space ?? {}) as Record<string, ParamSpec>;
  for (const [path, spec] of Object.entries(space)) {
    const at = `$.search.space["${path}"]`;
    if (path in sweep) throw new ConfigError(`${at}: "${path}" is also in $.sweep; declare it once`);
    if (path === 'sweep' || path.startsWith('search') || path.startsWith('sweep.') || path.startsWith('repeat') || path.startsWith('executor')) {
      throw new ConfigError(`${at}: cannot search over the sweep settings themselves`);
    }
    if (spec.type === 'choice') {
      if (!Array.isArray(spec.values) || !spec.values.length) throw new ConfigError(`${at}.values: a choice needs a non-empty array of values`);
    } else {
      const { min, max } = spec as { min?: number; max?: number };
      if (typeof min !== 'number' || typeof max !== 'number') throw new ConfigError(`${at}: a ${spec.type} parameter needs numbers "min" and "max"`);
      if (!(min < max)) throw new ConfigError(`${at}: min (${min}) must be below max (${max})`);
      if (spec.type === 'log-uniform' && min <= 0) throw new ConfigError(`${at}.min: a log-uniform parameter needs min > 0`);
      if (spec.type === 'integer' && (!Number.isInteger(min) || !Number.isInteger(max))) throw new ConfigError(`${at}: an integer parameter needs integer min and max`);
    }
    params.push({ path, spec });
  }
  return params;
}

/** One draw of a parameter from its distribution. */
export function sampleParam(spec: ParamSpec, rng: Rng): unknown {
  switch (spec.type) {
    case 'uniform':
      return spec.min + (spec.max - spec.min) * rng.float();
    case 'log-uniform':
      return Math.exp(Math.log(spec.min) + (Math.log(spec.max) - Math.log(spec.min)) * rng.float());
    case 'integer':
      return spec.min + rng.int(spec.max - spec.min + 1);
    case 'choice':
      return spec.values[rng.int(spec.values.length)];
  }
}

export function samplePoint(params: Param[], rng: Rng): Point {
  const p: Point = {};
  for (const { path, spec } of params) p[path] = sampleParam(spec, rng);
  return p;
}

/** Number of grid points (every parameter must be a choice or an integer range). */
export function gridSize(params: Param[]): number {
  return params.reduce((n, p) => n * gridValues(p).length, 1);
}

function gridValues(p: Param): unknown[] {
  if (p.spec.type === 'choice') return p.spec.values;
  if (p.spec.type === 'integer') return Array.from({ length: p.spec.max - p.spec.min + 1 }, (_, i) => (p.spec as { min: number }).min + i);
  throw new ConfigError(`$.search.space["${p.path}"]: a grid needs choice or integer parameters ("${p.spec.type}" is continuous; use strategy "random" or "tpe")`);
}

/** The index-th grid point, the last parameter varying fastest (the order of `sweep` expansion). */
export function gridPoint(params: Param[], index: number): Point {
  const p: Point = {};
  let rest = index;
  for (let k = params.length - 1; k >= 0; k--) {
    const values = gridValues(params[k]);
    p[params[k].path] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  return Object.fromEntries(params.map((q) => [q.path, p[q.path]]));
}

/** Stable key of a point (used to skip duplicates). */
export function pointKey(p: Point): string {
  return JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));
}
