/**
 * End-to-end, the sidebar views as a user sees them, in light and dark themes at 1280 px and 400 px (issue 15's
 * screenshots; the webviews have theirs from test/webview): the welcome view of an empty workspace, the Runs tree with a
 * seed group and a sweep (made by the real CLI: `reclab train --seeds 2`, `reclab sweep`), and the Datasets view.
 * Each picture is asserted first (the rows it must show, no horizontal scroll in the side bar).
 * Prerequisites: scripts/setup-e2e.sh. Run: node scripts/run-tests.mjs test/e2e/views.test.ts
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { missingPrerequisites, openRecLabContainer, packageExtension, quickInputBox, ROOT, runCommand, runRow, runsOnDisk, screenshot, sleep, startSession, type Session } from './harness';

const tiny = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  name, seed: 1,
  dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 15 },
  split: { validRatio: 0.1 }, model: { kind: 'mf', dim: 16 }, loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 },
  optimizer: { kind: 'adam', lr: 0.01 }, train: { epochs: 4, batchSize: 256 }, eval: { every: 1, ks: [20], selectMetric: 'ndcg@20', patience: 0 },
  ...extra,
}, null, 2) + '\n';

const skip = missingPrerequisites();
const THEMES = { light: 'Light Modern', dark: 'Dark Modern' } as const;
const WIDTHS = [1280, 400] as const;

describe('the sidebar views in light and dark, wide and narrow', { skip, timeout: 20 * 60_000 }, () => {
  let s: Session;
  let page: Page;

  before(async () => {
    s = await startSession(packageExtension(), {
      'tiny.reclab.json': tiny('tiny-bpr'),
      'tiny-sweep.reclab.json': tiny('tiny-sweep', { sweep: { 'optimizer.lr': [0.01, 0.003] } }),
    }, { 'reclab.openDashboardOnTrain': false });
    page = s.page;
  });

  after(async () => {
    await s?.close();
    if (s && !process.env.KEEP_RUN) fs.rmSync(s.run, { recursive: true, force: true });
  });

  /** Switches the colour theme from the palette (Preferences: Color Theme) and waits for the side bar to turn light/dark. */
  async function theme(name: keyof typeof THEMES): Promise<void> {
    const light = () => page.locator('.part.sidebar').first().evaluate((el) => {
      const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(el).backgroundColor);
      return m ? 0.299 * Number(m[1]) + 0.587 * Number(m[2]) + 0.114 * Number(m[3]) > 128 : false;
    });
    if ((await light()) === (name === 'light')) return;
    await runCommand(page, 'Preferences: Color Theme');
    const label = THEMES[name];
    await quickInputBox(page).fill(label);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().click({ timeout: 30_000 });
    for (let i = 0; i < 120 && (await light()) !== (name === 'light'); i++) await sleep(250);
    assert.equal(await light(), name === 'light', `the ${name} theme applies`);
  }

  /** Drags the side bar's sash so that the side bar is `px` wide (VS Code keeps a narrowed side bar narrow). */
  async function sidebarWidth(px: number): Promise<void> {
    const sidebar = page.locator('.part.sidebar').first();
    const box = await sidebar.boundingBox();
    if (!box || Math.abs(box.width - px) < 10) return;
    const sashX = await page.evaluate((right) => {
      const near = [...document.querySelectorAll('.monaco-sash.vertical')].map((e) => e.getBoundingClientRect()).filter((r) => r.height > 200 && Math.abs(r.left + r.width / 2 - right) < 8);
      return near.length ? near[0]!.left + near[0]!.width / 2 : undefined;
    }, box.x + box.width);
    if (sashX === undefined) return;
    await page.mouse.move(sashX, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(sashX + (px - box.width), box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
  }

  /** Expands one pane of the RecLab container and collapses the other, so the picture shows the one asked for. */
  async function focusPane(show: 'Runs' | 'Datasets'): Promise<void> {
    for (const name of ['Runs', 'Datasets'] as const) {
      const header = page.locator('.part.sidebar .pane-header', { hasText: name }).first();
      await header.waitFor({ timeout: 30_000 });
      const expanded = (await header.getAttribute('aria-expanded')) === 'true';
      // on the twistie: the header's middle holds the view's action buttons
      if (expanded !== (name === show)) await header.click({ position: { x: 10, y: 11 } });
      await page.waitForFunction(([n, want]) => [...document.querySelectorAll('.part.sidebar .pane-header')].some((h) => h.textContent?.includes(n!) && h.getAttribute('aria-expanded') === want), [name, String(name === show)] as const, { timeout: 30_000 });
    }
  }

  /** Each theme × width: asserts the side bar does not scroll sideways, then saves views-<what>-<theme>-<width>.png. */
  async function shots(what: string, check: () => Promise<void>): Promise<void> {
    await runCommand(page, 'Notifications: Clear All Notifications');
    for (const t of ['light', 'dark'] as const) {
      await theme(t);
      for (const w of WIDTHS) {
        await page.setViewportSize({ width: w, height: 800 });
        const sidebar = page.locator('.part.sidebar').first();
        await sidebar.waitFor();
        // the layout settles after a resize: wait until the side bar fits the window
        const fits = async () => sidebar.evaluate((el) => el.getBoundingClientRect().right <= window.innerWidth + 1);
        for (let i = 0; i < 40 && !(await fits()); i++) await sleep(250);
        if (w >= 1000) await sidebarWidth(380);
        await check();
        const over = await sidebar.evaluate((el) => [...el.querySelectorAll('.monaco-list-rows, .welcome-view-content')]
          .filter((n) => (n as HTMLElement).scrollWidth > (n as HTMLElement).clientWidth + 1).length);
        assert.equal(over, 0, `${what} ${t} ${w}px: nothing in the side bar scrolls sideways`);
        // no hover in the picture: the pointer rests on the empty editor area
        const editor = await page.locator('.part.editor').first().boundingBox();
        await page.mouse.move(editor ? editor.x + editor.width / 2 : w - 5, editor ? editor.y + editor.height - 20 : 400);
        await page.locator('.monaco-hover, .workbench-hover').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
        await screenshot(page, `views-${what}-${t}-${w}`);
      }
    }
  }

  it('the welcome view of an empty workspace', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'tiny.reclab.json' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'RecLab: Refresh Runs');
    await openRecLabContainer(page);
    const welcome = page.locator('.welcome-view-content').first();
    await shots('welcome', async () => {
      await welcome.getByText('No runs yet.').waitFor({ timeout: 30_000 });
    });
  });

  it('the Runs tree with a seed group and a sweep made by the CLI', async () => {
    const cli = path.join(ROOT, 'bin', 'reclab.js');
    const runs = path.join(s.workspace, 'runs');
    execFileSync(process.execPath, [cli, 'train', path.join(s.workspace, 'tiny.reclab.json'), '--seeds', '2', '--runs-dir', runs, '--quiet'], { stdio: 'inherit' });
    execFileSync(process.execPath, [cli, 'sweep', path.join(s.workspace, 'tiny-sweep.reclab.json'), '--runs-dir', runs], { stdio: 'inherit' });
    assert.equal(runsOnDisk(s.workspace).filter((r) => r.status === 'finished').length, 4, 'two seeds and two sweep points finished');
    await page.setViewportSize({ width: 1280, height: 800 });
    await runRow(page, 'seed group').first().waitFor({ timeout: 60_000 });
    await runRow(page, 'sweep: lr').first().waitFor({ timeout: 60_000 });
    await focusPane('Runs');
    await shots('runs', async () => {
      const group = runRow(page, 'seed group').first();
      await group.waitFor({ timeout: 30_000 });
      assert.match((await group.getAttribute('aria-label')) ?? '', /±.*2 seeds/, 'the seed group shows mean ± std over 2 seeds');
      await runRow(page, 'lr=0.003').first().waitFor({ timeout: 30_000 });
      await runRow(page, 'lr=0.01').first().waitFor({ timeout: 30_000 });
    });
  });

  it('the Datasets view', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await focusPane('Datasets');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Catalogue' }).first().waitFor({ timeout: 60_000 });
    await shots('datasets', async () => {
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'yelp2018' }).first().waitFor({ timeout: 30_000 });
    });
  });
});
