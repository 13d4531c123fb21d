/**
 * `reclab reproduce --executor slurm` against the real single-node Slurm (scripts/setup-slurm.sh, started by
 * scripts/run-tests.mjs for this suite): the tiny synthetic suite's rows go out as one Slurm job each, the results file
 * shows them queued with their job ids, then running, then finished with the numbers read from the run folders; Ctrl-C
 * cancels the jobs the command submitted and nothing else. Every wait is on a condition (results file, run.json, exit).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunInfo, readSummary } from '../../src/runs/reader';
import type { SuiteResults } from '../../src/suites/report';
import { squeue } from '../../src/scale/slurm/commands';
import { until as waitFor } from '../fixtures/until';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const suiteFile = path.join(root, 'test/fixtures/suites/tiny.suite.json');
const env = { ...process.env, RECLAB_SLURM_POLL_MS: '300' };

const children = new Set<ChildProcess>();
const foreignJobs: string[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const id of foreignJobs) spawnSync('scancel', [id]);
});

function start(args: string[]): { child: ChildProcess; out: string; results: string; runs: string; done: Promise<{ code: number | null; out: string }> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-reproduce-slurm-'));
  const out = path.join(dir, 'out');
  const runs = path.join(dir, 'runs');
  const child = spawn(process.execPath, [cli, 'reproduce', suiteFile, '--executor', 'slurm', '--runs-dir', runs, '--out', out, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const done = new Promise<{ code: number | null; out: string }>((r) => child.on('close', (c) => r({ code: c, out: text })));
  return { child, out, results: path.join(out, 'tiny.results.json'), runs, done };
}

const read = (file: string): SuiteResults | undefined => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults) : undefined);

/** a condition, failing when the command exits first */
const until = <T>(what: string, f: () => T | undefined | false, exited: Promise<unknown>): Promise<T> => waitFor(what, f, exited, 'reclab reproduce');

test('the tiny suite on Slurm: one job per row, the results file shows queued (job id) → running → finished, numbers from the run folders', { timeout: 600_000 }, async () => {
  const t0 = Date.now();
  const p = start([]);
  const states: string[] = [];
  const watch = (): false => {
    const r = read(p.results);
    if (!r) return false;
    const s = r.rows.map((x) => `${x.id}:${x.status}${x.job ? `#${x.job.id}` : ''}`).join(' ');
    if (states[states.length - 1] !== s) states.push(s);
    return false;
  };
  const poll = setInterval(watch, 25);
  const { code, out } = await p.done;
  clearInterval(poll);
  watch();
  assert.equal(code, 0, out);
  assert.ok(states.some((s) => /bpr-test:queued#\d+/.test(s)), `states: ${states.join(' → ')}`);
  assert.ok(states.some((s) => /bpr-test:running#\d+/.test(s) || /bpr-valid:running#\d+/.test(s)), `states: ${states.join(' → ')}`);
  const r = read(p.results)!;
  assert.deepEqual(r.rows.map((x) => [x.id, x.status, x.protocol]), [['bpr-test', 'finished', 'test'], ['bpr-valid', 'finished', 'valid']]);
  const ids = r.rows.map((x) => x.job!.id);
  assert.equal(new Set(ids).size, 2, 'one job per row');
  for (const row of r.rows) {
    assert.equal(row.job!.executor, 'slurm');
    assert.match(row.job!.id, /^\d+$/);
    const info = readRunInfo(row.runDir!)!;
    assert.equal(info.status, 'finished');
    assert.equal(info.job?.id, row.job!.id, 'the run folder names its job');
    const summary = readSummary(row.runDir!)!;
    assert.equal(row.ours['recall@20'], summary.bestTest!['recall@20']);
    assert.equal(row.epochs, summary.epochsRun);
  }
  assert.equal(r.rows[1].epochs, 2, 'the row\'s own --set overrides apply on the node');
  assert.match(out, /bpr-test: Slurm job \d+/);
  const csv = fs.readFileSync(path.join(p.out, 'tiny.csv'), 'utf8');
  assert.ok(csv.includes(`,${ids[0]},`), 'the CSV carries the job id');
  console.log(`# slurm: the tiny suite's two rows as Slurm jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test('Ctrl-C cancels the jobs reclab reproduce submitted (scancel) and nothing else: the running row is recorded stopped', { timeout: 600_000 }, async () => {
  // a job of somebody else on the same cluster, which must survive
  const other = spawnSync('sbatch', ['--parsable', '--job-name=not-reclab', '--wrap', 'sleep 600', '--output=/dev/null'], { encoding: 'utf8' });
  assert.equal(other.status, 0, other.stderr);
  const otherId = other.stdout.trim().split(';')[0];
  foreignJobs.push(otherId);
  const p = start(['--set', 'train.epochs=2000', '--set', 'eval.patience=0', '--set', 'train.batchSize=64']);
  const running = await until('a row trains (epoch ≥ 1)', () => {
    const row = read(p.results)?.rows.find((x) => x.status === 'running' && x.runDir);
    const info = row ? readRunInfo(row.runDir!) : undefined;
    return row && info?.status === 'running' && (info.progress?.epoch ?? 0) >= 1 ? row : undefined;
  }, p.done);
  const submitted = read(p.results)!.rows.map((x) => x.job?.id).filter((x): x is string => !!x);
  assert.equal(submitted.length, 2);
  p.child.kill('SIGINT');
  const { code, out } = await p.done;
  assert.equal(code, 0, out);
  assert.match(out, /cancelled Slurm jobs? \d+/);
  const states = await squeue([...submitted, otherId]);
  for (const id of submitted) {
    const st = states.find((s) => s.id === id);
    assert.ok(!st || !['PENDING', 'RUNNING'].includes(st.state), `${id}: ${JSON.stringify(st)}`);
  }
  const mine = states.find((s) => s.id === otherId);
  assert.ok(mine && ['PENDING', 'RUNNING'].includes(mine.state), `the other job survives: ${JSON.stringify(mine)}`);
  const r = read(p.results)!;
  const row = r.rows.find((x) => x.id === running.id)!;
  assert.equal(row.status, 'stopped');
  assert.equal(readRunInfo(row.runDir!)!.status, 'stopped');
  assert.ok(row.epochs! >= 1, 'the metrics it had are kept');
  assert.ok(!r.rows.some((x) => x.status === 'running' || x.status === 'queued' || x.status === 'pending'), JSON.stringify(r.rows.map((x) => x.status)));
});
