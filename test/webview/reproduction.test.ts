/**
 * Reproduction webview in Debian chromium, fed by the real host-side ReproductionSession watching a real results
 * file: `reclab reproduce` runs the tiny synthetic suite of the integration test while the view is open (pending →
 * running with its live epoch and selection so far → finished), and the committed Yelp2018 results
 * (docs/reproductions/yelp2018-mf.results.json) are the data of the theme, 300 px, keyboard and screenshot tests.
 * Every expected number is read from the files reclab wrote.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readSummary } from '../../src/runs/reader';
import type { SuiteResults } from '../../src/suites/report';
import { ReproductionSession } from '../../src/extension/panels/reproduction-session';
import { canvasStats, launch, openWithSession, settle } from './harness/browser';
import { startHarness, type Harness } from './harness/server';

const ROOT = process.env.RECLAB_ROOT ?? process.cwd();
const YELP = path.join(ROOT, 'docs/reproductions/yelp2018-mf.results.json');
let harness: Harness;
let browser: Browser;
const sessions: ReproductionSession[] = [];
const temp: string[] = [];

before(async () => {
  harness = await startHarness();
  browser = await launch();
});

after(async () => {
  for (const s of sessions) s.dispose();
  await browser?.close();
  await harness?.close();
  for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
});

/** Opens the reproduction page and connects a real ReproductionSession to it, delivering what it posts as VS Code would. */
async function openResults(file: string, opts: { theme?: string; width?: number; pollMs?: number } = {}): Promise<{ page: Page; errors: string[]; session: ReproductionSession }> {
  const { page, errors, session } = await openWithSession(browser, `${harness.url}/reproduction.html?theme=${opts.theme ?? 'dark'}`, 'reproduction', opts.width ?? 1280, (post) =>
    new ReproductionSession({ file, pollMs: opts.pollMs ?? 0, debounceMs: 50, post }));
  sessions.push(session);
  return { page, errors, session };
}

