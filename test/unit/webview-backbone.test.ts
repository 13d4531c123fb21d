/** The backbone label of the dashboard header and the compare diff's backbone row (webview/shared/backbone.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backboneOf, configForDiff } from '../../webview/shared/backbone';
import { diffConfigs } from '../../webview/shared/config-diff';
import { resolveConfig } from '../../src/engine/config/validate';

const lightgcn = resolveConfig({ name: 'g', model: { kind: 'lightgcn', layers: 2, dim: 32 } });
const mf = resolveConfig({ name: 'm', model: { kind: 'mf', dim: 64 } });

test('the label names the backbone, a graph backbone\'s layers and pooling, and the width', () => {
  assert.deepEqual(backboneOf(lightgcn), { kind: 'lightgcn', label: 'LightGCN · 2 layers · mean pooling · d=32', layers: 2 });
  assert.equal(backboneOf(resolveConfig({ name: 'g', model: { kind: 'lightgcn', layers: 1, pooling: 'sum' } }))!.label, 'LightGCN · 1 layer · sum pooling · d=64');
  assert.deepEqual(backboneOf(mf), { kind: 'mf', label: 'MF · d=64' });
  assert.equal(backboneOf(undefined), undefined);
  assert.equal(backboneOf({ model: 'odd' }), undefined);
});

test('the config diff of an MF and a LightGCN run shows the backbone, model.kind and model.layers (absent for MF)', () => {
  const rows = diffConfigs([configForDiff(mf), configForDiff(lightgcn)], true);
  const row = (p: string) => rows.find((r) => r.path === p);
  assert.equal(rows[0].path, 'backbone', 'the backbone row leads');
  assert.deepEqual(row('backbone')!.values, ['"MF · d=64"', '"LightGCN · 2 layers · mean pooling · d=32"']);
  assert.deepEqual(row('model.kind')!.values, ['"mf"', '"lightgcn"']);
  assert.deepEqual(row('model.layers')!.values, [undefined, '2']);
  assert.deepEqual(row('model.pooling')!.values, [undefined, '"mean"']);
  // two LightGCN runs that differ only in layers
  const deeper = resolveConfig({ name: 'g', model: { kind: 'lightgcn', layers: 3, dim: 32 } });
  const paths = diffConfigs([configForDiff(lightgcn), configForDiff(deeper)], true).map((r) => r.path);
  assert.deepEqual(paths.sort(), ['backbone', 'model.layers']);
});
