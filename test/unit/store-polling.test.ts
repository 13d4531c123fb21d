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
  // every wait is bounded: a change the store never reports fails the test with what it waited for, never hangs it
  const next = (what: string, pred: (c: RunChange) => boolean): Promise<RunChange> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`the polling store never reported: ${what}`));
      }, 120_000);
      const sub = store.onDidChange((c) => {
        if (pred(c)) {
          clearTimeout(timer);
          sub.dispose();
          resolve(c);
        }
      });
    });
  try {
    const added = next('the run added', (c) => c.id === 'remote' && c.kind === 'added');
    const w = RunWriter.create(dir, { id: 'remote', name: 'remote', experiment: 'remote', versions: { reclab: '0', node: process.version } }, { name: 'remote' });
    await added;
    const running = next('the run running', (c) => c.id === 'remote' && c.record?.info.status === 'running');
    w.updateInfo({ status: 'running', pid: process.pid });
    await running;
    const events = next('its new events', (c) => c.id === 'remote' && c.newEvents.length > 0);
    w.append({ t: Date.now(), kind: 'step', epoch: 1, step: 1, loss: 0.5, steps: 1 });
    assert.equal((await events).newEvents[0].kind, 'step');
    w.close();
  } finally {
    store.dispose();
  }
});
