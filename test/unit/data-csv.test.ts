import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DatasetConfig } from '../../src/engine/config/types';
import { loadCsv } from '../../src/engine/data/csv';
import { loadMovieLens } from '../../src/engine/data/movielens';
import { FIXTURES, rejectsWith, rows, tmpFiles } from '../fixtures/data/helpers';

type Csv = Extract<DatasetConfig, { kind: 'csv' }>;
const tiny: Csv = {
  kind: 'csv',
  path: 'tiny.csv',
  delimiter: ',',
  header: true,
  columns: { user: 'user', item: 'item', rating: 'rating', timestamp: 'ts' },
};

test('csv: named columns, canonical string ids, duplicates keep the latest timestamp', async () => {
  const src = await loadCsv(tiny, FIXTURES);
  assert.equal(src.name, 'tiny');
  assert.deepEqual(src.userIds, ['alice', 'bob', 'carol', 'dave']);
  assert.deepEqual(src.itemIds, ['heat', 'matrix', 'up']);
  assert.deepEqual(rows(src.all), [[0, 1, 2], [1, 2], [0, 2], [1]]);
  assert.ok(src.timed);
  // bob rated matrix at 50 and again at 400: one interaction, timestamp 400
  assert.deepEqual(Array.from(src.timed.times), [200, 100, 300, 400, 60, 10, 20, 5]);
});

test('csv: rating threshold keeps rating >= threshold', async () => {
  const src = await loadCsv({ ...tiny, ratingThreshold: 4 }, FIXTURES);
  // carol has nothing >= 4 except heat; dave's 4 is kept; alice's heat (2) is dropped
  assert.deepEqual(src.userIds, ['alice', 'bob', 'carol', 'dave']);
  assert.deepEqual(src.itemIds, ['heat', 'matrix', 'up']);
  assert.deepEqual(rows(src.all), [[1, 2], [1, 2], [0], [1]]);
});

test('csv: headerless TSV by column index, numeric ids sorted numerically, no timestamps', async () => {
  const dir = tmpFiles({ 'u.data': '10\t2\t5\t881250949\r\n9\t10\t3\t1\r\n\r\n10\t1\t1\t2\r\n' });
  const src = await loadCsv({ kind: 'csv', path: 'u.data', delimiter: 'tab', header: false, columns: { user: 0, item: 1 } }, dir);
  assert.deepEqual(src.userIds, ['9', '10']);
  assert.deepEqual(src.itemIds, ['1', '2', '10']);
  assert.deepEqual(rows(src.all), [[2], [0, 1]]);
  assert.equal(src.timed, null);
});

test('csv: quoted fields, ISO timestamps, whitespace delimiter', async () => {
  const dir = tmpFiles({
    'q.csv': 'u,i,when\n"a, b",x,2020-01-02\n"say ""hi""",y,2021-05-01T10:00:00Z\n',
    'w.txt': '  1   5 \n2 6\n',
  });
  const q = await loadCsv({ kind: 'csv', path: 'q.csv', delimiter: ',', header: true, columns: { user: 'U', item: 'i', timestamp: 'when' } }, dir);
  assert.deepEqual(q.userIds, ['a, b', 'say "hi"']);
  assert.deepEqual(Array.from(q.timed!.times), [Date.parse('2020-01-02'), Date.parse('2021-05-01T10:00:00Z')]);
  const w = await loadCsv({ kind: 'csv', path: 'w.txt', delimiter: ' ', header: false, columns: { user: 0, item: 1 } }, dir);
  assert.deepEqual(rows(w.all), [[0], [1]]);
});

