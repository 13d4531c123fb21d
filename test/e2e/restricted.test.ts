/**
 * End-to-end, Restricted Mode (docs/reliability.md): the packaged extension in real VS Code (code-server) with
 * workspace trust ON and the workspace NOT trusted. RecLab declares `capabilities.untrustedWorkspaces: limited`; in
 * Restricted Mode it must show the runs read-only and never start, attach to, stop or signal a process, never write
 * to the runs folder, and ignore a workspace value of `reclab.runsDirectory`.
 *
 * The runs folder holds a finished run (trained with the CLI beforehand), a run.json pointing at a live `sleep` with a
 * lease that matches it exactly (so the extension judges it alive: with trust it would stop it), and a run.json
 * pointing at a process that has exited. The workspace's .vscode/settings.json points reclab.runsDirectory at
 * another folder holding a run of its own, which must not be shown.
 * Prerequisites: scripts/setup-e2e.sh. Run: node scripts/run-tests.mjs test/e2e/restricted.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { missingPrerequisites, openRecLabContainer, packageExtension, ROOT, runCommand, runRow, screenshot, startSession, waitForRow, type Session } from './harness';
import { currentLease, procStat } from '../../src/runs/lease';
import type { RunInfo } from '../../src/runs/format';
import { alive } from '../fixtures/processes';

const config = (name: string, epochs: number) => JSON.stringify({
  name,
  seed: 1,
  dataset: { kind: 'synthetic', users: 300, items: 150, interactionsPerUser: 10 },
  model: { kind: 'mf', dim: 8 },
  train: { epochs, batchSize: 256 },
  eval: { every: 1, ks: [20], selectMetric: 'ndcg@20' },
}, null, 2) + '\n';

const FILES = {
  'small.reclab.json': config('small-done', 2),
  'long.reclab.json': config('long-untrusted', 100000),
  // a workspace value: in Restricted Mode only the user's own setting or the default ("runs") may count
  '.vscode/settings.json': JSON.stringify({ 'reclab.runsDirectory': 'elsewhere' }, null, 2),
};

const skip = missingPrerequisites();

function runInfo(id: string, over: Partial<RunInfo>): RunInfo {
  const now = new Date().toISOString();
  return { formatVersion: 1, id, name: id, experiment: id, status: 'running', createdAt: now, startedAt: now, versions: { reclab: '0', node: process.version }, ...over };
}

function writeRunJson(runsDir: string, id: string, info: RunInfo): string {
  const file = path.join(runsDir, id, 'run.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(info, null, 2));
  return file;
}

/** RecLab engine processes started from this session's extension (none may ever exist here). */
function engineProcesses(s: Session): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((l) => l.includes(s.extensionsDir) && /dist\/(engine|cli)\.js/.test(l));
}

/** Folders of a runs folder (names only). */
const folders = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort() : []);

