import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessManager, type ManagerEvent } from '../../src/extension/host/manager';
import { readEvents, readRun, readRunInfo } from '../../src/runs/reader';
import { writeFakeConfig, writeFakeEngine } from './ext-fake-engine';

/** Waits (polling) until `cond()` holds; the limit is only reached by a broken manager, never by a slow machine. */
async function waitUntil(cond: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setup(opts: { concurrency?: number; stopTimeoutMs?: number } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-pm-'));
  const runsDir = path.join(root, 'runs');
  const enginePath = writeFakeEngine(root);
  const events: ManagerEvent[] = [];
  const pm = new ProcessManager({
    enginePath, runsDir, concurrency: opts.concurrency ?? 1, stopTimeoutMs: opts.stopTimeoutMs ?? 3000, livenessMs: 100,
  });
  pm.onEvent((e) => events.push(e));
  const ended = (id: string) =>
    new Promise<Extract<ManagerEvent, { type: 'ended' }>>((resolve) => {
      const sub = pm.onEvent((e) => {
        if (e.type === 'ended' && e.id === id) {
          sub.dispose();
          resolve(e);
        }
      });
    });
  /** the engine has created its run directory and is training (its stop handlers are installed) */
  const started = (id: string) => waitUntil(() => readRunInfo(path.join(runsDir, id))?.status === 'running', `run ${id} running`);
  return { root, runsDir, enginePath, pm, events, ended, started };
}

test('manager: a run goes through the engine and finishes; output is captured', async () => {
  const { root, runsDir, pm, ended, events } = setup();
  try {
    const cfg = writeFakeConfig(root, 'quick', { epochs: 2, msPerEpoch: 30 });
    const q = pm.enqueue({ configPath: cfg, overrides: [], label: 'quick' });
    assert.match(q.id, /^\d{8}-\d{6}-quick-[0-9a-f]{4}$/);
    const end = await ended(q.id);
    assert.equal(end.status, 'finished');
    assert.equal(readRunInfo(path.join(runsDir, q.id))?.status, 'finished');
    assert.ok(events.some((e) => e.type === 'started' && e.id === q.id));
    assert.match(end.outputTail, /fake engine: training/);
  } finally {
    pm.dispose();
  }
});

test('manager: the queue respects the concurrency limit', async () => {
  const { root, pm, ended } = setup({ concurrency: 1 });
  try {
    const cfg = writeFakeConfig(root, 'q', { epochs: 2, msPerEpoch: 50 });
    const a = pm.enqueue({ configPath: cfg, overrides: [], label: 'a' });
    const b = pm.enqueue({ configPath: cfg, overrides: [], label: 'b' });
    assert.deepEqual(pm.active(), [a.id]);
    assert.deepEqual(pm.queued().map((x) => x.id), [b.id]);
    await ended(a.id);
    assert.deepEqual(pm.active(), [b.id]);
    assert.equal(pm.queued().length, 0);
    assert.equal((await ended(b.id)).status, 'finished');
  } finally {
    pm.dispose();
  }
});

test('manager: --set overrides reach the engine', async () => {
  const { root, runsDir, pm, ended } = setup();
  try {
    const cfg = writeFakeConfig(root, 'sets', { epochs: 5, msPerEpoch: 10 });
    const q = pm.enqueue({ configPath: cfg, overrides: ['fake.epochs=1', 'optimizer.kind="adam"'], label: 'sets' });
    await ended(q.id);
    const conf = JSON.parse(fs.readFileSync(path.join(runsDir, q.id, 'config.json'), 'utf8'));
    assert.equal(conf.fake.epochs, 1);
    assert.equal(conf.optimizer.kind, 'adam');
  } finally {
    pm.dispose();
  }
});

test('manager: graceful stop marks the run stopped; a queued run is just dropped', async () => {
  const { root, runsDir, pm, ended, started } = setup();
  try {
    const cfg = writeFakeConfig(root, 'long', { epochs: 1000, msPerEpoch: 50 });
    const a = pm.enqueue({ configPath: cfg, overrides: [], label: 'long' });
    const b = pm.enqueue({ configPath: cfg, overrides: [], label: 'waiting' });
    await started(a.id);
    await pm.stop(b.id);
    assert.equal(pm.isQueued(b.id), false);
    const end = ended(a.id);
    await pm.stop(a.id);
    assert.equal((await end).status, 'stopped');
    assert.equal(readRunInfo(path.join(runsDir, a.id))?.status, 'stopped');
    assert.equal(fs.existsSync(path.join(runsDir, b.id)), false);
  } finally {
    pm.dispose();
  }
});

test('manager: an engine that ignores stop is killed after the timeout and recorded as stopped', async () => {
  const { root, runsDir, pm, started } = setup({ stopTimeoutMs: 300 });
  try {
    const cfg = writeFakeConfig(root, 'stubborn', { epochs: 1000, msPerEpoch: 50, ignoreStop: true });
    const a = pm.enqueue({ configPath: cfg, overrides: [], label: 'stubborn' });
    await started(a.id);
    const t0 = Date.now();
    await pm.stop(a.id);
    assert.ok(Date.now() - t0 >= 250);
    const info = readRunInfo(path.join(runsDir, a.id));
    assert.equal(info?.status, 'stopped');
    assert.match(info?.reason ?? '', /stop timeout/);
    const events = readEvents(path.join(runsDir, a.id));
    assert.equal(events[events.length - 1]?.kind, 'end');
  } finally {
    pm.dispose();
  }
});

test('manager: a crash marks the run failed and appends the output tail to log.txt', async () => {
  const { root, runsDir, pm, ended } = setup();
  try {
    const cfg = writeFakeConfig(root, 'crash', { epochs: 10, msPerEpoch: 20, crashAtEpoch: 2 });
    const a = pm.enqueue({ configPath: cfg, overrides: [], label: 'crash' });
    const end = await ended(a.id);
    assert.equal(end.status, 'failed');
    assert.match(end.reason ?? '', /exit code 3/);
    const info = readRunInfo(path.join(runsDir, a.id));
    assert.equal(info?.status, 'failed');
    assert.match(fs.readFileSync(path.join(runsDir, a.id, 'log.txt'), 'utf8'), /out of memory in epoch 2/);
  } finally {
    pm.dispose();
  }
});

test('manager: an engine that fails before creating the run reports its error', async () => {
  const { root, pm, ended } = setup();
  try {
    const cfg = writeFakeConfig(root, 'bad', { failBeforeRun: true });
    const a = pm.enqueue({ configPath: cfg, overrides: [], label: 'bad' });
    const end = await ended(a.id);
    assert.equal(end.runExists, false);
    assert.match(end.reason ?? '', /unknown loss "nope"/);
  } finally {
    pm.dispose();
  }
});

test('manager: re-attaches to a run another process started, stops it by signal, and notices its end', async () => {
  const { root, runsDir, enginePath, pm, ended } = setup();
  const cfg = writeFakeConfig(root, 'cli', { epochs: 1000, msPerEpoch: 50 });
  // as if started from a terminal (or by a previous extension host)
  const child = spawn(process.execPath, [enginePath, 'train', cfg, '--runs-dir', runsDir, '--id', 'cli-run'], { stdio: 'ignore' });
  try {
    const dir = path.join(runsDir, 'cli-run');
    await waitUntil(() => !!readRun(dir), `${dir} written`);
    pm.attach(readRun(dir)!);
    assert.deepEqual(pm.active(), ['cli-run']);
    const end = ended('cli-run');
    await pm.stop('cli-run');
    assert.equal((await end).status, 'stopped');
  } finally {
    child.kill('SIGKILL');
    pm.dispose();
  }
});

test('manager: a re-attached run whose process dies is marked failed', async () => {
  const { root, runsDir, enginePath, pm, ended } = setup();
  const cfg = writeFakeConfig(root, 'dies', { epochs: 1000, msPerEpoch: 50 });
  const child = spawn(process.execPath, [enginePath, 'train', cfg, '--runs-dir', runsDir, '--id', 'dies'], { stdio: 'ignore' });
  try {
    const dir = path.join(runsDir, 'dies');
    await waitUntil(() => !!readRun(dir), `${dir} written`);
    pm.attach(readRun(dir)!);
    const end = ended('dies');
    child.kill('SIGKILL');
    assert.equal((await end).status, 'failed');
    assert.match(readRunInfo(dir)?.reason ?? '', /engine process died: no heartbeat since .* \(process \d+ is gone\)/);
  } finally {
    pm.dispose();
  }
});

test('manager: attaching to a running run whose pid is gone marks it failed at once', async () => {
  const { runsDir, pm } = setup();
  const dir = path.join(runsDir, 'ghost');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
    formatVersion: 1, id: 'ghost', name: 'ghost', experiment: 'ghost', status: 'running', pid: 999_999_99,
    createdAt: new Date().toISOString(), versions: { reclab: '0', node: 'x' },
  }));
  pm.attach(readRun(dir)!);
  assert.equal(readRunInfo(dir)?.status, 'failed');
  assert.equal(pm.active().length, 0);
  pm.dispose();
});
