/**
 * The extension's settings (reclab.*), read fresh on each use.
 */
import path from 'node:path';
import * as vscode from 'vscode';

export type BackendSetting = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface Settings {
  runsDirectory: string;
  concurrency: number;
  backend: BackendSetting;
  defaultMetric: string;
  stopTimeoutSeconds: number;
  openDashboardOnTrain: boolean;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('reclab');
  return {
    runsDirectory: vscode.workspace.isTrusted ? c.get<string>('runsDirectory', 'runs') : untrustedRunsDirectory(c),
    concurrency: Math.max(1, c.get<number>('concurrency', 1)),
    backend: c.get<BackendSetting>('backend', 'auto'),
    defaultMetric: c.get<string>('defaultMetric', 'ndcg@20'),
    stopTimeoutSeconds: Math.max(0, c.get<number>('stopTimeoutSeconds', 10)),
    openDashboardOnTrain: c.get<boolean>('openDashboardOnTrain', true),
  };
}

/** The runs directory as an absolute path: relative settings resolve against the first workspace folder. */
export function resolveRunsDir(setting: string): string {
  if (path.isAbsolute(setting)) return setting;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.resolve(root ?? process.cwd(), setting);
}

/**
 * Restricted Mode: a workspace (or folder) value of reclab.runsDirectory could point anywhere, so only the user's own
 * setting or the default counts.
 */
function untrustedRunsDirectory(c: vscode.WorkspaceConfiguration): string {
  const i = c.inspect<string>('runsDirectory');
  return i?.globalValue ?? i?.defaultValue ?? 'runs';
}
