import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunStore, type RunChange } from '../../src/runs/store';
import { RunWriter } from '../../src/runs/writer';
import type { RunEvent } from '../../src/protocol/events';
import { buildRows } from '../../src/extension/host/runTree';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-store-'));
}

function newRun(runsDir: string, name = 'mf-bpr', id?: string): RunWriter {
  return RunWriter.create(runsDir, { id, name, experiment: name, versions: { reclab: '0', node: process.version } }, { name });
}

function stepEvent(step: number): RunEvent {
  return { t: Date.now(), kind: 'step', epoch: 1, step, loss: 1 / step, steps: 1 };
}

/** Resolves once `cond()` holds, checking every few ms (rejects after a generous `ms`: a loaded machine is slow, not broken). */
async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the first change matching `pred` (rejects after a generous `ms`). */
function nextChange(store: RunStore, pred: (c: RunChange) => boolean, ms = 30_000): Promise<RunChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('timed out waiting for a store change'));
    }, ms);
    const sub = store.onDidChange((c) => {
      if (!pred(c)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(c);
    });
  });
}

test('store: initial scan lists existing runs newest first and reads events lazily', async () => {
  const dir = tmpDir();
  const a = newRun(dir, 'a', 'r1');
  a.append(stepEvent(1));
  a.append(stepEvent(2));
  a.close();
  const b = newRun(dir, 'b', 'r2');
  b.close();
  // newest first by createdAt: make r2 strictly newer without waiting on the clock
  const infoFile = path.join(dir, 'r2', 'run.json');
  fs.writeFileSync(infoFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(infoFile, 'utf8')), createdAt: new Date(Date.now() + 1000).toISOString() }));
  const store = new RunStore(dir, { pollMs: 0 });
  await store.start();
  try {
    assert.deepEqual(store.list().map((r) => r.id), ['r2', 'r1']);
    assert.equal(store.get('r1')?.info.name, 'a');
    assert.equal(store.events('r1').length, 2);
    assert.equal(store.events('missing').length, 0);
  } finally {
    store.dispose();
  }
});

test('store: a run written after start appears, updates with new events, then is removed', async () => {
  const dir = tmpDir();
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 20 });
  await store.start();
  try {
    const added = nextChange(store, (c) => c.id === 'live' && c.kind === 'added');
    const w = newRun(dir, 'live', 'live');
    assert.equal((await added).record?.info.status, 'queued');

    const running = nextChange(store, (c) => c.id === 'live' && c.record?.info.status === 'running');
    w.updateInfo({ status: 'running', pid: process.pid });
    await running;

    const withEvents = nextChange(store, (c) => c.id === 'live' && c.newEvents.length > 0);
    w.append(stepEvent(1));
    w.append(stepEvent(2));
    const c = await withEvents;
    assert.ok(c.newEvents.length >= 1);
    await until(() => store.events('live').length === 2, 'both events');
    assert.deepEqual(store.events('live').map((e) => (e.kind === 'step' ? e.step : -1)), [1, 2]);

    const removed = nextChange(store, (ch) => ch.id === 'live' && ch.kind === 'removed');
    w.close();
    fs.rmSync(path.join(dir, 'live'), { recursive: true, force: true });
    await removed;
    assert.equal(store.get('live'), undefined);
  } finally {
    store.dispose();
  }
});

test('store: a truncated last line is held back until it is completed', async () => {
  const dir = tmpDir();
  const w = newRun(dir, 'trunc', 'trunc');
  w.updateInfo({ status: 'running' });
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 20 });
  await store.start();
  try {
    const metrics = path.join(dir, 'trunc', 'metrics.jsonl');
    const line = JSON.stringify(stepEvent(7));
    fs.appendFileSync(metrics, line.slice(0, 10));
    // the partial line is on disk now: a read returns nothing (not even after the watcher saw it)
    assert.equal(store.events('trunc').length, 0);
    store.refresh('trunc');
    assert.equal(store.events('trunc').length, 0);
    const got = nextChange(store, (c) => c.id === 'trunc' && c.newEvents.length > 0);
    fs.appendFileSync(metrics, line.slice(10) + '\n');
    assert.equal((await got).newEvents.length, 1);
  } finally {
    w.close();
    store.dispose();
  }
});

test('store: a runs directory created after start is picked up', async () => {
  const parent = tmpDir();
  const dir = path.join(parent, 'runs');
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 20 });
  await store.start();
  try {
    assert.equal(store.list().length, 0);
    const added = nextChange(store, (c) => c.kind === 'added');
    fs.mkdirSync(dir);
    // the store polls for the directory every second, then watches it; a run written at any moment is picked up
    // (by the watcher, or by the scan the store makes when the watcher becomes ready)
    newRun(dir, 'late', 'late').close();
    assert.equal((await added).id, 'late');
  } finally {
    store.dispose();
  }
});

