/**
 * Pacing of the Runs tree's re-renders (src/extension/host/rowPacer.ts), on a hand-driven clock: a running row is
 * re-rendered at most every interval, a row being read waits until its reading time is over and then catches up,
 * anything that is not a running row is shown at once, and a full refresh counts as a render.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowPacer } from '../../src/extension/host/rowPacer';

function pacer() {
  let t = 1_000_000;
  const p = new RowPacer({ intervalMs: 2000, readingMs: 10_000 }, () => t);
  return { p, advance: (ms: number) => (t += ms) };
}
const run = (id: string, running = true) => ({ id, running });
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

test('a running row is shown at most every interval; the change that waited is asked for again when due', () => {
  const { p, advance } = pacer();
  assert.deepEqual(ids(p.take([run('a')]).now), ['a'], 'first change: at once');
  advance(500);
  const second = p.take([run('a')]);
  assert.deepEqual(ids(second.now), []);
  assert.equal(second.waitMs, 1500);
  assert.deepEqual([...p.waitingIds()], ['a']);
  advance(1500);
  assert.deepEqual(ids(p.take([run('a')]).now), ['a']);
  assert.equal(p.waitingIds().size, 0);
});

test('rows that are not running (a run that ended, a group) are shown at once', () => {
  const { p, advance } = pacer();
  p.take([run('a')]);
  advance(100);
  const r = p.take([run('a', false), run('group:exp', false)]);
  assert.deepEqual(ids(r.now), ['a', 'group:exp']);
  assert.equal(r.waitMs, undefined);
});

test('a row being read waits until its reading time is over, other rows keep their pace', () => {
  const { p, advance } = pacer();
  p.take([run('a'), run('b')]);
  advance(3000);
  p.read('a');
  const during = p.take([run('a'), run('b')]);
  assert.deepEqual(ids(during.now), ['b']);
  assert.equal(during.waitMs, 10_000);
  advance(9_999);
  assert.deepEqual(ids(p.take([run('a')]).now), [], 'still being read');
  advance(1);
  assert.deepEqual(ids(p.take([run('a')]).now), ['a'], 'caught up when the reading time is over');
  advance(2000);
  assert.deepEqual(ids(p.take([run('a')]).now), ['a'], 'then paced as usual, not held again');
});

test('a full refresh counts as a render of every row', () => {
  const { p, advance } = pacer();
  p.take([run('a')]);
  advance(500);
  p.take([run('a')]);
  assert.equal(p.waitingIds().size, 1);
  advance(2500);
  p.renderedAll(['a']);
  assert.equal(p.waitingIds().size, 0, 'the refresh showed the waiting change');
  advance(100);
  assert.deepEqual(ids(p.take([run('a')]).now), [], 'paced from the refresh');
});
