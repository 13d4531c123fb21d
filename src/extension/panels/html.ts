/**
 * The HTML shell of a RecLab webview. Strict CSP: nothing loads by default, scripts only by nonce (no inline script,
 * no eval), styles and fonts only from the webview's own resource roots. Pure (no vscode) so the browser harness
 * serves exactly the same page.
 */
import crypto from 'node:crypto';
import type { ViewKind } from '../../protocol/webview';

export interface WebviewHtmlInput {
  view: ViewKind;
  /** `webview.cspSource` */
  cspSource: string;
  /** URIs (as strings) of dist/webview/<view>.js and .css, and codicon.css */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  title: string;
  nonce?: string;
  /** extra classic scripts loaded (by nonce) before the view: only the browser harness uses this */
  preludeScriptUris?: string[];
}

export function makeNonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function webviewHtml(input: WebviewHtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  const prelude = (input.preludeScriptUris ?? []).map((u) => `<script nonce="${nonce}" src="${escapeAttr(u)}"></script>`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(input.cspSource, nonce))}" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <link id="vscode-codicon-stylesheet" rel="stylesheet" nonce="${nonce}" href="${escapeAttr(input.codiconUri)}" />
    <link rel="stylesheet" href="${escapeAttr(input.styleUri)}" />
    <title>${escapeAttr(input.title)}</title>
  </head>
  <body data-reclab-view="${input.view}">
    <div id="app"></div>
    ${prelude}
    <script type="module" nonce="${nonce}" src="${escapeAttr(input.scriptUri)}"></script>
  </body>
</html>
`;
}
