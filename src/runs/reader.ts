/**
 * Reads run directories. Tolerant by design: a run that is being written, or was killed mid-line, still reads; a
 * truncated last line of metrics.jsonl is ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '../protocol/events';
import type { ExperimentConfig } from '../engine/config/types';
import { RUN_FILES, type RunInfo, type RunSummary } from './format';

export interface RunRecord {
  id: string;
  dir: string;
  info: RunInfo;
  summary?: RunSummary;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readRunInfo(dir: string): RunInfo | undefined {
  return readJson<RunInfo>(path.join(dir, RUN_FILES.info));
}

export function readSummary(dir: string): RunSummary | undefined {
  return readJson<RunSummary>(path.join(dir, RUN_FILES.summary));
}

export function readConfig(dir: string): ExperimentConfig | undefined {
  return readJson<ExperimentConfig>(path.join(dir, RUN_FILES.config));
}

export function readRun(dir: string): RunRecord | undefined {
  const info = readRunInfo(dir);
  if (!info) return undefined;
  return { id: info.id, dir, info, summary: readSummary(dir) };
}

/** Parses JSONL text; returns the records and the byte length of the complete lines consumed. */
export function parseEvents(text: string): { events: RunEvent[]; consumed: number } {
  const events: RunEvent[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const line = text.slice(start, nl);
    start = nl + 1;
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // a corrupt line in the middle (should not happen with append-only writes): skip it, keep the rest
    }
  }
  return { events, consumed: Buffer.byteLength(text.slice(0, start)) };
}

export function readEvents(dir: string): RunEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8');
  } catch {
    return [];
  }
  return parseEvents(text).events;
}

/**
 * Incremental reader of a growing metrics.jsonl: each call returns only the records appended since the last call.
 */
export class EventTail {
  private offset = 0;
  private pending = Buffer.alloc(0);
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
      return parseEvents(all.subarray(0, lastNl + 1).toString('utf8')).events;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Lists the runs of a runs directory, newest first. */
export function listRuns(runsDir: string): RunRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return [];
  }
  const runs: RunRecord[] = [];
  for (const n of names) {
    const r = readRun(path.join(runsDir, n));
    if (r) runs.push(r);
  }
  runs.sort((a, b) => (a.info.createdAt < b.info.createdAt ? 1 : a.info.createdAt > b.info.createdAt ? -1 : 0));
  return runs;
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
