/**
 * `reclab reproduce SUITE [--rows a,b] [--out DIR] [--executor local|slurm] [--parallel N]`: runs a paper-table suite's
 * rows through an executor of the registry (src/scale/executors) — local: each row its own `reclab train` child
 * process, `--parallel` at once (default one after the other); slurm: each row one Slurm job — in the same run folders
 * as any training, then writes ours vs published with Δ, the protocol, epochs, wall time and the environment as a
 * results JSON, markdown and CSV, and prints the table. The three files are written before the first row (rows
 * pending), whenever a row's state changes (queued with its Slurm job, running, ended), so a view fills in live and an
 * interrupted suite keeps every finished row. The final numbers are read from the run folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDistFile } from '../engine/paths';
import { ConfigError } from '../engine/config/validate';
import { readRunInfo, readSummary } from '../runs/reader';
import { executor as executorNamed, type CliJob, type JobUpdate } from '../scale/executors';
import { renderCsv, renderMarkdown, renderText, type Environment, type ResultRow, type SuiteResults } from '../suites/report';
import { loadSuite, rowOverrides, selectRows, type Suite, type SuiteRow } from '../suites/suite';
import { VERSION } from '../version';
import { loadConfig } from './commands';

export interface ReproduceOptions {
  /** comma-separated row ids (default: every row) */
  rows?: string;
  runsDir: string;
  /** where the results files go (default: the current folder's reproductions/) */
  outDir: string;
  /** --set overrides applied to every row after its own */
  overrides?: string[];
  /** the executor of the registry that runs the rows (default local) */
  executor?: string;
  /** local: rows at the same time (default 1) */
  parallel?: number;
  signal?: AbortSignal;
  /** receives the children's output and one header line per row */
  log?: (line: string) => void;
  /** the CLI bundle the children run (default: dist/cli.js) */
  cliScript?: string;
}

export interface ReproduceResult {
  results: SuiteResults;
  /** the rows run this time (results also holds earlier rows of the suite) */
  ran: ResultRow[];
  files: { json: string; markdown: string; csv: string };
  text: string;
}

export async function reproduceCommand(suiteFile: string, o: ReproduceOptions): Promise<ReproduceResult> {
  const suite = loadSuite(suiteFile);
  const rows = selectRows(suite, o.rows);
  const exec = executorNamed(o.executor ?? 'local');
  if (!exec.runJobs) throw new ConfigError(`the ${exec.name} executor cannot run suite rows`);
  if (o.parallel !== undefined && !(Number.isInteger(o.parallel) && o.parallel >= 1)) throw new ConfigError(`--parallel: expected a whole number ≥ 1, got ${o.parallel}`);
  const cli = o.cliScript ?? requireDistFile('cli.js');
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const runsDir = path.resolve(o.runsDir);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  fs.mkdirSync(o.outDir, { recursive: true });
  const json = path.join(o.outDir, `${suite.name}.results.json`);
  const files = { json, markdown: path.join(o.outDir, `${suite.name}.md`), csv: path.join(o.outDir, `${suite.name}.csv`) };
  const before = settleUnfinished(readResults(json)); // rows of earlier runs that are not run now are kept
  let backend = 'unknown';
  let threads: number | undefined;
  let kernels: string | undefined;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const write = (rowsNow: ResultRow[]): SuiteResults => {
    const environment: Environment = {
      reclab: VERSION, node: process.version, backend, threads: threads ?? cores, cores, ...(kernels ? { kernels } : {}),
      cpu: os.cpus()[0]?.model?.trim() ?? 'unknown', os: `${os.type()} ${os.release()} ${os.arch()}`, loadAverage: os.loadavg()[0],
    };
    const results = mergeResults(before, suite, rowsNow, environment);
    writeAtomic(json, JSON.stringify(results, null, 2) + '\n');
    writeAtomic(files.markdown, renderMarkdown(results));
    writeAtomic(files.csv, renderCsv(results));
    return results;
  };
  const runIds = new Map(rows.map((row) => [row.id, `${suite.name}-${row.id}-${stamp}`]));
  const current = new Map<string, ResultRow>(rows.map((row) => [row.id, placeholder(row, 'pending')]));
  /** rows that ran (or failed to) this time, in suite order */
  const ran = (): ResultRow[] => rows.map((row) => current.get(row.id)!).filter((r) => r.status !== 'pending' && r.status !== 'queued');
  write([...current.values()]);
  const jobs: CliJob[] = rows.map((row) => rowJob(suite, row, runsDir, runIds.get(row.id)!, o.overrides ?? []));
  const position = new Map(rows.map((row, i) => [row.id, i + 1]));
  const onUpdate = (key: string, u: JobUpdate): void => {
    const row = rows.find((r) => r.id === key)!;
    const dir = path.join(runsDir, runIds.get(key)!);
    const job = u.jobId ? { executor: exec.name, id: u.jobId, ...(u.status === 'queued' && u.state ? { state: u.state } : {}), ...(u.status === 'queued' && u.reason ? { reason: u.reason } : {}) } : current.get(key)!.job;
    if (u.status === 'ended') {
      if (!u.started && o.signal?.aborted) {
        current.set(key, placeholder(row, 'pending')); // cancelled before it ran: dropped from this run's record
        return;
      }
      const r = collectRow(suite, row, dir, u.code, u.detail ?? '');
      if (r.backend) backend = r.backend;
      if (r.threads) threads = r.threads;
      if (r.kernels) kernels = r.kernels;
      current.set(key, { ...r.row, ...(job ? { job } : {}) });
      log(`   ${key}: ${r.row.status}${r.row.error ? `: ${r.row.error}` : ''}`);
    } else {
      if (u.status === 'running' && current.get(key)!.status !== 'running') {
        log(`── ${suite.name} · row ${position.get(key)}/${rows.length}: ${row.id} (${row.method}, ${row.backbone}, ${row.dataset})${job ? ` · ${exec.name} job ${job.id}` : ''}`);
      }
      current.set(key, { ...placeholder(row, u.status, dir), ...(job ? { job } : {}) });
    }
    write([...current.values()]);
  };
  await exec.runJobs(jobs, {
    cli, parallel: o.parallel, signal: o.signal, onUpdate,
    onOutput: (key, line) => log(`   ${o.parallel && o.parallel > 1 ? `[${key}] ` : ''}${line}`),
    onMessage: (m) => log(`   ${m}`),
  });
  // rows an interruption left unrun are dropped from this run's record (earlier results of them stay)
  const done = ran();
  const results = write(done);
  return { results, ran: done, files, text: renderText(results) };
}

