/**
 * End-to-end, the path a new user takes (issue 15), in real VS Code (code-server) driven by Chromium:
 * template → train → the dashboard opens by itself → the result reads the same in the tree, the dashboard header,
 * CodeLens and the compare table → ten status-bar clicks during a run, no error → a tree tooltip that stays while the
 * run trains → a 300 px editor group without horizontal scroll → an example opened with completion working → a typo
 * shown as an error with "did you mean", and Train refusing with the list.
 * Prerequisites: scripts/setup-e2e.sh. Run: node scripts/run-tests.mjs test/e2e/newcomer.test.ts
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import {
  missingPrerequisites, openRecLabContainer, packageExtension, pick, pickMany, runCommand as paletteCommand, runRow, runsOnDisk, screenshot, sleep, startSession, waitForRow, type Session, runCommandPicking,
} from './harness';

/** The palette (harness.runCommand); a modal that blocks it is saved as a screenshot for the report. */
async function runCommand(page: Page, title: string): Promise<void> {
  try {
    await paletteCommand(page, title);
  } catch (e) {
    await page.screenshot({ path: path.join(RESULTS, `newcomer-failed-${title.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => undefined);
    throw e;
  }
}

const RESULTS = path.join(process.env.RECLAB_ROOT ?? '.', 'test-results');

const skip = missingPrerequisites();

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** "ndcg@20 valid 0.2648 · test 0.3801 @ ep 52" anywhere in a text */
const RESULT = /ndcg@20 valid (\d\.\d{4}) · test (\d\.\d{4}) @ ep (\d+)/;

const LONG = JSON.stringify({
  name: 'long-bpr', seed: 1,
  dataset: { kind: 'synthetic', users: 2000, items: 1000, interactionsPerUser: 20 },
  split: { validRatio: 0.1 }, model: { kind: 'mf', dim: 16 }, loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 },
  optimizer: { kind: 'adam', lr: 0.01 }, train: { epochs: 100000, batchSize: 256 }, eval: { every: 1, ks: [20], selectMetric: 'ndcg@20', patience: 0 },
}, null, 2) + '\n';

/** the webview of the editor tab whose title contains `title` (the last one opened) */
function webview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
}

describe('RecLab for a new user, in code-server', { skip, timeout: 20 * 60_000 }, () => {
  let s: Session;
  let page: Page;
  let configName = '';

  before(async () => {
    const vsix = packageExtension();
    // files.autoSave off: code-server saves automatically after a delay by default, which raced the example step's undo
    s = await startSession(vsix, { 'README.md': '# my experiments\n', 'more/long.reclab.json': LONG }, { 'files.autoSave': 'off' });
    page = s.page;
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  after(async () => {
    if (process.env.KEEP_RUN) console.log(`kept ${s?.run}`);
    for (const r of s ? runsOnDisk(s.workspace) : []) {
      if (r.status === 'running' && r.pid) try { process.kill(r.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await s?.close();
    if (s && !process.env.KEEP_RUN) fs.rmSync(s.run, { recursive: true, force: true });
  });

  it('welcome view: plain words, no literal backticks, a way to a terminal with reclab', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'RecLab: Refresh Runs');
    await openRecLabContainer(page);
    const welcome = page.locator('.welcome-view-content').first();
    await welcome.getByText('No runs yet.').waitFor({ timeout: 30_000 });
    const text = (await welcome.textContent()) ?? '';
    assert.doesNotMatch(text, /`/, 'no literal backticks');
    assert.match(text, /Open a Terminal with reclab/);
    await screenshot(page, 'newcomer-01-welcome');
  });

  it('template → train: the dashboard opens by itself and the run finishes', async () => {
    await runCommand(page, 'RecLab: New Experiment Config from Template…');
    await pick(page, 'MF (dot)');
    await pick(page, 'bpr');
    await pick(page, 'uniform');
    await pick(page, 'synthetic');
    const name = page.locator('.quick-input-widget input');
    await name.waitFor();
    // the name box reuses the quick input: wait for its suggested value
    await waitUntil(async () => /-/.test(await name.inputValue()), 30_000, 'suggested name');
    configName = (await name.inputValue()).trim();
    assert.ok(configName, 'a suggested name');
    await name.press('Enter');
    await page.locator('.tab', { hasText: '.reclab.json' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.codelens-decoration a', { hasText: 'Train' }).first().click({ timeout: 30_000 });
    // reclab.openDashboardOnTrain (default on): the live dashboard opens beside the config
    await page.locator('.tab', { hasText: configName }).filter({ hasNotText: '.reclab.json' }).first().waitFor({ timeout: 90_000 });
    await waitForRow(page, [configName, 'finished', 'ndcg@20'], 240_000);
    await screenshot(page, 'newcomer-02-trained');
  });

  it('the result reads the same in the tree, the dashboard header, CodeLens and the compare table', async () => {
    const row = runRow(page, configName, 'finished').first();
    const treeText = (await row.getAttribute('aria-label')) ?? '';
    const tree = RESULT.exec(treeText);
    assert.ok(tree, `tree: ${treeText}`);
    // dashboard header (the tab opened on train)
    await row.click();
    const header = webview(page).locator('.fact-result dd');
    await header.waitFor({ timeout: 30_000 });
    await waitUntil(async () => RESULT.test((await header.textContent()) ?? ''), 30_000, 'header result');
    assert.equal(RESULT.exec((await header.textContent())!)![0], tree[0], 'dashboard header = tree');
    // CodeLens of the config
    await page.locator('.tab', { hasText: '.reclab.json' }).first().click();
    const lens = page.locator('.codelens-decoration', { hasText: 'latest run' }).first();
    await lens.waitFor({ timeout: 30_000 });
    assert.equal(RESULT.exec((await lens.textContent()) ?? '')?.[0], tree[0], 'CodeLens = tree');
    // compare: this run and a second (the long run, stopped after a few epochs)
    await runCommandPicking(page, 'RecLab: Train a Config…', 'long.reclab.json');
    await waitForRow(page, ['long-bpr', 'running', 'epoch'], 90_000);
    await waitUntil(() => runsOnDisk(s.workspace).some((r) => r.name === 'long-bpr' && ((r as { progress?: { epoch: number } }).progress?.epoch ?? 0) >= 2), 120_000, 'long run at epoch 2');
    await runCommand(page, 'RecLab: Stop All Runs');
    await waitForRow(page, ['long-bpr', 'stopped'], 60_000);
    await runRow(page, configName, 'finished').first().click();
    await runRow(page, 'long-bpr', 'stopped').first().click({ modifiers: ['Control'] });
    await runCommand(page, 'RecLab: Compare Selected Runs');
    // with both rows selected it opens at once; when the tree lost its multi-selection it asks
    const asked = page.locator('.quick-input-list .monaco-list-row', { hasText: 'long-bpr' }).first();
    if (await asked.waitFor({ timeout: 3000 }).then(() => true, () => false)) await pickMany(page, configName, 'long-bpr');
    await page.locator('.tab', { hasText: 'compare 2 runs' }).first().waitFor({ timeout: 30_000 });
    const id = runsOnDisk(s.workspace).find((r) => r.name === configName)!.id;
    const cells = webview(page).locator(`.metrics-table vscode-table-row[data-run="${id}"]`);
    await cells.waitFor({ timeout: 30_000 });
    const valid = await cells.locator('[data-col="valid"]').textContent();
    const test = await cells.locator('[data-col="test"]').textContent();
    const epoch = await cells.locator('[data-col="epoch"]').textContent();
    assert.deepEqual([valid, test, epoch], [tree[1], tree[2], tree[3]], 'compare table = tree (same split, same epoch)');
    await screenshot(page, 'newcomer-03-compare');
  });

  it('during a run: ten status-bar clicks open the dashboard without an error; a tree tooltip shows the progress while it trains', async () => {
    await runCommand(page, 'View: Close All Editors');
    await runCommandPicking(page, 'RecLab: Train a Config…', 'long.reclab.json');
    await waitForRow(page, ['long-bpr', 'running', 'epoch'], 90_000);
    const item = page.locator('.statusbar-item', { hasText: 'long-bpr' }).first();
    await item.waitFor({ timeout: 30_000 });
    // each round: click the status-bar item, the dashboard tab appears, close it with its own close button (the
    // palette is not used inside the loop: a webview holding the focus can swallow F1)
    const tab = page.locator('.tab', { hasText: 'long-bpr' }).first();
    for (let i = 0; i < 10; i++) {
      await item.click();
      await tab.waitFor({ timeout: 30_000 });
      await tab.hover();
      await tab.locator('.codicon-close, .action-label[aria-label^="Close"]').first().click();
      await tab.waitFor({ state: 'detached', timeout: 30_000 });
    }
    const toasts = (await page.locator('.notifications-toasts').allTextContents()).join(' ');
    assert.doesNotMatch(toasts, /command not found|Actual command/i, toasts);
    // tooltip: hover the running row (its text changes every epoch). VS Code re-creates a row's hover whenever the
    // row re-renders, so the extension holds a row being read: the tooltip opens, stays while the run trains on, and
    // the row catches up afterwards (a hovered row never freezes for long: defect (a) of issue 15)
    const running = runRow(page, 'long-bpr', 'running', 'epoch').first();
    const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: /progress: epoch/ }).first();
    // a redraw of the row during the hover delay cancels the pending tooltip until the pointer enters a part of the
    // row again (as a user's pointer does): rest on the name, then on the description, until the tooltip opens
    for (let k = 0; ; k++) {
      await running.locator(k % 2 ? '.label-description' : '.label-name').first().hover();
      if (await hover.waitFor({ state: 'visible', timeout: 4000 }).then(() => true, () => false)) break;
      if (k === 15) throw new Error('the tooltip of the running row never opened');
    }
    // the tooltip is resolved on hover: wait for its content
    await waitUntil(async () => /progress: epoch \d+\/100000/.test((await hover.textContent()) ?? ''), 30_000, 'the tooltip shows the progress');
    const epochOf = (label: string | null) => Number(/(\d+)\/100000/.exec(label ?? '')?.[1] ?? NaN);
    const shownEpoch = epochOf(await running.getAttribute('aria-label'));
    const diskEpoch = () => (runsOnDisk(s.workspace).find((r) => r.name === 'long-bpr' && r.status === 'running') as { progress?: { epoch: number } } | undefined)?.progress?.epoch ?? 0;
    // the run moves on (an epoch more than when the tooltip opened) while the tooltip is open: it is still there
    const openedAt = diskEpoch();
    await waitUntil(() => diskEpoch() > openedAt, 60_000, 'the run trains on');
    assert.ok(await hover.isVisible(), 'the tooltip stays open while the run trains');
    await screenshot(page, 'newcomer-04-tooltip-during-training');
    // and the hovered row catches up (bounded hold), with the pointer still on it
    await waitUntil(async () => epochOf(await running.getAttribute('aria-label')) > shownEpoch, 60_000, 'the hovered row updates');
    await page.mouse.move(700, 400);
  });

  it('a 300 px editor group: the dashboard reflows without horizontal scroll', async () => {
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.statusbar-item', { hasText: 'long-bpr' }).first().click();
    await page.locator('.tab', { hasText: 'long-bpr' }).first().waitFor({ timeout: 15_000 });
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await page.setViewportSize({ width: 350, height: 800 });
    const frame = webview(page);
    await frame.locator('.run-header h1').waitFor({ timeout: 30_000 });
    await waitUntil(async () => (await frame.locator('body').evaluate(() => document.documentElement.clientWidth)) <= 320, 20_000, 'narrow webview');
    await sleep(800);
    const m = await frame.locator('body').evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(m.client <= 320 && m.client >= 200, `webview width ${m.client}`);
    assert.ok(m.scroll <= m.client, `horizontal scroll: ${m.scroll} > ${m.client}`);
    await screenshot(page, 'newcomer-05-narrow-dashboard');
    await page.setViewportSize({ width: 1280, height: 800 });
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await runCommand(page, 'RecLab: Stop All Runs');
    await waitUntil(() => runsOnDisk(s.workspace).every((r) => r.status !== 'running'), 60_000, 'all stopped');
  });

  it('an example opened from the palette keeps completion (no relative $schema)', async () => {
    await runCommand(page, 'View: Close All Editors');
    await runCommandPicking(page, 'RecLab: Open Example…', 'gdns');
    await page.locator('.tab', { hasText: 'gdns.reclab.json' }).first().waitFor({ timeout: 30_000 });
    const copy = fs.readFileSync(path.join(s.workspace, 'gdns.reclab.json'), 'utf8');
    assert.doesNotMatch(copy, /\$schema/);
    // completion of top-level keys from the extension's schema: a new key on line 2
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('"');
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.suggest-widget .monaco-list-row', { hasText: 'temperature' }).first();
    await suggest.waitFor({ timeout: 30_000 });
    await screenshot(page, 'newcomer-06-example-completion');
    await page.keyboard.press('Escape');
    // leave the copy as it was. This session turns autosave off (in the browser it defaults to afterDelay, and a
    // saved quote is beyond Revert); should the edit be on disk anyway, undo it until the file is the copy again
    const file = path.join(s.workspace, 'gdns.reclab.json');
    for (let i = 0; i < 8 && fs.readFileSync(file, 'utf8') !== copy; i++) {
      await page.keyboard.press('Control+z');
      await waitUntil(() => fs.readFileSync(file, 'utf8') === copy, 5000, 'the copy restored').catch(() => undefined);
    }
    await runCommand(page, 'File: Revert File');
    await page.locator('.tab.dirty', { hasText: 'gdns.reclab.json' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(fs.readFileSync(file, 'utf8'), copy, 'the example copy is unchanged on disk');
    // and valid: no problem count on its tab (a syntax error here would be another config's error in the next step)
    await waitUntil(async () => !/\d/.test((await page.locator('.tab', { hasText: 'gdns.reclab.json' }).first().textContent()) ?? ''), 30_000, 'the example has no problems');
  });

  it('a typo is an error with "did you mean", and Train refuses with the list', async () => {
    const file = path.join(s.workspace, `${configName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.reclab.json`);
    assert.ok(fs.existsSync(file), file);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"lr":', '"lrr":'));
    await runCommand(page, 'Go to File');
    await page.keyboard.type(path.basename(file));
    await pick(page, path.basename(file));
    await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)').catch(() => runCommand(page, 'View: Toggle Problems'));
    const marker = page.locator('.markers-panel .monaco-list-row', { hasText: 'did you mean "lr"' }).first();
    await marker.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.markers-panel .monaco-list-row .codicon-error', {}).count() > 0, true, 'shown as an error');
    const before = runsOnDisk(s.workspace).length;
    // back to the config's editor (the Problems panel has the focus), so that "current config" is this file
    await page.locator('.tab', { hasText: path.basename(file) }).first().click();
    await page.locator('.tab.active', { hasText: path.basename(file) }).first().waitFor({ timeout: 30_000 });
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await runCommand(page, 'RecLab: Train Current Config');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = (await dialog.textContent()) ?? '';
    // the refusal: a count, "not started", and one readable line per problem (the did-you-mean is asserted on the
    // Problems panel above)
    assert.match(text, /has \d+ problems?; training was not started/);
    // Train acts on the active editor's config (not another open config: defect (b) of issue 15)
    assert.ok(text.includes(path.basename(file)), `the refusal names ${path.basename(file)}: ${text}`);
    assert.match(text, /line \d+: /);
    assert.doesNotMatch(text, new RegExp(s.workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no absolute path');
    await screenshot(page, 'newcomer-07-train-refused');
    await page.keyboard.press('Escape');
    await sleep(1500);
    assert.equal(runsOnDisk(s.workspace).length, before, 'nothing started');
    assert.equal(await page.locator('.statusbar-item', { hasText: 'started' }).count(), 0, 'never says "started"');
  });
});
