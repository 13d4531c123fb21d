import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fromPairs,
  fromTimedPairs,
  itemPopularity,
  keepMap,
  mergeInteractions,
  PairBuffer,
  partitionEntries,
  restrict,
  subtractInteractions,
  toPairs,
  userDegrees,
} from '../../src/engine/data/csr';
import { hasItem, nnz } from '../../src/engine/data/types';
import { Rng } from '../../src/engine/rng';
import { rows } from '../fixtures/data/helpers';

test('fromPairs sorts rows and collapses duplicates', () => {
  const m = fromPairs([2, 0, 0, 2, 0, 2], [1, 3, 1, 1, 0, 4], 4, 5);
  assert.deepEqual(rows(m), [[0, 1, 3], [], [1, 4], []]);
  assert.equal(nnz(m), 5);
  assert.equal(m.indptr.length, 5);
  assert.ok(hasItem(m, 0, 3) && !hasItem(m, 0, 2) && !hasItem(m, 1, 0));
});

test('fromPairs matches a naive reference on random input', () => {
  const rng = new Rng(3);
  const nU = 50;
  const nI = 70;
  const us: number[] = [];
  const is: number[] = [];
  for (let k = 0; k < 3000; k++) {
    us.push(rng.int(nU));
    is.push(rng.int(nI));
  }
  const ref: number[][] = Array.from({ length: nU }, () => []);
  us.forEach((u, k) => ref[u].includes(is[k]) || ref[u].push(is[k]));
  ref.forEach((r) => r.sort((a, b) => a - b));
  assert.deepEqual(rows(fromPairs(Int32Array.from(us), Int32Array.from(is), nU, nI)), ref);
});

test('fromPairs honours count and rejects out-of-range pairs', () => {
  const buf = new PairBuffer(2);
  for (let k = 0; k < 5; k++) buf.push(k % 2, k);
  assert.equal(buf.length, 5);
  assert.deepEqual(rows(fromPairs(buf.users, buf.items, 2, 5, buf.length)), [[0, 2, 4], [1, 3]]);
  assert.throws(() => fromPairs([0], [5], 1, 5), RangeError);
  assert.throws(() => fromPairs([-1], [0], 1, 5), RangeError);
});

test('fromTimedPairs keeps the latest timestamp of a duplicate, the later one on ties', () => {
  const t = fromTimedPairs([0, 0, 0, 1, 1], [2, 1, 2, 0, 0], [50, 10, 20, 7, 7], 2, 3);
  assert.deepEqual(rows(t.m), [[1, 2], [0]]);
  assert.deepEqual(Array.from(t.times), [10, 50, 7]);
  assert.deepEqual(Array.from(t.order), [1, 0, 4]);
});

test('fromTimedPairs sorts long unsorted rows with their timestamps', () => {
  const n = 500;
  const items = Int32Array.from({ length: n }, (_, k) => (k * 37) % n);
  const t = fromTimedPairs(new Int32Array(n), items, Float64Array.from(items, (i) => i * 10), 1, n);
  assert.deepEqual(rows(t.m)[0], Array.from({ length: n }, (_, i) => i));
  for (let k = 0; k < n; k++) assert.equal(t.times[k], t.m.indices[k] * 10);
});

test('popularity, degrees and toPairs', () => {
  const m = fromPairs([0, 0, 1, 2, 2, 2], [0, 1, 1, 0, 1, 2], 4, 4);
  assert.deepEqual(Array.from(itemPopularity(m)), [2, 3, 1, 0]);
  assert.deepEqual(Array.from(userDegrees(m)), [2, 1, 3, 0]);
  const p = toPairs(m);
  assert.deepEqual(Array.from(p.users), [0, 0, 1, 2, 2, 2]);
  assert.deepEqual(Array.from(p.items), [0, 1, 1, 0, 1, 2]);
  assert.deepEqual(rows(fromPairs(p.users, p.items, 4, 4)), rows(m));
});

test('merge, subtract and partition', () => {
  const a = fromPairs([0, 0, 1], [0, 2, 1], 2, 4);
  const b = fromPairs([0, 1, 1], [2, 3, 0], 2, 4);
  assert.deepEqual(rows(mergeInteractions(a, b)), [[0, 2], [0, 1, 3]]);
  assert.deepEqual(rows(subtractInteractions(a, b)), [[0], [1]]);
  assert.throws(() => mergeInteractions(a, fromPairs([], [], 3, 4)), RangeError);
  const [zero, one] = partitionEntries(mergeInteractions(a, b), Uint8Array.from([1, 0, 0, 1, 0]));
  assert.deepEqual(rows(zero), [[2], [0, 3]]);
  assert.deepEqual(rows(one), [[0], [1]]);
});

test('restrict drops and renumbers users and items', () => {
  const m = fromPairs([0, 0, 1, 2, 2], [0, 2, 1, 1, 2], 3, 3);
  const users = keepMap(Uint8Array.from([1, 0, 1]));
  const items = keepMap(Uint8Array.from([0, 1, 1]));
  const r = restrict(m, users.map, items.map, users.size, items.size);
  assert.deepEqual(rows(r.m), [[1], [0, 1]]);
  assert.equal(r.m.nItems, 2);
  assert.deepEqual(Array.from(r.kept), [1, 3, 4]);
});
