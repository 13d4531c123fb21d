/**
 * Writes a run directory. metrics.jsonl is appended with one synchronous write per record (each record ends with a
 * newline), so a kill at any moment leaves every complete record readable. JSON files are replaced atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { RunEvent } from '../protocol/events';
import { RUN_FILES, RUN_FORMAT_VERSION, type RunInfo, type RunSummary } from './format';

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** A run id that sorts by creation time and stays readable: 20261122-103045-mf-bpr-3fa2 */
export function makeRunId(name: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
  return `${stamp}-${slug}-${crypto.randomBytes(2).toString('hex')}`;
}

export class RunWriter {
  readonly dir: string;
  info: RunInfo;
  private metricsFd: number;
  private logFd: number;

  private constructor(dir: string, info: RunInfo) {
    this.dir = dir;
    this.info = info;
    this.metricsFd = fs.openSync(path.join(dir, RUN_FILES.metrics), 'a');
    this.logFd = fs.openSync(path.join(dir, RUN_FILES.log), 'a');
  }

  /** Creates `<runsDir>/<id>/` with run.json and config.json. */
  static create(
    runsDir: string,
    init: Omit<RunInfo, 'formatVersion' | 'id' | 'createdAt' | 'status'> & { id?: string },
    config: unknown,
  ): RunWriter {
    fs.mkdirSync(runsDir, { recursive: true });
    const id = init.id ?? makeRunId(init.name);
    const dir = path.join(runsDir, id);
    // an executor (Slurm) may have created the directory as a queued placeholder, so that the run shows while its
    // job waits: the run takes it over, keeping its creation time and job
    const placeholder = readPlaceholder(dir);
    if (!placeholder) fs.mkdirSync(dir, { recursive: false });
    const info: RunInfo = {
      formatVersion: RUN_FORMAT_VERSION,
      ...placeholder,
      ...init,
      id,
      status: 'queued',
      createdAt: placeholder?.createdAt ?? new Date().toISOString(),
    };
    writeJsonAtomic(path.join(dir, RUN_FILES.config), config);
    writeJsonAtomic(path.join(dir, RUN_FILES.info), info);
    return new RunWriter(dir, info);
  }

  /** Opens an existing run directory (e.g. one created queued by the extension) for writing. */
  static open(dir: string): RunWriter {
    const info = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.info), 'utf8')) as RunInfo;
    return new RunWriter(dir, info);
  }

  /**
   * Rewrites run.json. The user may rename a run or add a note while it trains (the extension edits run.json), so
   * those two fields are taken from the file on disk: the user's edit wins over the engine's copy.
   */
  updateInfo(patch: Partial<RunInfo>): void {
    const onDisk = (() => {
      try {
        return JSON.parse(fs.readFileSync(path.join(this.dir, RUN_FILES.info), 'utf8')) as Partial<RunInfo>;
      } catch {
        return {};
      }
    })();
    const user: Partial<RunInfo> = {};
    if (typeof onDisk.name === 'string') user.name = onDisk.name;
    if (typeof onDisk.note === 'string') user.note = onDisk.note;
    this.info = { ...this.info, ...user, ...patch, heartbeatAt: new Date().toISOString() };
    writeJsonAtomic(path.join(this.dir, RUN_FILES.info), this.info);
  }

  append(event: RunEvent): void {
    fs.writeSync(this.metricsFd, JSON.stringify(event) + '\n');
  }

  log(line: string): void {
    fs.writeSync(this.logFd, `${new Date().toISOString()} ${line}\n`);
  }

  writeSummary(summary: RunSummary): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.summary), summary);
  }

  /** Creates `<runsDir>/<id>/` holding only a queued run.json: a run waiting in an executor's queue (a Slurm job). */
  static placeholder(runsDir: string, info: Omit<RunInfo, 'formatVersion' | 'createdAt' | 'status'> & { placeholder?: true }): string {
    const dir = path.join(runsDir, info.id);
    fs.mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, RUN_FILES.info), { formatVersion: RUN_FORMAT_VERSION, ...info, placeholder: true, status: 'queued', createdAt: new Date().toISOString() });
    return dir;
  }

  checkpointDir(which: 'best' | 'last'): string {
    const d = path.join(this.dir, RUN_FILES.checkpoints, which);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  close(): void {
    try {
      fs.closeSync(this.metricsFd);
      fs.closeSync(this.logFd);
    } catch {
      /* already closed */
    }
  }
}

/** The run.json of a queued placeholder directory (RunWriter.placeholder), or undefined. */
function readPlaceholder(dir: string): RunInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.info), 'utf8')) as RunInfo & { placeholder?: boolean };
    if (!info.placeholder || info.status !== 'queued' || fs.existsSync(path.join(dir, RUN_FILES.metrics))) return undefined;
    delete info.placeholder;
    return info;
  } catch {
    return undefined;
  }
}
