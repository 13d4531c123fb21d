/** The webview's side of the message contract: typed posting, message subscription and view-state persistence. */
import type { HostToWebview, PersistedViewState, WebviewToHost } from '../../src/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;
function vscode(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

export function post(message: WebviewToHost): void {
  vscode().postMessage(message);
}

export function onHostMessage(handler: (m: HostToWebview) => void): void {
  window.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as HostToWebview | undefined;
    if (m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string') handler(m);
  });
}

export function loadState<U>(): PersistedViewState & { ui?: U } | undefined {
  return vscode().getState() as (PersistedViewState & { ui?: U }) | undefined;
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** Persists view state (debounced: sliders fire often). */
export function saveState(state: PersistedViewState): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = setTimeout(() => vscode().setState(state), 150);
}
