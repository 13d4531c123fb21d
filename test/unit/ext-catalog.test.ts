import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { fetchDataset } from '../../src/engine/catalog';
import { catalogRows, progressText } from '../../src/extension/host/catalog';
import { datasetOf } from '../../src/extension/host/datasets';

test('the Datasets view\'s catalogue rows: not fetched, generated, then fetched once in the cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-ext-catalog-'));
  const saved = process.env.RECLAB_CATALOG;
  try {
    const data = Buffer.from('0 1 2\n1 2 3\n');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'train.txt'), data);
    const catalog = path.join(dir, 'c.json');
    fs.writeFileSync(catalog, JSON.stringify({ datasets: [{
      name: 'view-fixture', version: 'v1', title: 'Fixture', description: 'd', source: {}, format: 'lightgcn',
      files: [{ name: 'train.txt', url: 'https://example.invalid/t', sha256: createHash('sha256').update(data).digest('hex') }],
      dataset: { kind: 'lightgcn' }, licence: 'L', citation: 'C', pinnedBy: 'P',
    }] }));
    process.env.RECLAB_CATALOG = catalog;
    const root = path.join(dir, 'cache');
    const byName = () => Object.fromEntries(catalogRows(root).map((r) => [r.name, r]));
    assert.equal(byName().yelp2018.stateLabel, 'not fetched');
    assert.equal(byName().synthetic.stateLabel, 'generated');
    assert.equal(byName()['view-fixture'].stateLabel, 'not fetched');
    assert.match(byName().yelp2018.tooltip, /Licence: .*Yelp/);
    await fetchDataset('view-fixture', { root, from: src });
    assert.equal(byName()['view-fixture'].state, 'fetched');
  } finally {
    if (saved === undefined) delete process.env.RECLAB_CATALOG;
    else process.env.RECLAB_CATALOG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a config naming a catalogue dataset is grouped under its catalogue name', () => {
  assert.deepEqual(datasetOf({ dataset: { catalog: 'yelp2018' } }), { key: 'catalog:yelp2018', label: 'yelp2018 (catalogue)', kind: 'catalog', detail: 'from the dataset catalogue' });
  assert.equal(datasetOf({ dataset: { kind: 'catalog', catalog: 'ml-1m' } })?.label, 'ml-1m (catalogue)');
});

test('fetch progress text: sizes, rate, ETA and the fraction for the notification', () => {
  const p = progressText({ file: 'yelp2018/train.txt', received: 3 * 1024 ** 2, total: 6 * 1024 ** 2, bytesPerSecond: 1024 ** 2, etaSeconds: 3 });
  assert.equal(p.message, 'train.txt 3.0 / 6.0 MB · 1.0 MB/s · ETA 3s');
  assert.equal(p.fraction, 0.5);
  const unknown = progressText({ file: 'x.zip', received: 1024 ** 2, total: null, bytesPerSecond: 0, etaSeconds: null });
  assert.equal(unknown.message, 'x.zip 1.0 MB · 0.0 MB/s');
  assert.equal(unknown.fraction, null);
});
