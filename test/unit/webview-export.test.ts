import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CSV_COLUMNS, csvField, fileSlug, toCsv, toJson, type ExportSeries } from '../../webview/shared/export';
import { ColourSlots, contrastRatio, hueOf, parseColour, runColour, withAlpha } from '../../webview/shared/colours';
import { diffConfigs, flattenConfig } from '../../webview/shared/config-diff';
import { applyBaseline, formatDuration, nameFilter, pointLabel, sortRows, summaryCells, varyingParams, type RunRow } from '../../webview/shared/run-table';
import { SummaryTracker } from '../../src/runs/summary';

const series: ExportSeries[] = [
  { run: 'run, "a"', runId: 'a', series: 'loss', step: [10, 20], epoch: [0.1, 0.2], wall: [1.5, 3], value: [0.7, 0.6], smoothed: [0.7, 0.64], length: 2 },
  { run: 'b', runId: 'b', series: 'eval/test/recall@20', step: [100], epoch: [1], wall: [9], value: [0.12], length: 1 },
];

test('CSV export: header, one row per point, RFC 4180 quoting, empty smoothed when not smoothed', () => {
  const lines = toCsv(series).trimEnd().split('\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.equal(lines.length, 1 + 3);
  assert.equal(lines[1], '"run, ""a""",a,loss,10,0.1,1.5,0.7,0.7');
  assert.equal(lines[2], '"run, ""a""",a,loss,20,0.2,3,0.6,0.64');
  assert.equal(lines[3], 'b,b,eval/test/recall@20,100,1,9,0.12,');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField('x\ny'), '"x\ny"');
});

test('JSON export: every point with its x coordinates', () => {
  const doc = JSON.parse(toJson(series, 'Training loss', new Date('2026-01-01T00:00:00Z')));
  assert.equal(doc.source, 'Training loss');
  assert.equal(doc.series.length, 2);
  assert.deepEqual(doc.series[0].points[1], { step: 20, epoch: 0.2, wall: 3, value: 0.6, smoothed: 0.64 });
  assert.deepEqual(doc.series[1].points, [{ step: 100, epoch: 1, wall: 9, value: 0.12 }]);
  assert.equal(fileSlug('Temperature τ (global)'), 'temperature-global');
});

test('colour parsing and alpha', () => {
  assert.deepEqual(parseColour('#1a85ff'), { r: 26, g: 133, b: 255, a: 1 });
  assert.deepEqual(parseColour('#fff8'), { r: 255, g: 255, b: 255, a: 0x88 / 255 });
  assert.deepEqual(parseColour('rgba(1, 2, 3, 0.5)'), { r: 1, g: 2, b: 3, a: 0.5 });
  assert.equal(withAlpha('#000000', 0.25), 'rgba(0, 0, 0, 0.25)');
  assert.equal(parseColour('salmon'), undefined);
});

test('run colours: 40 runs, all readable on light, dark and high-contrast backgrounds (no cap at 7)', () => {
  const themes = [
    { background: parseColour('#ffffff')!, highContrast: false, min: 3 },
    { background: parseColour('#1f1f1f')!, highContrast: false, min: 3 },
    { background: parseColour('#000000')!, highContrast: true, min: 4.5 },
    { background: parseColour('#ffffff')!, highContrast: true, min: 4.5 },
  ];
  for (const t of themes) {
    const colours = Array.from({ length: 40 }, (_, i) => runColour(i, t));
    for (const c of colours) assert.ok(contrastRatio(parseColour(c)!, t.background) >= t.min, `${c} on ${JSON.stringify(t.background)}`);
    assert.equal(new Set(colours).size, 40, 'all 40 colours distinct');
  }
  // the first ten hues are far apart
  for (let i = 0; i < 10; i++) for (let j = i + 1; j < 10; j++) {
    const d = Math.abs(hueOf(i) - hueOf(j));
    assert.ok(Math.min(d, 360 - d) >= 20, `hues ${i} and ${j}`);
  }
});

test('colour slots are stable per run and reuse freed slots', () => {
  const s = new ColourSlots();
  assert.equal(s.slotOf('a'), 0);
  assert.equal(s.slotOf('b'), 1);
  assert.equal(s.slotOf('c'), 2);
  s.retain(['a', 'c']);
  assert.equal(s.slotOf('c'), 2);
  assert.equal(s.slotOf('d'), 1);
  const restored = new ColourSlots(s.toJSON());
  assert.equal(restored.slotOf('a'), 0);
  assert.equal(restored.slotOf('d'), 1);
});

