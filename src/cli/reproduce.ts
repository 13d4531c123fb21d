/**
 * `reclab reproduce SUITE [--rows a,b] [--out DIR]`: runs a paper-table suite's rows one after the other, each as its
 * own `reclab train` child process (the same run folders as any training), then writes ours vs published with Δ,
 * the protocol, epochs, wall time and the environment as a results JSON, markdown and CSV, and prints the table.
 * The three files are written before the first row (rows pending), when a row starts (running) and when it ends, so
 * an open preview fills in live and an interrupted suite keeps every finished row.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDistFile } from '../engine/paths';
import { readRunInfo, readSummary } from '../runs/reader';
import { renderCsv, renderMarkdown, renderText, type Environment, type ResultRow, type SuiteResults } from '../suites/report';
import { loadSuite, rowOverrides, selectRows, type Suite, type SuiteRow } from '../suites/suite';
import { VERSION } from '../version';

export interface ReproduceOptions {
  /** comma-separated row ids (default: every row) */
  rows?: string;
  runsDir: string;
  /** where the results files go (default: the current folder's reproductions/) */
  outDir: string;
  /** --set overrides applied to every row after its own */
  overrides?: string[];
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
  const cli = o.cliScript ?? requireDistFile('cli.js');
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  fs.mkdirSync(o.outDir, { recursive: true });
  const json = path.join(o.outDir, `${suite.name}.results.json`);
  const files = { json, markdown: path.join(o.outDir, `${suite.name}.md`), csv: path.join(o.outDir, `${suite.name}.csv`) };
  const before = settleUnfinished(readResults(json)); // rows of earlier runs that are not run now are kept
  let backend = 'unknown';
  const write = (rowsNow: ResultRow[]): SuiteResults => {
    const environment: Environment = {
      reclab: VERSION, node: process.version, backend, threads: os.availableParallelism?.() ?? os.cpus().length,
      cpu: os.cpus()[0]?.model?.trim() ?? 'unknown', os: `${os.type()} ${os.release()} ${os.arch()}`, loadAverage: os.loadavg()[0],
    };
    const results = mergeResults(before, suite, rowsNow, environment);
    writeAtomic(json, JSON.stringify(results, null, 2) + '\n');
    writeAtomic(files.markdown, renderMarkdown(results));
    writeAtomic(files.csv, renderCsv(results));
    return results;
  };
  const runIds = rows.map((row) => `${suite.name}-${row.id}-${stamp}`);
  const done: ResultRow[] = [];
  const waiting = (from: number, runningAt = -1): ResultRow[] =>
    rows.slice(from).map((row, k) => placeholder(row, from + k === runningAt ? 'running' : 'pending', path.join(o.runsDir, runIds[from + k])));
  write(waiting(0));
  for (const [i, row] of rows.entries()) {
    if (o.signal?.aborted) break;
    log(`── ${suite.name} · row ${i + 1}/${rows.length}: ${row.id} (${row.method}, ${row.backbone}, ${row.dataset})`);
    write([...done, ...waiting(i, i)]);
    const r = await runRow(suite, row, cli, runIds[i], o, log);
    if (r.backend) backend = r.backend;
    done.push(r.row);
    log(`   ${r.row.status}${r.row.error ? `: ${r.row.error}` : ''}`);
    write([...done, ...waiting(i + 1)]);
  }
  // rows an interruption left unrun are dropped from this run's record (earlier results of them stay)
  const results = write(done);
  return { results, ran: done, files, text: renderText(results) };
}

/** An earlier `reclab reproduce` that was killed left rows pending or running: they did not finish. */
function settleUnfinished(r: SuiteResults | null): SuiteResults | null {
  if (!r) return r;
  return {
    ...r,
    rows: r.rows.filter((row) => row.status !== 'pending')
      .map((row) => (row.status === 'running' ? { ...row, status: 'failed', error: 'the reproduce run was interrupted while this row ran' } : row)),
  };
}

/** A row not run yet, or running: its published numbers and where its run will be. */
function placeholder(row: SuiteRow, status: 'pending' | 'running', runDir: string): ResultRow {
  return {
    id: row.id, method: row.method, backbone: row.backbone, dataset: row.dataset, config: row.config, protocol: row.publishedProtocol === 'test' ? 'test' : 'valid',
    status, epochs: null, bestEpoch: null, wallSeconds: null, ours: {}, published: row.published, source: row.source,
    ...(status === 'running' ? { runDir } : {}),
  };
}

/** Earlier results of the same suite keep the rows not run now (run rows one at a time, get one table). */
function mergeResults(prev: SuiteResults | null, suite: Suite, rows: ResultRow[], environment: Environment): SuiteResults {
  const byId = new Map((prev?.suite === suite.name ? prev.rows : []).map((r) => [r.id, r]));
  for (const r of rows) byId.set(r.id, r);
  const order = suite.rows.map((r) => r.id);
  return {
    suite: suite.name, title: suite.title, metrics: suite.metrics, generatedAt: new Date().toISOString(), environment,
    rows: [...byId.values()].filter((r) => order.includes(r.id)).sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)),
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

async function runRow(
  suite: Suite, row: SuiteRow, cli: string, runId: string, o: ReproduceOptions, log: (l: string) => void,
): Promise<{ row: ResultRow; backend?: string }> {
  const config = path.resolve(path.dirname(suite.file), row.config);
  const sets = [...rowOverrides(row), ...(o.overrides ?? [])];
  const args = [cli, 'train', config, '--runs-dir', o.runsDir, '--id', runId, ...sets.flatMap((s) => ['--set', s])];
  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = (): void => {
      child.kill('SIGINT'); // our own child: it stops after the current step and keeps its metrics
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        log(`   ${line}`);
        tail.push(line);
        if (tail.length > 5) tail.shift();
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (c) => {
      o.signal?.removeEventListener('abort', onAbort);
      resolve(c ?? 1);
    });
  });
  const dir = path.join(o.runsDir, runId);
  const summary = readSummary(dir);
  const info = readRunInfo(dir);
  const base: ResultRow = {
    id: row.id, method: row.method, backbone: row.backbone, dataset: row.dataset, config: row.config,
    protocol: summary?.selectSplit ?? 'valid', status: 'failed', epochs: null, bestEpoch: null, wallSeconds: null,
    ours: {}, published: row.published, source: row.source, runDir: info ? dir : undefined,
  };
  if (!summary || !info) return { row: { ...base, error: `no run was recorded (exit ${code}): ${tail.join(' / ')}` } };
  const test = summary.bestTest ?? {};
  const ours: Record<string, number> = {};
  for (const m of suite.metrics) if (test[m] !== undefined) ours[m] = test[m];
  const cutoffs = new Set(suite.metrics.map((m) => m.split('@')[1]));
  const beyond = Object.fromEntries(Object.entries(test).filter(([k]) => /^(coverage|gini|arp|aplt)@\d+$/.test(k) && cutoffs.has(k.split('@')[1])));
  const status = info.status === 'finished' || info.status === 'stopped' ? info.status : 'failed';
  return {
    backend: info.backend,
    row: {
      ...base, status, ours, ...(Object.keys(beyond).length ? { beyond } : {}), epochs: summary.epochsRun, bestEpoch: summary.bestEpoch ?? null, wallSeconds: summary.wallSeconds,
      ...(status === 'failed' ? { error: tail.join(' / ') } : {}),
    },
  };
}
