/**
 * Dashboard webview in Debian chromium: the real bundle, the real HTML/CSP, fed with message streams recorded from
 * the fixture runs by the real host-side session.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { canvasStats, launch, openView, settle } from './harness/browser';
import { FIXTURE_RUNS_DIR, ReplayStore, recordStream } from './harness/record';
import { startHarness, type Harness } from './harness/server';
import { readRun } from '../../src/runs/reader';
import { FIXTURE_SPECS, fixtureConfig, generateRun } from '../fixtures/run-generator';

let harness: Harness;
let browser: Browser;
const dir = (id: string) => path.join(FIXTURE_RUNS_DIR, id);

before(async () => {
  harness = await startHarness();
  const store = ReplayStore.fromDirs(['fx-mf-ssm-adaptive', 'fx-mf-bpr-fixed', 'fx-mf-ssm-running'].map(dir));
  harness.addStream('adaptive', recordStream({ view: 'dashboard', runIds: ['fx-mf-ssm-adaptive'], store }));
  harness.addStream('fixed', recordStream({ view: 'dashboard', runIds: ['fx-mf-bpr-fixed'], store }));
  const live = ReplayStore.fromDirs([dir('fx-mf-ssm-running')]);
  live.setVisible('fx-mf-ssm-running', 40);
  harness.addStream('live', recordStream({ view: 'dashboard', runIds: ['fx-mf-ssm-running'], store: live, live: { runIds: ['fx-mf-ssm-running'], eventsPerTick: 3, tickMs: 20 } }));
  // the BPR fixture as a LightGCN run (its resolved config says lightgcn, 3 layers)
  const spec = { ...FIXTURE_SPECS[1], id: 'fx-lightgcn', name: 'lightgcn-bpr' };
  const { events, summary } = generateRun(spec);
  const template = readRun(dir('fx-mf-bpr-fixed'))!;
  const base = fixtureConfig(spec);
  const graph = new ReplayStore([{ record: { id: spec.id, dir: '/virtual/fx-lightgcn', info: { ...template.info, id: spec.id, name: spec.name }, summary }, events, config: { ...base, model: { ...(base.model as object), kind: 'lightgcn', layers: 3, pooling: 'mean' } } }]);
  harness.addStream('lightgcn', recordStream({ view: 'dashboard', runIds: [spec.id], store: graph }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

type Info = { rows: number; series: number; yRange: [number, number]; xRange: [number, number]; state: { smoothing: number; x: string; logY: boolean; ignoreOutliers: boolean; hidden?: string[] } };
const info = (page: Page, id: string) => page.evaluate((c) => (window as unknown as { reclabDebug: { charts: Record<string, { debugInfo(): Info }> } }).reclabDebug.charts[c].debugInfo(), id);
const posted = (page: Page) => page.evaluate(() => (window as unknown as { __harness: { posted: { type: string; [k: string]: unknown }[] } }).__harness.posted);

async function setSlider(page: Page, chart: string, value: number): Promise<void> {
  await page.evaluate(
    ([c, v]) => {
      const el = document.querySelector<HTMLInputElement>(`[data-chart="${c}"] input.smoothing`)!;
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    [chart, value] as const,
  );
  await settle(page);
}

test('every chart with data draws; empty ones say why; no console errors or CSP violations', async () => {
  const { page, errors } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  for (const id of ['loss', 'eval', 'lr', 'temperature', 'negatives', 'sampler', 'gain', 'popularity', 'tau-histogram']) {
    const s = await canvasStats(page, id);
    assert.ok(s.width > 300 && s.inked > 2000, `${id}: ${JSON.stringify(s)}`);
  }
  assert.match(await page.textContent('.run-header h1') ?? '', /mf-ssm-adaptive-gdns/);
  assert.match(await page.textContent('.run-summary') ?? '', /MF\(cos, d=64\)/);
  assert.match(await page.textContent('.progress-text') ?? '', /epoch 20\/20/);
  assert.equal(await page.locator('.stop-run').count(), 0, 'no stop button on a finished run');
  assert.match(await page.textContent('.problems') ?? '', /plateau/);
  assert.deepEqual(errors, []);
  const fixed = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=fixed`);
  assert.equal(await fixed.page.locator('[data-chart="temperature"].is-empty').count(), 1);
  assert.equal(await fixed.page.locator('[data-chart="popularity"].is-empty').count(), 1);
  assert.match(await fixed.page.textContent('[data-chart="temperature"] .chart-empty') ?? '', /Fixed τ = 1 for the whole run/);
  // the lr chart draws only a run whose lr changed (the adaptive fixture decays at epoch 15)
  assert.equal(await fixed.page.locator('[data-chart="lr"].is-empty').count(), 1);
  assert.match(await fixed.page.textContent('[data-chart="lr"] .chart-empty') ?? '', /Constant learning rate/);
  assert.deepEqual(fixed.errors, []);
  await page.close();
  await fixed.page.close();
});

test('the header names the backbone and its layers (from the run\'s resolved config)', async () => {
  const graph = await openView(browser, `${harness.url}/dashboard.html?theme=light&stream=lightgcn`);
  assert.equal(await graph.page.textContent('.fact-backbone dt'), 'backbone');
  assert.equal(await graph.page.textContent('.fact-backbone dd'), 'LightGCN · 3 layers · mean pooling · d=64');
  assert.deepEqual(graph.errors, []);
  const mf = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=fixed`);
  assert.equal(await mf.page.textContent('.fact-backbone dd'), 'MF · d=64');
  await graph.page.close();
  await mf.page.close();
});

test('every control changes what is drawn', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  const hash = async () => (await canvasStats(page, 'loss')).hash;
  let last = await hash();
  const changed = async (what: string) => {
    await settle(page);
    const h = await hash();
    assert.notEqual(h, last, `${what} should change the loss chart`);
    last = h;
  };
  assert.equal((await info(page, 'loss')).state.smoothing, 0.6, 'default smoothing 0.6');
  assert.equal((await info(page, 'loss')).series, 4, 'raw + smoothed for loss and reg');

  await setSlider(page, 'loss', 0.95);
  await changed('smoothing 0.95');
  await setSlider(page, 'loss', 0);
  await changed('smoothing 0');
  assert.equal((await info(page, 'loss')).series, 2, 'no smoothing: raw lines only');
  await setSlider(page, 'loss', 0.6);
  await changed('smoothing back to 0.6');

  // x axis: the select's own UI (open it, pick an option)
  for (const [label, mode] of [['Epoch', 'epoch'], ['Wall time', 'wall'], ['Step', 'step']] as const) {
    await page.locator('[data-chart="loss"] vscode-single-select.x-axis').click();
    await page.locator('[data-chart="loss"] vscode-single-select.x-axis').getByRole('option', { name: label, exact: true }).click();
    await settle(page);
    assert.equal((await info(page, 'loss')).state.x, mode);
    await changed(`x axis ${mode}`);
  }

  const plain = (await info(page, 'loss')).yRange;
  await page.locator('[data-chart="loss"] vscode-toolbar-button.outliers').click();
  await changed('ignore outliers');
  const robust = (await info(page, 'loss')).yRange;
  assert.ok(robust[1] < plain[1] * 0.8, `outliers ignored: ${robust} vs ${plain}`);
  await page.locator('[data-chart="loss"] vscode-toolbar-button.outliers').click();
  await changed('outliers back');

  await page.locator('[data-chart="loss"] vscode-toolbar-button.log-y').click();
  await changed('log y');
  assert.equal((await info(page, 'loss')).state.logY, true);
  await page.locator('[data-chart="loss"] vscode-toolbar-button.log-y').click();
  await changed('linear y');

  // box zoom: drag over the middle of the plot, then double-click to reset
  const full = (await info(page, 'loss')).xRange;
  const box = (await page.locator('[data-chart="loss"] .u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 8 });
  await page.mouse.up();
  await changed('box zoom');
  const zoomed = await info(page, 'loss');
  assert.ok(zoomed.xRange[1] - zoomed.xRange[0] < (full[1] - full[0]) * 0.3, `zoomed x ${zoomed.xRange} of ${full}`);
  assert.ok(zoomed.yRange[1] - zoomed.yRange[0] < (plain[1] - plain[0]) * 0.6, `zoomed y ${zoomed.yRange}`);
  await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await changed('double-click reset');
  assert.deepEqual((await info(page, 'loss')).xRange, full);

  // histogram: log y
  const histBefore = (await canvasStats(page, 'tau-histogram')).hash;
  await page.locator('[data-chart="tau-histogram"] vscode-toolbar-button.log-y').click();
  await settle(page);
  assert.notEqual((await canvasStats(page, 'tau-histogram')).hash, histBefore);
  await page.close();
});

test('synced cursor: hovering one epoch chart shows the values under the cursor on the others', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  assert.equal(await page.locator('[data-chart="temperature"] .legend-x:not(.hidden)').count(), 0);
  const box = (await page.locator('[data-chart="eval"] .u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await settle(page);
  const evalX = await page.textContent('[data-chart="eval"] .legend-x');
  const tauX = await page.textContent('[data-chart="temperature"] .legend-x');
  assert.match(evalX ?? '', /^Epoch \d+/);
  assert.equal(tauX, evalX, 'the temperature chart follows the cursor of the eval chart');
  await page.close();
});

test('CSV and JSON export produce the recorded rows', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  await page.locator('[data-chart="loss"] vscode-toolbar-button.export-csv').click();
  await page.locator('[data-chart="eval"] vscode-toolbar-button.export-json').click();
  const msgs = (await posted(page)).filter((m) => m.type === 'export');
  assert.equal(msgs.length, 2);
  const csv = String(msgs[0].content).trimEnd().split('\n');
  assert.equal(msgs[0].format, 'csv');
  assert.match(String(msgs[0].suggestedName), /training-loss\.csv$/);
  const store = ReplayStore.fromDirs([dir('fx-mf-ssm-adaptive')]);
  const steps = store.events('fx-mf-ssm-adaptive').filter((e) => e.kind === 'step');
  assert.equal(csv[0], 'run,run_id,series,step,epoch,wall_seconds,value,smoothed');
  assert.equal(csv.length, 1 + 2 * steps.length, 'loss and loss/reg rows');
  const first = csv[1].split(',');
  assert.deepEqual(first.slice(0, 4), ['mf-ssm-adaptive-gdns', 'fx-mf-ssm-adaptive', 'loss', String((steps[0] as { step: number }).step)]);
  assert.equal(Number(first[6]), (steps[0] as { loss: number }).loss);
  assert.equal(Number(first[7]), (steps[0] as { loss: number }).loss, 'debiased EMA starts at the first value');
  const json = JSON.parse(String(msgs[1].content));
  const evals = store.events('fx-mf-ssm-adaptive').filter((e) => e.kind === 'eval') as { epoch: number; metrics: Record<string, number> }[];
  // the evaluation chart shows one metric (the run's selection metric until another is picked)
  assert.deepEqual(json.series.map((s: { series: string }) => s.series), ['eval/test/ndcg@20']);
  const ndcg = json.series[0];
  assert.equal(ndcg.points.length, evals.length);
  assert.deepEqual(ndcg.points.map((p: { value: number }) => p.value), evals.map((e) => e.metrics['ndcg@20']));
  assert.deepEqual(ndcg.points.map((p: { epoch: number }) => p.epoch), evals.map((e) => e.epoch));
  assert.ok(ndcg.points.every((p: { smoothed?: number }) => p.smoothed === undefined), 'per-epoch metrics are never smoothed');
  await page.close();
});

test('a live run: deltas grow the loss curve, the header follows, stop posts to the host', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=live`);
  const before = await info(page, 'loss');
  const hashBefore = (await canvasStats(page, 'loss')).hash;
  const n = await page.evaluate(() => (window as unknown as { __harness: { deltaCount(): number } }).__harness.deltaCount());
  assert.ok(n > 10, `${n} deltas recorded`);
  const stats = await page.evaluate(() => (window as unknown as { __harness: { replay(o: unknown): Promise<{ messages: number }> } }).__harness.replay({ speed: 4 }));
  assert.equal(stats.messages, n);
  await settle(page);
  const afterInfo = await info(page, 'loss');
  assert.ok(afterInfo.xRange[1] > before.xRange[1] * 3, `x grew from ${before.xRange} to ${afterInfo.xRange}`);
  assert.notEqual((await canvasStats(page, 'loss')).hash, hashBefore);
  const lossLen = await page.evaluate(() => (window as unknown as { reclabDebug: { model: { store: { get(r: string, k: string): { length: number } } } } }).reclabDebug.model.store.get('fx-mf-ssm-running', 'loss').length);
  const all = ReplayStore.fromDirs([dir('fx-mf-ssm-running')]).events('fx-mf-ssm-running').filter((e) => e.kind === 'step').length;
  assert.equal(lossLen, all, 'every step event arrived exactly once');
  await page.locator('.stop-run').click();
  assert.deepEqual((await posted(page)).filter((m) => m.type === 'stopRun'), [{ type: 'stopRun', runId: 'fx-mf-ssm-running' }]);
  await page.close();
});

test('view state survives a reload (setState), data comes back from the host snapshot', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  await page.evaluate(() => (window as unknown as { __harness: { clearState(): void } }).__harness.clearState());
  await setSlider(page, 'loss', 0.9);
  await page.locator('[data-chart="eval"] vscode-toolbar-button.log-y').click();
  await page.waitForTimeout(400); // state saves are debounced
  await page.reload();
  await page.waitForSelector('.chart-card:not(.is-empty) canvas');
  await settle(page);
  assert.equal((await info(page, 'loss')).state.smoothing, 0.9);
  assert.equal(await page.inputValue('[data-chart="loss"] input.smoothing'), '0.9');
  assert.equal((await info(page, 'eval')).state.logY, true);
  const state = await page.evaluate(() => sessionStorage.getItem('reclab-harness-state:/dashboard.html'));
  const parsed = JSON.parse(state!);
  assert.deepEqual(parsed.runIds, ['fx-mf-ssm-adaptive']);
  assert.equal(parsed.view, 'dashboard');
  assert.ok(!JSON.stringify(parsed).includes('"value"'), 'no series data in the persisted state');
  await page.evaluate(() => (window as unknown as { __harness: { clearState(): void } }).__harness.clearState());
  await page.close();
});

test('a theme switch re-reads the --vscode-* colours and redraws', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  const dark = await canvasStats(page, 'loss');
  await page.evaluate(() => (window as unknown as { __harness: { setTheme(t: string): void } }).__harness.setTheme('light'));
  await settle(page);
  await settle(page);
  const light = await canvasStats(page, 'loss');
  assert.notEqual(light.hash, dark.hash);
  // the loss line takes VS Code's light charts.blue (#1a85ff): look for it on the canvas
  const hasLightBlue = await page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-chart="loss"] canvas')!;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x1a) < 8 && Math.abs(d[i + 1] - 0x85) < 8 && Math.abs(d[i + 2] - 0xff) < 8 && d[i + 3] > 200) return true;
    return false;
  });
  assert.ok(hasLightBlue);
  await page.close();
});

test('evaluation chart: one metric at a time (picker), split as line style, the legend toggles series, no smoothing', async () => {
  const { page, errors } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`);
  const labels = () => page.$$eval('[data-chart="eval"] .legend-item .legend-label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(await labels(), ['ndcg@20 test'], 'the run selects on test: one line, the selection metric');
  assert.equal(await page.locator('[data-chart="eval"] .smoothing-control').isVisible(), false, 'no smoothing slider on per-epoch metrics');
  assert.equal(await page.locator('[data-chart="loss"] .smoothing-control').isVisible(), true);
  await page.locator('[data-chart="eval"] vscode-single-select.chart-picker').click();
  await page.locator('[data-chart="eval"] vscode-single-select.chart-picker').getByRole('option', { name: 'recall@20', exact: true }).click();
  await settle(page);
  assert.deepEqual(await labels(), ['recall@20 test']);
  const before = (await canvasStats(page, 'eval')).hash;
  await page.locator('[data-chart="loss"] .legend-item', { hasText: 'reg' }).click();
  await settle(page);
  assert.equal(await page.locator('[data-chart="loss"] .legend-item.off').count(), 1, 'clicked item is off');
  assert.equal((await info(page, 'loss')).state.hidden?.length, 1);
  await page.locator('[data-chart="loss"] .legend-item', { hasText: 'reg' }).press('Enter');
  await settle(page);
  assert.equal(await page.locator('[data-chart="loss"] .legend-item.off').count(), 0, 'keyboard toggles it back');
  assert.notEqual(before, '');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a run without τ, lr decay or sampler statistics: those panels collapse to one line saying why', async () => {
  const { page } = await openView(browser, `${harness.url}/dashboard.html?theme=light&stream=fixed`);
  for (const id of ['temperature', 'lr', 'gain', 'tau-histogram']) {
    const card = page.locator(`[data-chart="${id}"]`);
    assert.equal(await card.locator('.chart-toolbar').isVisible(), false, `${id}: no toolbar`);
    const h = (await card.boundingBox())!.height;
    assert.ok(h < 80, `${id}: collapsed (${h} px)`);
    assert.ok(((await card.locator('.chart-empty').textContent()) ?? '').length > 10, `${id}: says why`);
  }
  await page.close();
});

for (const width of [300, 400]) {
  test(`reflows at ${width} px: no horizontal scroll, charts as wide as the view, header wraps`, async () => {
    const { page, errors } = await openView(browser, `${harness.url}/dashboard.html?theme=dark&stream=adaptive`, { width });
    const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(m.scroll <= m.client, `scrollWidth ${m.scroll} > ${m.client}`);
    const chart = (await page.locator('[data-chart="loss"]').boundingBox())!;
    assert.ok(chart.x >= 0 && chart.x + chart.width <= width, `loss card ${chart.x}+${chart.width}`);
    const s = await canvasStats(page, 'loss');
    assert.ok(s.width <= width && s.inked > 500, JSON.stringify(s));
    assert.deepEqual(errors, []);
    await page.close();
  });
}
