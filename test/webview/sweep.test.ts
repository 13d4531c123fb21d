/**
 * Sweep webview in Debian chromium, fed live by the real host-side SweepSession reading a real sweep: a random search
 * of 12 points with ASHA on a tiny synthetic dataset, run by the CLI in `before` (seconds), one trial of which fails
 * (an invalid loss in the space). Every expected number is read from the files the engine wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readRun, type RunRecord } from '../../src/runs/reader';
import { readSweep, type SweepRecord } from '../../src/runs/records';
import { parameterImportance } from '../../src/scale/importance';
import { SweepSession } from '../../src/extension/panels/sweep-session';
import type { PanelRunStore } from '../../src/extension/panels/panel-session';
import { canvasStats, launch, openWithSession, settle } from './harness/browser';
import { startHarness, type Harness } from './harness/server';

const ROOT = process.env.RECLAB_ROOT ?? process.cwd();
let harness: Harness;
let browser: Browser;
let runsDir: string;
let sweepFileName: string;
let record: SweepRecord;
const sessions: SweepSession[] = [];

/** A PanelRunStore over the run folders of a runs directory (read when asked: the sweep is over). */
function folderStore(dir: string): PanelRunStore {
  const read = (id: string): RunRecord | undefined => readRun(path.join(dir, id));
  return {
    list: () => fs.readdirSync(dir).map(read).filter((r): r is RunRecord => !!r),
    get: read,
    events: () => [],
    onDidChange: () => ({ dispose: () => undefined }),
  };
}

before(async () => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-sweep-view-'));
  // exit status 1: one trial failed (on purpose)
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'sweep', path.join(ROOT, 'test/fixtures/sweep/tiny-search.reclab.json'), '--runs-dir', runsDir, '--quiet'], { encoding: 'utf8' });
  sweepFileName = fs.readdirSync(runsDir).find((f) => f.endsWith('.sweep.json'))!;
  assert.ok(sweepFileName, `no sweep record: ${r.stderr}`);
  record = readSweep(path.join(runsDir, sweepFileName))!;
  harness = await startHarness();
  browser = await launch();
});

after(async () => {
  for (const s of sessions) s.dispose();
  await browser?.close();
  await harness?.close();
  if (runsDir) fs.rmSync(runsDir, { recursive: true, force: true });
});

/** Opens the sweep page and connects a real SweepSession to it: what it posts is delivered as VS Code would. */
async function openSweep(file: string, opts: { theme?: string; width?: number; pollMs?: number } = {}): Promise<{ page: Page; errors: string[]; session: SweepSession }> {
  const { page, errors, session } = await openWithSession(browser, `${harness.url}/sweep.html?theme=${opts.theme ?? 'dark'}`, 'sweep', opts.width ?? 1280, (post) =>
    new SweepSession({ file, store: folderStore(path.dirname(file)), pollMs: opts.pollMs ?? 0, minIntervalMs: 50, post }));
  sessions.push(session);
  await page.waitForSelector('[data-chart="parallel"]:not(.is-empty) canvas', { timeout: 15000 });
  await settle(page);
  await settle(page);
  return { page, errors, session };
}

const debug = <T>(page: Page, fn: string) => page.evaluate((f) => (window as unknown as { reclabDebug: Record<string, () => unknown> }).reclabDebug[f](), fn) as Promise<T>;
const rowClasses = (page: Page) => page.$$eval('.trials-table vscode-table-row', (rows) => rows.map((r) => [Number(r.getAttribute('data-trial')), r.getAttribute('data-class')] as [number, string]));
const summaryOf = (t: SweepRecord['trials'][number]) => readRun(path.join(runsDir, t.runId!))!.summary!;

