/**
 * The browser harness server (127.0.0.1, random port): serves the built webview bundles (dist/webview), the codicons,
 * the harness prelude, recorded message streams, and the view pages built by the real webviewHtml() with the real CSP.
 *   /dashboard.html?theme=dark&stream=<name>     /compare.html?…
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { webviewHtml } from '../../../src/extension/panels/html';
import type { ViewKind } from '../../../src/protocol/webview';
import { encodeStream, type RecordedMessage } from './codec';
import { HARNESS_THEMES } from './themes';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json', '.html': 'text/html' };

export interface Harness {
  url: string;
  addStream(name: string, messages: RecordedMessage[]): void;
  close(): Promise<void>;
}

export async function startHarness(root = process.env.RECLAB_ROOT ?? process.cwd()): Promise<Harness> {
  const streams = new Map<string, string>();
  const stubJs = fs.readFileSync(path.join(root, 'test/webview/harness/stub.js'), 'utf8');
  const themesJs = `window.__harnessThemes = ${JSON.stringify(HARNESS_THEMES)};`;
  const staticRoots: [string, string][] = [
    ['/dist/webview/', path.join(root, 'dist/webview')],
    ['/codicons/', path.join(root, 'media/webview/codicons')],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const page = /^\/(dashboard|compare|sweep|reproduction)\.html$/.exec(url.pathname);
    if (page) {
      const view = page[1] as ViewKind;
      const origin = `http://${req.headers.host}`;
      const stream = url.searchParams.get('stream');
      const prelude = ['/harness/themes.js', ...(stream ? [`/stream/${stream}.js`] : []), '/harness/stub.js'];
      return send(200, 'text/html', webviewHtml({ view, cspSource: origin, scriptUri: `/dist/webview/${view}.js`, styleUri: `/dist/webview/${view}.css`, codiconUri: '/codicons/codicon.css', title: `RecLab ${view}`, preludeScriptUris: prelude }));
    }
    if (url.pathname === '/harness/stub.js') return send(200, 'text/javascript', stubJs);
    if (url.pathname === '/harness/themes.js') return send(200, 'text/javascript', themesJs);
    const s = /^\/stream\/([\w.-]+)\.js$/.exec(url.pathname);
    if (s) {
      const b64 = streams.get(s[1]);
      return b64 === undefined ? send(404, 'text/plain', 'no such stream') : send(200, 'text/javascript', `window.__harnessStreamB64 = "${b64}";`);
    }
    for (const [prefix, dir] of staticRoots) {
      if (!url.pathname.startsWith(prefix)) continue;
      const file = path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) return send(404, 'text/plain', 'not found');
      return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    }
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (process.env.HARNESS_LOG_404) console.error('harness 404', url.pathname);
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    addStream: (name, messages) => streams.set(name, encodeStream(messages).toString('base64')),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const CHROMIUM_PATH = '/usr/bin/chromium';
