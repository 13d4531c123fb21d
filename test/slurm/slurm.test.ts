/**
 * The Slurm executor against a real Slurm: the single-node cluster of scripts/setup-slurm.sh (slurmctld + slurmd +
 * munge on 127.0.0.1, started by scripts/run-tests.mjs when this suite is selected). A 4-point sweep goes out as one
 * job array and every run finishes; a run cancelled mid-training is marked stopped; a job Slurm refuses (bad
 * partition) is reported failed with Slurm's reason. Every wait is on a condition (record, run.json, process exit).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunInfo } from '../../src/runs/reader';
import { listSweeps, readSweep, sweepFile, type SweepRecord } from '../../src/runs/records';
import { formatSlurmTime, parseSlurmTime, slurmTimeMinutes, squeue } from '../../src/scale/slurm/commands';
import { cancelSlurmRun } from '../../src/scale/slurm/runs';
import { until as waitFor } from '../fixtures/until';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const env = { ...process.env, RECLAB_SLURM_POLL_MS: '300' };

const tiny = {
  name: 'slurm-tiny', dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 15, clusters: 5 }, model: { dim: 8 },
  train: { epochs: 3, batchSize: 256 }, eval: { ks: [20], metrics: ['recall', 'ndcg'], selectMetric: 'ndcg@20', workers: 1, popularityGroups: 0 },
};

function workspace(config: Record<string, unknown>): { file: string; runs: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-slurm-'));
  const file = path.join(dir, 'exp.reclab.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, runs: path.join(dir, 'runs') };
}

/** sweeps still running when a test ends (failed): SIGTERM makes them cancel their Slurm jobs and exit */
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

function startSweep(file: string, runs: string): { child: ChildProcess; done: Promise<{ code: number; out: string }> } {
  const child = spawn(process.execPath, [cli, 'sweep', file, '--runs-dir', runs, '--quiet'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number; out: string }>((r) => child.on('exit', (c) => r({ code: c ?? -1, out })));
  return { child, done };
}

/** a condition, failing when the sweep exits first */
const until = <T>(what: string, f: () => T | undefined | false, exited?: Promise<unknown>): Promise<T> => waitFor(what, f, exited, 'the sweep process');

const record = (runs: string): SweepRecord | undefined => {
  const [s] = listSweeps(runs);
  return s && readSweep(sweepFile(runs, s.id));
};

test('slurm is up: sinfo shows the node', () => {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /idle|mix|alloc/);
});