/** pixels of a canvas within a small RGB distance of a CSS colour */
async function pixelsNear(page: Page, chart: string, colour: string): Promise<number> {
  return page.evaluate(([id, css]) => {
    const probe = document.createElement('canvas').getContext('2d')!;
    probe.fillStyle = css;
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-chart="${id}"] canvas`)!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 30 && data[i + 3] > 200) n++;
    return n;
  }, [chart, colour] as const);
}

test('the real sweep: every trial, the varying parameters as axes and the metric last, pruned and failed trials marked', async () => {
  const pruned = record.trials.filter((t) => t.pruned).map((t) => t.index);
  const failed = record.trials.filter((t) => t.status === 'failed').map((t) => t.index);
  assert.equal(record.trials.length, 12);
  assert.ok(pruned.length >= 3, `ASHA stopped ${pruned.length} trials`);
  assert.ok(failed.length >= 1, 'the invalid loss fails a trial');
  const { page, errors } = await openSweep(path.join(runsDir, sweepFileName));
  assert.ok((await canvasStats(page, 'parallel')).inked > 3000);
  assert.ok((await canvasStats(page, 'scatter')).inked > 1000);
  // default axes: the parameters that vary (sampler.negatives has one value), then the metric
  const axes = await page.evaluate(() => (window as unknown as { reclabDebug: { parallel: { allAxes(): { key: string }[] } } }).reclabDebug.parallel.allAxes().map((a) => a.key));
  assert.deepEqual(axes, ['optimizer.lr', 'model.dim', 'optimizer.l2', 'loss.kind', '$metric']);
  // the table lists every trial with its class; ASHA-stopped and failed trials are classed apart
  const rows = await rowClasses(page);
  assert.equal(rows.length, 12);
  assert.deepEqual(rows.filter(([, c]) => c === 'pruned').map(([i]) => i).sort((a, b) => a - b), pruned);
  assert.deepEqual(rows.filter(([, c]) => c === 'failed').map(([i]) => i), failed);
  assert.equal(await page.textContent('.chart-card[data-chart="parallel"] .trial-pruned .legend-value'), String(pruned.length));
  assert.equal(await page.textContent('.chart-card[data-chart="parallel"] .trial-failed .legend-value'), String(failed.length));
  // …and drawn in their own colours
  const styles = await debug<Record<string, string>>(page, 'styles');
  assert.ok(await pixelsNear(page, 'parallel', styles.pruned) > 20, 'orange (pruned) lines drawn');
  assert.ok(await pixelsNear(page, 'parallel', styles.failed) > 3, 'red (failed) line and ✕ drawn');
  assert.ok(await pixelsNear(page, 'scatter', styles.pruned) > 20, 'pruned markers in the scatter');
  // values are the runs' results as summary.json defines them: the selection metric at the selected epoch
  const values = new Map(await page.evaluate(() => [...(window as unknown as { reclabDebug: { model(): { values: Map<number, number | undefined> } } }).reclabDebug.model().values]));
  for (const t of record.trials.filter((x) => x.runId)) assert.equal(values.get(t.index), summaryOf(t).selection!.value, `trial ${t.index}`);
  assert.equal(values.get(failed[0]), undefined);
  // importance: the same ranking as src/scale/importance.ts over the record
  const expected = parameterImportance(record).map((i) => i.path);
  const shown = await page.$$eval('.importance-row', (r) => r.map((x) => x.getAttribute('data-param')));
  assert.deepEqual(shown, expected);
  assert.ok(shown.length >= 3);
  assert.deepEqual(errors, []);
  await page.close();
});

test('brushing an axis filters the trials; a click clears it; "All parameters" adds the constant ones', async () => {
  const { page } = await openSweep(path.join(runsDir, sweepFileName));
  const geo = await page.evaluate(() => (window as unknown as { reclabDebug: { parallel: { axisGeometry(k: string): { x: number; top: number; bottom: number } } } }).reclabDebug.parallel.axisGeometry('$metric'));
  const box = (await page.locator('[data-chart="parallel"] canvas').boundingBox())!;
  // drag over the upper half of the metric axis
  const mid = (geo.top + geo.bottom) / 2;
  await page.mouse.move(box.x + geo.x, box.y + geo.top + 1);
  await page.mouse.down();
  await page.mouse.move(box.x + geo.x, box.y + mid, { steps: 4 });
  await page.mouse.up();
  await settle(page);
  const m = await page.evaluate(() => {
    const d = (window as unknown as { reclabDebug: { model(): { metricAxis: { min: number; max: number }; values: Map<number, number | undefined>; selected: Set<number> } } }).reclabDebug.model();
    return { min: d.metricAxis.min, max: d.metricAxis.max, values: [...d.values], selected: [...d.selected] };
  });
  // the brush spans positions [0.5, ~1] of the metric axis: trials above its middle pass, those below do not
  const pos = (v: number) => (v - m.min) / (m.max - m.min);
  const scored = m.values.filter(([, v]) => v !== undefined) as [number, number][];
  for (const [i, v] of scored) {
    if (pos(v) > 0.52) assert.ok(m.selected.includes(i), `trial ${i} (${v}) passes`);
    if (pos(v) < 0.48) assert.ok(!m.selected.includes(i), `trial ${i} (${v}) is filtered out`);
  }
  assert.ok(m.selected.length >= 1 && m.selected.length < 12, `${m.selected.length} selected`);
  assert.equal((await rowClasses(page)).length, m.selected.length, 'the table shows the brushed trials');
  // a click on the axis clears its brush
  await page.mouse.click(box.x + geo.x, box.y + mid);
  await settle(page);
  assert.equal((await rowClasses(page)).length, 12);
  // every parameter of the space
  await page.locator('vscode-checkbox.all-params').click();
  await settle(page);
  const axes = await page.evaluate(() => (window as unknown as { reclabDebug: { parallel: { allAxes(): { key: string }[] } } }).reclabDebug.parallel.allAxes().map((a) => a.key));
  assert.ok(axes.includes('sampler.negatives'));
  await page.close();
});

test('summary picker: last / min / max read the run summary\'s stats on the selection split; scatter parameter picker', async () => {
  const { page } = await openSweep(path.join(runsDir, sweepFileName));
  const scatterBefore = (await canvasStats(page, 'scatter')).hash;
  await page.locator('vscode-single-select.kind-select').click();
  await page.locator('vscode-single-select.kind-select').getByRole('option', { name: 'last', exact: true }).click();
  await settle(page);
  const values = new Map(await page.evaluate(() => [...(window as unknown as { reclabDebug: { model(): { values: Map<number, number | undefined> } } }).reclabDebug.model().values]));
  for (const t of record.trials.filter((x) => x.runId)) {
    const s = summaryOf(t);
    assert.equal(values.get(t.index), s.stats!.valid!['ndcg@20'].last, `trial ${t.index} last`);
  }
  assert.notEqual((await canvasStats(page, 'scatter')).hash, scatterBefore);
  const before = (await canvasStats(page, 'scatter')).hash;
  await page.locator('vscode-single-select.param-select').click();
  await page.locator('vscode-single-select.param-select').getByRole('option', { name: 'dim', exact: true }).click();
  await settle(page);
  assert.notEqual((await canvasStats(page, 'scatter')).hash, before);
  const markers = await page.evaluate(() => (window as unknown as { reclabDebug: { scatter: { drawnMarkers: number } } }).reclabDebug.scatter.drawnMarkers);
  assert.equal(markers, record.trials.filter((t) => t.runId).length + record.trials.filter((t) => t.status === 'failed').length);
  await page.close();
});

test('live: the view follows the record file as trials are added; themes and 300 px', async () => {
  // a copy of the record holding its first five trials, then the whole record written over it
  const dir = path.dirname(path.join(runsDir, sweepFileName));
  const partial = path.join(dir, 'live-copy.sweep.json');
  fs.writeFileSync(partial, JSON.stringify({ ...record, status: 'running', trials: record.trials.slice(0, 5) }));
  const { page, errors } = await openSweep(partial, { theme: 'light', pollMs: 100 });
  assert.equal((await rowClasses(page)).length, 5);
  const before = (await canvasStats(page, 'parallel')).hash;
  fs.writeFileSync(partial, JSON.stringify(record));
  await page.waitForFunction(() => document.querySelectorAll('.trials-table vscode-table-row').length === 12, undefined, { timeout: 15000 });
  await settle(page);
  assert.notEqual((await canvasStats(page, 'parallel')).hash, before);
  assert.equal(await page.textContent('vscode-badge.status'), 'finished');
  // a theme switch redraws in the new theme's colours
  const light = (await canvasStats(page, 'parallel')).hash;
  await page.evaluate(() => (window as unknown as { __harness: { setTheme(t: string): void } }).__harness.setTheme('dark'));
  await page.waitForFunction((h) => {
    const c = document.querySelector<HTMLCanvasElement>('[data-chart="parallel"] canvas')!;
    return c.width > 0 && String(h) !== '';
  }, light);
  await settle(page);
  await settle(page);
  assert.notEqual((await canvasStats(page, 'parallel')).hash, light);
  assert.deepEqual(errors, []);
  await page.close();
  fs.rmSync(partial);
  const narrow = await openSweep(path.join(runsDir, sweepFileName), { width: 300 });
  const m = await narrow.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(m.scroll <= m.client, `scrollWidth ${m.scroll} > ${m.client}`);
  assert.ok((await canvasStats(narrow.page, 'parallel')).inked > 1000);
  assert.deepEqual(narrow.errors, []);
  await narrow.page.close();
});

test('screenshots (docs/screenshots/sweep-*.png): light and dark, 1280 and 400 px', async () => {
  const outDir = path.join(ROOT, 'docs/screenshots');
  fs.mkdirSync(outDir, { recursive: true });
  for (const theme of ['light', 'dark']) {
    for (const width of [1280, 400]) {
      const { page, errors } = await openSweep(path.join(runsDir, sweepFileName), { theme, width });
      assert.ok((await canvasStats(page, 'parallel')).inked > 1000, `${theme} ${width}`);
      await page.screenshot({ path: path.join(outDir, `sweep-${theme}-${width}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await page.close();
    }
  }
});
