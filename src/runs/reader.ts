/**
 * Reads run directories. Tolerant by design: a run that is being written, or was killed mid-line, still reads; a
 * truncated last line of metrics.jsonl is ignored. Everything read is validated (src/runs/schema.ts): a run.json that
 * is empty, truncated, an array or has wrong field types makes that run *unreadable* with a reason — listed as such,
 * never crashing a listing or hiding the other runs — and metrics lines that are torn or not events are counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '../protocol/events';
import type { ExperimentConfig } from '../engine/config/types';
import { RUN_FILES, type RunInfo, type RunSummary } from './format';
import { isValidEvent, runInfoProblem, schemaProblem, SUMMARY_SCHEMA } from './schema';
import { systemReason } from '../engine/text/system-error';

export interface RunRecord {
  /** the run's folder name (equal to info.id for runs RecLab wrote) */
  id: string;
  dir: string;
  info: RunInfo;
  summary?: RunSummary;
  /** things a reader should know (an unreadable summary.json, an id that differs from its folder, …) */
  problems?: string[];
}

/** A folder of the runs directory that looks like a run but cannot be read. */
export interface UnreadableRun {
  id: string;
  dir: string;
  reason: string;
}

type JsonResult<T> = { value: T } | { error: string };

function readJsonFile<T>(file: string): JsonResult<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'missing' : `cannot be read: ${systemReason(e)}${code ? ` (${code})` : ''}` };
  }
  if (!text.trim()) return { error: 'is empty' };
  try {
    return { value: JSON.parse(text) as T };
  } catch (e) {
    return { error: `is not valid JSON (${(e as Error).message.replace(/\s+/g, ' ').slice(0, 120)})` };
  }
}

function readJson<T>(file: string): T | undefined {
  const r = readJsonFile<T>(file);
  return 'value' in r ? r.value : undefined;
}

/** run.json, validated; undefined when missing or unreadable (see `inspectRun` for the reason). */
export function readRunInfo(dir: string): RunInfo | undefined {
  const r = readJsonFile<RunInfo>(path.join(dir, RUN_FILES.info));
  return 'value' in r && !runInfoProblem(r.value) ? r.value : undefined;
}

export function readSummary(dir: string): RunSummary | undefined {
  const s = readJson<RunSummary>(path.join(dir, RUN_FILES.summary));
  return s !== undefined && !schemaProblem(SUMMARY_SCHEMA, s) ? s : undefined;
}

export function readConfig(dir: string): ExperimentConfig | undefined {
  const c = readJson<ExperimentConfig>(path.join(dir, RUN_FILES.config));
  return c && typeof c === 'object' && !Array.isArray(c) ? c : undefined;
}

/** Reads one run folder: its record, or why it is unreadable. */
export function inspectRun(dir: string): { record: RunRecord } | { unreadable: UnreadableRun } {
  const id = path.basename(dir);
  const r = readJsonFile<RunInfo>(path.join(dir, RUN_FILES.info));
  if ('error' in r) return { unreadable: { id, dir, reason: `run.json ${r.error}` } };
  const problem = runInfoProblem(r.value);
  if (problem) return { unreadable: { id, dir, reason: `run.json: ${problem}` } };
  const info = r.value;
  const problems: string[] = [];
  if (info.id !== id) problems.push(`run.json names the run ${JSON.stringify(info.id)}, its folder is ${JSON.stringify(id)}`);
  let summary: RunSummary | undefined;
  const s = readJsonFile<RunSummary>(path.join(dir, RUN_FILES.summary));
  if ('value' in s) {
    const sp = schemaProblem(SUMMARY_SCHEMA, s.value);
    if (sp) problems.push(`summary.json ignored: ${sp}`);
    else summary = s.value;
  } else if (s.error !== 'missing') problems.push(`summary.json ${s.error}`);
  return { record: { id, dir, info, summary, ...(problems.length ? { problems } : {}) } };
}

export function readRun(dir: string): RunRecord | undefined {
  const r = inspectRun(dir);
  return 'record' in r ? r.record : undefined;
}

/** Parses JSONL text; returns the valid records, the byte length of the complete lines consumed, and how many complete lines were skipped (not JSON, or not a run event). */
export function parseEvents(text: string): { events: RunEvent[]; consumed: number; skipped: number } {
  const events: RunEvent[] = [];
  let skipped = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const line = text.slice(start, nl);
    start = nl + 1;
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++; // a torn or garbage line in the middle: skip it, keep the rest, and say so
      continue;
    }
    if (isValidEvent(value)) events.push(value as RunEvent);
    else skipped++;
  }
  return { events, consumed: Buffer.byteLength(text.slice(0, start)), skipped };
}

