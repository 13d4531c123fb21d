/**
 * Webview panels: the run dashboard, the compare view, the read-only custom editor for a run's metrics.jsonl /
 * run.json, and the serializers that bring panels back after a window reload.
 *
 * Panels do not retain their context when hidden: a webview that comes back posts `ready` and receives a fresh
 * snapshot from the run store (the run directory is the truth), and keeps only view state in setState.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { PersistedViewState, ViewKind, WebviewToHost } from '../../protocol/webview';
import { readConfig, readRun } from '../../runs/reader';
import { DirectoryRunStore } from './directory-store';
import { webviewHtml } from './html';
import { PanelSession, type PanelRunStore } from './panel-session';
import { SweepSession } from './sweep-session';
import { ReproductionSession } from './reproduction-session';
import { pairedTestOf } from './paired';
import { sweepFile } from '../../runs/records';

export const DASHBOARD_VIEW_TYPE = 'reclab.dashboard';
export const COMPARE_VIEW_TYPE = 'reclab.compare';
export const RUN_EDITOR_VIEW_TYPE = 'reclab.runViewer';
export const SWEEP_VIEW_TYPE = 'reclab.sweep';
export const REPRODUCTION_VIEW_TYPE = 'reclab.reproduction';

export interface Panels {
  openDashboard(runId: string, opts?: { beside?: boolean }): void;
  openCompare(runIds: string[]): void;
  /** the sweep view of `<runs>/<sweepId>.sweep.json` */
  openSweep(sweepId: string): void;
  /** the reproduction view of a `<suite>.results.json`, following the file as `reclab reproduce` rewrites it */
  openReproduction(resultsFile: string, opts?: { beside?: boolean }): void;
}

export function registerPanels(context: vscode.ExtensionContext, store: PanelRunStore & { runsDir?: string }): Panels {
  const manager = new PanelManager(context, store);
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => manager.restore(panel, 'dashboard', state as PersistedViewState | undefined),
    }),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => manager.restore(panel, 'compare', state as PersistedViewState | undefined),
    }),
    vscode.window.registerWebviewPanelSerializer(SWEEP_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const id = (state as PersistedViewState | undefined)?.sweepId;
        if (id) manager.attachSweep(panel, id);
        else panel.dispose();
      },
    }),
    vscode.window.registerWebviewPanelSerializer(REPRODUCTION_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const file = (state as PersistedViewState | undefined)?.resultsFile;
        if (file) manager.attachReproduction(panel, file);
        else panel.dispose();
      },
    }),
    vscode.window.registerCustomEditorProvider(RUN_EDITOR_VIEW_TYPE, new RunEditorProvider(manager, store), {
      supportsMultipleEditorsPerDocument: true,
      webviewOptions: { retainContextWhenHidden: false },
    }),
    { dispose: () => manager.dispose() },
  );
  return {
    openDashboard: (runId, opts) => manager.openDashboard(runId, opts),
    openCompare: (runIds) => manager.openCompare(runIds),
    openSweep: (sweepId) => manager.openSweep(sweepId),
    openReproduction: (file, opts) => manager.openReproduction(file, opts),
  };
}

