import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunStore, type RunChange } from '../../src/runs/store';
import { RunWriter } from '../../src/runs/writer';
import type { RunEvent } from '../../src/protocol/events';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-store-'));
}

function newRun(runsDir: string, name = 'mf-bpr', id?: string): RunWriter {
  return RunWriter.create(runsDir, { id, name, experiment: name, versions: { reclab: '0', node: process.version } }, { name });
}

function stepEvent(step: number): RunEvent {
  return { t: Date.now(), kind: 'step', epoch: 1, step, loss: 1 / step, steps: 1 };
}

/** Resolves with the first change matching `pred` (rejects after `ms`). */
function nextChange(store: RunStore, pred: (c: RunChange) => boolean, ms = 4000): Promise<RunChange> {
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
  await new Promise((r) => setTimeout(r, 5));
  const b = newRun(dir, 'b', 'r2');
  b.close();
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
    await new Promise((r) => setTimeout(r, 100));
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
    await new Promise((r) => setTimeout(r, 150));
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
    const added = nextChange(store, (c) => c.kind === 'added', 6000);
    fs.mkdirSync(dir);
    await new Promise((r) => setTimeout(r, 1300)); // the store waits for the directory with a 1 s poll
    newRun(dir, 'late', 'late').close();
    assert.equal((await added).id, 'late');
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
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(after, 0);
});
