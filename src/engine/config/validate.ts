/**
 * Config validation with errors that name the JSON path and what was expected, default filling, `--set` overrides
 * and sweep expansion. Validation runs in two phases: the top level (kinded sections only checked for `kind`), then
 * each kinded section (dataset, loss, sampler) against the schema of its kind, so an error reads
 * `$.loss.margin: must be number` rather than a wall of oneOf failures.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ExperimentConfig } from './types';
import { KINDED_SECTIONS, topLevelSchema } from './schema';
import { LOSSES } from '../losses/registry';
import { cut, escapeControls, quote } from '../text/quote';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
let topValidator: ValidateFunction | null = null;
const kindValidators = new Map<string, ValidateFunction>();

function jsonPath(prefix: string, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((out, p) => out + pathStep(p), prefix);
}

/** One step of a JSON path: `.key`, `[3]` or `["odd key"]` (escaped and cut: keys come from the user's file). */
function pathStep(p: string | number): string {
  if (typeof p === 'number' || /^\d+$/.test(p)) return `[${p}]`;
  return /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${quote(p, 40)}]`;
}

/**
 * Numbers that JSON cannot hold but a parser produces anyway: 1e400 overflows to Infinity (JSON.parse and
 * jsonc-parser both accept it), and would train on NaN or be stored as null. Returns one problem per such value.
 */
export function nonFiniteProblems(value: unknown, prefix = '$'): string[] {
  const out: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'number' && !Number.isFinite(v)) out.push(`${at}: ${v} is not a finite number (a value such as 1e400 overflows; write a finite number)`);
    else if (Array.isArray(v)) v.forEach((x, k) => walk(x, at + pathStep(k)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at + pathStep(k));
  };
  walk(value, prefix);
  return out;
}

/** At most `max` problems, then how many more: a file with thousands of mistakes still gives a readable message. */
function capProblems(p: string[], max = 20): string[] {
  return p.length <= max ? p : [...p.slice(0, max), `… and ${p.length - max} more problems`];
}

function describe(e: ErrorObject, prefix: string): string {
  const at = jsonPath(prefix, e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown key ${quote((e.params as { additionalProperty: string }).additionalProperty)}`;
    case 'required':
      return `${at}: missing required key "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `${at}: expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${at}: expected ${(e.params as { type: string }).type}`;
    case 'const':
      return `${at}: expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${at}: ${e.message ?? 'is invalid'}`;
  }
}

function run(validator: ValidateFunction, data: unknown, prefix: string): string[] {
  if (validator(data)) return [];
  // drop the duplicate "must match a schema in anyOf/oneOf" summaries when a precise error exists
  const errs = (validator.errors ?? []).filter((e) => e.keyword !== 'if');
  return [...new Set(errs.map((e) => describe(e, prefix)))];
}

/** Validates and fills defaults. Throws ConfigError listing every problem with its JSON path. */
export function resolveConfig(raw: unknown): ExperimentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('$: expected an object');
  const cfg = structuredClone(raw) as Record<string, unknown>;
  const infinite = nonFiniteProblems(cfg);
  if (infinite.length) throw new ConfigError(`invalid config:\n  ${capProblems(infinite).join('\n  ')}`, infinite);
  // {"catalog": "yelp2018"} is shorthand for {"kind": "catalog", "catalog": "yelp2018"}
  const ds = cfg.dataset as Record<string, unknown> | undefined;
  if (ds && typeof ds === 'object' && !Array.isArray(ds) && ds.kind === undefined && 'catalog' in ds) ds.kind = 'catalog';
  topValidator ??= ajv.compile(topLevelSchema());
  const problems = run(topValidator, cfg, '$');
  for (const [section, kinds] of Object.entries(KINDED_SECTIONS)) {
    const value = cfg[section] as { kind?: unknown } | undefined;
    if (!value || typeof value !== 'object' || typeof value.kind !== 'string') continue;
    const schema = kinds()[value.kind];
    if (!schema) continue; // reported by the top level enum
    const key = `${section}:${value.kind}`;
    let v = kindValidators.get(key);
    if (!v) {
      v = ajv.compile(schema);
      kindValidators.set(key, v);
    }
    problems.push(...run(v, value, `$.${section}`));
  }
  if (!problems.length) problems.push(...crossChecks(cfg as unknown as ExperimentConfig));
  if (problems.length) {
    throw new ConfigError(`invalid config:\n  ${capProblems(problems).join('\n  ')}`, problems);
  }
  return cfg as unknown as ExperimentConfig;
}

function crossChecks(c: ExperimentConfig): string[] {
  const p: string[] = [];
  if (c.eval.selectOn === 'valid' && c.split.validRatio <= 0) {
    p.push('$.eval.selectOn: "valid" needs a validation split (set $.split.validRatio > 0), or select on "test" (the papers\' protocol)');
  }
  const [metric, k] = c.eval.selectMetric.split('@');
  if (!c.eval.metrics.includes(metric as never)) p.push(`$.eval.selectMetric: "${metric}" is not in $.eval.metrics`);
  if (!c.eval.ks.includes(Number(k))) p.push(`$.eval.selectMetric: K=${k} is not in $.eval.ks`);
  if (c.dataset.kind === 'lightgcn' && !c.dataset.path && !(c.dataset.train && c.dataset.test)) {
    p.push('$.dataset: give "path" (a folder with train.txt and test.txt) or both "train" and "test"');
  }
  if (c.split.method === 'given' && (c.dataset.kind === 'csv' || c.dataset.kind === 'movielens')) {
    p.push(`$.split.method: a ${c.dataset.kind} dataset has no given test split; use "ratio" or "leave-last-out"`);
  }
  p.push(...lossChecks(c));
  return p;
}

/** The loss's own option checks, and whether the model and temperature scheme suit it. */
function lossChecks(c: ExperimentConfig): string[] {
  const spec = LOSSES[c.loss.kind];
  if (!spec || c.model.kind === 'mostpop') return [];
  const p = spec.check?.(c.loss) ?? [];
  if (spec.requiresCosine && c.model.score !== 'cosine') p.push(`$.model.score: loss "${c.loss.kind}" needs cosine scores; set "cosine"`);
  if (c.temperature.kind !== 'fixed' && !spec.usesTemperature?.(c.loss)) {
    p.push(`$.temperature.kind: "${c.temperature.kind}" adapts a temperature that loss "${c.loss.kind}" does not use (temperature-scaled losses: ${temperatureLosses().join(', ')})`);
  } else if (c.temperature.kind === 'adaptive' && !spec.perRowLoss) {
    p.push(`$.temperature.kind: "adaptive" learns per-user τ from per-row losses, which loss "${c.loss.kind}" does not report (use ${Object.values(LOSSES).filter((l) => l.perRowLoss).map((l) => l.name).join(' or ')}, or "adaptive-global")`);
  }
  return p;
}

function temperatureLosses(): string[] {
  return Object.values(LOSSES).filter((l) => l.usesTemperature?.(Object.fromEntries(Object.entries(l.options).map(([k, v]) => [k, v.default])))).map((l) => l.name);
}

/** Sets a dotted path (`optimizer.lr`, `eval.ks`) in a plain object, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = pathKeys(dotted);
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/** The keys of a dotted path; empty keys and keys that would reach an object's prototype are refused. */
export function pathKeys(dotted: string): string[] {
  const keys = dotted.split('.');
  if (keys.some((k) => k === '')) throw new ConfigError(`${quote(dotted)}: not a dotted config path (empty key; write e.g. optimizer.lr)`);
  const bad = keys.find((k) => k === '__proto__' || k === 'constructor' || k === 'prototype');
  if (bad) throw new ConfigError(`${quote(dotted)}: ${quote(bad)} is not a config key`);
  return keys;
}

export function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const k of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Parses `path=value` (value as JSON when it parses, else as a string). */
export function parseOverride(s: string): [string, unknown] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set expects path=value, got ${quote(s)}`);
  const key = s.slice(0, eq).trim();
  const text = s.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  return [key, value];
}

