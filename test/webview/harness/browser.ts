/** Playwright helpers for the webview tests: launch Debian chromium, open a view, read what the canvases show. */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './server';
import type { HostToWebview, ViewKind, WebviewToHost } from '../../../src/protocol/webview';

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run scripts/setup-chromium.sh (Debian chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface OpenedView {
  page: Page;
  errors: string[];
}

/** Opens a view page and waits until its charts have drawn. Console errors and CSP violations are collected. */
export async function openView(browser: Browser, url: string, opts: { width?: number; height?: number; waitFor?: string } = {}): Promise<OpenedView> {
  const { page, errors } = await newViewPage(browser, opts.width ?? 1280, opts.height ?? 900);
  await page.goto(url);
  await page.waitForSelector(opts.waitFor ?? '.chart-card:not(.is-empty) canvas', { timeout: 15000 });
  await settle(page);
  return { page, errors };
}

/** A page of the given size that collects console errors, page errors and failed responses (CSP violations among them). */
export async function newViewPage(browser: Browser, width: number, height: number): Promise<OpenedView> {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return { page, errors };
}

/** Waits two animation frames (the views draw once per frame). */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

export interface CanvasStats {
  width: number;
  height: number;
  /** pixels that differ from the most common colour (the background) */
  inked: number;
  /** a hash of the pixels, to tell whether two draws differ */
  hash: number;
}

/** Pixel statistics of the canvas of a chart card (data-chart attribute). */
export async function canvasStats(page: Page, chartId: string): Promise<CanvasStats> {
  return page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-chart="${id}"] canvas`);
    if (!canvas) return { width: 0, height: 0, inked: 0, hash: 0 };
    const ctx = canvas.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const counts = new Map<number, number>();
    let hash = 2166136261;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
      counts.set(v, (counts.get(v) ?? 0) + 1);
      hash = Math.imul(hash ^ v, 16777619);
    }
    let top = 0;
    for (const c of counts.values()) top = Math.max(top, c);
    return { width: canvas.width, height: canvas.height, inked: data.length / 4 - top, hash: hash >>> 0 };
  }, chartId);
}

/** A host-side session (SweepSession, ReproductionSession): what the panel connects to its webview. */
export interface ViewSession {
  receive(message: WebviewToHost): void;
}

/**
 * Opens a view page and connects a real host-side session to it as the VS Code panel does: what the session posts is
 * delivered to the page (in order, as a structured-clone postMessage), and the view's `ready` is answered.
 */
export async function openWithSession<S extends ViewSession>(browser: Browser, url: string, view: ViewKind, width: number,
  makeSession: (post: (m: HostToWebview) => void) => S): Promise<OpenedView & { session: S }> {
  const { page, errors } = await newViewPage(browser, width, 900);
  let chain = Promise.resolve();
  const session = makeSession((m) => {
    chain = chain.then(() => page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown as Record<string, unknown>)).catch(() => undefined);
  });
  await page.goto(url);
  // the view posts `ready` once it listens; the host answers it (as the panel does)
  await page.waitForFunction(() => (window as unknown as { __harness: { posted: { type: string }[] } }).__harness.posted.some((m) => m.type === 'ready'), undefined, { timeout: 15000 });
  session.receive({ type: 'ready', view });
  await chain;
  return { page, errors, session };
}
