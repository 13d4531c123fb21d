/**
 * The CLI's commands as functions (also used by the engine child process and the tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from '../engine/config/types';
import { ConfigError, applyOverrides, resolveConfig } from '../engine/config/validate';
import { lineColumn, parseJsonText } from '../engine/config/json-text';
import { safeMessage, quote } from '../engine/text/quote';
import { runFolderError, systemReason, SystemErrorMessage } from '../engine/text/system-error';
import { measureTime, planTime, formatTime, type TimeEstimate } from '../engine/estimate-time';
import { checkMemory, estimateMemory, formatEstimate, machineMemory, MemoryLimitError, shapeFromConfig, type MemoryEstimate } from '../engine/estimate';
import type { Dataset } from '../engine/data/types';
import { editorSchema } from '../engine/config/schema';
import { configReferenceMarkdown } from '../engine/config/reference';
import { train, type TrainResult, describeConfig } from '../engine/train';
import { itemPopularity } from '../engine/data/csr';
import { loadDataset, datasetStats } from '../engine/data';
import { Evaluator, evaluatorOptionsFor, withSampledMetrics } from '../engine/eval';
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

/** Largest config file read (a config is a small JSON object; anything bigger is the wrong file). */
const MAX_CONFIG_BYTES = 16 << 20;