export function applyOverrides(raw: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const o of overrides) {
    const [k, v] = parseOverride(o);
    try {
      setPath(out, k, v);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`--set ${e.message}`);
      throw e;
    }
  }
  return out;
}

/** Largest grid a sweep may expand to (every point becomes a run folder). */
export const MAX_SWEEP_POINTS = 10_000;

export interface SweepPoint {
  /** the values of this point, by dotted path */
  point: Record<string, unknown>;
  /** raw config with the point applied and `sweep` removed */
  raw: Record<string, unknown>;
}

/** Expands `sweep` (a grid over dotted paths) into one raw config per point; no sweep gives one point. */
export function expandSweep(raw: Record<string, unknown>): SweepPoint[] {
  const sweep = raw.sweep as Record<string, unknown[]> | undefined;
  const base = structuredClone(raw);
  delete base.sweep;
  if (!sweep || !Object.keys(sweep).length) return [{ point: {}, raw: base }];
  for (const [k, vals] of Object.entries(sweep)) {
    if (!Array.isArray(vals) || !vals.length) throw new ConfigError(`$.sweep[${quote(k, 40)}]: expected a non-empty array of values`);
    if (k === 'sweep' || k.startsWith('sweep.')) throw new ConfigError(`$.sweep[${quote(k, 40)}]: cannot sweep the sweep`);
    try {
      pathKeys(k);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`$.sweep: ${e.message}`);
      throw e;
    }
  }
  const total = Object.values(sweep).reduce((n, vals) => n * vals.length, 1);
  if (total > MAX_SWEEP_POINTS) {
    throw new ConfigError(`$.sweep: the grid has ${total.toLocaleString('en-US')} points (at most ${MAX_SWEEP_POINTS.toLocaleString('en-US')}); sweep fewer values`);
  }
  let points: Record<string, unknown>[] = [{}];
  for (const [k, vals] of Object.entries(sweep)) {
    points = points.flatMap((p) => vals.map((v) => ({ ...p, [k]: v })));
  }
  return points.map((point) => {
    const r = structuredClone(base);
    for (const [k, v] of Object.entries(point)) setPath(r, k, v);
    return { point, raw: r };
  });
}

/** Validates every sweep point up front so a bad grid fails before the first run starts. */
export function resolveSweep(raw: Record<string, unknown>): { point: Record<string, unknown>; config: ExperimentConfig }[] {
  const infinite = nonFiniteProblems(raw);
  if (infinite.length) throw new ConfigError(`invalid config:\n  ${capProblems(infinite).join('\n  ')}`, infinite);
  if (raw.sweep !== undefined && (typeof raw.sweep !== 'object' || raw.sweep === null || Array.isArray(raw.sweep))) {
    throw new ConfigError('$.sweep: expected an object of dotted paths to arrays of values, e.g. {"optimizer.lr": [1e-3, 1e-4]}');
  }
  return expandSweep(raw).map(({ point, raw: r }, i) => {
    try {
      return { point, config: resolveConfig(r) };
    } catch (e) {
      if (e instanceof ConfigError && Object.keys(point).length) {
        throw new ConfigError(`sweep point ${i + 1} ${escapeControls(cut(JSON.stringify(point), 200))}: ${e.message}`, e.problems);
      }
      throw e;
    }
  });
}
