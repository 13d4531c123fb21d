/**
 * Writes a run directory. metrics.jsonl is appended with one synchronous write per record (each record ends with a
 * newline; a failed append is cut back), so a kill at any moment leaves every complete record readable. JSON files
 * and checkpoint folders are replaced atomically (src/runs/atomic.ts, checkpoint-files.ts). Every write error names
 * the run and the file. The writer takes the run's lease and keeps its heartbeat (src/runs/lease.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { RunEvent } from '../protocol/events';
import { appendRecord, describeWriteError, writeJsonAtomic } from './atomic';
import { writeCheckpointFolder, type CheckpointMeta } from './checkpoint-files';
import { currentLease, startHeartbeat } from './lease';
import { RUN_FILES, RUN_FORMAT_VERSION, type RunInfo, type RunSummary } from './format';
import { checkRunId } from './ids';

export { writeJsonAtomic } from './atomic';

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
  private stopHeartbeat: (() => void) | undefined;

  private constructor(dir: string, info: RunInfo) {
    this.dir = dir;
    this.info = info;
    try {
      this.metricsFd = fs.openSync(path.join(dir, RUN_FILES.metrics), 'a');
      this.logFd = fs.openSync(path.join(dir, RUN_FILES.log), 'a');
    } catch (e) {
      throw this.fileError(RUN_FILES.metrics, e, 'open');
    }
    if (info.lease?.pid === process.pid) this.stopHeartbeat = startHeartbeat(dir);
  }

  /** "run <id>: cannot write <file>: no space left on device (ENOSPC)" */
  private fileError(file: string, e: unknown, verb = 'write') {
    const err = describeWriteError(file, e, verb);
    err.message = `run ${this.info.id}: ${err.message.replace(/^run \S+: /, '')}`;
    return err;
  }

  /** Creates `<runsDir>/<id>/` with run.json and config.json. */
  static create(
    runsDir: string,
    init: Omit<RunInfo, 'formatVersion' | 'id' | 'createdAt' | 'status'> & { id?: string },
    config: unknown,
  ): RunWriter {
    const id = init.id ?? makeRunId(init.name);
    checkRunId(id, 'the run id');
    try {
      fs.mkdirSync(runsDir, { recursive: true });
    } catch (e) {
      throw describeWriteError(`the runs folder ${runsDir}`, e, 'create');
    }
    const dir = path.join(runsDir, id);
    // an executor (Slurm) may have created the directory as a queued placeholder, so that the run shows while its
    // job waits: the run takes it over, keeping its creation time and job
    const placeholder = readPlaceholder(dir);
    if (!placeholder) {
      try {
        fs.mkdirSync(dir, { recursive: false });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`run ${id} already exists in ${runsDir} (choose another --id)`);
        throw describeWriteError(`the run folder ${dir}`, e, 'create');
      }
    }
    const lease = currentLease();
    const info: RunInfo = {
      formatVersion: RUN_FORMAT_VERSION,
      ...placeholder,
      ...init,
      id,
      status: 'queued',
      createdAt: placeholder?.createdAt ?? new Date().toISOString(),
      pid: lease.pid,
      lease,
    };
    try {
      writeJsonAtomic(path.join(dir, RUN_FILES.config), config);
      writeJsonAtomic(path.join(dir, RUN_FILES.info), info);
    } catch (e) {
      throw describeWriteError(`${id}/${RUN_FILES.info}`, e);
    }
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
    try {
      writeJsonAtomic(path.join(this.dir, RUN_FILES.info), this.info);
    } catch (e) {
      throw this.fileError(RUN_FILES.info, e);
    }
  }

  append(event: RunEvent): void {
    try {
      appendRecord(this.metricsFd, JSON.stringify(event) + '\n');
    } catch (e) {
      throw this.fileError(RUN_FILES.metrics, e);
    }
  }

  log(line: string): void {
    try {
      appendRecord(this.logFd, `${new Date().toISOString()} ${line}\n`);
    } catch {
      /* the human log is best effort: a full disk is reported through the run's status, not by failing here */
    }
  }

  writeSummary(summary: RunSummary): void {
    try {
      writeJsonAtomic(path.join(this.dir, RUN_FILES.summary), summary);
    } catch (e) {
      throw this.fileError(RUN_FILES.summary, e);
    }
  }

  /** Creates `<runsDir>/<id>/` holding only a queued run.json: a run waiting in an executor's queue (a Slurm job). */
  static placeholder(runsDir: string, info: Omit<RunInfo, 'formatVersion' | 'createdAt' | 'status'> & { placeholder?: true }): string {
    checkRunId(info.id, 'the run id');
    const dir = path.join(runsDir, info.id);
    fs.mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, RUN_FILES.info), { formatVersion: RUN_FORMAT_VERSION, ...info, placeholder: true, status: 'queued', createdAt: new Date().toISOString() });
    return dir;
  }

  /**
   * Replaces checkpoints/<which>/ as a whole with these tables and meta.json (src/runs/checkpoint-files.ts). On an
   * error the previous checkpoint stays and no temp files remain.
   */
  writeCheckpoint(which: 'best' | 'last', tables: Record<string, Uint8Array>, meta: CheckpointMeta): void {
    const parent = path.join(this.dir, RUN_FILES.checkpoints);
    try {
      writeCheckpointFolder(parent, which, tables, meta);
    } catch (e) {
      const file = (e as { checkpointFile?: string }).checkpointFile;
      throw this.fileError(`${RUN_FILES.checkpoints}/${which}${file ? `/${file}` : ''}`, e);
    }
  }

  /**
   * The last writes of a run, each attempted even when an earlier one fails (a full disk): summary.json, the `end`
   * event, run.json with the end status. The lease is dropped with the pid. Returns the errors (empty when all
   * landed); if run.json could not be written, readers see the lease of a dead engine and show the run failed.
   */
  end(summary: RunSummary, endEvent: RunEvent, patch: Partial<RunInfo>): Error[] {
    const errors: Error[] = [];
    const attempt = (f: () => void): void => {
      try {
        f();
      } catch (e) {
        errors.push(e as Error);
      }
    };
    attempt(() => this.writeSummary(summary));
    attempt(() => this.append(endEvent));
    attempt(() => this.updateInfo({ ...patch, pid: undefined, lease: undefined }));
    return errors;
  }

  close(): void {
    this.stopHeartbeat?.();
    this.stopHeartbeat = undefined;
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
