/**
 * Durable, atomic file writes for the run directory (docs/reliability.md).
 *
 * - `writeFileAtomic`: the bytes go to a temp file in the same folder (same file system, so the rename is atomic),
 *   are fsynced, then the temp file is renamed over the target and the folder is fsynced. A reader sees the old file or
 *   the new one, never a prefix; a kill leaves at most a `.<name>.<pid>.<rand>.tmp` that writers never read; an error
 *   (ENOSPC, EACCES) removes the temp file and leaves the old file untouched.
 * - `appendLine`: one record per write, looped over short writes; a failed append is cut back to the previous length,
 *   so a full disk never leaves a torn line in the middle of metrics.jsonl.
 * - `RunFileError`: a write error that names the run and the file ("run X: cannot write checkpoints/best/user.f32:
 *   no space left on device (ENOSPC)").
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

export class RunFileError extends Error {
  constructor(readonly file: string, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'RunFileError';
  }
}

const SYSTEM_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOENT: 'the folder no longer exists',
};

/** "cannot write <what>: no space left on device (ENOSPC)" — for the run directory's files. */
export function describeWriteError(what: string, e: unknown, verb = 'write'): RunFileError {
  if (e instanceof RunFileError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  const text = code ? `${SYSTEM_TEXT[code] ?? err.message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')} (${code})` : String(err?.message ?? e);
  return new RunFileError(what, code, `cannot ${verb} ${what}: ${text}`);
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(3).toString('hex')}.tmp`);
}

/** True for the temp files `writeFileAtomic` creates (readers and listings skip them). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) off += fs.writeSync(fd, data, off, data.byteLength - off);
}

/** fsync of a folder, so a rename inside it survives a power cut (not supported everywhere: best effort). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* Windows and some file systems cannot fsync a folder */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export interface AtomicOptions {
  /** fsync the file and its folder (default true); false for heartbeats and other cheap rewrites */
  durable?: boolean;
}

/** Replaces `file` with `data` atomically (see the module comment). Throws the raw system error; the temp is gone. */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicOptions = {}): void {
  const durable = opts.durable ?? true;
  const tmp = tempName(file);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    writeAll(fd, bytes);
    if (durable) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  if (durable) fsyncDir(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown, opts?: AtomicOptions): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}

/**
 * Appends `text` (one complete record ending in '\n') to the file open at `fd` in append mode. On any error the file
 * is cut back to its previous length before rethrowing, so the file only ever grows by whole records.
 */
export function appendRecord(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const before = fs.fstatSync(fd).size;
  try {
    writeAll(fd, bytes);
  } catch (e) {
    try {
      fs.ftruncateSync(fd, before);
    } catch {
      /* the reader ignores an unterminated last line; the next successful append would follow it, so we tried */
    }
    throw e;
  }
}
