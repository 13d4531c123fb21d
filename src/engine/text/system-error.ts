/**
 * Operating-system errors in words: what RecLab was doing, on which path, and why it failed
 * ("cannot create the runs folder runs/: a file with that name exists") instead of `EEXIST: file already exists, mkdir`.
 */
import { safeMessage } from './quote';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
};

/** The reason of a system error, in words (`permission denied`), or the error's own message. */
export function systemReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code && REASONS[code] ? REASONS[code] : safeMessage(String((e as Error)?.message ?? e), 300);
}

/** Whether e is a Node system error (has an errno code such as ENOENT). */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && typeof (e as NodeJS.ErrnoException)?.syscall === 'string';
}

/** An error saying what was being done: `cannot <action> <path>: <reason>`. */
export class SystemError extends Error {
  override readonly name = 'SystemError';
  constructor(action: string, file: string, cause: unknown) {
    super(`cannot ${action} ${safeMessage(file, 300)}: ${systemReason(cause)}`);
  }
}

/**
 * Why a run folder could not be created under `runsDir`, in words: the runs folder is a file, is read-only, a run with
 * that id exists already, the disk is full …
 */
export function runFolderError(e: unknown, runsDir: string, runId?: string): Error {
  if (!isSystemError(e)) return e instanceof Error ? e : new Error(String(e));
  const where = safeMessage(runsDir, 300);
  const code = e.code;
  const at = e.path ? safeMessage(e.path, 300) : where;
  if (code === 'EEXIST' && e.path && runId && e.path.endsWith(runId)) return new SystemErrorMessage(`cannot create the run folder ${at}: a run with the id ${safeMessage(runId, 100)} exists already (choose another --id)`);
  if (code === 'EEXIST' || code === 'ENOTDIR') return new SystemErrorMessage(`cannot create the runs folder ${where}: ${at} is a file, not a folder (use --runs-dir to choose another folder)`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new SystemErrorMessage(`cannot create a run in the runs folder ${where}: ${systemReason(e)} (use --runs-dir to choose a writable folder)`);
  return new SystemErrorMessage(`cannot create a run in the runs folder ${where}: ${systemReason(e)}`);
}

/** A system error already put in words (see runFolderError). */
export class SystemErrorMessage extends Error {
  override readonly name = 'SystemError';
}