test('a 4-point sweep runs as one job array (%2): placeholders wait with their job ids, every run finishes', { timeout: 600_000 }, async () => {
  const { file, runs } = workspace({ ...tiny, sweep: { 'model.dim': [4, 8, 12, 16] }, search: { strategy: 'grid', parallel: 2 }, executor: { kind: 'slurm', cpus: 1 } });
  const t0 = Date.now();
  const { done } = startSweep(file, runs);
  // while the first two tasks run, the others pend on the array's task limit, visible as queued runs with job ids
  const pending = await until('a trial pending on JobArrayTaskLimit', () => record(runs)?.trials.find((t) => t.job?.state === 'PENDING' && t.status === 'queued'), done);
  const placeholder = readRunInfo(path.join(runs, pending.runId!));
  if (placeholder?.status === 'queued') assert.match(placeholder.job!.id, /^\d+_\d$/);
  // the time limit Slurm holds for the array's tasks, read back from scontrol
  const shown = spawnSync('scontrol', ['show', 'job', pending.job!.id], { encoding: 'utf8' });
  assert.equal(shown.status, 0, shown.stderr);
  const limit = /TimeLimit=(\S+)/.exec(shown.stdout);
  assert.ok(limit, shown.stdout);
  const timeLimitMinutes = parseSlurmTime(limit[1]);
  const { code, out } = await done;
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(code, 0, out);
  const s = record(runs)!;
  assert.equal(s.status, 'finished');
  assert.deepEqual(s.trials.map((t) => t.status), ['finished', 'finished', 'finished', 'finished']);
  const arrays = new Set(s.trials.map((t) => t.job!.id.split('_')[0]));
  assert.equal(arrays.size, 1, 'one job array');
  s.trials.forEach((t) => assert.equal(t.job!.id, `${[...arrays][0]}_${t.index}`, 'array task id = trial index'));
  for (const t of s.trials) {
    const info = readRunInfo(path.join(runs, t.runId!))!;
    assert.equal(info.status, 'finished');
    assert.equal(info.job?.id, t.job!.id);
    assert.deepEqual(info.sweep, { id: s.id, trial: t.index });
    assert.ok(t.value! > 0);
  }
  assert.ok(s.decisions.some((d) => /submitted trials 0, 1, 2, 3 as Slurm job array \d+ \(--array=0-3%2/.test(d.message)));
  // no executor.time: --time is the time estimate × 1.5 + 10 min (whole minutes), the longest of the 4 trials, each
  // of the 4 dims a config shape measured once; Slurm holds the job with that limit
  const note = s.decisions.find((d) => d.message.startsWith('time estimate'))?.message;
  assert.ok(note, JSON.stringify(s.decisions));
  const m = /^time estimate (\d+\.\d{3}) s \(the longest of 4 trials; 4 config shapes, each measured once; ([\d.]+) s spent estimating\) → --time=(\S+) \(× 1\.5 \+ 10 min\)$/.exec(note)!;
  assert.ok(m, note);
  const estimate = Number(m[1]);
  assert.ok(estimate > 0, note);
  assert.equal(m[3], formatSlurmTime(slurmTimeMinutes(estimate)));
  assert.ok(s.decisions.some((d) => d.message.startsWith('submitted') && d.message.includes(`--time=${m[3]}`)));
  assert.equal(timeLimitMinutes, slurmTimeMinutes(estimate), `scontrol's TimeLimit vs the rule on ${estimate} s`);
  console.log(`# slurm: 4-point sweep as a job array (%2) finished in ${seconds.toFixed(1)} s; time estimate ${estimate} s → --time=${m[3]} (${m[2]} s spent estimating 4 shapes)`);
});

test('a trial cancelled mid-run (scancel through `reclab cancel`) is marked stopped, metrics kept', { timeout: 600_000 }, async () => {
  const { file, runs } = workspace({ ...tiny, train: { epochs: 2000, batchSize: 64 }, eval: { ...tiny.eval, patience: 0 }, sweep: { 'model.dim': [8] }, executor: { kind: 'slurm' } });
  const { done } = startSweep(file, runs);
  const trial = await until('the trial trains (epoch ≥ 1)', () => {
    const t = record(runs)?.trials[0];
    const info = t?.runId ? readRunInfo(path.join(runs, t.runId)) : undefined;
    return info?.status === 'running' && (info.progress?.epoch ?? 0) >= 1 ? t : undefined;
  }, done);
  const t0 = Date.now();
  const c = spawnSync(process.execPath, [cli, 'cancel', record(runs)!.id, '0', '--runs-dir', runs], { encoding: 'utf8', env });
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, new RegExp(`Slurm job ${trial.job!.id}`));
  const { code, out } = await done;
  assert.equal(code, 0, out);
  const s = record(runs)!;
  assert.equal(s.trials[0].status, 'stopped');
  const info = readRunInfo(path.join(runs, s.trials[0].runId!))!;
  assert.equal(info.status, 'stopped');
  assert.ok(fs.statSync(path.join(runs, s.trials[0].runId!, 'metrics.jsonl')).size > 0, 'metrics kept');
  // Slurm agrees: the task is no longer pending or running
  const st = (await squeue([trial.job!.id])).find((j) => j.id === trial.job!.id);
  assert.ok(!st || !['PENDING', 'RUNNING'].includes(st.state), JSON.stringify(st));
  console.log(`# slurm: cancel → run stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test('a job Slurm refuses (bad partition) is reported failed with Slurm\'s reason, in the record and the run', { timeout: 120_000 }, async () => {
  const { file, runs } = workspace({ ...tiny, sweep: { 'model.dim': [8] }, executor: { kind: 'slurm', partition: 'no-such-partition' } });
  const { code, out } = await startSweep(file, runs).done;
  assert.notEqual(code, 0);
  assert.match(out, /Slurm refused the job: .*[Ii]nvalid partition/);
  const s = record(runs)!;
  assert.equal(s.status, 'failed');
  assert.equal(s.trials[0].status, 'failed');
  assert.match(s.trials[0].reason!, /invalid partition/i);
  const info = readRunInfo(path.join(runs, s.trials[0].runId!))!;
  assert.equal(info.status, 'failed');
  assert.match(info.reason!, /invalid partition/i);
});

test('Stop on a run still waiting in Slurm\'s queue (the Runs tree\'s Stop): the job is cancelled, the run marked stopped', { timeout: 600_000 }, async () => {
  const { file, runs } = workspace({ ...tiny, train: { epochs: 2000, batchSize: 64 }, eval: { ...tiny.eval, patience: 0 }, sweep: { 'model.dim': [8, 16] }, search: { strategy: 'grid', parallel: 1 }, executor: { kind: 'slurm' } });
  const { done } = startSweep(file, runs);
  // trial 1 waits behind trial 0 (%1): its placeholder run.json shows the job and Slurm's state
  const waiting = await until('trial 1 pending with its placeholder showing the Slurm state', () => {
    const t = record(runs)?.trials[1];
    const info = t?.runId ? readRunInfo(path.join(runs, t.runId)) : undefined;
    return info?.status === 'queued' && info.job?.state === 'PENDING' && info.job.reason ? { t: t!, info } : undefined;
  }, done);
  assert.match(waiting.info.job!.reason!, /JobArrayTaskLimit|Priority|Resources/);
  await cancelSlurmRun(runs, waiting.t.runId!, waiting.info.job!.id);
  const info = readRunInfo(path.join(runs, waiting.t.runId!))!;
  assert.equal(info.status, 'stopped');
  assert.match(info.reason!, /cancelled before it started/);
  // and the running one, through the same Stop: scancel → SIGTERM → the run stops itself
  const first = await until('trial 0 trains', () => {
    const t = record(runs)?.trials[0];
    const i = t?.runId ? readRunInfo(path.join(runs, t.runId)) : undefined;
    return i?.status === 'running' ? { t: t!, i } : undefined;
  }, done);
  await cancelSlurmRun(runs, first.t.runId!, first.i.job!.id);
  const { code, out } = await done;
  assert.equal(code, 0, out);
  assert.deepEqual(record(runs)!.trials.map((t) => t.status), ['stopped', 'stopped']);
  assert.equal(readRunInfo(path.join(runs, first.t.runId!))!.status, 'stopped');
});
