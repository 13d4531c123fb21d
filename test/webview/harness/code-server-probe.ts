/**
 * Manual check of the panels in real VS Code (code-server), with the e2e suite's harness (scripts/setup-e2e.sh):
 * opens a fixture run's metrics.jsonl (custom editor → dashboard), compares three runs, adds a fourth from the run
 * picker, reloads the window and checks that the compare panel comes back (serializer) with all its data.
 * Screenshots go to /tmp/probe-*.png.
 *   npx vsce package --no-dependencies --skip-license --no-rewrite-relative-links -o /tmp/reclab.vsix
 *   npx esbuild test/webview/harness/code-server-probe.ts --bundle --platform=node --external:playwright-core \
 *     --outfile=.bench/probe.cjs && E2E_VSIX=/tmp/reclab.vsix RECLAB_ROOT=$PWD node .bench/probe.cjs
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { pick, pickMany, runCommand, sleep, startSession } from '../../e2e/harness';

/** Per run of the compare webview: "<id>:<loss points>", or undefined when no compare webview is loaded. */
async function compareState(page: Page): Promise<string | undefined> {
  for (const f of page.frames()) {
    const info = await f
      .evaluate(`(() => { const d = window.reclabDebug; if (!d || !d.tableRows) return null; return d.model.runs.map((r) => r.id + ':' + (d.model.store.get(r.id, 'loss') ? d.model.store.get(r.id, 'loss').length : 0)).join(' '); })()`)
      .catch(() => null);
    if (info) return info as string;
  }
  return undefined;
}

(async () => {
  const files: Record<string, string> = {};
  const fx = path.join(process.env.RECLAB_ROOT ?? process.cwd(), 'test/fixtures/runs');
  for (const id of fs.readdirSync(fx)) for (const f of fs.readdirSync(path.join(fx, id))) files[`runs/${id}/${f}`] = fs.readFileSync(path.join(fx, id, f), 'utf8');
  files['other/run.json'] = JSON.stringify({ note: 'not a RecLab run' }, null, 2);
  const s = await startSession(process.env.E2E_VSIX!, files);
  const page = s.page;
  try {
    await sleep(6000);
    // a run.json that is not a RecLab run opens as text
    await runCommand(page, 'Go to File');
    await page.keyboard.type('other/run.json');
    await pick(page, 'run.json');
    await page.locator('.monaco-editor .view-lines', { hasText: 'not a RecLab run' }).first().waitFor({ timeout: 20000 });
    console.log('foreign run.json: opened as text; RecLab tabs:', await page.locator('.tab', { hasText: 'RecLab' }).count());
    await runCommand(page, 'Go to File');
    await page.keyboard.type('fx-mf-ssm-adaptive/metrics.jsonl');
    await pick(page, 'metrics.jsonl');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('[data-chart="loss"] canvas').first().waitFor({ timeout: 30000 });
    await sleep(2000);
    await page.screenshot({ path: '/tmp/probe-dashboard.png' });
    console.log('dashboard:', await frame.locator('.run-header h1').textContent(), '· codicon font:', await frame.locator('body').evaluate(() => document.fonts.check('16px codicon')));
    if (process.env.PROBE_THEME_VARS) console.log('theme vars:', await frame.locator('body').evaluate(() => ['--vscode-editor-background', '--vscode-charts-orange', '--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-red'].map((n) => `${n}=${getComputedStyle(document.body).getPropertyValue(n)}`).join(' ')));
    await runCommand(page, 'RecLab: Compare Selected Runs');
    await sleep(1500);
    await pickMany(page, 'mf-ssm-adaptive-gdns', 'mf-bpr-uniform', 'mf-ssm-srns');
    await page.locator('.tab', { hasText: 'compare' }).first().waitFor({ timeout: 30000 });
    await sleep(3000);
    await page.screenshot({ path: '/tmp/probe-compare.png' });
    console.log('compare:', await compareState(page));
    const cf = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
    await cf.locator('vscode-collapsible.picker-section').click();
    await cf.locator('.run-picker vscode-checkbox[data-run="fx-mf-ssm-running"]').click();
    await sleep(3000);
    console.log('compare + picked run:', await compareState(page));
    await runCommand(page, 'Developer: Reload Window');
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    let restored: string | undefined;
    for (let t = 0; t < 40 && !restored; t++) {
      await sleep(1000);
      restored = await compareState(page);
    }
    console.log('after reload:', restored);
    await page.screenshot({ path: '/tmp/probe-reloaded.png' });
  } catch (e) {
    console.error('probe failed', e);
    await page.screenshot({ path: '/tmp/probe-fail.png' });
  } finally {
    await s.close();
  }
})();
