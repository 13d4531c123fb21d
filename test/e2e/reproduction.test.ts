/**
 * End-to-end in real VS Code (code-server): "RecLab: Reproduce a Paper Table…" on the tiny synthetic suite runs
 * `reclab reproduce` in a terminal and opens the reproduction view beside it, which fills in as the rows finish;
 * "RecLab: Open Reproduction Results…" opens the view on a results file of the workspace's docs/reproductions/.
 * Every wait is on a condition.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { missingPrerequisites, packageExtension, ROOT, runCommand, screenshot, startSession, type Session, runCommandPicking } from './harness';
import { waitUntil } from '../fixtures/until';
import type { SuiteResults } from '../../src/suites/report';

const skip = missingPrerequisites();
const fixture = (f: string): string => fs.readFileSync(path.join(ROOT, 'test/fixtures/suites', f), 'utf8');

describe('the reproduction view in code-server', { skip, timeout: 10 * 60_000 }, () => {
  let s: Session;
  let page: Page;

  before(async () => {
    s = await startSession(packageExtension(), {
      'tiny.suite.json': fixture('tiny.suite.json'),
      // more epochs than the fixture's, so that the suite is seen running in its terminal
      'tiny.reclab.json': JSON.stringify({ ...JSON.parse(fixture('tiny.reclab.json')), train: { epochs: 40, batchSize: 64 } }, null, 2),
      'docs/reproductions/yelp2018-mf.results.json': fs.readFileSync(path.join(ROOT, 'docs/reproductions/yelp2018-mf.results.json'), 'utf8'),
    }, { 'reclab.openDashboardOnTrain': false });
    page = s.page;
  });

  after(async () => {
    await s?.close();
    if (s && !process.env.KEEP_RUN) fs.rmSync(s.run, { recursive: true, force: true });
  });

  it('Reproduce a Paper Table opens the reproduction view beside the terminal; it fills in as the rows finish', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'tiny.suite.json' }).first().waitFor({ timeout: 90_000 });
    await runCommand(page, 'RecLab: Refresh Runs'); // activates the extension
    await runCommandPicking(page, 'RecLab: Reproduce a Paper Table…', 'tiny.suite.json', 'On this machine'); // where the rows run (Slurm is offered when sbatch is on PATH, as in CI)
    // the suite runs in a terminal (kept: the view opens beside it, not in its place)
    await page.locator('.terminal-wrapper .xterm').first().waitFor({ timeout: 90_000 });
    const frame = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
    await frame.locator('.rows-table tbody tr[data-row="bpr-test"]').waitFor({ timeout: 120_000 });
    const results = path.join(s.workspace, 'reproductions', 'tiny.results.json');
    const done = (): SuiteResults | undefined => {
      try {
        const r = JSON.parse(fs.readFileSync(results, 'utf8')) as SuiteResults;
        return r.rows.every((x) => x.status === 'finished') ? r : undefined;
      } catch {
        return undefined;
      }
    };
    await waitUntil('both rows finished in the results file', () => !!done(), 5 * 60_000);
    await waitUntil('the view to show both rows finished', async () => (await frame.locator('.rows-table tbody tr[data-status="finished"]').count()) === 2, 60_000);
    const r = done()!;
    const ours = await frame.locator('tr[data-row="bpr-test"] td[data-metric="recall@20"][data-col="ours"]').textContent();
    assert.equal(ours, r.rows[0].ours['recall@20'].toFixed(4));
    await screenshot(page, 'e2e-reproduction-view');
  });

  it('Open Reproduction Results… offers the workspace\'s docs/reproductions and opens the view on the pick', async () => {
    await runCommandPicking(page, 'RecLab: Open Reproduction Results…', 'yelp2018-mf');
    const frame = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
    await frame.locator('.rows-table tbody tr[data-row="mf-ccl-shared"]').waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('.rows-table tbody tr').count(), 4);
    await frame.locator('[data-chart="paired-recall@20"]:not(.is-empty) canvas').waitFor({ timeout: 30_000 });
  });
});
