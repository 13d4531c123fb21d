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
