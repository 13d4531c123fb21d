/**
 * The RunStore's polling fallback for network and cluster file systems (runs written by Slurm jobs on other hosts,
 * where inotify sees nothing): detection from statfs, the env override, and a store that really polls picking up a
 * run created and written after it started.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunStore, type RunChange } from '../../src/runs/store';
import { RunWriter } from '../../src/runs/writer';
import { fileSystemKind, needsPolling } from '../../src/runs/fs-kind';

test('polling is needed on network file systems only; RECLAB_WATCH_POLLING forces it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-poll-'));
  assert.equal(fileSystemKind(dir), undefined, 'the temp folder is local');
  assert.equal(needsPolling(dir, {}), false);
  assert.equal(needsPolling(dir, { RECLAB_WATCH_POLLING: '1' }), true);
  assert.equal(needsPolling(dir, { RECLAB_WATCH_POLLING: '0' }), false);
});

test('a polling store sees a run created and written after it started', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-poll-'));
  const store = new RunStore(dir, { pollMs: 0, debounceMs: 20, usePolling: true });
  await store.start();
  const next = (pred: (c: RunChange) => boolean): Promise<RunChange> =>
    new Promise((resolve) => {
      const sub = store.onDidChange((c) => {
        if (pred(c)) {
          sub.dispose();
          resolve(c);
        }
      });
    });
  try {
    const added = next((c) => c.id === 'remote' && c.kind === 'added');
    const w = RunWriter.create(dir, { id: 'remote', name: 'remote', experiment: 'remote', versions: { reclab: '0', node: process.version } }, { name: 'remote' });
    await added;
    const running = next((c) => c.id === 'remote' && c.record?.info.status === 'running');
    w.updateInfo({ status: 'running', pid: process.pid });
    await running;
    const events = next((c) => c.id === 'remote' && c.newEvents.length > 0);
    w.append({ t: Date.now(), kind: 'step', epoch: 1, step: 1, loss: 0.5, steps: 1 });
    assert.equal((await events).newEvents[0].kind, 'step');
    w.close();
  } finally {
    store.dispose();
  }
});