/** A row's command: `reclab train <config> --runs-dir D --id <run> --set …` (the row's overrides, then the command's). */
function rowJob(suite: Suite, row: SuiteRow, runsDir: string, runId: string, overrides: string[]): CliJob {
  const config = path.resolve(path.dirname(suite.file), row.config);
  const sets = [...rowOverrides(row), ...overrides];
  let executorConfig: CliJob['executor'];
  try {
    executorConfig = loadConfig(config, sets).config.executor;
  } catch {
    executorConfig = undefined; // the run itself reports a bad config
  }
  return {
    key: row.id, runsDir, runId, name: `${suite.name} ${row.id}`, cwd: process.cwd(), executor: executorConfig,
    args: ['train', config, '--runs-dir', runsDir, '--id', runId, ...sets.flatMap((s) => ['--set', s])],
  };
}

/** An earlier `reclab reproduce` that was killed left rows pending or running: they did not finish. */
function settleUnfinished(r: SuiteResults | null): SuiteResults | null {
  if (!r) return r;
  return {
    ...r,
    rows: r.rows.filter((row) => row.status !== 'pending')
      .map((row) => (row.status === 'running' || row.status === 'queued' ? { ...row, status: 'failed', error: 'the reproduce run was interrupted while this row ran' } : row)),
  };
}

/** A row not run yet, waiting in a queue, or running: its published numbers and where its run is. */
function placeholder(row: SuiteRow, status: 'pending' | 'queued' | 'running', runDir?: string): ResultRow {
  return {
    id: row.id, method: row.method, backbone: row.backbone, dataset: row.dataset, config: row.config, protocol: row.publishedProtocol === 'test' ? 'test' : 'valid',
    status, epochs: null, bestEpoch: null, wallSeconds: null, ours: {}, published: row.published, source: row.source,
    ...(status !== 'pending' && runDir ? { runDir } : {}),
  };
}

/**
 * Earlier results of the same suite keep the rows not run now (run rows one at a time, get one table), and the note a
 * person wrote into the file about how the rows were run (a re-run does not erase it; its author updates it).
 */
function mergeResults(prev: SuiteResults | null, suite: Suite, rows: ResultRow[], environment: Environment): SuiteResults {
  const same = prev?.suite === suite.name ? prev : null;
  const byId = new Map((same?.rows ?? []).map((r) => [r.id, r]));
  for (const r of rows) byId.set(r.id, r);
  const order = suite.rows.map((r) => r.id);
  return {
    suite: suite.name, title: suite.title, metrics: suite.metrics, generatedAt: new Date().toISOString(), environment,
    rows: [...byId.values()].filter((r) => order.includes(r.id)).sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)),
    ...(same?.note ? { note: same.note } : {}),
  };
}

export function readResults(file: string): SuiteResults | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
  } catch {
    return null;
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A row's result, read from its run folder once its job ended (the run's summary is the truth; the exit status and output say why when there is none). */
function collectRow(suite: Suite, row: SuiteRow, dir: string, code: number | null, detail: string): { row: ResultRow; backend?: string; threads?: number; kernels?: string } {
  const summary = readSummary(dir);
  const info = readRunInfo(dir);
  const base: ResultRow = {
    id: row.id, method: row.method, backbone: row.backbone, dataset: row.dataset, config: row.config,
    protocol: summary?.selectSplit ?? 'valid', status: 'failed', epochs: null, bestEpoch: null, wallSeconds: null,
    ours: {}, published: row.published, source: row.source, runDir: info ? dir : undefined,
  };
  if (!summary || !info) return { row: { ...base, error: `no run was recorded (exit ${code ?? '—'}): ${detail}` } };
  const test = summary.bestTest ?? {};
  const ours: Record<string, number> = {};
  for (const m of suite.metrics) if (test[m] !== undefined) ours[m] = test[m];
  const cutoffs = new Set(suite.metrics.map((m) => m.split('@')[1]));
  const beyond = Object.fromEntries(Object.entries(test).filter(([k]) => /^(coverage|gini|arp|aplt)@\d+$/.test(k) && cutoffs.has(k.split('@')[1])));
  const status = info.status === 'finished' || info.status === 'stopped' ? info.status : 'failed';
  return {
    backend: info.backend,
    threads: info.threads,
    kernels: info.kernels,
    row: {
      ...base, status, ours, ...(Object.keys(beyond).length ? { beyond } : {}), epochs: summary.epochsRun, bestEpoch: summary.bestEpoch ?? null, wallSeconds: summary.wallSeconds,
      ...(status === 'failed' ? { error: info.reason ?? detail } : {}),
    },
  };
}
