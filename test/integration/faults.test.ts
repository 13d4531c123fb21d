/**
 * Fault tests (docs/reliability.md): the real engine (dist/cli.js) on synthetic data is killed with SIGKILL at
 * random moments — during a training step, during an evaluation, during a checkpoint write — and the run folder is
 * checked: no torn metrics line (a partial last line is allowed: readers ignore it), no unreadable checkpoint, and
 * the killed run reported failed by `reclab runs` and by the RunStore behind the tree. Then a full disk (a 2 MB tmpfs,
 * mounted when this runs as root) and a run.json pointing at a live process that is not an engine.
 *
 * RECLAB_FAULT_KILLS sets the number of kills (default 9: 3 per phase); RECLAB_FAULT_SEED the random seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEventsReport, readRunInfo } from '../../src/runs/reader';
import { RunStore } from '../../src/runs/store';
import { checkpointFolder } from '../../src/runs/checkpoint-files';
import { readCheckpoint } from '../../src/engine/checkpoint';
import { isTempName } from '../../src/runs/atomic';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const KILLS = Math.max(3, Number(process.env.RECLAB_FAULT_KILLS ?? 9));
const SEED = Number(process.env.RECLAB_FAULT_SEED ?? 12);

/** mulberry32: a small seeded generator, so a failing sequence of kill moments can be replayed */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const config = {
  name: 'faults',
  dataset: { kind: 'synthetic', users: 2000, items: 1500, interactionsPerUser: 10, clusters: 8 },
  model: { dim: 48 },
  train: { epochs: 100000, batchSize: 512 },
  eval: { ks: [20], selectMetric: 'ndcg@20', workers: 1, every: 1 },
};