test('config diff lists only differing paths by default, missing values as undefined', () => {
  const a = { model: { dim: 64, kind: 'mf' }, loss: { kind: 'ssm' }, eval: { ks: [20] } };
  const b = { model: { dim: 128, kind: 'mf' }, loss: { kind: 'ssm', margin: 0.5 }, eval: { ks: [20] } };
  assert.deepEqual([...flattenConfig(a).keys()], ['model.dim', 'model.kind', 'loss.kind', 'eval.ks']);
  const only = diffConfigs([a, b], true);
  assert.deepEqual(only.map((r) => r.path), ['model.dim', 'loss.margin']);
  assert.deepEqual(only[1].values, [undefined, '0.5']);
  const all = diffConfigs([a, b], false);
  assert.equal(all.length, 5);
  assert.equal(all.find((r) => r.path === 'eval.ks')!.differs, false);
});

test('metrics table: values from the run summary (never the max of test), delta against baseline, sorting with missing values last', () => {
  const t = new SummaryTracker('ndcg@20', 'valid');
  for (const [ep, v, te] of [[1, 0.1, 0.2], [2, 0.3, 0.25], [3, 0.2, 0.4]] as const) {
    t.add(ep, 'valid', { 'ndcg@20': v });
    t.add(ep, 'test', { 'ndcg@20': te });
  }
  const result = t.fill({ selectMetric: 'ndcg@20', selectSplit: 'valid' as 'valid' | 'test' });
  assert.deepEqual(summaryCells(result, 'ndcg@20'), { valid: 0.3, test: 0.25, best: 0.3, bestEpoch: 2, split: 'valid' }, 'test at the selected epoch, not 0.4');
  assert.deepEqual(summaryCells(result, 'ndcg@20', 'max'), { valid: 0.3, test: 0.4, best: 0.3, bestEpoch: 2, split: 'valid' });
  assert.deepEqual(summaryCells(result, 'ndcg@20', 'last'), { valid: 0.2, test: 0.4, best: 0.2, bestEpoch: 3, split: 'valid' });
  assert.deepEqual(summaryCells(result, 'recall@20'), {}, 'a metric the run did not record is empty, not another metric');
  assert.deepEqual(varyingParams([{ 'optimizer.lr': 0.1, seed: 1 }, { 'optimizer.lr': 0.01, seed: 1 }]), ['optimizer.lr']);
  assert.deepEqual(varyingParams([{ 'optimizer.lr': 0.1 }, undefined]), ['optimizer.lr']);
  assert.equal(pointLabel({ 'optimizer.lr': 0.001, 'sampler.negatives': 64 }), 'lr=0.001 · negatives=64');
  const rows: RunRow[] = [
    { runId: 'a', name: 'alpha', status: 'finished', best: 0.2 },
    { runId: 'b', name: 'beta', status: 'finished', best: 0.3 },
    { runId: 'c', name: 'gamma', status: 'running' },
  ];
  const withBase = applyBaseline(rows, 'a');
  assert.equal(withBase[0].delta, undefined);
  assert.ok(Math.abs(withBase[1].delta! - 0.1) < 1e-12);
  assert.ok(Math.abs(withBase[1].deltaRatio! - 0.5) < 1e-12);
  assert.deepEqual(sortRows(withBase, 'best', true).map((r) => r.runId), ['b', 'a', 'c']);
  assert.deepEqual(sortRows(withBase, 'best', false).map((r) => r.runId), ['a', 'b', 'c']);
  assert.deepEqual(sortRows(withBase, 'name', true).map((r) => r.runId), ['c', 'b', 'a']);
});

test('run-name filter: regex, case-insensitive, invalid patterns fall back to substring', () => {
  assert.ok(nameFilter('^mf-.*gdns$').test('MF-ssm-gdns'));
  assert.ok(!nameFilter('bpr').test('mf-ssm'));
  const bad = nameFilter('mf-(');
  assert.equal(bad.valid, false);
  assert.ok(bad.test('x-mf-(y'));
  assert.ok(nameFilter('').test('anything'));
  assert.equal(formatDuration(3725), '1h 02m');
  assert.equal(formatDuration(65), '1m 05s');
});

test('theme chart colours that do not read on the background are lightened or darkened to 3:1', async () => {
  const { ensureContrast } = await import('../../webview/shared/colours');
  const dark = parseColour('#1f1f1f')!;
  const light = parseColour('#ffffff')!;
  assert.equal(ensureContrast('#3794ff', dark), '#3794ff', 'already readable: unchanged');
  const brown = ensureContrast('#8b4513', dark);
  assert.ok(contrastRatio(parseColour(brown)!, dark) >= 3, brown);
  const yellow = ensureContrast('#ffd700', light);
  assert.ok(contrastRatio(parseColour(yellow)!, light) >= 3, yellow);
  assert.ok(contrastRatio(parseColour(ensureContrast('#444444', parseColour('#000000')!, 4.5))!, parseColour('#000000')!) >= 4.5);
  // Dark Modern's charts.orange is translucent: drawn opaque, and readable
  const orange = ensureContrast('rgba(234, 92, 0, 0.33)', dark);
  assert.equal(parseColour(orange)!.a, 1);
  assert.ok(contrastRatio(parseColour(orange)!, dark) >= 3, orange);
});
