/**
 * An epoch's training rows (training/rows.ts epochRows): every interaction exactly once, in the Rng's shuffled order;
 * reusing the previous epoch's arrays (what train() does) gives the same rows as fresh arrays, written in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochRows } from '../../src/engine/training/rows';
import { Rng } from '../../src/engine/rng';
import type { Dataset } from '../../src/engine/data/types';
import { csrFromRows } from '../fixtures/data/helpers';

const rng = new Rng(4);
const rows = Array.from({ length: 40 }, (_, u) => (u % 9 === 4 ? [] : [...new Set(Array.from({ length: 1 + rng.int(12) }, () => rng.int(60)))]));
const train = csrFromRows(rows, 60);
const ds = { nUsers: 40, nItems: 60, train } as unknown as Dataset;
const pairs = (r: { users: Int32Array; items: Int32Array }): string[] => [...r.users].map((u, k) => `${u}:${r.items[k]}`);

test('interaction rows: every training pair once per epoch; reused arrays give the fresh arrays\' rows, epoch after epoch', () => {
  const fresh = new Rng(8), reused = new Rng(8);
  let last: { users: Int32Array; items: Int32Array } | undefined;
  const want = rows.flatMap((r, u) => [...new Set(r)].map((i) => `${u}:${i}`)).sort();
  let previous: string[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    const a = epochRows(ds, 'interaction', fresh);
    const b = epochRows(ds, 'interaction', reused, last);
    if (last) assert.equal(b.users, last.users, 'the previous epoch\'s arrays are written in place');
    assert.deepEqual(pairs(b), pairs(a));
    assert.deepEqual([...pairs(a)].sort(), want);
    assert.notDeepEqual(pairs(a), previous, 'a new order each epoch');
    previous = pairs(a);
    last = b;
  }
  // arrays of another length are not reused
  const short = { users: new Int32Array(3), items: new Int32Array(3) };
  const c = epochRows(ds, 'interaction', new Rng(1), short);
  assert.notEqual(c.users, short.users);
  assert.equal(c.users.length, train.indices.length);
});