function workspace(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-faults-'));
  const file = path.join(dir, 'faults.reclab.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, file };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds (polling every `everyMs`), up to a generous limit. */
async function until<T>(cond: () => T | undefined | false, what: string, everyMs = 5, limitMs = 120_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function lastLine(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n').filter(Boolean);
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

type Phase = 'step' | 'eval' | 'checkpoint';

/** Kills the engine at a moment of the chosen phase; returns what was happening on disk at the kill. */
async function killDuring(child: ChildProcess, runDir: string, phase: Phase, r: () => number): Promise<string> {
  const metrics = path.join(runDir, 'metrics.jsonl');
  const ck = path.join(runDir, 'checkpoints');
  // let it train at least one epoch, so there is something to lose
  await until(() => fs.existsSync(path.join(ck, 'last', 'meta.json')), 'the first checkpoint');
  if (phase === 'step') {
    await until(() => /"kind":"step"/.test(lastLine(metrics)), 'a training step');
    await sleep(Math.floor(r() * 300));
  } else if (phase === 'eval') {
    await until(() => /"phase":"eval"/.test(lastLine(metrics)), 'an evaluation', 1);
    await sleep(Math.floor(r() * 20));
  } else {
    // a checkpoint write is a few milliseconds: spin on its temp folder and kill the moment it appears
    const fresh = [path.join(ck, '.last.new'), path.join(ck, '.best.new')];
    const end = Date.now() + 120_000;
    let seen = false;
    while (!seen && Date.now() < end) {
      for (let i = 0; i < 2000 && !seen; i++) seen = fresh.some((f) => fs.existsSync(f));
      if (!seen) await new Promise((res) => setImmediate(res));
    }
    assert.ok(seen, 'saw a checkpoint being written');
  }
  const state = fs.existsSync(path.join(ck, '.last.new')) || fs.existsSync(path.join(ck, '.best.new')) || fs.existsSync(path.join(ck, '.last.old')) || fs.existsSync(path.join(ck, '.best.old'))
    ? 'checkpoint' : /"phase":"eval"/.test(lastLine(metrics)) ? 'eval' : 'step';
  child.kill('SIGKILL');
  await new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(undefined) : child.once('exit', res)));
  return state;
}

function runsListing(runsDir: string): string {
  const r = spawnSync(process.execPath, [cli, 'runs', '--runs-dir', runsDir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test(`kill -9 at random moments (${KILLS} kills): no torn metrics line, no unreadable checkpoint, every killed run reported failed`, async () => {
  const { dir, file } = workspace();
  const runsDir = path.join(dir, 'runs');
  const r = rng(SEED);
  const phases: Phase[] = ['step', 'eval', 'checkpoint'];
  const landed: Record<string, number> = { step: 0, eval: 0, checkpoint: 0 };
  let partialLast = 0;
  for (let k = 0; k < KILLS; k++) {
    const id = `kill-${String(k).padStart(3, '0')}`;
    const child = spawn(process.execPath, [cli, 'train', file, '--runs-dir', runsDir, '--id', id, '--quiet'], { stdio: 'ignore' });
    const runDir = path.join(runsDir, id);
    const state = await killDuring(child, runDir, phases[k % 3]!, r);
    landed[state]!++;

    // metrics: every complete line is a valid event; at most the last line is partial
    const { events, skipped } = readEventsReport(runDir);
    assert.equal(skipped, 0, `${id}: torn metrics lines`);
    assert.ok(events.some((e) => e.kind === 'epoch'), `${id}: epochs recorded`);
    if (!fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').endsWith('\n')) partialLast++;
    // checkpoints: each present one reads whole (sizes agree with meta.json)
    for (const which of ['best', 'last'] as const) {
      const folder = checkpointFolder(path.join(runDir, 'checkpoints'), which);
      assert.ok(folder, `${id}: a complete ${which} checkpoint exists`);
      const c = readCheckpoint(runDir, which);
      assert.equal(c.users.length, c.nUsers * c.dim);
      assert.ok(c.users.every(Number.isFinite), `${id}: ${which} holds numbers`);
    }
    // run.json still says running (the engine could not write its end): the RunStore (read-only, as in Restricted
    // Mode) shows it failed without writing …
    assert.equal(readRunInfo(runDir)!.status, 'running');
    const store = new RunStore(runsDir, { pollMs: 0, readOnly: true });
    await store.start();
    try {
      assert.equal(store.get(id)?.info.status, 'failed', `${id}: the tree shows it failed`);
      assert.match(store.get(id)?.info.reason ?? '', /^engine process died: no heartbeat since .*\(process \d+ is gone\)$/);
    } finally {
      store.dispose();
    }
    // … and `reclab runs` shows it failed and records it, once
    const listing = runsListing(runsDir);
    assert.match(listing, new RegExp(`^${id} +failed`, 'm'), listing);
    assert.equal(readRunInfo(runDir)!.status, 'failed');
    assert.equal(readEventsReport(runDir).events.filter((e) => e.kind === 'end').length, 1);
    // what the kill interrupted (a temp file of run.json, a half-swapped checkpoint) was cleaned up by the settling
    noTempFiles(runDir);
    assert.deepEqual(fs.readdirSync(path.join(runDir, 'checkpoints')).sort(), ['best', 'last']);
  }
  // every run of the folder is failed (none left running), and a second listing writes nothing new
  const listing = runsListing(runsDir);
  assert.equal((listing.match(/ failed /g) ?? []).length, KILLS, listing);
  assert.doesNotMatch(listing, / running /);
  for (let k = 0; k < KILLS; k++) assert.equal(readEventsReport(path.join(runsDir, `kill-${String(k).padStart(3, '0')}`)).events.filter((e) => e.kind === 'end').length, 1);
  console.log(`# kills landed: ${JSON.stringify(landed)}; metrics files ending in a partial line: ${partialLast}/${KILLS}`);
  assert.ok(landed.checkpoint >= 1, 'at least one kill landed during a checkpoint write');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('reclab eval on a run stopped before its first checkpoint says so', async () => {
  const { dir, file } = workspace();
  const runsDir = path.join(dir, 'runs');
  const child = spawn(process.execPath, [cli, 'train', file, '--runs-dir', runsDir, '--id', 'early'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await until(() => /^run early/m.test(out) || fs.existsSync(path.join(runsDir, 'early', 'run.json')), 'the run to start');
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  const info = readRunInfo(path.join(runsDir, 'early'))!;
  assert.equal(info.status, 'stopped');
  if (checkpointFolder(path.join(runsDir, 'early', 'checkpoints'), 'best')) return; // the machine was fast enough to checkpoint first: nothing to check
  const r = spawnSync(process.execPath, [cli, 'eval', path.join(runsDir, 'early')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  // the stop can land before the first epoch or after one (its evaluation not yet done): the message says which
  assert.match(r.stderr, /run early has no best checkpoint: it ended \(stopped(, epoch \d+\/100000)?\) before its first evaluation/);
  assert.doesNotMatch(r.stderr, /ENOENT/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run.json pointing at a live process that is not an engine: listed, never signalled, never marked by a guess', async () => {
  const { dir } = workspace();
  const runsDir = path.join(dir, 'runs');
  const s = spawn('sleep', ['300'], { stdio: 'ignore' });
  await new Promise((res) => s.once('spawn', res));
  try {
    const runDir = path.join(runsDir, 'impostor');
    fs.mkdirSync(runDir, { recursive: true });
    const now = new Date().toISOString();
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({
      formatVersion: 1, id: 'impostor', name: 'impostor', experiment: 'x', status: 'running', pid: s.pid, createdAt: now, startedAt: now, heartbeatAt: now,
      versions: { reclab: '0', node: 'x' },
    }));
    const listing = runsListing(runsDir);
    assert.match(listing, /impostor: running engine not verifiable here; last heartbeat \d+ s ago/);
    // with a lease naming this host, the sleep's start time cannot match: failed at once, and still not signalled
    const info = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    info.lease = { pid: s.pid, host: os.hostname(), startTicks: 1, since: now };
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(info));
    assert.match(runsListing(runsDir), /impostor: failed — engine process died: .*\(process \d+ is another program \(pid reused\)\)/);
    assert.equal(s.exitCode, null);
    assert.equal(s.signalCode, null);
    process.kill(s.pid!, 0); // still alive
  } finally {
    s.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Mounts a tmpfs of `size` at a fresh folder (needs root); undefined when this machine does not allow it. */
function mountTmpfs(size: string): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { encoding: 'utf8' });
  return r.status === 0 ? mnt : undefined;
}

function noTempFiles(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    assert.ok(!isTempName(e.name) && !/^\.(best|last)\.(new|old)$/.test(e.name), `temp file left: ${path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)}`);
  }
}

test('a full disk (2 MB tmpfs): the message names the run and the file, the run ends failed, no temp files, the last good checkpoint kept', async (t) => {
  const mnt = mountTmpfs('2m');
  if (!mnt) return t.skip('mounting a tmpfs needs root on Linux');
  try {
    const { dir } = workspace();
    // tables of 4000×64 + 3000×64 float32 (1.8 MB per checkpoint folder): the second checkpoint folder no longer fits
    const file = path.join(dir, 'full.reclab.json');
    fs.writeFileSync(file, JSON.stringify({ ...config, name: 'full', dataset: { ...config.dataset, users: 4000, items: 3000 }, model: { dim: 64 }, train: { ...config.train, epochs: 50 } }));
    const runsDir = path.join(mnt, 'runs');
    const r = spawnSync(process.execPath, [cli, 'train', file, '--runs-dir', runsDir, '--id', 'full', '--quiet'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /run full: cannot write checkpoints\/(best|last)\/(user|item)\.f32: no space left on device \(ENOSPC\)/);
    const runDir = path.join(runsDir, 'full');
    const info = readRunInfo(runDir)!;
    assert.equal(info.status, 'failed');
    assert.match(info.reason!, /ENOSPC/);
    noTempFiles(runDir);
    const good = checkpointFolder(path.join(runDir, 'checkpoints'), 'best');
    assert.ok(good, 'the first best checkpoint survives');
    assert.equal(readCheckpoint(runDir, 'best').nUsers, 4000);
    assert.equal(readEventsReport(runDir).skipped, 0);
    assert.match(runsListing(runsDir), /^full +failed/m);
    fs.rmSync(dir, { recursive: true, force: true });

    // the disk fills completely during training: even the final run.json cannot be written — the lease shows it failed
    const ws = workspace();
    fs.rmSync(runsDir, { recursive: true, force: true });
    const small = path.join(ws.dir, 'small.reclab.json');
    fs.writeFileSync(small, JSON.stringify({ ...config, name: 'small', dataset: { ...config.dataset, users: 600, items: 400 }, model: { dim: 16 } }));
    const child = spawn(process.execPath, [cli, 'train', small, '--runs-dir', runsDir, '--id', 'filled', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const runDir2 = path.join(runsDir, 'filled');
    await until(() => fs.existsSync(path.join(runDir2, 'checkpoints', 'best', 'meta.json')), 'the first checkpoint');
    // fill every remaining byte
    const filler = fs.openSync(path.join(mnt, 'filler'), 'w');
    const block = Buffer.alloc(64 * 1024, 1);
    for (;;) {
      try {
        fs.writeSync(filler, block);
      } catch {
        break;
      }
    }
    for (;;) {
      try {
        fs.writeSync(filler, Buffer.alloc(1));
      } catch {
        break;
      }
    }
    fs.closeSync(filler);
    const code = await new Promise<number>((res) => child.once('exit', (c) => res(c ?? -1)));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /run filled: cannot write [^\n]+: no space left on device \(ENOSPC\)/);
    noTempFiles(runDir2);
    assert.equal(readEventsReport(runDir2).skipped, 0);
    assert.ok(readCheckpoint(runDir2, 'best').users.length > 0);
    const listing = runsListing(runsDir);
    assert.match(listing, /^filled +failed/m);
    fs.rmSync(ws.dir, { recursive: true, force: true });
  } finally {
    spawnSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});