test('csv: errors name the file and line', async () => {
  const dir = tmpFiles({
    'short.csv': 'user,item,rating\n1,2,5\n3,4\n',
    'rating.csv': 'user,item,rating\n1,2,5\n1,3,five\n',
    'ts.csv': 'user,item,ts\n1,2,yesterday\n',
    'empty-id.csv': 'user,item\n1,\n',
    'header.csv': 'uid,iid\n1,2\n',
    'only-header.csv': 'user,item\n',
    'blank.csv': '',
  });
  const cfg = (p: string, columns: Csv['columns'], extra: Partial<Csv> = {}): Csv => ({
    kind: 'csv', path: p, delimiter: ',', header: true, columns, ...extra,
  });
  await rejectsWith(loadCsv(cfg('short.csv', { user: 'user', item: 'item', rating: 'rating' }, { ratingThreshold: 1 }), dir), 'short.csv:3: expected at least 3 columns, found 2');
  await rejectsWith(loadCsv(cfg('rating.csv', { user: 'user', item: 'item', rating: 'rating' }, { ratingThreshold: 4 }), dir), 'rating.csv:3: "five" is not a number (rating)');
  await rejectsWith(loadCsv(cfg('ts.csv', { user: 'user', item: 'item', timestamp: 'ts' }), dir), 'ts.csv:2: "yesterday" is not a timestamp');
  await rejectsWith(loadCsv(cfg('empty-id.csv', { user: 'user', item: 'item' }), dir), 'empty-id.csv:2: empty item id');
  await rejectsWith(loadCsv(cfg('header.csv', { user: 'user', item: 'iid' }), dir), 'header.csv:1: no column named "user"', 'uid, iid');
  await rejectsWith(loadCsv(cfg('header.csv', { user: 0, item: 5 }), dir), 'header.csv:1: item column index 5 is out of range');
  await rejectsWith(loadCsv(cfg('header.csv', { user: 'uid', item: 'iid' }, { header: false }), dir), 'header.csv: column user is given by name');
  await rejectsWith(loadCsv(cfg('header.csv', { user: 'uid', item: 'iid' }, { ratingThreshold: 3 }), dir), 'header.csv: `ratingThreshold` is set but `columns.rating` is not');
  await rejectsWith(loadCsv(cfg('only-header.csv', { user: 'user', item: 'item' }), dir), 'only-header.csv: no interactions');
  await rejectsWith(loadCsv(cfg('blank.csv', { user: 'user', item: 'item' }), dir), 'blank.csv: no header line');
  await rejectsWith(loadCsv(cfg('absent.csv', { user: 'user', item: 'item' }), dir), 'absent.csv: file not found');
});

test('movielens: folder or file path, threshold, timestamps', async () => {
  const src = await loadMovieLens({ kind: 'movielens', path: 'ml-tiny' }, FIXTURES);
  assert.equal(src.name, 'ml-tiny');
  assert.deepEqual(src.userIds, ['1', '2', '10']);
  assert.deepEqual(src.itemIds, ['661', '914', '1193']);
  assert.deepEqual(rows(src.all), [[0, 1, 2], [0, 2], [1, 2]]);
  assert.deepEqual(Array.from(src.timed!.times).slice(0, 3), [978302109, 978301968, 978300760]);
  const liked = await loadMovieLens({ kind: 'movielens', path: 'ml-tiny/ratings.dat', ratingThreshold: 4 }, FIXTURES);
  assert.deepEqual(rows(liked.all), [[1], [0, 1], [1]]);
  assert.deepEqual(liked.itemIds, ['661', '1193']);
});

test('movielens: errors name the file and line', async () => {
  const dir = tmpFiles({
    'a/ratings.dat': '1::2::5::100\n1::2::5\n',
    'b/ratings.dat': '1::2::5::100\r\n1::x2::5::100\r\n',
    'c/ratings.dat': '1::2::good::100\n',
  });
  await rejectsWith(loadMovieLens({ kind: 'movielens', path: 'a' }, dir), 'a/ratings.dat:2: expected 4 fields');
  await rejectsWith(loadMovieLens({ kind: 'movielens', path: 'b' }, dir), 'b/ratings.dat:2: "x2" is not an integer item id');
  await rejectsWith(loadMovieLens({ kind: 'movielens', path: 'c' }, dir), 'c/ratings.dat:1: "good" is not a number (rating)');
  await rejectsWith(loadMovieLens({ kind: 'movielens', path: 'd' }, dir), 'd: file not found');
});
