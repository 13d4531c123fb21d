/**
 * Screenshots of both views in light, dark and high-contrast themes (docs/screenshots/), taken with the same harness.
 * Each is also checked for readable text: the page background and the chart canvases follow the theme.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch, openView, settle } from './harness/browser';
import { FIXTURE_RUNS_DIR, ReplayStore, recordStream } from './harness/record';
import { startHarness, type Harness } from './harness/server';

let harness: Harness;
let browser: Browser;
const root = process.env.RECLAB_ROOT ?? process.cwd();
const outDir = path.join(root, 'docs/screenshots');
const ALL = ['fx-mf-ssm-adaptive', 'fx-mf-bpr-fixed', 'fx-mf-ssm-srns', 'fx-mf-ssm-running'];

before(async () => {
  harness = await startHarness();
  const store = ReplayStore.fromDirs(ALL.map((id) => path.join(FIXTURE_RUNS_DIR, id)));
  harness.addStream('dash', recordStream({ view: 'dashboard', runIds: ['fx-mf-ssm-adaptive'], store }));
  harness.addStream('cmp', recordStream({ view: 'compare', runIds: ALL, store }));
  harness.addStream('bpr', recordStream({ view: 'dashboard', runIds: ['fx-mf-bpr-fixed'], store }));
  browser = await launch();
  fs.mkdirSync(outDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

const EXPECTED_BG: Record<string, string> = { light: 'rgb(255, 255, 255)', dark: 'rgb(31, 31, 31)', 'high-contrast': 'rgb(0, 0, 0)' };

for (const theme of ['light', 'dark', 'high-contrast']) {
  test(`screenshots: ${theme}`, async () => {
    // 1280 px (a full editor) and 400 px (a split editor group) for light and dark; the BPR run shows the panels
    // that do not apply collapsed to one line
    const widths = theme === 'high-contrast' ? [1280] : [1280, 400];
    const views = [['dashboard', 'dash'], ['compare', 'cmp'], ...(theme === 'high-contrast' ? [] : [['dashboard-bpr', 'bpr']])] as const;
    for (const width of widths) {
      for (const [view, stream] of views) {
        const file = view.startsWith('dashboard') ? 'dashboard' : 'compare';
        const { page, errors } = await openView(browser, `${harness.url}/${file}.html?theme=${theme}&stream=${stream}`, { width, height: 900 });
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), EXPECTED_BG[theme]);
        await page.evaluate(() => document.fonts.ready);
        await settle(page);
        const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
        assert.ok(m.scroll <= m.client, `${view} ${theme} ${width}: horizontal scroll ${m.scroll} > ${m.client}`);
        await page.screenshot({ path: path.join(outDir, `${view}-${theme}${width === 1280 ? '' : `-${width}`}.png`), fullPage: true });
        assert.deepEqual(errors, []);
        await page.close();
      }
    }
  });
}