/** Reads a config file; every JSON syntax error names the file, line and column (strict JSON: see json-text.ts). */
export function readConfigFile(file: string, overrides: string[] = []): LoadedConfig {
  const abs = path.resolve(file);
  const shown = safeMessage(file, 300);
  let bytes: Buffer;
  try {
    const st = fs.statSync(abs);
    if (st.isDirectory()) throw new ConfigError(`${shown}: is a folder, expected a config file (*.reclab.json)`);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(`${shown}: is ${(st.size / 2 ** 20).toFixed(0)} MB, too large for a config file (a *.reclab.json is a small JSON object)`);
    bytes = fs.readFileSync(abs);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${shown}: cannot read the config file: ${systemReason(e)}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const { line, column } = lineColumn(bytes.subarray(0, bad).toString('utf8'), bad);
    throw new ConfigError(`${shown}:${line}:${column}: the file is not UTF-8 text (byte 0x${bytes[bad].toString(16).padStart(2, '0')}); save it as UTF-8`);
  }
  const { value: raw, problems } = parseJsonText(text);
  if (problems.length) {
    const shownProblems = problems.slice(0, 10).map((p) => `${shown}:${p.line}:${p.column}: ${p.message}`);
    if (problems.length > 10) shownProblems.push(`… and ${problems.length - 10} more JSON errors`);
    throw new ConfigError(`${shownProblems[0].replace(/: ([^:]*)$/, ': invalid JSON: $1')}${shownProblems.length > 1 ? '\n' + shownProblems.slice(1).join('\n') : ''}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${shown}: $: expected a JSON object ({ "name": …, … }), found ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`);
  return { raw: applyOverrides(raw as Record<string, unknown>, overrides), path: abs, baseDir: path.dirname(abs) };
}

/** Offset of the first byte that is not valid UTF-8. */
function firstInvalidUtf8(b: Buffer): number {
  let lo = 0;
  let hi = b.length;
  const ok = (n: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return Math.min(lo, b.length - 1);
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
  /**
   * read the dataset (and check the memory) before the run folder is created, so bad data or a config too big for
   * this machine leaves no run behind (the CLI); otherwise the run exists while its data loads (the extension shows it)
   */
  loadFirst?: boolean;
  onLoadProgress?: (fraction: number, message: string) => void;
}

export async function trainCommand(configFile: string, o: TrainCommandOptions): Promise<TrainResult> {
  if (o.runId !== undefined) {
    const p = runIdProblem(o.runId);
    if (p) throw new ConfigError(`--id: ${p}`);
  }
  const pointOverrides = Object.entries(o.sweepPoint ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const { config, loaded } = loadConfig(configFile, [...(o.overrides ?? []), ...pointOverrides]);
  checkRunsFolder(o.runsDir);
  checkCheckpointPaths(configFile, config, loaded.baseDir);
  let dataset: Dataset | undefined;
  if (o.loadFirst) {
    // refuse what cannot fit before reading anything (synthetic sizes are known from the config) …
    if (shapeFromConfig(config)) checkFits(configFile, estimateMemory(config));
    dataset = await loadDataset(config, loaded.baseDir, o.onLoadProgress, o.signal);
    // … and with the real counts once the data is read (train() checks again; this one runs before any run folder)
    checkFits(configFile, estimateMemory(config, datasetStats(dataset)));
  }
  return train({
    config, baseDir: loaded.baseDir, runsDir: o.runsDir, runId: o.runId, configPath: loaded.path, sweepPoint: o.sweepPoint,
    signal: o.signal, onEvent: o.onEvent, onCreated: o.onCreated, dataset,
  });
}

/** checkMemory, with the config file named in the message. */
function checkFits(configFile: string, e: MemoryEstimate): void {
  try {
    checkMemory(e, machineMemory(process.memoryUsage().rss));
  } catch (err) {
    if (err instanceof MemoryLimitError) throw new MemoryLimitError(`${safeMessage(configFile, 300)}: ${err.message}`, err.estimate);
    throw err;
  }
}

/** Checkpoints the config starts from (model.init.from, the hard-rank sampler's checkpoint) exist, before anything runs. */
function checkCheckpointPaths(configFile: string, c: ExperimentConfig, baseDir: string): void {
  const need: [string, string, 'best' | 'last', string | undefined][] = [];
  if (c.model.init.from) need.push(['$.model.init.from', c.model.init.from, 'best', undefined]);
  const s = c.sampler as { kind: string; checkpoint?: string; which?: 'best' | 'last'; experiment?: string };
  if (s.kind === 'hard-rank' && s.checkpoint) need.push(['$.sampler.checkpoint', s.checkpoint, s.which ?? 'best', s.experiment || undefined]);
  for (const [at, where, which, experiment] of need) {
    if (!findCheckpointDir(path.resolve(baseDir, where), which, experiment)) {
      throw new ConfigError(`${safeMessage(configFile, 300)}: ${at}: no ${which} checkpoint at ${quote(where, 200)} (give a run directory, its checkpoints/${which} folder, or a runs folder holding a run${experiment ? ` of experiment ${quote(experiment)}` : ''})`);
    }
  }
}

/**
 * Fails early, in words, when runs cannot be written under runsDir: it is a file, a part of its path is a file, or it
 * is not writable. A folder that does not exist yet is fine (it is created with the first run).
 */
export function checkRunsFolder(runsDir: string): void {
  let dir = runsDir;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw runFolderError(e, runsDir); // ENOTDIR: a parent is a file, found below
    }
    if (st) {
      if (!st.isDirectory()) throw runFolderError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR', syscall: 'mkdir', path: dir }), runsDir);
      try {
        fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
      } catch (e) {
        throw runFolderError(e, runsDir);
      }
      return;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Parses `--point '{"optimizer.lr": 0.001}'`. */
export function parsePoint(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ConfigError(`--point expects a JSON object like {"optimizer.lr": 0.001}, got ${quote(text)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`--point expects a JSON object, got ${quote(text)}`);
  return v as Record<string, unknown>;
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
  const ev = new Evaluator(evaluatorOptionsFor(config));
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

/**
 * `reclab estimate <config>`: the memory a run needs, part by part, and this machine's memory; then its time, measured
 * on a few real steps and one evaluation block (src/engine/estimate-time.ts). Synthetic sizes come from the config;
 * file datasets are read to count users, items and interactions. The time is measured only when the run fits in memory
 * (`steps`: timed steps at most; 0 skips the time); `onMemory` gets the memory part before the time is measured.
 * Nothing is written.
 */
export async function estimateCommand(
  configFile: string, overrides: string[] = [], signal?: AbortSignal, o: { steps?: number; onMemory?: (text: string) => void } = {},
): Promise<{ text: string; estimate: MemoryEstimate; fits: boolean; time?: TimeEstimate }> {
  const { config, loaded } = loadConfig(configFile, overrides);
  const fromConfig = shapeFromConfig(config);
  const measure = (o.steps ?? 10) > 0;
  const l0 = performance.now();
  const dataset = !fromConfig || measure ? await loadDataset(config, loaded.baseDir, undefined, signal) : undefined;
  const loadSeconds = (performance.now() - l0) / 1000;
  const estimate = estimateMemory(config, fromConfig ?? datasetStats(dataset!));
  const machine = machineMemory(dataset ? process.memoryUsage().rss : 0);
  let verdict = 'fits in this machine\'s available memory';
  let fits = true;
  try {
    checkMemory(estimate, machine, {});
  } catch (e) {
    fits = false;
    verdict = `does not fit: ${(e as Error).message}`;
  }
  const text = `${formatEstimate(estimate, machine)}\n${verdict}`;
  o.onMemory?.(text);
  if (!measure) return { text, estimate, fits };
  if (!fits) return { text: `${text}\ntime: not measured (the run does not fit in memory)`, estimate, fits };
  const time = planTime(config, await measureTime(config, dataset!, loaded.baseDir, { steps: o.steps, signal, loadSeconds }));
  return { text: `${text}\n${formatTime(time)}`, estimate, fits, time };
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
  const { runs, unreadable, error } = scanRuns(runsDir);
  if (error) throw new SystemErrorMessage(error);
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
