/**
 * End-to-end: the packaged extension (.vsix from `npm run package`) in real VS Code (code-server) driven by Chromium.
 * Prerequisites: scripts/setup-e2e.sh. Run: node scripts/run-tests.mjs e2e. Screenshots go to docs/screenshots/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  missingPrerequisites, openRecLabContainer, packageExtension, pick, pickMany, ROOT, runCommand, runRow, runsOnDisk, screenshot, sleep, startSession,
  waitForRow, type Session, runCommandPicking, quickInputBox,
} from './harness';

const config = (name: string, epochs: number, users = 600) => JSON.stringify({
  name,
  seed: 1,
  dataset: { kind: 'synthetic', users, items: Math.round(users / 2), interactionsPerUser: 20 },
  split: { validRatio: 0.1 },
  model: { kind: 'mf', dim: 16 },
  loss: { kind: 'bpr' },
  sampler: { kind: 'uniform', negatives: 1 },
  optimizer: { kind: 'adam', lr: 0.01 },
  train: { epochs, batchSize: 256 },
  eval: { every: 1, ks: [20], selectMetric: 'ndcg@20', patience: 0 },
}, null, 2) + '\n';

const FILES = {
  // long enough that the tree shows it running before it finishes: ~20 s quiet with the fused BPR step (80 epochs took
  // only 6 s, and the running state was missed once), a minute or two under load
  'quick.reclab.json': config('quick-bpr', 250, 2000),
  'cli.reclab.json': config('cli-bpr', 12),
  'long.reclab.json': config('long-bpr', 100000),
};

const skip = missingPrerequisites();

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(250);
  }
}

describe('RecLab extension in code-server', { skip, timeout: 40 * 60_000 }, () => {
  let s: Session;
  let page: Page;

  before(async () => {
    const vsix = packageExtension();
    // this suite opens dashboards itself; the newcomer suite covers reclab.openDashboardOnTrain
    s = await startSession(vsix, FILES, { 'reclab.openDashboardOnTrain': false });
    page = s.page;
  });

  after(async () => {
    if (process.env.KEEP_RUN) console.log(`kept ${s?.run}`);
    // end engine processes the suite started (they are detached by design: they survive window reloads)
    for (const r of s ? runsOnDisk(s.workspace) : []) {
      if (r.status === 'running' && r.pid) try { process.kill(r.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await s?.close();
    if (s && !process.env.KEEP_RUN) fs.rmSync(s.run, { recursive: true, force: true });
  });

  it('shows the RecLab container with the welcome view', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'quick.reclab.json' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'RecLab: Refresh Runs'); // activates the extension (and retries until its commands exist)
    await openRecLabContainer(page);
    await page.getByText('No runs yet.').first().waitFor({ timeout: 90_000 });
    await screenshot(page, 'e2e-01-welcome');
  });

  it('trains a config from the command palette: queued/running → finished', async () => {
    await runCommandPicking(page, 'RecLab: Train a Config…', 'quick.reclab.json');
    await waitForRow(page, ['quick-bpr', 'running', 'epoch'], 90_000);
    await screenshot(page, 'e2e-02-running');
    await waitForRow(page, ['quick-bpr', 'finished', 'ndcg@20'], 600_000);
    await screenshot(page, 'e2e-03-finished');
    const runs = runsOnDisk(s.workspace).filter((r) => r.name === 'quick-bpr');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'finished');
  });

  it('shows a run started with the CLI in the integrated terminal, live', async () => {
    const cli = path.join(s.extensionsDir, 'reclab.reclab-0.1.0', 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), `CLI bundled in the extension: ${cli}`);
    await runCommand(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper .xterm').first().waitFor({ timeout: 90_000 });
    await sleep(1500);
    await page.locator('.terminal-wrapper .xterm').first().click();
    await page.keyboard.type(`node "${cli}" train cli.reclab.json --runs-dir runs\n`, { delay: 5 });
    await waitForRow(page, ['cli-bpr'], 90_000);
    await screenshot(page, 'e2e-04-cli-run-live');
    await waitForRow(page, ['cli-bpr', 'finished'], 600_000);
    await runCommand(page, 'View: Hide Panel');
  });

  it('stops a run: it ends as stopped', async () => {
    await runCommandPicking(page, 'RecLab: Train a Config…', 'long.reclab.json');
    await waitForRow(page, ['long-bpr', 'running', 'epoch'], 90_000);
    await runCommand(page, 'RecLab: Stop Run');
    await pickMany(page, 'long-bpr');
    await waitUntil(() => runsOnDisk(s.workspace).some((r) => r.name === 'long-bpr' && r.status === 'stopped'), 60_000);
    await waitForRow(page, ['long-bpr', 'stopped'], 30_000);
    await screenshot(page, 'e2e-05-stopped');
    const long = runsOnDisk(s.workspace).filter((r) => r.name === 'long-bpr');
    assert.deepEqual(long.map((r) => r.status), ['stopped']);
  });

  it('re-attaches to a running run after a window reload, and can still stop it', async () => {
    await runCommandPicking(page, 'RecLab: Train a Config…', 'long.reclab.json');
    await waitForRow(page, ['long-bpr', 'running', 'epoch'], 90_000);
    const before = runsOnDisk(s.workspace).find((r) => r.name === 'long-bpr' && r.status === 'running');
    assert.ok(before?.pid, 'running run with a pid');
    await runCommand(page, 'Developer: Reload Window');
    await sleep(2000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    // opened only when it is not open: the tree may simply not be filled yet while the extension host re-activates,
    // and a click on the open container's icon would close the side bar (CI: every later test then missed its rows)
    await openRecLabContainer(page);
    await waitForRow(page, ['long-bpr', 'running', 'epoch'], 180_000); // the extension host re-activates slowly under load
    const after = runsOnDisk(s.workspace).find((r) => r.name === 'long-bpr' && r.status === 'running');
    assert.equal(after?.pid, before.pid, 'the same engine process survived the reload');
    process.kill(before.pid!, 0); // still alive
    await screenshot(page, 'e2e-06-reattached');
    await runCommand(page, 'RecLab: Stop Run');
    await pickMany(page, 'long-bpr');
    await waitUntil(() => runsOnDisk(s.workspace).filter((r) => r.name === 'long-bpr').every((r) => r.status === 'stopped'), 60_000);
    await waitForRow(page, ['long-bpr', 'stopped'], 30_000);
    await runRow(page, 'long-bpr', 'running', 'epoch').first().waitFor({ state: 'detached', timeout: 60_000 });
  });

  it('shows CodeLens on a config', async () => {
    await runCommand(page, 'Go to File');
    await page.keyboard.type('quick.reclab.json');
    await pick(page, 'quick.reclab.json');
    await page.locator('.codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 180_000 });
    await page.locator('.codelens-decoration', { hasText: 'latest run' }).first().waitFor({ timeout: 90_000 });
    await screenshot(page, 'e2e-07-codelens');
  });

  it('opens the dashboard of a live run and sees its loss curve grow', async () => {
    await runCommandPicking(page, 'RecLab: Train a Config…', 'long.reclab.json');
    await waitForRow(page, ['long-bpr', 'running', 'epoch'], 90_000);
    // the run picker lists runs newest first: the running one; retried because the palette can race the extension
    // host's command registration and the picker's first render on a loaded machine
    for (let attempt = 1; ; attempt++) {
      await runCommand(page, 'RecLab: Open Run Dashboard');
      await pick(page, 'long-bpr').catch(() => undefined);
      const opened = await page.locator('.tab', { hasText: 'long-bpr' }).first().waitFor({ timeout: 15_000 }).then(() => true, () => false);
      if (opened) break;
      if (attempt === 3) throw new Error('the dashboard of the running run did not open after 3 attempts');
      await page.keyboard.press('Escape');
    }
    const frame = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
    const lossPoints = (): Promise<number> =>
      frame.locator('body').evaluate(() => {
        const d = (window as unknown as { reclabDebug?: { model: { runs: { id: string }[]; store: { get(id: string, key: string): { length: number } | undefined } } } }).reclabDebug;
        const run = d?.model.runs[0];
        return run ? (d!.model.store.get(run.id, 'loss')?.length ?? 0) : 0;
      });
    let first = 0;
    await waitUntil(async () => (first = await lossPoints()) > 0, 60_000);
    await waitUntil(async () => (await lossPoints()) > first, 60_000);
    await screenshot(page, 'e2e-08-live-dashboard');
    assert.ok((await lossPoints()) > first, 'the live loss curve grew');
    await runCommand(page, 'RecLab: Stop Run');
    await pickMany(page, 'long-bpr');
    await waitUntil(() => runsOnDisk(s.workspace).filter((r) => r.name === 'long-bpr').every((r) => r.status !== 'running'), 60_000);
  });

  it('opens a run dashboard and compares two runs', async () => {
    await runRow(page, 'quick-bpr', 'finished').first().click();
    await page.locator('iframe.webview.ready').first().waitFor({ timeout: 90_000 });
    await sleep(1500);
    await screenshot(page, 'e2e-09-dashboard');
    await runRow(page, 'quick-bpr', 'finished').first().click();
    await runRow(page, 'cli-bpr', 'finished').first().click({ modifiers: ['Control'] });
    // with two runs selected in the tree it opens at once; otherwise it asks: wait for whichever comes first (a loaded
    // machine can take many seconds for either), then answer the picker if that was it — again from the command when
    // the picker closed under the test (the dashboard opened above takes the focus when its webview is ready)
    const asked = page.locator('.quick-input-list .monaco-list-row', { hasText: 'cli-bpr' }).first();
    // the selection-aware command may also take a run the tree still had selected: any compare of two or more runs
    const tab = page.locator('.tab', { hasText: /RecLab: compare [2-9] runs/ }).first();
    for (let attempt = 1; ; attempt++) {
      await runCommand(page, 'RecLab: Compare Selected Runs');
      await asked.or(tab).first().waitFor({ timeout: 120_000 });
      try {
        if (!(await tab.isVisible()) && (await asked.isVisible())) await pickMany(page, 'quick-bpr', 'cli-bpr');
        break;
      } catch (e) {
        // the picker is gone (nothing was compared): the command again; a picker still open is a real failure
        if ((await quickInputBox(page).isVisible()) || attempt >= 3) throw e;
        console.log(`# compare: the picker closed before the runs were checked (${(e as Error).message.split('\n')[0]}); running the command again`);
      }
    }
    await tab.waitFor({ timeout: 120_000 });
    await sleep(1500);
    await screenshot(page, 'e2e-10-compare');
  });
});
