/**
 * Real VS Code for the end-to-end suite: code-server (installed by scripts/setup-e2e.sh) in a throw-away run
 * directory, driven by Debian Chromium through playwright-core. Recipe: ../shared/reference/e2e-code-server.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = process.env.RECLAB_ROOT ?? path.resolve(__dirname, '../..');
export const E2E_HOME = process.env.E2E_HOME ?? path.join(ROOT, '.e2e');
export const NODE24 = path.join(E2E_HOME, 'node24', 'node-v24.21.0', 'bin', 'node');
export const CS_ENTRY = path.join(E2E_HOME, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(ROOT, 'docs', 'screenshots');

export function missingPrerequisites(): string | undefined {
  for (const [what, p] of [['Node 24', NODE24], ['code-server', CS_ENTRY], ['chromium', CHROMIUM]] as const) {
    if (fs.existsSync(p)) continue;
    const why = `${what} not found at ${p}: run scripts/setup-e2e.sh`;
    // scripts/run-tests.mjs installs the prerequisites and sets this: then a missing one is a failure, never a skip
    if (process.env.RECLAB_REQUIRE_E2E) throw new Error(why);
    return why;
  }
  return undefined;
}

/** Builds and packages the extension (`npm run package`) unless E2E_VSIX names an existing .vsix. */
export function packageExtension(): string {
  if (process.env.E2E_VSIX) return path.resolve(process.env.E2E_VSIX);
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(ROOT, 'reclab.vsix');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Session {
  run: string;
  workspace: string;
  extensionsDir: string;
  port: number;
  server: ChildProcess;
  context: BrowserContext;
  page: Page;
  serverLog: string;
  close(): Promise<void>;
}

/** `workspaceTrust`: leave VS Code's workspace trust on (no --disable-workspace-trust), for Restricted Mode tests. */
export async function startSession(vsix: string, files: Record<string, string>, settings: Record<string, unknown> = {}, options: { workspaceTrust?: boolean } = {}): Promise<Session> {
  fs.mkdirSync(path.join(E2E_HOME, 'runs'), { recursive: true });
  // short path: unix sockets live under TMPDIR and are limited to ~107 characters
  const run = fs.mkdtempSync(path.join(E2E_HOME, 'runs', 'r-'));
  const workspace = path.join(run, 'ws');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), text);
  }
  for (const d of ['tmp', 'xdg/config', 'xdg/data', 'xdg/cache', 'user-data/User']) fs.mkdirSync(path.join(run, d), { recursive: true });
  fs.writeFileSync(path.join(run, 'config.yaml'), '');
  fs.writeFileSync(path.join(run, 'user-data', 'User', 'settings.json'), JSON.stringify({
    'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true, 'workbench.enableExperiments': false, 'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false, 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false, 'terminal.integrated.enablePersistentSessions': false, 'window.restoreWindows': 'none',
    'files.hotExit': 'off', 'workbench.colorTheme': 'Default Dark Modern', 'git.openRepositoryInParentFolders': 'never', 'git.enabled': false, 'terminal.integrated.gpuAcceleration': 'off',
    ...settings,
  }, null, 2));
  const env = {
    ...process.env,
    PATH: `${path.dirname(NODE24)}:${process.env.PATH}`,
    XDG_CONFIG_HOME: path.join(run, 'xdg/config'), XDG_DATA_HOME: path.join(run, 'xdg/data'), XDG_CACHE_HOME: path.join(run, 'xdg/cache'),
    TMPDIR: path.join(run, 'tmp'), EXTENSIONS_GALLERY: '{}',
  };
  const base = ['--config', path.join(run, 'config.yaml'), '--user-data-dir', path.join(run, 'user-data'), '--extensions-dir', path.join(run, 'extensions')];
  execFileSync(NODE24, [CS_ENTRY, ...base, '--install-extension', vsix], { env, stdio: 'ignore' });
  const extensionsDir = path.join(run, 'extensions');
  const port = await freePort();
  const logFile = path.join(run, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const server = spawn(NODE24, [CS_ENTRY, ...base, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
    '--disable-update-check', ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', '--ignore-last-opened', workspace],
  { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  const context = await chromium.launchPersistentContext(path.join(run, 'chrome-profile'), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  await context.route((u) => !u.href.startsWith(`http://127.0.0.1:${port}/`), (r) => r.abort());
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { timeout: 180_000 }); // a loaded machine serves the workbench slowly
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  } catch (e) {
    // a start that fails must not leave the browser and the server running (the test process would never exit)
    await context.close().catch(() => undefined);
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    throw e;
  }
  return {
    run, workspace, extensionsDir, port, server, context, page, serverLog: logFile,
    async close() {
      await context.close().catch(() => undefined);
      try {
        if (server.pid) process.kill(-server.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Takes the keyboard focus back from a webview (dashboard, compare), which is an iframe. Two ways it swallowed the
 * palette: a webview still loading takes the focus once it is ready (its editor asked for the focus when it opened),
 * and the palette closes on losing the focus — logged as `failed at fill (focus before: iframe.webview → body; now:
 * iframe.webview.ready)`; and while a webview holds the focus, a key press reaches the workbench only through the
 * webview's script, which posts it to be re-dispatched (webview/browser/pre/index.html handleInnerKeydown →
 * webviewElement handleKeyEvent), asynchronously. Blurring the iframe from the workbench document puts the focus on
 * the workbench, where the keybinding service handles F1 directly. It clicks nothing, so it never changes the active
 * editor (a click on the tab strip activated whichever tab lay under the pointer). Returns what held the focus.
 */
export async function focusWorkbench(page: Page): Promise<string> {
  return page.evaluate(() => {
    const d = (el: Element | null) => (el ? `${el.tagName.toLowerCase()}${typeof (el as HTMLElement).className === 'string' && (el as HTMLElement).className ? '.' + (el as HTMLElement).className.trim().split(/\s+/).slice(0, 2).join('.') : ''}` : 'none');
    const before = document.activeElement;
    if (before instanceof HTMLIFrameElement) before.blur();
    return before === document.activeElement ? d(before) : `${d(before)} → ${d(document.activeElement)}`;
  });
}

/** The quick input's text box, when it is open. */
export function quickInputBox(page: Page) {
  return page.locator('.quick-input-widget .quick-input-box input').first();
}

/**
 * Runs a command from the palette, on conditions only: the focus is taken back from any webview, F1 is pressed
 * until the palette is visible, and the whole attempt is repeated while the command's row does not show (the
 * palette snapshots the command list when it opens, so a command registered late needs a fresh palette) or the
 * palette closed under it (the focus went elsewhere). A modal dialog makes the workbench inert: it is named, not
 * waited out. Each retry is logged with what held the focus.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const box = quickInputBox(page);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    const dialog = page.locator('.monaco-dialog-box');
    if (await dialog.isVisible()) throw new Error(`a dialog blocks "${title}": ${(await dialog.textContent())?.slice(0, 300)}`);
    if (await box.isVisible()) {
      // a quick input left open (an earlier pick, a cancelled prompt): close it from inside
      await box.focus().catch(() => undefined);
      await page.keyboard.press('Escape');
      await box.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    }
    const focus = await focusWorkbench(page);
    let stage = 'F1';
    try {
      await page.keyboard.press('F1');
      await box.waitFor({ state: 'visible', timeout: 5000 });
      stage = 'fill';
      await box.fill(`>${title}`, { timeout: 10_000 });
      stage = 'row';
      // longer each attempt: a loaded machine renders the list late
      await row.waitFor({ state: 'visible', timeout: Math.min(3000 * attempt, 15_000) });
      stage = 'click';
      await row.click({ timeout: 10_000 });
      if (attempt > 1) console.log(`# palette: "${title}" ran at attempt ${attempt}`);
      return;
    } catch (e) {
      const why = `attempt ${attempt} failed at ${stage} (focus before: ${focus}; now: ${await focusWorkbench(page).catch(() => '?')})`;
      console.log(`# palette: "${title}" ${why}`);
      if (Date.now() > deadline) throw new Error(`the palette did not run "${title}": ${why}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

/** Picks a quick-pick entry containing `text` (single pick). */
export async function pick(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  // generous: a quick pick filled from a file search renders late on a loaded machine (a condition, not a delay)
  await row.waitFor({ timeout: 90_000 });
  try {
    await row.click({ timeout: 15_000 });
  } catch (e) {
    // VS Code hides a quick pick when the focus moves (a webview or terminal finishing its load); the command then
    // got `undefined` and ended, so nothing was picked
    if (!(await quickInputBox(page).isVisible())) throw new QuickPickClosed(text, e as Error);
    throw e;
  }
}

/** The quick pick closed (the focus moved) before the entry could be clicked: nothing was picked. */
export class QuickPickClosed extends Error {
  constructor(readonly entry: string, cause: Error) {
    super(`the quick pick closed before "${entry}" was clicked: ${cause.message.split('\n')[0]}`);
  }
}

/**
 * Runs a palette command and clicks `entries` in its quick picks, one after another. When a pick closes under the
 * test (the focus moved; the command ended without a choice) the command runs again, at most three times.
 */
export async function runCommandPicking(page: Page, title: string, ...entries: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    try {
      for (const entry of entries) await pick(page, entry);
      return;
    } catch (e) {
      if (!(e instanceof QuickPickClosed) || attempt >= 3) throw e;
      console.log(`# "${title}": ${e.message}; running the command again (attempt ${attempt + 1})`);
    }
  }
}

/** Checks the entries containing each of `texts` in a multi-select quick pick, then accepts it. */
export async function pickMany(page: Page, ...texts: string[]): Promise<void> {
  for (const t of texts) {
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: t }).first();
    await row.waitFor({ timeout: 90_000 });
    await row.locator('.quick-input-list-checkbox, input[type="checkbox"], .monaco-checkbox').first().click().catch(async () => row.click());
  }
  await page.locator('.quick-input-widget input').first().press('Enter');
}

/** The Runs tree rows whose accessible label contains every one of `parts`. */
export function runRow(page: Page, ...parts: string[]) {
  const sel = parts.map((p) => `[aria-label*="${p.replace(/"/g, '\\"')}"]`).join('');
  return page.locator(`.part.sidebar .monaco-list-row${sel}`);
}

export async function waitForRow(page: Page, parts: string[], timeoutMs = 60_000): Promise<void> {
  await runRow(page, ...parts).first().waitFor({ timeout: timeoutMs });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Run directories (run.json parsed) of the workspace's runs folder. */
export function runsOnDisk(workspace: string): { id: string; name: string; status: string; pid?: number }[] {
  const dir = path.join(workspace, 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.')).flatMap((n) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(dir, n, 'run.json'), 'utf8'))];
    } catch {
      return [];
    }
  });
}

/**
 * Shows the RecLab view container unless it is shown already: a click on the icon of the container that is open
 * closes the side bar (a clean-clone CI run of the Restricted Mode test found the Runs view already showing, clicked,
 * and waited 120 s for a row in a closed side bar).
 */
export async function openRecLabContainer(page: Page): Promise<void> {
  const container = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="RecLab"]') }).first();
  await container.waitFor({ timeout: 60_000 });
  if (!((await container.getAttribute('class')) ?? '').split(/\s+/).includes('checked')) await container.locator('a').first().click();
}
