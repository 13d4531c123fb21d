/**
 * CLI jobs on this machine: each job a child process (`node cli.js <args>`), at most `parallel` at once, their output
 * forwarded line by line. Aborting sends SIGINT to the running children (each stops after its current step and
 * records its run as stopped) and starts no more.
 */
import { spawn } from 'node:child_process';
import type { CliJob, JobRunOptions } from '../executors/types';

const TAIL_LINES = 5;

export async function runLocalJobs(jobs: CliJob[], o: JobRunOptions): Promise<void> {
  const parallel = Math.max(1, Math.floor(o.parallel ?? 1));
  const running = new Set<Promise<void>>();
  let next = 0;
  for (;;) {
    while (!o.signal?.aborted && next < jobs.length && running.size < parallel) {
      const p: Promise<void> = runChild(jobs[next++], o).finally(() => running.delete(p));
      running.add(p);
    }
    if (!running.size) return;
    await Promise.race(running);
  }
}

function runChild(job: CliJob, o: JobRunOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const tail: string[] = [];
    const child = spawn(process.execPath, [o.cli, ...job.args], { cwd: job.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    o.onUpdate(job.key, { status: 'running' });
    const onAbort = (): void => {
      child.kill('SIGINT'); // our own child: it stops after the current step and keeps its metrics
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        o.onOutput?.(job.key, line);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    let ended = false;
    const end = (code: number | null): void => {
      if (ended) return;
      ended = true;
      o.signal?.removeEventListener('abort', onAbort);
      o.onUpdate(job.key, { status: 'ended', code, detail: tail.join(' / '), started: true });
      resolve();
    };
    child.on('error', (e) => {
      tail.push(e.message);
      end(null);
    });
    child.on('close', (c) => end(c));
  });
}
