/**
 * Ctrl-C and SIGTERM for the CLI. The first signal stops gracefully: the AbortController is aborted, data loading and
 * training stop within a chunk / step, and the run ends `stopped` with its summary. A second signal exits at once, but
 * first records the run as `stopped` (run.json, an `end` event, a summary when there was none), synchronously, so a
 * run is never left `running` by a double Ctrl-C.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type RunInfo, type RunSummary } from '../runs/format';
import { writeJsonAtomic } from '../runs/writer';

export interface Interrupt {
  signal: AbortSignal;
  /** the run being trained, once its folder exists (recorded on a second signal) */
  setRun(runDir: string | null): void;
}

export function withInterrupt(exit: (code: number) => never = process.exit): Interrupt {
  const ac = new AbortController();
  let count = 0;
  let runDir: string | null = null;
  const onSignal = (sig: string): void => {
    count++;
    if (count === 1) {
      process.stderr.write(`\n${sig}: stopping after the current step (again to exit now)\n`);
      ac.abort(`stopped by ${sig}`);
      return;
    }
    if (runDir) {
      try {
        recordStoppedNow(runDir, `stopped by ${sig} (exited at once on a second signal)`);
        process.stderr.write(`${sig}: exited at once; the run is recorded as stopped in ${runDir}\n`);
      } catch (e) {
        process.stderr.write(`${sig}: exited at once; could not record the run as stopped (${(e as Error).message})\n`);
      }
    } else process.stderr.write(`${sig}: exited at once\n`);
    exit(130);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return { signal: ac.signal, setRun: (d) => void (runDir = d) };
}

/**
 * Marks a run that this process is training as stopped, synchronously: run.json gets status, reason and end time (no
 * pid), metrics.jsonl an `end` event, and summary.json is written when the run had none. A run that already ended is
 * left as it is.
 */
export function recordStoppedNow(runDir: string, reason: string): void {
  const infoFile = path.join(runDir, RUN_FILES.info);
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as RunInfo;
  if (info.status !== 'running' && info.status !== 'queued') return;
  const started = Date.parse(info.startedAt ?? info.createdAt);
  const seconds = Number.isFinite(started) ? (Date.now() - started) / 1000 : 0;
  const epochs = info.progress?.epoch ?? 0;
  fs.appendFileSync(path.join(runDir, RUN_FILES.metrics), JSON.stringify({ t: Date.now(), kind: 'end', status: 'stopped', reason, epochs, seconds }) + '\n');
  const summaryFile = path.join(runDir, RUN_FILES.summary);
  if (!fs.existsSync(summaryFile)) {
    let config: { eval?: { selectMetric?: string; selectOn?: 'test' | 'valid' } } = {};
    try {
      config = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8'));
    } catch {
      /* the summary then names no metric */
    }
    const summary: RunSummary = { selectMetric: config.eval?.selectMetric ?? 'ndcg@20', selectSplit: config.eval?.selectOn ?? 'valid', epochsRun: epochs, wallSeconds: seconds };
    writeJsonAtomic(summaryFile, summary);
  }
  const { pid: _pid, ...rest } = info;
  writeJsonAtomic(infoFile, { ...rest, status: 'stopped', reason, endedAt: new Date().toISOString() });
}