export function readEvents(dir: string): RunEvent[] {
  return readEventsReport(dir).events;
}

/** All events of a run and the number of unreadable lines skipped (a truncated last line is not counted). */
export function readEventsReport(dir: string): { events: RunEvent[]; skipped: number } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8');
  } catch {
    return { events: [], skipped: 0 };
  }
  const { events, skipped } = parseEvents(text);
  return { events, skipped };
}

/** "3 unreadable lines of metrics.jsonl skipped" */
export function skippedLinesText(n: number): string {
  return `${n} unreadable line${n === 1 ? '' : 's'} of metrics.jsonl skipped`;
}

/**
 * Incremental reader of a growing metrics.jsonl: each call returns only the records appended since the last call.
 */
export class EventTail {
  private offset = 0;
  private pending = Buffer.alloc(0);
  /** complete lines skipped so far (torn or not events) */
  skipped = 0;
  constructor(private readonly file: string) {}

  read(): RunEvent[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) {
        // file was replaced: start over
        this.offset = 0;
        this.pending = Buffer.alloc(0);
        this.skipped = 0;
      }
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const all = this.pending.length ? Buffer.concat([this.pending, buf]) : buf;
      const lastNl = all.lastIndexOf(10);
      if (lastNl < 0) {
        this.pending = all;
        return [];
      }
      this.pending = all.subarray(lastNl + 1);
      const parsed = parseEvents(all.subarray(0, lastNl + 1).toString('utf8'));
      this.skipped += parsed.skipped;
      return parsed.events;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Lists the readable runs of a runs directory, newest first. */
export function listRuns(runsDir: string): RunRecord[] {
  return scanRuns(runsDir).runs;
}

const RUN_MARKERS = [RUN_FILES.info, RUN_FILES.config, RUN_FILES.metrics, RUN_FILES.summary];
/** a folder this young without run.json is a run being created, not a broken one */
export const CREATING_MS = 10_000;

/**
 * The runs of a runs directory, newest first, and the folders that look like runs but cannot be read (with the
 * reason). Names starting with '.' (host bookkeeping, temp files) and folders holding no run file are ignored.
 * A runs directory that does not exist yet has no runs; one that cannot be listed (a file, no permission) gives
 * `error`, in words, so that callers never mistake it for an empty folder.
 */
export function scanRuns(runsDir: string, now = Date.now()): { runs: RunRecord[]; unreadable: UnreadableRun[]; error?: string } {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { runs: [], unreadable: [] };
    const reason = code === 'ENOTDIR' ? 'it is a file, not a folder' : systemReason(e);
    return { runs: [], unreadable: [], error: `cannot list the runs folder ${runsDir}: ${reason}${code ? ` (${code})` : ''}` };
  }
  const runs: RunRecord[] = [];
  const unreadable: UnreadableRun[] = [];
  for (const n of names.sort()) {
    if (n.startsWith('.') || n === 'lost+found') continue;
    const dir = path.join(runsDir, n);
    const r = inspectRun(dir);
    if ('record' in r) {
      runs.push(r.record);
      continue;
    }
    const closed = folderUnreadable(dir);
    if (closed) unreadable.push({ id: n, dir, reason: closed });
    else if (looksLikeRun(dir, now)) unreadable.push(r.unreadable);
  }
  runs.sort(newestFirst);
  return { runs, unreadable };
}

/** Why a folder of the runs directory cannot be looked into (permission denied …), or undefined. */
function folderUnreadable(dir: string): string | undefined {
  try {
    if (!fs.statSync(dir).isDirectory()) return undefined;
    fs.readdirSync(dir);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return `the run folder cannot be read: ${systemReason(e)}${code ? ` (${code})` : ''}`;
  }
}

/** True when `dir` is a folder holding run files (and, without run.json, is not a run still being created). */
export function looksLikeRun(dir: string, now = Date.now()): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return false;
  }
  if (!st.isDirectory()) return false;
  if (fs.existsSync(path.join(dir, RUN_FILES.info))) return true;
  if (!RUN_MARKERS.some((f) => fs.existsSync(path.join(dir, f)))) return false;
  return now - st.mtimeMs > CREATING_MS;
}

export function newestFirst(a: RunRecord, b: RunRecord): number {
  return a.info.createdAt < b.info.createdAt ? 1 : a.info.createdAt > b.info.createdAt ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when the pid in run.json belongs to a live process (signal 0 probe). */
export function isProcessAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
