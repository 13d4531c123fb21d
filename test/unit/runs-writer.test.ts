import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunWriter, makeRunId } from '../../src/runs/writer';
import { EventTail, readEvents, readRunInfo } from '../../src/runs/reader';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-writer-'));

test('run ids sort by time and carry a readable slug', () => {
  const id = makeRunId('MF + BPR (Yelp)', new Date(2026, 10, 22, 9, 5, 7));
  assert.match(id, /^20261122-090507-mf-bpr-yelp-[0-9a-f]{4}$/);
});

test('a rename or note made on disk while the run trains survives the engine\'s next run.json update', () => {
  const w = RunWriter.create(tmp(), { name: 'orig', experiment: 'e', versions: { reclab: 'x', node: 'y' } }, { name: 'e' });
  w.updateInfo({ status: 'running' });
  const file = path.join(w.dir, 'run.json');
  const edited = { ...JSON.parse(fs.readFileSync(file, 'utf8')), name: 'renamed by user', note: 'lr too high?' };
  fs.writeFileSync(file, JSON.stringify(edited));
  w.updateInfo({ progress: { epoch: 3, epochs: 10 } });
  const info = readRunInfo(w.dir)!;
  assert.equal(info.name, 'renamed by user');
  assert.equal(info.note, 'lr too high?');
  assert.deepEqual(info.progress, { epoch: 3, epochs: 10 });
  assert.equal(info.status, 'running');
  w.close();
});

test('metrics.jsonl: a truncated last line (a kill mid-write) is ignored; the tail reader resumes across appends', () => {
  const w = RunWriter.create(tmp(), { name: 'r', experiment: 'e', versions: { reclab: 'x', node: 'y' } }, {});
  const tail = new EventTail(path.join(w.dir, 'metrics.jsonl'));
  w.append({ t: 1, kind: 'log', level: 'info', message: 'a' });
  assert.equal(tail.read().length, 1);
  fs.appendFileSync(path.join(w.dir, 'metrics.jsonl'), '{"t":2,"kind":"lo');
  assert.equal(readEvents(w.dir).length, 1);
  assert.equal(tail.read().length, 0);
  fs.appendFileSync(path.join(w.dir, 'metrics.jsonl'), 'g","level":"info","message":"b"}\n');
  const more = tail.read();
  assert.equal(more.length, 1);
  assert.equal((more[0] as { message: string }).message, 'b');
  w.close();
});
