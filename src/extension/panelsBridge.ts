/**
 * Access to the dashboard and compare panels (src/extension/panels, owned by the webview side). Loaded lazily with
 * a guarded require: until that module exists the bundle still builds (esbuild leaves an unresolvable require inside
 * try/catch as a runtime require) and the commands say the dashboard is not available yet.
 */
import * as vscode from 'vscode';
import type { RunStore } from '../runs/store';

export interface Panels {
  openDashboard(runId: string, opts?: { beside?: boolean }): void;
  openCompare(runIds: string[]): void;
  openSweep(sweepId: string): void;
  /** the reproduction view of a `<suite>.results.json` (beside: next to the terminal running the suite) */
  openReproduction(resultsFile: string, opts?: { beside?: boolean }): void;
}

type PanelsModule = { registerPanels(context: vscode.ExtensionContext, store: RunStore): Panels };

export function loadPanels(context: vscode.ExtensionContext, store: RunStore, log: (m: string) => void): Panels {
  let panels: Panels | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./panels/index') as PanelsModule;
    panels = mod.registerPanels(context, store);
  } catch (e) {
    log(`dashboard panels not loaded: ${(e as Error).message.split('\n')[0]}`);
  }
  const unavailable = () => void vscode.window.showInformationMessage('RecLab: the dashboard is not available yet in this build.');
  return {
    openDashboard: (runId, opts) => (panels ? panels.openDashboard(runId, opts) : unavailable()),
    openCompare: (runIds) => (panels ? panels.openCompare(runIds) : unavailable()),
    openSweep: (sweepId) => (panels ? panels.openSweep(sweepId) : unavailable()),
    openReproduction: (file, opts) => (panels ? panels.openReproduction(file, opts) : unavailable()),
  };
}
