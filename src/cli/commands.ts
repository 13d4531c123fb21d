/**
 * The CLI's commands as functions (also used by the engine child process and the tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from '../engine/config/types';
import { ConfigError, applyOverrides, resolveConfig, resolveSweep } from '../engine/config/validate';
import { editorSchema } from '../engine/config/schema';
import { configReferenceMarkdown } from '../engine/config/reference';
import { train, type TrainResult, describeConfig } from '../engine/train';
import { itemPopularity } from '../engine/data/csr';
import { loadDataset, datasetStats } from '../engine/data';
import { Evaluator, withSampledMetrics } from '../engine/eval';
import { initBackend } from '../engine/tensor/backend';
import type { RunEvent } from '../protocol/events';
import { inspectRun, readConfig, readEventsReport, scanRuns, skippedLinesText, type RunRecord } from '../runs/reader';
import { livenessNote, settleIfDead } from '../runs/lease';
import { runIdProblem } from '../runs/ids';
import { findCheckpointDir, readCheckpoint } from '../engine/checkpoint';
import { fmtDuration, fmtMetric, table } from './console-reporter';

export interface LoadedConfig {
  raw: Record<string, unknown>;
  path: string;
  baseDir: string;
}

/** Reads a config file; JSON syntax errors name the file, line and column. */
export function readConfigFile(file: string, overrides: string[] = []): LoadedConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      where = `:${line}:${pos - before.lastIndexOf('\n')}`;
    }
    throw new ConfigError(`${file}${where}: invalid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: $: expected an object`);
  return { raw: applyOverrides(raw as Record<string, unknown>, overrides), path: abs, baseDir: path.dirname(abs) };
}

export function loadConfig(file: string, overrides: string[] = []): { config: ExperimentConfig; loaded: LoadedConfig } {
  const loaded = readConfigFile(file, overrides);
  if (loaded.raw.sweep) {
    const copy = { ...loaded.raw };
    delete copy.sweep;
    return { config: withFile(file, () => resolveConfig(copy)), loaded };
  }
  return { config: withFile(file, () => resolveConfig(loaded.raw)), loaded };
}

function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.message}`, e.problems);
    throw e;
  }
}

export interface TrainCommandOptions {
  runsDir: string;
  runId?: string;
  overrides?: string[];
  /** one point of a sweep run as its own process (the extension's queue): applied like --set and recorded in run.json */
  sweepPoint?: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  onCreated?: (runId: string, runDir: string) => void;
}

export async function trainCommand(configFile: string, o: TrainCommandOptions): Promise<TrainResult> {
  if (o.runId !== undefined) {
    const p = runIdProblem(o.runId);
    if (p) throw new ConfigError(`--id: ${p}`);
  }
  const pointOverrides = Object.entries(o.sweepPoint ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const { config, loaded } = loadConfig(configFile, [...(o.overrides ?? []), ...pointOverrides]);
  return train({
    config, baseDir: loaded.baseDir, runsDir: o.runsDir, runId: o.runId, configPath: loaded.path, sweepPoint: o.sweepPoint,
    signal: o.signal, onEvent: o.onEvent, onCreated: o.onCreated,
  });
}

/** Parses `--point '{"optimizer.lr": 0.001}'`. */
export function parsePoint(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ConfigError(`--point expects a JSON object like {"optimizer.lr": 0.001}, got ${text}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`--point expects a JSON object, got ${text}`);
  return v as Record<string, unknown>;
}

export interface SweepCommandOptions extends TrainCommandOptions {
  onRunStart?: (index: number, total: number, point: Record<string, unknown>) => void;
}

/** Runs every sweep point in a queue (one at a time), sharing the loaded dataset and the evaluator. */
export async function sweepCommand(configFile: string, o: SweepCommandOptions): Promise<{ results: TrainResult[]; points: Record<string, unknown>[] }> {
  const loaded = readConfigFile(configFile, o.overrides);
  const points = withFile(configFile, () => resolveSweep(loaded.raw));
  const results: TrainResult[] = [];
  const evaluator = new Evaluator({ workers: points[0].config.eval.workers });
  let dataset: Awaited<ReturnType<typeof loadDataset>> | undefined;
  let datasetKey = '';
  try {
    for (let i = 0; i < points.length; i++) {
      if (o.signal?.aborted) break;
      const { point, config } = points[i];
      const key = JSON.stringify([config.dataset, config.split, config.seed]);
      if (key !== datasetKey) {
        dataset = await loadDataset(config, loaded.baseDir);
        datasetKey = key;
      }
      o.onRunStart?.(i, points.length, point);
      try {
        results.push(await train({ config, baseDir: loaded.baseDir, runsDir: o.runsDir, configPath: loaded.path, sweepPoint: point, signal: o.signal, onEvent: o.onEvent, dataset, evaluator }));
      } catch (e) {
        const r = (e as Error & { result?: TrainResult }).result;
        if (!r) throw e;
        results.push(r); // a failed point does not stop the sweep; its run says why
      }
    }
  } finally {
    await evaluator.close();
  }
  return { results, points: points.map((p) => p.point) };
}

/**
 * A run as listings show it: a `running` run whose engine is gone is recorded failed (once, by whoever notices
 * first: src/runs/lease.ts) and shown so; a run on another host or not verifiable here gets a note.
 */
function withLiveness(r: RunRecord, notes: string[]): RunRecord {
  const { info, liveness } = settleIfDead(r.dir, r.info);
  if (info.status === 'failed' && r.info.status !== 'failed') notes.push(`${r.id}: failed — ${info.reason}`);
  const note = liveness ? livenessNote(liveness) : undefined;
  if (note) notes.push(`${r.id}: ${info.status} ${note}`);
  for (const p of r.problems ?? []) notes.push(`${r.id}: ${p}`);
  return info === r.info ? r : { ...r, info };
}

