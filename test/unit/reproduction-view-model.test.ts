/** The reproduction view's model (pure): Δ absolute and relative, the live "so far" numbers, the suite's state, chart ranges; and the Slurm batch script of a suite row. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildView, chartPoints, chartRange, formatDelta, metricCell } from '../../webview/reproduction/model';
import { jobScript } from '../../src/scale/slurm/jobs';
import type { ResultRow, SuiteResults } from '../../src/suites/report';

const row = (id: string, status: ResultRow['status'], ours: Record<string, number>, extra: Partial<ResultRow> = {}): ResultRow => ({
  id, method: 'MF', backbone: 'mf', dataset: 'd', config: 'c.json', protocol: 'test', status, epochs: status === 'finished' ? 10 : null, bestEpoch: status === 'finished' ? 7 : null,
  wallSeconds: status === 'finished' ? 90 : null, ours, published: { 'recall@20': 0.05 }, source: 'paper', ...extra,
});

test('Δ: ours − published, relative to published; signs are typographic minus; no Δ without both numbers', () => {
  assert.equal(formatDelta(metricCell(0.06, 0.05, false)), '+0.0100 (+20.0 %)');
  assert.equal(formatDelta(metricCell(0.04, 0.05, false)), '−0.0100 (−20.0 %)');
  assert.equal(formatDelta(metricCell(0.04, undefined, false)), '—');
  assert.equal(formatDelta(metricCell(0.04, 0, false)), '+0.0400', 'no relative Δ against 0');
});

test('a running row shows the selection so far from its run folder, labelled; the suite is running while any row waits', () => {
  const results: SuiteResults = {
    suite: 's', title: 't', metrics: ['recall@20'], generatedAt: new Date(0).toISOString(), environment: null,
    rows: [row('a', 'finished', { 'recall@20': 0.06 }), row('b', 'running', {}, { runDir: '/r/b' }), row('c', 'queued', {}, { job: { executor: 'slurm', id: '17', state: 'PENDING', reason: 'Resources' } })],
  };
  const v = buildView({ file: 'x', results, live: { b: { epoch: 3, epochs: 20, best: { epoch: 2, split: 'test', metrics: { 'recall@20': 0.045 } } } } });
  assert.equal(v.state, 'running');
  const [a, b, c] = v.rows;
  assert.deepEqual(a.metrics['recall@20'], { ours: 0.06, published: 0.05, delta: 0.06 - 0.05, relative: (0.06 - 0.05) / 0.05, soFar: false });
  assert.equal(a.epochs, '7 of 10');
  assert.equal(b.metrics['recall@20'].ours, 0.045);
  assert.equal(b.metrics['recall@20'].soFar, true);
  assert.equal(b.detail, 'epoch 3/20 · selected so far: epoch 2 (on test)');
  assert.equal(c.detail, 'slurm job 17 · PENDING (Resources)');
  assert.equal(c.protocol, '—');
  const pts = chartPoints(v, 'recall@20');
  assert.deepEqual(pts.map((p) => [p.id, p.ours, p.soFar]), [['a', 0.06, false], ['b', 0.045, true], ['c', undefined, false]]);
  const [lo, hi] = chartRange(pts);
  assert.ok(lo < 0.045 && hi > 0.06 && lo >= 0);
  const failed = buildView({ file: 'x', results: { ...results, rows: [row('a', 'finished', {}), row('b', 'failed', {}, { error: 'boom' })] }, live: {} });
  assert.equal(failed.state, 'failed');
  assert.equal(failed.rows[1].error, 'boom');
});

test('the Slurm batch script of a row runs the CLI with every argument quoted, in the row\'s folder', () => {
  const s = jobScript({ key: 'r', args: ['train', "/x/it's.json", '--set', 'a.b="c d"'], runsDir: '/runs', runId: 'suite-r-1', name: 'suite r', cwd: '/work dir' }, '/usr/bin/node', '/opt/cli.js');
  assert.match(s, /^#!\/bin\/bash\n/);
  assert.ok(s.includes("cd '/work dir' || exit 1"));
  assert.ok(s.includes(`exec '/usr/bin/node' '/opt/cli.js' 'train' '/x/it'\\''s.json' '--set' 'a.b="c d"'`), s);
});