const rowStates = (page: Page): Promise<string> => page.$$eval('.rows-table tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-row')}:${r.getAttribute('data-status')}`).join(' '));
const cellText = (page: Page, row: string, metric: string, col: string): Promise<string> =>
  page.$eval(`tr[data-row="${row}"] td[data-metric="${metric}"][data-col="${col}"]`, (e) => e.textContent ?? '');

test('live: reclab reproduce runs the tiny suite while the view is open — pending → running (epoch, selection so far) → finished', { timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-repro-view-'));
  temp.push(dir);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const file = path.join(out, 'tiny.results.json');
  // before the file exists the view says so
  const { page, errors } = await openResults(file, { pollMs: 200 });
  await page.waitForFunction(() => /^Waiting for .*no such results file yet/.test(document.querySelector('h1')?.textContent ?? ''), undefined, { timeout: 15000 });
  assert.equal(await page.textContent('vscode-badge.status'), 'waiting');
  // enough epochs that a row is seen running with an evaluation behind it
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'reproduce', path.join(ROOT, 'test/fixtures/suites/tiny.suite.json'), '--runs-dir', path.join(dir, 'runs'), '--out', out,
    '--set', 'train.epochs=12', '--set', 'train.batchSize=64'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('close', r));
  // row 1 running while row 2 waits
  await page.waitForFunction(() => document.querySelector('tr[data-row="bpr-test"]')?.getAttribute('data-status') === 'running' &&
    document.querySelector('tr[data-row="bpr-valid"]')?.getAttribute('data-status') === 'pending', undefined, { timeout: 120_000 });
  assert.equal(await page.textContent('vscode-badge.status'), 'running');
  // its live epoch, then its selection so far (read by the host from the run folder)
  await page.waitForFunction(() => /epoch [1-9]\d*\/12 · selected so far: epoch \d+/.test(document.querySelector('tr[data-row="bpr-test"] .status-detail')?.textContent ?? ''), undefined, { timeout: 120_000 });
  const live = await page.evaluate(() => (window as unknown as { reclabDebug: { data(): { live: Record<string, { best?: { metrics: Record<string, number> } }> } } }).reclabDebug.data().live['bpr-test']);
  const soFar = live.best!.metrics['recall@20'];
  assert.ok(soFar > 0);
  const shown = await cellText(page, 'bpr-test', 'recall@20', 'ours');
  // the cell may have moved on to a later evaluation since: it shows a number "so far" in any case
  assert.match(shown, /^0\.\d{4} so far$/);
  assert.ok(await page.$('tr[data-row="bpr-test"] td.so-far'), 'the selection so far is marked as such');
  // then row 1 finished and row 2 running, then both finished
  await page.waitForFunction(() => document.querySelector('tr[data-row="bpr-test"]')?.getAttribute('data-status') === 'finished' &&
    document.querySelector('tr[data-row="bpr-valid"]')?.getAttribute('data-status') === 'running', undefined, { timeout: 120_000 });
  assert.equal(await exited, 0);
  await page.waitForFunction(() => [...document.querySelectorAll('.rows-table tbody tr')].every((r) => r.getAttribute('data-status') === 'finished'), undefined, { timeout: 30_000 });
  assert.equal(await page.textContent('vscode-badge.status'), 'finished');
  // the final numbers are the run folders'
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
  const row = r.rows[0];
  const ours = readSummary(row.runDir!)!.bestTest!['recall@20'];
  assert.equal(await cellText(page, 'bpr-test', 'recall@20', 'ours'), ours.toFixed(4));
  assert.equal(await cellText(page, 'bpr-test', 'recall@20', 'published'), '0.2500');
  const d = ours - 0.25;
  assert.equal(await cellText(page, 'bpr-test', 'recall@20', 'delta'), `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(4)} (${d >= 0 ? '+' : '−'}${Math.abs((100 * d) / 0.25).toFixed(1)} %)`);
  assert.equal(await cellText(page, 'bpr-valid', 'ndcg@20', 'published'), '—', 'no published NDCG for the honest row');
  assert.match(await page.textContent('tr[data-row="bpr-test"] td.protocol') ?? '', /papers’ protocol/);
  assert.equal(await page.textContent('tr[data-row="bpr-valid"] td.protocol'), 'validation');
  assert.equal(await page.textContent('[data-env="RecLab"] dd'), r.environment!.reclab);
  assert.equal(await page.textContent('[data-env="backend"] dd'), r.environment!.backend);
  // beyond-accuracy columns of the runs
  assert.equal(await page.textContent('tr[data-row="bpr-test"] td[data-col="coverage@20"]'), row.beyond!['coverage@20'].toFixed(4));
  // the chart drew both rows, ours and published
  await settle(page);
  const drawn = await page.evaluate(() => (window as unknown as { reclabDebug: { charts(): Record<string, { ours: number; published: number; soFar: number }> } }).reclabDebug.charts());
  assert.deepEqual(drawn['recall@20'], { ours: 2, published: 2, soFar: 0 });
  assert.deepEqual(drawn['ndcg@20'], { ours: 2, published: 1, soFar: 0 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the Yelp2018 results: every row, Δ, failed row with its error, themes redraw, 300 px reflows, keyboard opens a run', async () => {
  const yelp = JSON.parse(fs.readFileSync(YELP, 'utf8')) as SuiteResults;
  const { page, errors } = await openResults(YELP, { theme: 'light' });
  await page.waitForSelector('[data-chart="paired-recall@20"]:not(.is-empty) canvas');
  await settle(page);
  assert.equal(await rowStates(page), yelp.rows.map((x) => `${x.id}:${x.status}`).join(' '));
  const ccl = yelp.rows.find((x) => x.id === 'mf-ccl-shared')!;
  assert.equal(await cellText(page, 'mf-ccl-shared', 'recall@20', 'ours'), ccl.ours['recall@20'].toFixed(4));
  // Δ = ours − published, signed, with the relative change in per cent (computed here from the file, by hand)
  const d = ccl.ours['recall@20'] - ccl.published['recall@20']!;
  const expected = `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(4)} (${d >= 0 ? '+' : '−'}${Math.abs((100 * d) / ccl.published['recall@20']!).toFixed(1)} %)`;
  assert.equal((await cellText(page, 'mf-ccl-shared', 'recall@20', 'delta')).replace('-', '−'), expected);
  assert.equal(await cellText(page, 'mf-ssm-shared', 'recall@20', 'delta'), '—', 'no published number');
  assert.ok((await canvasStats(page, 'paired-recall@20')).inked > 500);
  // a theme switch redraws the chart in the new colours
  const light = (await canvasStats(page, 'paired-recall@20')).hash;
  await page.evaluate(() => (window as unknown as { __harness: { setTheme(t: string): void } }).__harness.setTheme('high-contrast'));
  await page.waitForFunction(() => document.body.classList.contains('vscode-high-contrast'));
  await settle(page);
  await settle(page);
  assert.notEqual((await canvasStats(page, 'paired-recall@20')).hash, light);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(0, 0, 0)');
  // keyboard: Tab reaches the "open run" button of the row that has a run folder; Enter asks the host for its dashboard
  let focused = '';
  for (let i = 0; i < 30 && !focused.includes('open-run'); i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.className ?? '');
  }
  assert.match(focused, /open-run/);
  await page.keyboard.press('Enter');
  const posted = await page.evaluate(() => (window as unknown as { __harness: { posted: { type: string; runId?: string }[] } }).__harness.posted.filter((m) => m.type === 'openDashboard'));
  assert.equal(posted.length, 1);
  // the first row with a run folder (the rows are in the suite's order)
  const firstRun = yelp.rows.find((x) => x.runDir)!;
  assert.equal(posted[0].runId, path.basename(firstRun.runDir!));
  assert.deepEqual(errors, []);
  await page.close();
  // a failed row shows its error; 300 px: nothing scrolls sideways, every row is a card
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-repro-failed-'));
  temp.push(dir);
  const failedFile = path.join(dir, 'yelp2018-mf.results.json');
  fs.writeFileSync(failedFile, JSON.stringify({ ...yelp, rows: yelp.rows.map((x, i) => (i === 0 ? { ...x, status: 'failed', ours: {}, error: 'Slurm job 42: OUT_OF_MEMORY' } : x)) }));
  const narrow = await openResults(failedFile, { width: 300 });
  await narrow.page.waitForSelector('[data-chart="paired-recall@20"]:not(.is-empty) canvas');
  await settle(narrow.page);
  assert.equal(await narrow.page.textContent('tr[data-row="mf-bpr"] .row-error'), 'Slurm job 42: OUT_OF_MEMORY');
  assert.equal(await narrow.page.textContent('vscode-badge.status'), 'failed');
  const m = await narrow.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(m.scroll <= m.client, `scrollWidth ${m.scroll} > ${m.client}`);
  assert.equal(await narrow.page.$eval('.rows-table thead', (e) => getComputedStyle(e).display), 'none');
  assert.ok((await canvasStats(narrow.page, 'paired-recall@20')).inked > 300);
  assert.deepEqual(narrow.errors, []);
  await narrow.page.close();
});

test('screenshots (docs/screenshots/reproduction-*.png): the Yelp2018 results, light and dark, 1280 and 400 px', async () => {
  const outDir = path.join(ROOT, 'docs/screenshots');
  fs.mkdirSync(outDir, { recursive: true });
  for (const theme of ['light', 'dark']) {
    for (const width of [1280, 400]) {
      const { page, errors } = await openResults(YELP, { theme, width });
      await page.waitForSelector('[data-chart="paired-ndcg@20"]:not(.is-empty) canvas');
      await page.evaluate(() => document.fonts.ready);
      await settle(page);
      await settle(page);
      const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      assert.ok(m.scroll <= m.client, `${theme} ${width}: scrollWidth ${m.scroll} > ${m.client}`);
      await page.screenshot({ path: path.join(outDir, `reproduction-${theme}${width === 1280 ? '' : `-${width}`}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await page.close();
    }
  }
});
