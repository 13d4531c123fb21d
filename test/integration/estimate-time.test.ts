/**
 * `reclab estimate` measures the run's time: the CLI as a real child process on the built-in synthetic default. The
 * printed parts are all there, positive, and add up (epoch time = steps × step median + epoch work, training =
 * epochs × epoch time, evaluations = count × evaluation time, total = start-up + training + evaluations, within the
 * printing's rounding); nothing is written beside the config; Ctrl-C stops the measurement (exit 130). No assertion
 * on how long anything took.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/engine/config/validate';
import { evaluationCount } from '../../src/engine/estimate-time';
import { until } from '../fixtures/until';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');

function workspace(config: Record<string, unknown>): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-estimate-'));
  const file = path.join(dir, 'exp.reclab.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return { dir, file };
}

/** the "  <part>  <value> s  (…)" lines of the time section, by part */
function parts(out: string): Map<string, number> {
  const m = new Map<string, number>();
  const section = out.slice(out.indexOf('time (measured with'));
  for (const line of section.split('\n').slice(1)) {
    const r = /^ {2}(\S.*?) {2,}(\d+(?:\.\d+)?)( s)? {2}\(/.exec(line);
    if (r) m.set(r[1].trim(), Number(r[2]));
  }
  return m;
}

test('reclab estimate on the synthetic default: the time parts are printed, positive and add up; no file is written', { timeout: 300_000 }, () => {
  const raw = { name: 'estimate-default', train: { epochs: 7 }, eval: { every: 3 } };
  const { dir, file } = workspace(raw);
  const r = spawnSync(process.execPath, [cli, 'estimate', file, '--steps', '6'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  // the memory table first, then the time with the threads it was measured with
  assert.ok(out.indexOf('peak (estimate)') < out.indexOf('time (measured with'), out);
  const threads = /time \(measured with (\d+) threads?, backend (\w+)/.exec(out);
  assert.ok(threads && Number(threads[1]) >= 1, out);
  const p = parts(out);
  for (const name of ['step median', 'steps per epoch', 'epoch work', 'epoch time', 'evaluation time', 'start-up', 'training', 'evaluations', 'total']) {
    assert.ok(p.has(name), `${name} printed:\n${out}`);
  }
  for (const name of ['step median', 'steps per epoch', 'epoch time', 'evaluation time', 'start-up', 'training', 'evaluations', 'total']) assert.ok(p.get(name)! > 0, `${name} > 0:\n${out}`);
  assert.match(out, /\(6 steps timed after 2 warm-up\)/);
  // steps per epoch from the dataset size and the batch size
  const c = resolveConfig(raw);
  const rows = /⌈(\d+) rows \/ batch (\d+)⌉/.exec(out)!;
  assert.equal(Number(rows[2]), c.train.batchSize);
  assert.equal(p.get('steps per epoch'), Math.ceil(Number(rows[1]) / c.train.batchSize));
  // the arithmetic, within the rounding of what is printed (3 decimals; the step median 6)
  const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}\n${out}`);
  close(p.get('epoch time')!, p.get('steps per epoch')! * p.get('step median')! + p.get('epoch work')!, 0.0005 + p.get('steps per epoch')! * 5e-7 + 0.0005, 'epoch time');
  close(p.get('training')!, 7 * p.get('epoch time')!, 0.0005 + 7 * 0.0005, 'training = 7 epochs × epoch time');
  const evaluations = evaluationCount(7, 3); // epochs 3, 6 and 7
  assert.equal(evaluations, 3);
  assert.match(out, new RegExp(`\\(${evaluations} × evaluation time`));
  close(p.get('evaluations')!, evaluations * p.get('evaluation time')!, 0.0005 + evaluations * 0.0005, 'evaluations');
  close(p.get('total')!, p.get('start-up')! + p.get('training')! + p.get('evaluations')!, 0.002, 'total');
  assert.match(out, /patience 10 may stop the run sooner: an upper bound/);
  // nothing beside the config: no run folder, no checkpoint
  assert.deepEqual(fs.readdirSync(dir), ['exp.reclab.json']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('reclab estimate --steps 0 prints the memory only; a bad --steps is refused', () => {
  const { dir, file } = workspace({ name: 'estimate-mem' });
  const r = spawnSync(process.execPath, [cli, 'estimate', file, '--steps', '0'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /peak \(estimate\)/);
  assert.doesNotMatch(r.stdout, /time \(measured/);
  const bad = spawnSync(process.execPath, [cli, 'estimate', file, '--steps', 'ten'], { encoding: 'utf8', cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--steps: expected a whole number/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Ctrl-C while the time is measured stops the estimate (exit 130), leaving no file', { timeout: 300_000 }, async () => {
  // a larger model, so that the measurement is still going when the signal arrives (its steps stop at 5 s at most)
  const { dir, file } = workspace({ name: 'estimate-stop', dataset: { kind: 'synthetic', users: 20_000, items: 20_000, interactionsPerUser: 20 }, model: { dim: 128 } });
  const child = spawn(process.execPath, [cli, 'estimate', file, '--steps', '100000'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until('the memory table printed and the measurement started', () => /measuring the time/.test(out), exited, 'reclab estimate');
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, `${out}\n${err}`);
  assert.match(err, /estimate stopped \(stopped by SIGINT\); nothing was written/);
  assert.doesNotMatch(out, /time \(measured with/);
  assert.deepEqual(fs.readdirSync(dir), ['exp.reclab.json']);
  fs.rmSync(dir, { recursive: true, force: true });
});
