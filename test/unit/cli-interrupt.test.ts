import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordStoppedNow } from '../../src/cli/interrupt';
import { RunWriter } from '../../src/runs/writer';
import { readEvents, readRunInfo, readSummary } from '../../src/runs/reader';

test('recordStoppedNow marks a running run stopped: run.json without pid, an end event, a summary; an ended run is left alone', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-interrupt-'));
  const w = RunWriter.create(dir, { name: 'x', experiment: 'x', versions: { reclab: '0', node: process.version } }, { eval: { selectMetric: 'recall@20', selectOn: 'test' } });
  w.updateInfo({ status: 'running', pid: process.pid, startedAt: new Date(Date.now() - 5000).toISOString(), progress: { epoch: 3, epochs: 10 } });
  w.append({ t: Date.now(), kind: 'epoch', epoch: 3, loss: 0.5, seconds: 1, examplesPerSec: 1, lr: 0.001, etaSeconds: 7 });
  recordStoppedNow(w.dir, 'stopped by SIGINT (exited at once on a second signal)');
  w.close();
  const info = readRunInfo(w.dir)!;
  assert.equal(info.status, 'stopped');
  assert.equal(info.pid, undefined);
  assert.match(info.reason!, /second signal/);
  assert.ok(info.endedAt);
  const events = readEvents(w.dir);
  const end = events[events.length - 1] as { kind: string; status: string; epochs: number; seconds: number };
  assert.equal(end.kind, 'end');
  assert.equal(end.status, 'stopped');
  assert.equal(end.epochs, 3);
  assert.ok(end.seconds >= 4);
  const s = readSummary(w.dir)!;
  assert.equal(s.selectMetric, 'recall@20');
  assert.equal(s.selectSplit, 'test');
  assert.equal(s.epochsRun, 3);
  // a second call (or a run that finished meanwhile) changes nothing
  const before = fs.readFileSync(path.join(w.dir, 'run.json'), 'utf8');
  recordStoppedNow(w.dir, 'again');
  assert.equal(fs.readFileSync(path.join(w.dir, 'run.json'), 'utf8'), before);
  assert.equal(readEvents(w.dir).length, events.length);
  fs.rmSync(dir, { recursive: true, force: true });
});
