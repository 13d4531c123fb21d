/**
 * Streams one URL into a `.part` file with resume (HTTP Range), an idle timeout and bounded retries. The caller
 * verifies the part file and renames it into place; nothing here decides whether the bytes are right.
 */
import fs from 'node:fs';
import { once } from 'node:events';

export interface TransferProgress {
  /** file being transferred (catalogue file name) */
  file: string;
  received: number;
  /** expected total bytes, when known (catalogue size or Content-Length) */
  total: number | null;
  bytesPerSecond: number;
  /** seconds left at the current rate, null when unknown */
  etaSeconds: number | null;
}

export interface DownloadOptions {
  /** catalogue file name, for messages and progress */
  label: string;
  /** size from the catalogue, when known */
  expectedBytes?: number;
  /** abort when no byte arrives for this long (default 30 s) */
  idleTimeoutMs?: number;
  /** further attempts after an interruption or timeout, each resuming where the last stopped (default 3) */
  retries?: number;
  onProgress?: (p: TransferProgress) => void;
  signal?: AbortSignal;
}

/** A transfer that failed for a reason the user can act on (HTTP status, timeout, lost connection). */
export class DownloadError extends Error {
  constructor(message: string, readonly resumable: boolean) {
    super(message);
    this.name = 'DownloadError';
  }
}

export async function downloadToPart(url: string, part: string, opts: DownloadOptions): Promise<void> {
  const retries = opts.retries ?? 3;
  const idle = opts.idleTimeoutMs ?? 30_000;
  let lastError: DownloadError | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      const done = await attemptOnce(url, part, idle, opts);
      if (done) return;
      lastError = new DownloadError(`${opts.label}: the server closed the connection early (${url})`, true);
    } catch (e) {
      if (!(e instanceof DownloadError) || !e.resumable) throw e;
      lastError = e;
    }
  }
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  throw new DownloadError(`${lastError!.message}; gave up after ${retries + 1} attempts with ${have} bytes kept — run the fetch again to resume`, true);
}

/** One request. Returns true when the body arrived complete (as far as the server said), false when cut short. */
async function attemptOnce(url: string, part: string, idleMs: number, opts: DownloadOptions): Promise<boolean> {
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  if (opts.expectedBytes !== undefined && have >= opts.expectedBytes) return true; // complete: let verification decide
  const ac = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | null = null;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, idleMs);
  };
  const onOuterAbort = (): void => ac.abort();
  opts.signal?.addEventListener('abort', onOuterAbort);
  arm();
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: ac.signal, redirect: 'follow' });
    } catch (e) {
      opts.signal?.throwIfAborted();
      if (timedOut) throw new DownloadError(`${opts.label}: timed out after ${idleMs / 1000} s waiting for ${url}`, true);
      throw new DownloadError(`${opts.label}: cannot reach ${url} (${causeOf(e)})`, true);
    }
    if (res.status === 416 && have > 0) {
      // the part file already holds everything the server has
      await res.body?.cancel();
      return true;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new DownloadError(`${opts.label}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${url}`, retryable);
    }
    let append = false;
    if (res.status === 206) {
      const start = Number(/bytes\s+(\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1] ?? NaN);
      append = start === have;
      if (!append) {
        await res.body?.cancel();
        fs.rmSync(part, { force: true });
        throw new DownloadError(`${opts.label}: the server resumed at byte ${start}, not ${have}; starting over`, true);
      }
    } else have = 0; // 200: the server ignored the range and sends everything
    const length = Number(res.headers.get('content-length') ?? NaN);
    const total = opts.expectedBytes ?? (Number.isFinite(length) ? have + length : null);
    const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
    const t0 = performance.now();
    let received = have;
    let lastReport = 0;
    const report = (force: boolean): void => {
      const now = performance.now();
      if (!force && now - lastReport < 100) return;
      lastReport = now;
      const rate = (received - have) / Math.max(1e-3, (now - t0) / 1000);
      opts.onProgress?.({
        file: opts.label, received, total, bytesPerSecond: rate,
        etaSeconds: total !== null && rate > 0 ? Math.max(0, (total - received) / rate) : null,
      });
    };
    let complete = true;
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          arm();
          received += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain');
          report(false);
        }
      }
    } catch {
      complete = false;
      await closeStream(out); // keep what arrived: the next attempt (or fetch) resumes from it
      opts.signal?.throwIfAborted();
      if (timedOut) throw new DownloadError(`${opts.label}: timed out after ${idleMs / 1000} s without data from ${url}`, true);
    }
    await closeStream(out);
    report(true);
    if (complete && Number.isFinite(length) && received - have < length) complete = false;
    return complete;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function closeStream(out: fs.WriteStream): Promise<void> {
  if (out.closed) return;
  out.end();
  await once(out, 'close');
}

function causeOf(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
