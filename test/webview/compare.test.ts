/** Compare webview in Debian chromium, fed by streams recorded with the real host-side session. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pairedTestOf } from '../../src/extension/panels/paired';
import { listGroups } from '../../src/runs/records';
import { groupStats, pairedComparison, resolveTarget } from '../../src/scale/compare';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readRun } from '../../src/runs/reader';
import { benchSpecs, fixtureConfig, generateRun } from '../fixtures/run-generator';
import { canvasStats, launch, openView, settle } from './harness/browser';
import { FIXTURE_RUNS_DIR, ReplayStore, recordStream } from './harness/record';
import { startHarness, type Harness } from './harness/server';

let harness: Harness;
let browser: Browser;
let groupsDir: string;
let groupRunIds: string[] = [];
const ROOT = process.env.RECLAB_ROOT ?? process.cwd();
const ALL = ['fx-mf-ssm-adaptive', 'fx-mf-bpr-fixed', 'fx-mf-ssm-srns', 'fx-mf-ssm-running'];

before(async () => {
  harness = await startHarness();
  const store = ReplayStore.fromDirs(ALL.map((id) => path.join(FIXTURE_RUNS_DIR, id)));
  harness.addStream('four', recordStream({ view: 'compare', runIds: ALL, store }));
  // twelve runs: more than DVC's cap of 7
  const template = readRun(path.join(FIXTURE_RUNS_DIR, 'fx-mf-ssm-adaptive'))!;
  const many = new ReplayStore(
    benchSpecs(12, 2400).map((spec) => {
      const { events, summary } = generateRun(spec);
      return { record: { id: spec.id, dir: `/virtual/${spec.id}`, info: { ...template.info, id: spec.id, name: spec.name }, summary }, events, config: fixtureConfig(spec) };
    }),
  );
  harness.addStream('twelve', recordStream({ view: 'compare', runIds: many.list().map((r) => r.id), store: many }));
  // an MF run beside the same run as LightGCN-3: the diff names the backbones and the layers
  const mfSpec = benchSpecs(1, 2400)[0];
  const mfConfig = fixtureConfig(mfSpec);
  const graphSpec = { ...mfSpec, id: 'bench-lightgcn', name: 'bench-lightgcn' };
  const graphRuns = new ReplayStore(
    [
      [mfSpec, mfConfig],
      [graphSpec, { ...mfConfig, model: { ...(mfConfig.model as object), kind: 'lightgcn', layers: 3, pooling: 'mean' } }],
    ].map(([spec, config]) => {
      const s = spec as typeof mfSpec;
      const { events, summary } = generateRun(s);
      return { record: { id: s.id, dir: `/virtual/${s.id}`, info: { ...template.info, id: s.id, name: s.name }, summary }, events, config };
    }),
  );
  harness.addStream('backbones', recordStream({ view: 'compare', runIds: graphRuns.list().map((r) => r.id), store: graphRuns }));
  // two real seed groups (3 seeds each, two learning rates) trained by the CLI on a tiny synthetic dataset
  groupsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-compare-groups-'));
  const cfg = path.join(ROOT, 'test/fixtures/sweep/tiny-search.reclab.json');
  for (const [name, lr] of [['tiny-lr-high', '0.04'], ['tiny-lr-low', '0.01']]) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', cfg, '--seeds', '3', '--runs-dir', groupsDir, '--quiet', '--set', `name=${name}`, '--set', `optimizer.lr=${lr}`, '--set', 'train.epochs=4'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const groupStore = ReplayStore.fromDirs(fs.readdirSync(groupsDir).filter((f) => !f.endsWith('.json')).map((f) => path.join(groupsDir, f)));
  groupRunIds = groupStore.list().map((r) => r.id);
  harness.addStream('groups', recordStream({ view: 'compare', runIds: groupRunIds, store: groupStore, pairedTest: (records) => pairedTestOf(records, groupsDir) }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  if (groupsDir) fs.rmSync(groupsDir, { recursive: true, force: true });
});

const debug = <T>(page: Page, fn: string) => page.evaluate((f) => (window as unknown as { reclabDebug: Record<string, () => unknown> }).reclabDebug[f](), fn) as Promise<T>;
const rowOrder = (page: Page) => page.$$eval('.metrics-table vscode-table-row', (rows) => rows.map((r) => r.getAttribute('data-run')));
const chartSeries = (page: Page, id: string) => page.evaluate((c) => (window as unknown as { reclabDebug: { charts: Record<string, { debugInfo(): { series: number } }> } }).reclabDebug.charts[c].debugInfo().series, id);

test('overlays every run with its own colour, fills the metrics table and the config diff', async () => {
  const { page, errors } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=four`);
  for (const id of ['loss', 'metric', 'tau']) assert.ok((await canvasStats(page, id)).inked > 2000, id);
  assert.equal(await chartSeries(page, 'loss'), 8, 'raw + smoothed for 4 runs');
  assert.equal(await chartSeries(page, 'tau'), 2, 'two adaptive-τ runs, per-epoch τ drawn raw');
  assert.equal((await rowOrder(page)).length, 4);
  assert.equal(await page.textContent('.compare-header h1'), 'Compare 4 runs');
  const rows = await debug<{ runId: string; best: number; bestEpoch: number; test?: number }[]>(page, 'tableRows');
  const adaptive = rows.find((r) => r.runId === 'fx-mf-ssm-adaptive')!;
  const summary = readRun(path.join(FIXTURE_RUNS_DIR, 'fx-mf-ssm-adaptive'))!.summary!;
  // the table reads the run's summary: the value at the selected epoch, the same number as the tree and header
  assert.equal(adaptive.best, summary.best!['ndcg@20']);
  assert.equal(adaptive.bestEpoch, summary.bestEpoch);
  assert.equal(adaptive.test, summary.bestTest!['ndcg@20']);
  const diffPaths = await page.$$eval('.config-diff vscode-table-row .path', (cells) => cells.map((c) => c.textContent));
  assert.ok(diffPaths.includes('loss.kind') && diffPaths.includes('optimizer.lr'));
  assert.ok(!diffPaths.includes('optimizer.beta1'), 'identical settings hidden');
  assert.deepEqual(errors, []);
  await page.close();
});

test('more than seven runs: twelve distinct, readable colours', async () => {
  const { page } = await openView(browser, `${harness.url}/compare.html?theme=light&stream=twelve`);
  assert.equal((await rowOrder(page)).length, 12);
  assert.equal(await chartSeries(page, 'loss'), 24);
  const colours = await page.$$eval('.metrics-table .swatch', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
  assert.equal(new Set(colours).size, 12, colours.join(' '));
  await page.close();
});

test('regex filter narrows table, curves, diff and picker', async () => {
  const { page } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=four`);
  const before = (await canvasStats(page, 'loss')).hash;
  await page.locator('vscode-textfield.run-filter').click();
  await page.keyboard.type('^mf-ssm-(srns|adaptive-gdns)$');
  await settle(page);
  await settle(page);
  assert.deepEqual((await rowOrder(page)).sort(), ['fx-mf-ssm-adaptive', 'fx-mf-ssm-srns']);
  assert.equal(await chartSeries(page, 'loss'), 4);
  assert.notEqual((await canvasStats(page, 'loss')).hash, before);
  const diffHeader = await page.$$eval('.config-diff vscode-table-header-cell', (c) => c.map((x) => x.textContent));
  assert.deepEqual(diffHeader, ['Setting', 'mf-ssm-adaptive-gdns', 'mf-ssm-srns']);
  await page.close();
});

test('metrics table sorts by any column and shows deltas against the chosen baseline', async () => {
  const { page } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=four`);
  const bestDesc = await rowOrder(page);
  const rows = await debug<{ runId: string; best: number }[]>(page, 'tableRows');
  assert.deepEqual(bestDesc, [...rows].sort((a, b) => b.best - a.best).map((r) => r.runId), 'default: best, descending');
  await page.locator('vscode-table-header-cell[data-sort="test"]').click();
  await settle(page);
  const testDesc = await rowOrder(page);
  await page.locator('vscode-table-header-cell[data-sort="test"]').click();
  await settle(page);
  assert.deepEqual(await rowOrder(page), [...testDesc].reverse());
  await page.locator('vscode-table-header-cell[data-sort="name"]').click();
  await settle(page);
  const names = await page.$$eval('.metrics-table .run-link', (a) => a.map((x) => x.textContent!));
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)), 'name: ascending first');
  await page.locator('vscode-single-select.baseline-select').click();
  await page.locator('vscode-single-select.baseline-select').getByRole('option', { name: 'mf-bpr-uniform', exact: true }).click();
  await settle(page);
  const deltas = await page.$$eval('.metrics-table vscode-table-row', (rs) => rs.map((r) => [r.getAttribute('data-run'), r.lastElementChild!.textContent]));
  const base = deltas.find(([id]) => id === 'fx-mf-bpr-fixed')!;
  assert.equal(base[1], 'baseline');
  for (const [id, d] of deltas) if (id !== 'fx-mf-bpr-fixed') assert.match(d!, /^\+0\.0\d+ \(\+\d+\.\d%\)$/, `${id}: ${d}`);
  await page.close();
});

test('config diff: the backbone and its layers of an MF and a LightGCN run', async () => {
  const { page, errors } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=backbones`);
  await page.waitForSelector('.config-diff vscode-table-row');
  const rows = await page.$$eval('.config-diff vscode-table-row', (rs) => rs.map((r) => Array.from(r.querySelectorAll('vscode-table-cell'), (c) => c.textContent)));
  const runs = await page.$$eval('.config-diff vscode-table-header-cell', (cs) => cs.slice(1).map((c) => c.getAttribute('title')));
  // value of setting p for run id, whatever the column order
  const cell = (p: string, id: string) => rows.find((r) => r[0] === p)?.[1 + runs.indexOf(id)];
  assert.deepEqual(runs.slice().sort(), ['bench-0', 'bench-lightgcn'], JSON.stringify(rows));
  assert.equal(cell('backbone', 'bench-0'), '"MF · d=64"');
  assert.equal(cell('backbone', 'bench-lightgcn'), '"LightGCN · 3 layers · mean pooling · d=64"');
  assert.equal(cell('model.kind', 'bench-lightgcn'), '"lightgcn"');
  assert.equal(cell('model.layers', 'bench-lightgcn'), '3');
  assert.equal(cell('model.layers', 'bench-0'), '—', 'an MF run has no layers');
  assert.deepEqual(errors, []);
  await page.close();
});

test('config diff: "only what differs" toggles the identical settings', async () => {
  const { page } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=four`);
  const count = () => page.locator('.config-diff vscode-table-row').count();
  const only = await count();
  await page.locator('vscode-checkbox.only-differing').click();
  await settle(page);
  const all = await count();
  assert.ok(all > only + 10, `${all} rows vs ${only}`);
  await page.close();
});

test('export all selected runs: every point of every series of the visible runs', async () => {
  const { page } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=four`);
  await page.locator('vscode-textfield.run-filter').click();
  await page.keyboard.type('ssm');
  await settle(page);
  await page.locator('vscode-button.export-all-csv').click();
  await page.locator('vscode-button.export-all-json').click();
  const exports = (await page.evaluate(() => (window as unknown as { __harness: { posted: { type: string; content?: string; format?: string }[] } }).__harness.posted)).filter((m) => m.type === 'export');
  assert.equal(exports.length, 2);
  const lines = exports[0].content!.trimEnd().split('\n').slice(1);
  const store = ReplayStore.fromDirs(ALL.map((id) => path.join(FIXTURE_RUNS_DIR, id)));
  const ssmRuns = ['fx-mf-ssm-adaptive', 'fx-mf-ssm-srns', 'fx-mf-ssm-running'];
  assert.deepEqual([...new Set(lines.map((l) => l.split(',')[1]))].sort(), [...ssmRuns].sort());
  for (const id of ssmRuns) {
    const steps = store.events(id).filter((e) => e.kind === 'step').length;
    assert.equal(lines.filter((l) => l.includes(`,${id},loss,`)).length, steps, `${id} loss rows`);
  }
  const json = JSON.parse(exports[1].content!);
  assert.equal(new Set(json.series.map((s: { runId: string }) => s.runId)).size, 3);
  await page.close();
});

test('picking runs asks the host for a new selection', async () => {
  const { page } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=four`);
  await page.locator('vscode-collapsible.picker-section').click();
  await page.locator('.run-picker vscode-checkbox[data-run="fx-mf-bpr-fixed"]').click();
  const sel = (await page.evaluate(() => (window as unknown as { __harness: { posted: { type: string; runIds?: string[] }[] } }).__harness.posted)).filter((m) => m.type === 'selectRuns');
  assert.deepEqual(sel.at(-1)?.runIds, ['fx-mf-ssm-adaptive', 'fx-mf-ssm-srns', 'fx-mf-ssm-running']);
  await page.close();
});

test('compare reflows at 300 px: no page-wide horizontal scroll (wide tables scroll in their own box)', async () => {
  const { page, errors } = await openView(browser, `${harness.url}/compare.html?theme=light&stream=four`, { width: 300 });
  const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(m.scroll <= m.client, `scrollWidth ${m.scroll} > ${m.client}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('seed groups: a mean line with a ± std band per group, mean ± std rows, and the paired test\'s p-value', async () => {
  const { page, errors } = await openView(browser, `${harness.url}/compare.html?theme=dark&stream=groups`);
  const groups = listGroups(groupsDir);
  assert.equal(groups.length, 2);
  // the metric chart: per group, valid and test mean lines (2 × 2) and their bands (2 series each)
  assert.equal(await chartSeries(page, 'metric'), 4 + 4 * 2);
  const rows = await debug<{ runId: string; name: string; valid?: number; validStd?: number; test?: number; testStd?: number; runs?: number; p?: number }[]>(page, 'tableRows');
  assert.equal(rows.length, 2, 'one row per group');
  for (const g of groups) {
    const row = rows.find((r) => r.runId === `group:${g.id}`)!;
    assert.equal(row.runs, 3);
    // mean ± std of the runs' test values at their selected epochs: the same numbers as `reclab compare`
    const target = resolveTarget(g.id, groupsDir);
    const stats = groupStats(target.kind === 'group' ? target.runs : []);
    assert.ok(Math.abs(row.test! - stats.metrics['ndcg@20'].mean) < 1e-12, `${g.name} mean`);
    assert.ok(Math.abs(row.testStd! - stats.metrics['ndcg@20'].std) < 1e-12, `${g.name} std`);
  }
  const cells = await page.$$eval('.metrics-table vscode-table-cell[data-col="test"]', (c) => c.map((x) => x.textContent));
  for (const c of cells) assert.match(c!, /^0\.\d{4} ± 0\.\d{4}$/);
  // the p column: the Holm-corrected paired t-test of the two groups on per-user test ndcg@20
  const ids = rows.map((r) => r.runId.slice('group:'.length));
  const expected = pairedComparison(resolveTarget(ids[0], groupsDir), resolveTarget(ids[1], groupsDir), ['recall@20', 'ndcg@20']).rows.find((r) => r.metric === 'ndcg@20')!.pTHolm;
  for (const r of rows) assert.ok(Math.abs(r.p! - expected) < 1e-12, `p ${r.p} vs ${expected}`);
  const pCells = await page.$$eval('.metrics-table vscode-table-cell[data-col="p"]', (c) => c.map((x) => x.textContent));
  assert.equal(pCells.length, 2);
  assert.match(await page.textContent('.paired-caption') ?? '', /Paired tests on \d+ users/);
  // the toggle shows the seeds one by one again
  await page.locator('vscode-checkbox.group-toggle').click();
  await settle(page);
  assert.equal((await rowOrder(page)).length, 6);
  assert.deepEqual(errors, []);
  await page.close();
});
