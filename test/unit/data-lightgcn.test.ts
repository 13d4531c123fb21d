import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatasetError } from '../../src/engine/data/errors';
import { loadLightGcn } from '../../src/engine/data/lightgcn';
import { nnz } from '../../src/engine/data/types';
import { Rng } from '../../src/engine/rng';
import { FIXTURES, rejectsWith, rows, tmpFiles } from '../fixtures/data/helpers';

test('lightgcn: loads the fixture folder with identity ids', async () => {
  const src = await loadLightGcn({ kind: 'lightgcn', path: 'tiny-lightgcn' }, FIXTURES);
  assert.equal(src.name, 'tiny-lightgcn');
  assert.deepEqual(rows(src.train), [[0, 1, 2], [2, 3], [0, 1, 4], [1]]);
  assert.deepEqual(rows(src.test), [[3], [0, 1], [5], []]);
  // items follow LightGCN's n_items = max id + 1 over train ∪ test: item 5 appears only in test
  assert.equal(src.train.nItems, 6);
  assert.deepEqual(src.userIds, ['0', '1', '2', '3']);
  assert.deepEqual(src.itemIds, ['0', '1', '2', '3', '4', '5']);
});

test('lightgcn: tolerates CRLF, tabs, trailing blanks, blank lines, empty lists and a missing final newline', async () => {
  const dir = tmpFiles({
    'train.txt': '0 1 2 \r\n1\t3  4\t\r\n\r\n2 \n3 0 0 1',
    'test.txt': '0 3\r\n1 \r\n2 2\n',
  });
  const src = await loadLightGcn({ kind: 'lightgcn', path: dir }, '/');
  assert.deepEqual(rows(src.train), [[1, 2], [3, 4], [], [0, 1]]);
  assert.deepEqual(rows(src.test), [[3], [], [2], []]);
  assert.equal(src.train.nUsers, 4);
});

test('lightgcn: explicit train/test files resolve against baseDir', async () => {
  const dir = tmpFiles({ 'a/tr.txt': '0 1\n1 0\n', 'b/te.txt': '1 1\n' });
  const src = await loadLightGcn({ kind: 'lightgcn', train: 'a/tr.txt', test: 'b/te.txt' }, dir);
  assert.equal(src.name, 'a');
  assert.deepEqual(rows(src.test), [[], [1]]);
});

test('lightgcn: sparse user ids are renumbered in ascending order', async () => {
  const dir = tmpFiles({ 'train.txt': '10 0\n5 1\n2000000 2\n', 'test.txt': '2000000 0\n' });
  const src = await loadLightGcn({ kind: 'lightgcn', path: dir }, '/');
  assert.deepEqual(src.userIds, ['5', '10', '2000000']);
  assert.deepEqual(rows(src.train), [[1], [0], [2]]);
  assert.deepEqual(rows(src.test), [[], [], [0]]);
});

test('lightgcn: lines spanning read chunks parse like a naive split', async () => {
  const rng = new Rng(9);
  const lines: string[] = [];
  let expected = 0;
  for (let u = 0; u < 3000; u++) {
    const items = Array.from({ length: 1 + rng.int(u === 7 ? 200000 : 120) }, () => rng.int(5000));
    expected += new Set(items).size;
    lines.push(`${u} ${items.join(' ')}`);
  }
  const dir = tmpFiles({ 'train.txt': lines.join('\n'), 'test.txt': '' });
  const src = await loadLightGcn({ kind: 'lightgcn', path: dir }, '/');
  assert.equal(nnz(src.train), expected);
  assert.equal(nnz(src.test), 0);
});

test('lightgcn: a non-integer item names the file and line', async () => {
  const dir = tmpFiles({ 'yelp/train.txt': '0 1\n1 2\n2 5 12a 3\n', 'yelp/test.txt': '0 1\n' });
  const err = await rejectsWith(
    loadLightGcn({ kind: 'lightgcn', path: 'yelp' }, dir),
    'yelp/train.txt:3: "12a" is not an integer item id',
  );
  assert.ok(err instanceof DatasetError);
  assert.equal((err as DatasetError).line, 3);
  assert.equal((err as DatasetError).file, path.join(dir, 'yelp', 'train.txt'));
});

test('lightgcn: malformed user ids, negative and oversized ids name file and line', async () => {
  const cases: [string, string][] = [
    ['0 1\nx7 2\n', 'train.txt:2: "x7" is not an integer user id'],
    ['0 1\r\n1 -2\r\n', 'train.txt:2: "-2" is not an integer item id'],
    ['0 1 2,3\n', 'train.txt:1: "2,3" is not an integer item id'],
    ['0 1\n\n\n1 99999999999\n', 'train.txt:4: item id 99999999999 is too large'],
  ];
  for (const [train, msg] of cases) {
    const dir = tmpFiles({ 'train.txt': train, 'test.txt': '' });
    await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: '.' }, dir), msg);
  }
});

test('lightgcn: a test line whose user has no train line is an error at that line', async () => {
  const dir = tmpFiles({ 'train.txt': '0 1\n1 2\n', 'test.txt': '0 2\n\n2 1\n' });
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: '.' }, dir), 'test.txt:3: user 2 has no line in train.txt');
  const bad = tmpFiles({ 'train.txt': '0 1\n', 'test.txt': '0 1 b\n' });
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: '.' }, bad), 'test.txt:1: "b" is not an integer item id');
});

test('lightgcn: missing files, a non-folder path, an empty train file and a missing config path', async () => {
  const dir = tmpFiles({ 'train.txt': '0 1\n', 'only/train.txt': '0 1\n', 'empty/train.txt': '0\n1 \n', 'empty/test.txt': '' });
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: 'only' }, dir), 'only/test.txt: file not found');
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: 'nope' }, dir), 'nope: folder not found');
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: 'train.txt' }, dir), 'train.txt: not a folder');
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', train: 'train.txt', test: 'missing.txt' }, dir), 'missing.txt: file not found');
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', path: 'empty' }, dir), 'empty/train.txt: no interactions');
  await rejectsWith(loadLightGcn({ kind: 'lightgcn', train: 'train.txt' }, dir), 'set `path`');
});