test('store: a runs folder that cannot be listed says why (the tree shows it), and is loaded once it can be', async () => {
  const parent = tmpDir();
  const dir = path.join(parent, 'runs');
  fs.writeFileSync(dir, 'not a folder'); // ENOTDIR: root can list any folder, so permissions cannot be tested here
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 20 });
  await store.start();
  try {
    assert.match(store.listingProblem() ?? '', /cannot list the runs folder .*runs: it is a file, not a folder \(ENOTDIR\)/);
    const rows = buildRows(store.list(), [], { grouping: 'flat', metric: 'ndcg@20', listError: store.listingProblem() });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].label, 'Runs folder cannot be listed');
    assert.match(rows[0].tooltip as string, /it is a file, not a folder/);
    const cleared = new Promise<void>((resolve) => {
      const sub = store.onDidChangeUnreadable(() => {
        if (store.listingProblem()) return;
        sub.dispose();
        resolve();
      });
    });
    const added = nextChange(store, (c) => c.kind === 'added');
    fs.rmSync(dir);
    fs.mkdirSync(dir);
    newRun(dir, 'fixed', 'fixed').close();
    await cleared;
    assert.equal((await added).id, 'fixed');
    assert.equal(buildRows(store.list(), [], { grouping: 'flat', metric: 'ndcg@20', listError: store.listingProblem() })[0].label, 'fixed');
  } finally {
    store.dispose();
  }
});

test('store: listener errors do not break other listeners; dispose stops events', async () => {
  const dir = tmpDir();
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 10 });
  await store.start();
  store.onDidChange(() => {
    throw new Error('boom');
  });
  const got = nextChange(store, (c) => c.id === 'x');
  newRun(dir, 'x', 'x').close();
  await got;
  store.dispose();
  let after = 0;
  store.onDidChange(() => after++);
  newRun(dir, 'y', 'y').close();
  // a disposed store has no watcher, timers or listeners left: nothing can call back, whatever the delay
  assert.equal((store as unknown as { watcher?: unknown }).watcher, undefined);
  assert.equal((store as unknown as { pending: Map<string, unknown> }).pending.size, 0);
  assert.equal(after, 0);
});

test('store: an unreadable run.json is listed with the reason; a dead engine is recorded failed (read-only: shown only)', async () => {
  const dir = tmpDir();
  const w = newRun(dir, 'ok', 'ok');
  w.close();
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'run.json'), '[]');
  const deadInfo = { ...JSON.parse(fs.readFileSync(path.join(dir, 'ok', 'run.json'), 'utf8')), id: 'dead', status: 'running', pid: 999_999_99 };
  deadInfo.lease = { ...deadInfo.lease, pid: 999_999_99 };
  fs.mkdirSync(path.join(dir, 'dead'));
  fs.writeFileSync(path.join(dir, 'dead', 'run.json'), JSON.stringify(deadInfo));
  fs.mkdirSync(path.join(dir, 'remote'));
  fs.writeFileSync(path.join(dir, 'remote', 'run.json'), JSON.stringify({ ...deadInfo, id: 'remote', lease: { ...deadInfo.lease, host: 'gpu-node-7' } }));
  const ro = new RunStore(dir, { pollMs: 0, readOnly: true });
  await ro.start();
  try {
    assert.equal(ro.get('dead')?.info.status, 'failed');
    assert.equal(ro.get('remote')?.info.status, 'running');
    assert.match(ro.get('remote')?.problems?.join() ?? '', /running on host gpu-node-7/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'dead', 'run.json'), 'utf8')).status, 'running');
  } finally {
    ro.dispose();
  }
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 10 });
  await store.start();
  try {
    assert.deepEqual(store.unreadable().map((u) => [u.id, u.reason]), [['broken', 'run.json: expected an object, got an array']]);
    assert.equal(store.get('dead')?.info.status, 'failed');
    assert.match(store.get('dead')?.info.reason ?? '', /engine process died: no heartbeat since/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'dead', 'run.json'), 'utf8')).status, 'failed');
    // the broken run is repaired: it leaves the unreadable list and appears as a run
    let changed = 0;
    store.onDidChangeUnreadable(() => changed++);
    const added = nextChange(store, (c) => c.id === 'broken' && c.kind === 'added');
    fs.writeFileSync(path.join(dir, 'broken', 'run.json'), JSON.stringify({ ...deadInfo, id: 'broken', status: 'finished' }));
    await added;
    assert.deepEqual(store.unreadable(), []);
    assert.equal(changed, 1);
    // a torn line in the metrics is counted
    fs.appendFileSync(path.join(dir, 'ok', 'metrics.jsonl'), 'garbage\n{"t":1,"kind":"log","level":"info","message":"x"}\n');
    assert.equal(store.events('ok').length, 1);
    assert.equal(store.skippedLines('ok'), 1);
  } finally {
    store.dispose();
  }
});