class PanelManager {
  private dashboards = new Map<string, vscode.WebviewPanel>();
  private compare: { panel: vscode.WebviewPanel; session: PanelSession } | undefined;
  private sweeps = new Map<string, vscode.WebviewPanel>();
  private reproductions = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly store: PanelRunStore & { runsDir?: string }) {}

  openSweep(sweepId: string): void {
    const existing = this.sweeps.get(sweepId);
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(SWEEP_VIEW_TYPE, `RecLab: sweep ${sweepId}`, vscode.ViewColumn.Active, this.webviewOptions());
    this.attachSweep(panel, sweepId);
  }

  /** Connects a sweep panel (new or restored after a reload) to a session reading the sweep's record file. */
  attachSweep(panel: vscode.WebviewPanel, sweepId: string): void {
    const runsDir = this.store.runsDir ?? '';
    const file = sweepFile(runsDir, sweepId);
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.html(panel.webview, 'sweep', []);
    panel.title = `RecLab: sweep ${sweepId}`;
    const session = new SweepSession({
      file,
      store: this.store,
      post: (m) => {
        if (m.type === 'sweep') panel.title = `RecLab: ${m.data.name}`;
        return panel.webview.postMessage(m);
      },
      onCommand: (m) => void this.command(m),
    });
    const subs = [
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => session.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) session.suspend();
      }),
    ];
    this.sweeps.set(sweepId, panel);
    panel.onDidDispose(() => {
      session.dispose();
      for (const s of subs) s.dispose();
      if (this.sweeps.get(sweepId) === panel) this.sweeps.delete(sweepId);
    });
  }

  openReproduction(resultsFile: string, opts?: { beside?: boolean }): void {
    const file = path.resolve(resultsFile);
    const column = opts?.beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const existing = this.reproductions.get(file);
    if (existing) {
      existing.reveal(column, opts?.beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(REPRODUCTION_VIEW_TYPE, reproductionTitle(file), { viewColumn: column, preserveFocus: !!opts?.beside }, this.webviewOptions());
    this.attachReproduction(panel, file);
  }

  /** Connects a reproduction panel (new or restored after a reload) to a session watching the results file. */
  attachReproduction(panel: vscode.WebviewPanel, file: string): void {
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.html(panel.webview, 'reproduction', []);
    panel.title = reproductionTitle(file);
    const session = new ReproductionSession({
      file,
      post: (m) => panel.webview.postMessage(m),
      onCommand: (m) => void this.command(m),
    });
    const subs = [
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => session.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) session.suspend();
      }),
    ];
    this.reproductions.set(file, panel);
    panel.onDidDispose(() => {
      session.dispose();
      for (const s of subs) s.dispose();
      if (this.reproductions.get(file) === panel) this.reproductions.delete(file);
    });
  }

  openDashboard(runId: string, opts?: { beside?: boolean }): void {
    const existing = this.dashboards.get(runId);
    const column = opts?.beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (existing) {
      existing.reveal(column, opts?.beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, this.title('dashboard', [runId]), { viewColumn: column, preserveFocus: !!opts?.beside }, this.webviewOptions());
    this.attach(panel, 'dashboard', [runId], this.store);
  }

  openCompare(runIds: string[]): void {
    if (this.compare) {
      this.compare.session.receive({ type: 'selectRuns', runIds });
      this.compare.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, this.title('compare', runIds), vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(panel, 'compare', runIds, this.store);
  }

  restore(panel: vscode.WebviewPanel, view: ViewKind, state: PersistedViewState | undefined): void {
    panel.webview.options = this.webviewOptions();
    const runIds = state?.runIds ?? [];
    if (view === 'compare' && this.compare) {
      panel.dispose();
      return;
    }
    this.attach(panel, view, runIds, this.store);
  }

  /** Connects a panel (new, restored or a custom editor's) to a session over `store`. */
  attach(panel: vscode.WebviewPanel, view: ViewKind, runIds: string[], store: PanelRunStore, onDispose?: () => void): PanelSession {
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.html(panel.webview, view, runIds);
    panel.title = this.title(view, runIds);
    const session = new PanelSession({
      view,
      runIds,
      store,
      post: (m) => panel.webview.postMessage(m),
      readConfig: (r) => readConfig(r.dir),
      pairedTest: view === 'compare' && store === this.store && this.store.runsDir ? (records) => pairedTestOf(records, this.store.runsDir!) : undefined,
      onRunsChanged: (ids) => (panel.title = this.title(view, ids)),
      onCommand: (m) => void this.command(m),
    });
    const subs = [
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => session.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) session.suspend();
      }),
    ];
    if (view === 'dashboard' && runIds[0] && store === this.store) this.dashboards.set(runIds[0], panel);
    if (view === 'compare') this.compare = { panel, session };
    panel.onDidDispose(() => {
      session.dispose();
      for (const s of subs) s.dispose();
      if (view === 'dashboard' && this.dashboards.get(runIds[0]) === panel) this.dashboards.delete(runIds[0]);
      if (this.compare?.panel === panel) this.compare = undefined;
      onDispose?.();
    });
    return session;
  }

  private async command(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'stopRun':
        await vscode.commands.executeCommand('reclab.stopRun', m.runId);
        return;
      case 'openDashboard':
        this.openDashboard(m.runId, { beside: true });
        return;
      case 'export':
        await this.saveExport(m.suggestedName, m.format, m.content);
        return;
      default:
        return;
    }
  }

  private async saveExport(suggestedName: string, format: 'csv' | 'json', content: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.context.extensionPath);
    const safe = suggestedName.replace(/[\\/:*?"<>|]+/g, '-');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder, safe),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
    const open = await vscode.window.showInformationMessage(`RecLab: exported ${path.basename(target.fsPath)}`, 'Open');
    if (open) await vscode.window.showTextDocument(target);
  }

  webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: false,
      // only the webview bundles and the codicons
      localResourceRoots: [this.distUri(), this.codiconsUri()],
    };
  }

  private distUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  /**
   * The codicon font and css, shipped in media/webview/codicons (a packaged extension has no node_modules; a unit test
   * keeps the copy identical to the installed @vscode/codicons).
   */
  private codiconsUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'media', 'webview', 'codicons');
  }

  html(webview: vscode.Webview, view: ViewKind, runIds: string[]): string {
    return webviewHtml({
      view,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.distUri(), `${view}.js`)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.distUri(), `${view}.css`)).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(this.codiconsUri(), 'codicon.css')).toString(),
      title: this.title(view, runIds),
    });
  }

  private title(view: ViewKind, runIds: string[]): string {
    if (view === 'compare') return `RecLab: compare ${runIds.length} run${runIds.length === 1 ? '' : 's'}`;
    const name = runIds[0] ? this.store.get(runIds[0])?.info.name ?? runIds[0] : 'run';
    return `RecLab: ${name}`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

const reproductionTitle = (file: string): string => `RecLab: ${path.basename(file).replace(/\.results\.json$/, '')} reproduction`;

/** Opening a run's metrics.jsonl or run.json shows its dashboard (read-only; "Reopen Editor With…" gives the text). */
class RunEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly manager: PanelManager, private readonly store: PanelRunStore) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const dir = path.dirname(document.uri.fsPath);
    const known = this.store.list().find((r) => path.resolve(r.dir) === path.resolve(dir));
    if (known) {
      this.manager.attach(panel, 'dashboard', [known.id], this.store);
      return;
    }
    const record = readRun(dir);
    if (record && isRunInfo(record.info)) {
      // a run outside the watched runs directory: read it here and follow it while it grows
      const own = new DirectoryRunStore(dir);
      this.manager.attach(panel, 'dashboard', [record.id], own, () => own.dispose());
      return;
    }
    // not a RecLab run (run.json and metrics.jsonl are common names): hand the file to the text editor instead
    panel.webview.options = this.manager.webviewOptions();
    panel.webview.html = this.manager.html(panel.webview, 'dashboard', []);
    const message = `${path.basename(dir)} is not a RecLab run directory (no readable run.json). Use "Reopen Editor With… → Text Editor" to see the file.`;
    const sub = panel.webview.onDidReceiveMessage((m: WebviewToHost) => {
      if (m.type === 'ready') void panel.webview.postMessage({ type: 'error', message });
    });
    panel.onDidDispose(() => sub.dispose());
    const column = panel.viewColumn;
    setTimeout(() => {
      void vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', column).then(
        () => panel.dispose(),
        () => undefined, // keep the explanation
      );
    }, 0);
  }
}

/** run.json is a common file name: only a RecLab run's has these fields. */
function isRunInfo(info: unknown): boolean {
  const i = info as Record<string, unknown> | undefined;
  return !!i && typeof i.id === 'string' && typeof i.name === 'string' && typeof i.status === 'string' && typeof i.formatVersion === 'number';
}
