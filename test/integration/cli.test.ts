import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineToHost } from '../../src/protocol/events';
import { readRunInfo, readEvents } from '../../src/runs/reader';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const engine = path.join(root, 'dist/engine.js');

function workspace(config: Record<string, unknown>): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-cli-'));
  const file = path.join(dir, 'exp.reclab.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, file };
}
const tiny = { name: 'tiny', dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 15, clusters: 5 }, model: { dim: 16 }, train: { epochs: 3, batchSize: 256 }, eval: { ks: [20], selectMetric: 'ndcg@20', workers: 1 } };

test('reclab train prints the epoch table and the final metrics, writes a run directory, exits 0', () => {
  const { dir, file } = workspace(tiny);
  const r = spawnSync(process.execPath, [cli, 'train', file, '--runs-dir', path.join(dir, 'runs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch +loss +time +recall@20 +ndcg@20/);
  assert.match(r.stdout, /finished after 3 epochs/);
  assert.match(r.stdout, /test at best: recall@20 0\.\d{4}/);
  const runs = fs.readdirSync(path.join(dir, 'runs'));
  assert.equal(runs.length, 1);
  assert.equal(readRunInfo(path.join(dir, 'runs', runs[0]))!.status, 'finished');
});

test('an invalid config exits 2 naming the file and the JSON path; no run directory is created', () => {
  const { dir, file } = workspace({ ...tiny, optimizer: { lr: 'fast' } });
  const r = spawnSync(process.execPath, [cli, 'train', file, '--runs-dir', path.join(dir, 'runs')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /exp\.reclab\.json: invalid config:\n {2}\$\.optimizer\.lr: expected number/);
  assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
  const bad = path.join(dir, 'broken.reclab.json');
  fs.writeFileSync(bad, '{\n  "name": "x",\n  "model": { "dim": 8, }\n}\n');
  const r2 = spawnSync(process.execPath, [cli, 'train', bad], { encoding: 'utf8', cwd: dir });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /broken\.reclab\.json:3:\d+: invalid JSON/);
});

test('--set overrides and a sweep run every grid point and print a comparison table', () => {
  const { dir, file } = workspace({ ...tiny, train: { epochs: 1, batchSize: 256 }, sweep: { 'model.dim': [8, 16] } });
  const r = spawnSync(process.execPath, [cli, 'sweep', file, '--runs-dir', path.join(dir, 'runs'), '--set', 'optimizer.lr=0.02'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /trial 1: model\.dim=16/);
  assert.match(r.stdout, /tiny model\.dim=8 +finished/);
  const cfgs = fs.readdirSync(path.join(dir, 'runs')).filter((d) => fs.existsSync(path.join(dir, 'runs', d, 'config.json'))).map((d) => JSON.parse(fs.readFileSync(path.join(dir, 'runs', d, 'config.json'), 'utf8')));
  assert.deepEqual(cfgs.map((c) => c.model.dim).sort((a, b) => a - b), [8, 16]);
  assert.ok(cfgs.every((c) => c.optimizer.lr === 0.02));
  // the sweep is a record in the runs folder, with both trials finished
  const records = fs.readdirSync(path.join(dir, 'runs')).filter((f) => f.endsWith('.sweep.json'));
  assert.equal(records.length, 1);
  const sweep = JSON.parse(fs.readFileSync(path.join(dir, 'runs', records[0]), 'utf8'));
  assert.deepEqual(sweep.trials.map((t: { status: string }) => t.status), ['finished', 'finished']);
});

test('SIGINT stops a CLI run gracefully: status stopped, metrics kept', async () => {
  const { dir, file } = workspace({ ...tiny, train: { epochs: 500, batchSize: 64 } });
  const child = spawn(process.execPath, [cli, 'train', file, '--runs-dir', path.join(dir, 'runs')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (!sent && /^\s+2\s/m.test(out)) {
      sent = true; // once: a second Ctrl-C means "exit now" (code 130)
      child.kill('SIGINT');
    }
  });
  const code: number = await new Promise((r) => child.on('exit', (c) => r(c ?? -1)));
  assert.equal(code, 0);
  const run = path.join(dir, 'runs', fs.readdirSync(path.join(dir, 'runs'))[0]);
  const info = readRunInfo(run)!;
  assert.equal(info.status, 'stopped');
  assert.match(info.reason!, /SIGINT/);
  assert.ok(readEvents(run).filter((e) => e.kind === 'epoch').length >= 2);
});

test('the engine child process streams typed events over IPC and stops on a stop message', async () => {
  const { dir, file } = workspace({ ...tiny, train: { epochs: 500, batchSize: 64 } });
  const child = fork(engine, ['train', file, '--runs-dir', path.join(dir, 'runs'), '--id', 'run-ipc'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const msgs: EngineToHost[] = [];
  child.on('message', (m: EngineToHost) => {
    msgs.push(m);
    if (m.type === 'event' && m.event.kind === 'epoch' && m.event.epoch === 2) child.send({ type: 'stop', reason: 'stopped from test' });
  });
  const code: number = await new Promise((r) => child.on('exit', (c) => r(c ?? -1)));
  assert.equal(code, 0);
  assert.deepEqual(msgs[0], { type: 'started', runId: 'run-ipc', runDir: path.join(dir, 'runs', 'run-ipc'), pid: child.pid });
  const events = msgs.filter((m): m is Extract<EngineToHost, { type: 'event' }> => m.type === 'event').map((m) => m.event);
  assert.equal(events[events.length - 1].kind, 'end');
  assert.equal(readRunInfo(path.join(dir, 'runs', 'run-ipc'))!.status, 'stopped');
  assert.deepEqual(readEvents(path.join(dir, 'runs', 'run-ipc')), JSON.parse(JSON.stringify(events)));
});

test('reclab eval re-evaluates the best checkpoint to the metrics recorded at the best epoch; datasets stats prints the table', () => {
  const { dir, file } = workspace(tiny);
  const runs = path.join(dir, 'runs');
  assert.equal(spawnSync(process.execPath, [cli, 'train', file, '--runs-dir', runs, '--id', 'r1'], { encoding: 'utf8' }).status, 0);
  const summary = JSON.parse(fs.readFileSync(path.join(runs, 'r1', 'summary.json'), 'utf8'));
  const r = spawnSync(process.execPath, [cli, 'eval', path.join(runs, 'r1')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const printed = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([k, v]) => [k, Number(v)]));
  for (const k of ['recall@20', 'ndcg@20']) assert.ok(Math.abs(printed[k] - summary.bestTest[k]) < 1e-4, `${k}: ${printed[k]} vs ${summary.bestTest[k]}`);
  const s = spawnSync(process.execPath, [cli, 'datasets', 'stats', file], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /dataset +users +items +train +valid +test +density +gini\(pop\)/);
  assert.match(s.stdout, /synthetic +300 +200 /);
});

test('--point runs one sweep point as its own process: applied to the config and recorded in run.json', () => {
  const { dir, file } = workspace({ ...tiny, train: { epochs: 1, batchSize: 256 } });
  const runs = path.join(dir, 'runs');
  const r = spawnSync(process.execPath, [engine, 'train', file, '--runs-dir', runs, '--id', 'p1', '--point', '{"model.dim": 8}'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = readRunInfo(path.join(runs, 'p1'))!;
  assert.deepEqual(info.sweepPoint, { 'model.dim': 8 });
  assert.equal(info.name, 'tiny model.dim=8');
  assert.equal(JSON.parse(fs.readFileSync(path.join(runs, 'p1', 'config.json'), 'utf8')).model.dim, 8);
});
