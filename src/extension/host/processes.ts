/**
 * Small process helpers for the process manager (no vscode).
 */
import fs from 'node:fs';

/**
 * True when `pid` is a live process. A zombie (exited, not yet reaped by its new parent after the extension host
 * that forked it went away) counts as dead: `kill(pid, 0)` alone would report it alive forever.
 */
export function isPidAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) S ..." — comm may contain spaces and parentheses, the state follows the last ')'
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Sends a signal, ignoring "no such process". Returns whether it was delivered. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The last `maxBytes` of a file as text (starting at a line boundary when it was cut), or '' when unreadable. */
export function readFileTail(file: string, maxBytes = 4096): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    if (start > 0) {
      const nl = text.indexOf('\n');
      if (nl >= 0 && nl < text.length - 1) text = text.slice(nl + 1);
    }
    return text;
  } finally {
    fs.closeSync(fd);
  }
}

/** Incremental reader of a growing text file (the engine's stdout/stderr capture). */
export class TextTail {
  private offset = 0;
  constructor(readonly file: string) {}

  read(maxBytes = 1 << 20): string {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return '';
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return '';
      const len = Math.min(maxBytes, size - this.offset);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, this.offset);
      this.offset += len;
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  }
}