function withNotes(text: string, notes: string[]): string {
  return notes.length ? `${text}\n\n${notes.join('\n')}` : text;
}

/** A comparison table of runs: best selection metric, its epoch, test metrics at best, wall time. Unreadable runs and skipped metrics lines are listed below it. */
export function compareTable(runDirs: string[]): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  let metricKeys: string[] = [];
  for (const dir of runDirs) {
    const inspected = inspectRun(dir);
    if ('unreadable' in inspected) {
      rows.push([path.basename(dir), 'unreadable', '—']);
      notes.push(`${path.basename(dir)}: unreadable — ${inspected.unreadable.reason}`);
      continue;
    }
    const r = withLiveness(inspected.record, notes);
    const { info, summary: s } = r;
    const { skipped } = readEventsReport(dir);
    if (skipped) notes.push(`${r.id}: ${skippedLinesText(skipped)}`);
    const test = s?.bestTest ?? (s?.selectSplit === 'test' ? s.best : undefined);
    if (!metricKeys.length && test) metricKeys = Object.keys(test).filter((k) => /@(20)$/.test(k));
    rows.push([
      info.name,
      info.status,
      s?.bestEpoch !== undefined ? String(s.bestEpoch) : '—',
      ...metricKeys.map((k) => fmtMetric(test?.[k] ?? undefined)),
      s ? fmtDuration(s.wallSeconds) : '—',
    ]);
  }
  const width = 4 + metricKeys.length;
  return withNotes(table(['run', 'status', 'best ep', ...metricKeys.map((k) => `test ${k}`), 'wall'], rows.map((r) => [...r, ...Array(Math.max(0, width - r.length)).fill('—')])), notes);
}

export async function evalCommand(runDir: string, which: 'best' | 'last' = 'best'): Promise<Record<string, number>> {
  const inspected = inspectRun(runDir);
  if ('unreadable' in inspected) throw new Error(`${runDir}: not a readable run directory (${inspected.unreadable.reason})`);
  const config = readConfig(runDir);
  const info = inspected.record.info;
  if (!config) throw new Error(`${runDir}: not a run directory (config.json missing or unreadable)`);
  if (!findCheckpointDir(runDir, which)) {
    const epoch = info.progress ? `, epoch ${info.progress.epoch}/${info.progress.epochs}` : '';
    const when = which === 'best' ? 'its first evaluation' : 'the end of its first epoch';
    throw new Error(`run ${inspected.record.id} has no ${which} checkpoint: it ${info.status === 'running' ? 'has not reached' : `ended (${info.status}${epoch}) before`} ${when}${info.status === 'running' ? ' yet' : ''}`);
  }
  const ck = readCheckpoint(runDir, which);
  const baseDir = info.configPath ? path.dirname(info.configPath) : process.cwd();
  const ds = await loadDataset(config, baseDir);
  await initBackend(config.train.backend);
  const ev = new Evaluator({ workers: config.eval.workers });
  try {
    const score = config.model.evalScore === 'same' ? config.model.score : config.model.evalScore;
    const req = {
      users: ck.users, items: ck.items, dim: ck.dim, score,
      mask: ds.valid ? [ds.train, ds.valid] : [ds.train], target: ds.test, ks: config.eval.ks, metrics: config.eval.metrics,
      popularity: config.eval.popularityGroups ? { counts: itemPopularity(ds.train), groups: config.eval.popularityGroups, k: 20 } : undefined,
      itemCounts: itemPopularity(ds.train), headShare: config.eval.headShare,
    };
    const r = withSampledMetrics(await ev.evaluate(req), req, config.eval.sampledNegatives ?? 0, config.seed);
    return r.metrics;
  } finally {
    await ev.close();
  }
}

export async function datasetStatsCommand(configFile: string, overrides: string[] = []): Promise<string> {
  const { config, loaded } = loadConfig(configFile, overrides);
  const ds = await loadDataset(config, loaded.baseDir);
  const s = datasetStats(ds);
  return table(
    ['dataset', 'users', 'items', 'train', 'valid', 'test', 'density', 'gini(pop)'],
    [[s.name, String(s.users), String(s.items), String(s.train), String(s.valid), String(s.test), s.density.toExponential(3), s.giniItemPopularity.toFixed(4)]],
  );
}

export function schemaCommand(out?: string, markdown = false): string {
  const text = markdown ? configReferenceMarkdown() : JSON.stringify(editorSchema(), null, 2) + '\n';
  if (out) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
  }
  return text;
}

export function runsCommand(runsDir: string): string {
  const { runs, unreadable } = scanRuns(runsDir);
  const notes: string[] = [];
  const shown = runs.map((r) => withLiveness(r, notes));
  for (const u of unreadable) notes.push(`${u.id}: unreadable — ${u.reason}`);
  const rows = [
    ...shown.map((r) => [
      r.id, r.info.status, r.info.progress ? `${r.info.progress.epoch}/${r.info.progress.epochs}` : '—',
      r.summary?.best ? `${r.summary.selectMetric} ${fmtMetric(r.summary.best[r.summary.selectMetric] ?? undefined)}` : '—',
      (() => { const c = readConfig(r.dir); try { return c ? describeConfig(c) : '—'; } catch { return '—'; } })(),
    ]),
    ...unreadable.map((u) => [u.id, 'unreadable', '—', '—', '—']),
  ];
  return withNotes(table(['id', 'status', 'epoch', 'best', 'config'], rows), notes);
}
