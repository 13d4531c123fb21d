/**
 * RecLab extension host entry: wires the run store (the runs directory, watched), the process manager (engine child
 * processes), the views, CodeLens, status bar, notifications, commands and the dashboard panels. Nothing heavy runs
 * here: training happens in engine processes, and the store only tails what they append.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { RunStore } from '../runs/store';
import { registerCommands } from './commands';
import { ConfigCodeLens } from './codeLens';
import { ConfigDiagnostics } from './configDiagnostics';
import { DatasetsProvider } from './datasetsView';
import { registerCatalogCommands } from './catalogCommands';
import { EngineLog, shortId } from './engineLog';
import { ProcessManager } from './host/manager';
import { loadPanels } from './panelsBridge';
import { RunMonitor } from './runMonitor';
import { RunsTreeProvider } from './runsView';
import { registerSweepCommands } from './sweepCommands';
import { readSettings, resolveRunsDir } from './settings';

export interface RecLabApi {
  runsDir: string;
  store: RunStore;
  manager: ProcessManager;
}

export async function activate(context: vscode.ExtensionContext): Promise<RecLabApi> {
  const log = new EngineLog();
  context.subscriptions.push(log);
  const settings = readSettings();
  const runsDir = resolveRunsDir(settings.runsDirectory);
  log.line(`RecLab: runs directory ${runsDir}`);

  // Restricted Mode (untrusted workspace): runs are shown read-only; nothing is started, attached to, stopped or written
  const trusted = vscode.workspace.isTrusted;
  if (!trusted) log.line('RecLab: Restricted Mode — runs are shown read-only; trust the workspace to train and manage runs');
  const store = new RunStore(runsDir, { readOnly: !trusted });
  context.subscriptions.push(store);
  const manager = new ProcessManager({
    readOnly: !trusted,
    enginePath: path.join(context.extensionPath, 'dist', 'engine.js'),
    runsDir,
    concurrency: settings.concurrency,
    stopTimeoutMs: settings.stopTimeoutSeconds * 1000,
  });
  context.subscriptions.push({ dispose: () => manager.dispose() });
  manager.onEvent((e) => {
    if (e.type === 'log') log.line(e.message);
    else if (e.type === 'output') log.output(e.id, e.text);
  });

  // runs appear and change on disk: CLI runs, other windows, our own children
  store.onDidChange((c) => {
    if (c.record && c.record.info.status === 'running' && !manager.isManaged(c.id)) manager.attach(c.record);
    for (const e of c.newEvents) if (e.kind === 'log' && e.level !== 'info') log.line(`[${shortId(c.id)}] ${e.level}: ${e.message}`);
  });

  const tree = new RunsTreeProvider(store, manager, context.workspaceState);
  const view = vscode.window.createTreeView('reclab.runs', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  tree.view = view;
  const datasets = new DatasetsProvider(store);
  const codeLens = new ConfigCodeLens(store);
  const diagnostics = new ConfigDiagnostics();
  const panels = loadPanels(context, store, (m) => log.line(m));
  const monitor = new RunMonitor(store, manager, {
    openDashboard: (id) => panels.openDashboard(id),
    showRunLog: (id) => void vscode.commands.executeCommand('reclab.showRunLog', id),
    showEngineLog: () => log.show(),
  });
  context.subscriptions.push(
    tree, view, datasets, codeLens, monitor, diagnostics,
    vscode.window.registerTreeDataProvider('reclab.datasets', datasets),
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.reclab.json' }, codeLens),
    ...registerCommands({ context, store, manager, tree, panels, log, diagnostics }),
    ...registerCatalogCommands({ extensionPath: context.extensionPath, runsDir, refresh: () => datasets.refresh(), openReproduction: (f, o) => panels.openReproduction(f, o) }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('reclab')) return;
      const s = readSettings();
      manager.setConcurrency(s.concurrency);
      manager.setStopTimeout(s.stopTimeoutSeconds * 1000);
      tree.refreshNow();
      monitor.update();
      if (e.affectsConfiguration('reclab.runsDirectory') && resolveRunsDir(s.runsDirectory) !== runsDir) {
        void vscode.window.showInformationMessage('RecLab: reload the window to use the new runs directory.', 'Reload Window')
          .then((a) => (a ? vscode.commands.executeCommand('workbench.action.reloadWindow') : undefined));
      }
    }),
  );

  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    void vscode.window.showInformationMessage('RecLab: the workspace is trusted now; reload the window to train and manage runs.', 'Reload Window')
      .then((a) => (a ? vscode.commands.executeCommand('workbench.action.reloadWindow') : undefined));
  }));
  await store.start();
  // re-attach to runs that outlived a previous window (or were started from a terminal)
  for (const r of store.list()) if (r.info.status === 'running') manager.attach(r);
  // searching sweeps: start / open, and resume those a previous window drove (their state is the record file)
  context.subscriptions.push(...registerSweepCommands({ context, runsDir, panels, log: (m) => log.line(m), trusted }));
  tree.refreshNow();
  monitor.update();
  return { runsDir, store, manager };
}

export function deactivate(): void {
  // disposables do the work; engine processes keep running and are re-attached on the next activation
}