/** Everything under a folder, path → content, to prove nothing was written. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

describe('RecLab in Restricted Mode (untrusted workspace) in code-server', { skip, timeout: 30 * 60_000 }, () => {
  let s: Session;
  let page: Page;
  let sleeper: ChildProcess;
  let sleeperExited = false;
  let runsDir: string;
  let elsewhere: string;
  let before_: Record<string, string>;

  before(async () => {
    const vsix = packageExtension();
    // a process that is not an engine, with a lease that matches it exactly: the extension judges the run alive
    sleeper = spawn('sleep', ['3000'], { stdio: 'ignore' });
    await new Promise((r) => sleeper.once('spawn', r));
    sleeper.once('exit', () => (sleeperExited = true));
    const ticks = procStat(sleeper.pid!)?.startTicks;
    assert.equal(typeof ticks, 'number', 'the sleep process has a start time in /proc');
    s = await startSession(vsix, FILES, {
      'reclab.openDashboardOnTrain': false,
      // workspace trust on, the folder not trusted, no startup prompt (a modal would block the palette)
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'never',
      'security.workspace.trust.emptyWindow': false,
      'security.workspace.trust.untrustedFiles': 'open',
    }, { workspaceTrust: true });
    page = s.page;
    runsDir = path.join(s.workspace, 'runs');
    elsewhere = path.join(s.workspace, 'elsewhere');
    // a finished run, trained with the CLI
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', 'small.reclab.json', '--runs-dir', 'runs', '--id', 'small-done', '--quiet'], { cwd: s.workspace, stdio: 'ignore' });
    writeRunJson(runsDir, 'sleeper-run', runInfo('sleeper-run', { pid: sleeper.pid, lease: { ...currentLease(), pid: sleeper.pid!, startTicks: ticks! } }));
    // a run whose engine has exited (a pid that is gone): shown failed, but nothing may be written to record it
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeRunJson(runsDir, 'dead-run', runInfo('dead-run', { pid: Number(gone.stdout), lease: { ...currentLease(), pid: Number(gone.stdout) } }));
    // the workspace's runs folder, which must be ignored
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', 'small.reclab.json', '--runs-dir', 'elsewhere', '--id', 'elsewhere-run', '--set', 'name=elsewhere-run', '--quiet'], { cwd: s.workspace, stdio: 'ignore' });
    before_ = snapshot(s.workspace);
  });

  after(async () => {
    if (process.env.KEEP_RUN) console.log(`kept ${s?.run}`);
    sleeper?.kill('SIGKILL'); // our own child, through its handle
    await s?.close();
    if (s && !process.env.KEEP_RUN) fs.rmSync(s.run, { recursive: true, force: true });
  });

  it('opens in Restricted Mode and lists the runs of the default folder read-only, ignoring the workspace runsDirectory', async () => {
    // VS Code's own indicator: the workspace is not trusted
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 120_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'small.reclab.json' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'RecLab: Refresh Runs', 120_000); // activates the extension
    await openRecLabContainer(page);
    await waitForRow(page, ['small-done', 'finished'], 120_000);
    await waitForRow(page, ['sleeper-run', 'running'], 60_000);
    // the dead run is shown failed (liveness), without being recorded on disk
    await waitForRow(page, ['dead-run', 'failed'], 60_000);
    await screenshot(page, 'e2e-restricted-01-runs');
    assert.equal(await runRow(page, 'elsewhere-run').count(), 0, 'the run of the workspace-set runsDirectory is not shown');
  });

  it('Train, Stop, Stop All and Delete refuse with a message; nothing is started, signalled or written', async () => {
    const refusal = page.locator('.notifications-toasts .notification-toast', { hasText: 'Restricted Mode shows runs read-only' });
    for (const command of ['RecLab: Train a Config…', 'RecLab: Stop Run', 'RecLab: Stop All Runs', 'RecLab: Delete Runs…']) {
      await runCommand(page, command);
      await refusal.first().waitFor({ timeout: 60_000 });
      assert.equal(await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'long.reclab.json' }).isVisible(), false, `${command}: no picker`);
      if (command === 'RecLab: Train a Config…') await screenshot(page, 'e2e-restricted-02-refused');
      await runCommand(page, 'Notifications: Clear All Notifications');
      await refusal.first().waitFor({ state: 'detached', timeout: 30_000 });
    }
    // Train Current Config from the config's own editor (the CodeLens/title action path) refuses too
    await runCommand(page, 'Go to File');
    await page.keyboard.type('long.reclab.json');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'long.reclab.json' }).first();
    await row.waitFor({ timeout: 90_000 });
    await row.click();
    await page.locator('.tab', { hasText: 'long.reclab.json' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'RecLab: Train Current Config');
    await refusal.first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'Notifications: Clear All Notifications');

    // the live process named by run.json was never signalled; no engine was started; no file was written
    // (the dead run stays `running` on disk: recording it would be a write)
    assert.equal(sleeperExited, false, 'the sleep process is alive');
    assert.ok(alive(sleeper.pid!));
    assert.deepEqual(engineProcesses(s), [], 'no engine process');
    assert.deepEqual(folders(runsDir), ['dead-run', 'sleeper-run', 'small-done']);
    assert.deepEqual(folders(elsewhere), ['elsewhere-run']);
    const now = snapshot(s.workspace);
    const changed = Object.keys({ ...before_, ...now }).filter((k) => before_[k] !== now[k] && !k.startsWith('.vscode/'));
    assert.deepEqual(changed, [], 'nothing in the workspace was written or removed');
    assert.equal(JSON.parse(fs.readFileSync(path.join(runsDir, 'dead-run', 'run.json'), 'utf8')).status, 'running');
    // and the tree still shows both runs as before (nothing was stopped)
    await waitForRow(page, ['sleeper-run', 'running'], 30_000);
  });
});
