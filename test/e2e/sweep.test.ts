/**
 * End-to-end: a searching sweep from the command palette in real VS Code (code-server): 12 random points with ASHA on a
 * tiny synthetic dataset (test/fixtures/sweep/tiny-search.reclab.json; one point names an invalid loss and fails). The
 * sweep view opens and draws, and the trials ASHA stopped are marked as such. Every wait is on a condition.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { missingPrerequisites, packageExtension, ROOT, runCommand, screenshot, startSession, type Session, runCommandPicking } from './harness';
import { waitUntil } from '../fixtures/until';
import type { SweepRecord } from '../../src/runs/records';

const CONFIG = fs.readFileSync(path.join(ROOT, 'test/fixtures/sweep/tiny-search.reclab.json'), 'utf8');
const GRID = fs.readFileSync(path.join(ROOT, 'test/fixtures/sweep/tiny-grid.reclab.json'), 'utf8');
const skip = missingPrerequisites();

/** the sweep record of the config named `name` (its experiment) in the workspace's runs folder */
function sweepOnDisk(workspace: string, name = 'tiny-search'): SweepRecord | undefined {
  const dir = path.join(workspace, 'runs');
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((x) => x.endsWith('.sweep.json')) : []) {
    try {
      const rec = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SweepRecord;
      if (rec.experiment === name) return rec;
    } catch {
      // being rewritten: read again on the next poll
    }
  }
  return undefined;
}

describe('a searching sweep from the palette in code-server', { skip, timeout: 10 * 60_000 }, () => {
  let s: Session;
  let page: Page;

  before(async () => {
    s = await startSession(packageExtension(), { 'tiny-search.reclab.json': CONFIG, 'tiny-grid.reclab.json': GRID }, { 'reclab.openDashboardOnTrain': false });
    page = s.page;
  });

  after(async () => {
    // trial processes are detached by design (they survive reloads): end any the suite left
    const recs = s ? [sweepOnDisk(s.workspace), sweepOnDisk(s.workspace, 'tiny-grid')] : [];
    for (const t of recs.flatMap((r) => r?.trials ?? [])) {
      const m = /^pid:(\d+):/.exec(t.job?.id ?? '');
      if (m && (t.status === 'running' || t.status === 'queued')) try { process.kill(Number(m[1]), 'SIGKILL'); } catch { /* gone */ }
    }
    await s?.close();
    if (s && !process.env.KEEP_RUN) fs.rmSync(s.run, { recursive: true, force: true });
  });

  it('random search of 12 points with ASHA: launched from the palette, the sweep view draws and marks stopped trials', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'tiny-search.reclab.json' }).first().waitFor({ timeout: 90_000 });
    await runCommand(page, 'RecLab: Refresh Runs'); // activates the extension
    await runCommandPicking(page, 'RecLab: Start a Searching Sweep', 'tiny-search.reclab.json');
    // the record is the sweep's state: wait until the search reached its budget and every trial ended
    await waitUntil('the sweep to finish', () => sweepOnDisk(s.workspace)?.status === 'finished', 5 * 60_000);
    const rec = sweepOnDisk(s.workspace)!;
    assert.equal(rec.trials.length, 12);
    assert.equal(rec.search.scheduler.kind, 'asha');
    const pruned = rec.trials.filter((t) => t.pruned).length;
    assert.ok(pruned >= 1, 'ASHA stopped trials');
    // each trial ran in its own process (the extension host only drives): their runs carry the sweep membership
    for (const t of rec.trials.filter((x) => x.runId)) {
      const info = JSON.parse(fs.readFileSync(path.join(s.workspace, 'runs', t.runId!, 'run.json'), 'utf8'));
      assert.deepEqual(info.sweep, { id: rec.id, trial: t.index });
      assert.equal(info.status, t.status);
    }
    // the sweep view opened when the sweep started, and follows the record
    const frame = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
    await frame.locator('[data-chart="parallel"]:not(.is-empty) canvas').waitFor({ timeout: 120_000 });
    await waitUntil('the view to list the 12 trials', async () => (await frame.locator('.trials-table vscode-table-row').count()) === 12, 60_000);
    await waitUntil('the view to mark the stopped trials', async () => (await frame.locator('.trials-table vscode-table-row[data-class="pruned"]').count()) === pruned, 30_000);
    assert.equal(await frame.locator('[data-chart="parallel"] .trial-pruned .legend-value').textContent(), String(pruned));
    const inked = await frame.locator('[data-chart="parallel"] canvas').evaluate((c: HTMLCanvasElement) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    assert.ok(inked > 2000, `parallel coordinates drew ${inked} pixels`);
    await screenshot(page, 'e2e-sweep-view');
  });

  it('"Run Sweep of Config" on a plain grid: a sweep record in the runs folder, driven point by point to the end', async () => {
    await runCommandPicking(page, 'RecLab: Run Sweep of Config', 'tiny-grid.reclab.json');
    // not an in-memory launch queue: the grid is a sweep record (resumable after a reload), run by the controller
    await waitUntil('the grid sweep to finish', () => sweepOnDisk(s.workspace, 'tiny-grid')?.status === 'finished', 5 * 60_000);
    const rec = sweepOnDisk(s.workspace, 'tiny-grid')!;
    assert.equal(rec.strategy, 'grid');
    assert.deepEqual(rec.trials.map((t) => t.point['optimizer.lr']).sort(), [0.001, 0.01]);
    for (const t of rec.trials) {
      assert.equal(t.status, 'finished');
      const info = JSON.parse(fs.readFileSync(path.join(s.workspace, 'runs', t.runId!, 'run.json'), 'utf8'));
      assert.deepEqual(info.sweep, { id: rec.id, trial: t.index });
    }
  });
});
