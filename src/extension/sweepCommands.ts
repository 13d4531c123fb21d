/**
 * Searching sweeps in VS Code: "RecLab: Start a Searching Sweep…" (random / TPE over `search.space`, ASHA when the
 * config asks) and "RecLab: Open Sweep View". The sweep's state is its record file `<runs>/<id>.sweep.json`; each
 * trial runs as its own detached `reclab trial` process (src/scale/driver.ts), so a window reload loses nothing: on
 * activation the extension resumes every sweep it drove whose record still says running and has work left.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { readConfigFile } from '../cli/commands';
import { listSweeps, readSweep, sweepFile } from '../runs/records';
import { createSweep } from '../scale/sweep';
import { driveSweep, orphanedSweeps } from '../scale/driver';
import type { Panels } from './panelsBridge';

export interface SweepCommandDeps {
  context: vscode.ExtensionContext;
  runsDir: string;
  panels: Panels;
  log(line: string): void;
  /** false in Restricted Mode: nothing is started or resumed */
  trusted: boolean;
}

const DRIVER = 'vscode';

export function registerSweepCommands(d: SweepCommandDeps): vscode.Disposable[] {
  const drive = (file: string): void => {
    const id = path.basename(file).replace(/\.sweep\.json$/, '');
    d.log(`sweep ${id}: driving (each trial in its own process)`);
    void driveSweep(file, DRIVER, {
      cliPath: path.join(d.context.extensionPath, 'dist', 'cli.js'),
      onMessage: (m) => d.log(`sweep ${id}: ${m}`),
    }).then(
      (r) => {
        if (!r) return d.log(`sweep ${id}: another window drives it`);
        d.log(`sweep ${id}: ${r.status}`);
        const best = r.trials.filter((t) => t.value !== undefined).sort((a, b) => b.value! - a.value!)[0];
        void vscode.window.showInformationMessage(`RecLab: sweep ${r.name} ${r.status}${best ? ` — best trial ${best.index}: ${r.metric} ${best.value!.toFixed(4)}` : ''}`, 'Open Sweep View')
          .then((a) => (a ? d.panels.openSweep(r.id) : undefined));
      },
      (e: Error) => {
        d.log(`sweep ${id} failed: ${e.stack ?? e.message}`);
        void vscode.window.showErrorMessage(`RecLab: sweep ${id} failed: ${e.message}`);
      },
    );
  };

  const guard = (fn: (...args: unknown[]) => Promise<void>) => async (...args: unknown[]) => {
    try {
      await fn(...args);
    } catch (e) {
      d.log(`sweep command failed: ${(e as Error).stack ?? e}`);
      void vscode.window.showErrorMessage(`RecLab: ${(e as Error).message}`);
    }
  };

  // a window reload (or a crash) left sweeps running: their trials may still run in their own processes; resume
  if (d.trusted) {
    for (const s of orphanedSweeps(d.runsDir, DRIVER)) {
      d.log(`sweep ${s.id}: resuming after a reload (${s.trials.filter((t) => t.status === 'pending').length} pending trials)`);
      drive(sweepFile(d.runsDir, s.id));
    }
  }

  return [
    vscode.commands.registerCommand('reclab.searchSweep', guard(async (arg?: unknown) => {
      if (!d.trusted) {
        void vscode.window.showWarningMessage('RecLab: Restricted Mode shows runs read-only — trust this workspace to start a sweep.');
        return;
      }
      const uri = arg instanceof vscode.Uri ? arg : await pickSearchConfig();
      if (!uri) return;
      const open = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString());
      if (open?.isDirty) await open.save();
      const loaded = readConfigFile(uri.fsPath);
      if (loaded.raw.search === undefined && loaded.raw.sweep === undefined) {
        void vscode.window.showWarningMessage(`RecLab: ${path.basename(uri.fsPath)} has no "search" (or "sweep") section: nothing to search. See docs/scale.md.`);
        return;
      }
      const { file, record } = createSweep({ raw: loaded.raw, baseDir: loaded.baseDir, configPath: loaded.path, runsDir: d.runsDir });
      d.log(`sweep ${record.id} created from ${uri.fsPath} (${record.strategy}${record.search.scheduler.kind === 'asha' ? ' + ASHA' : ''})`);
      drive(file);
      d.panels.openSweep(record.id);
    })),
    vscode.commands.registerCommand('reclab.openSweep', guard(async (arg?: unknown) => {
      let id = typeof arg === 'string' ? arg : (arg as { sweepId?: string } | undefined)?.sweepId;
      if (!id) {
        const sweeps = listSweeps(d.runsDir);
        if (!sweeps.length) {
          void vscode.window.showInformationMessage('RecLab: no sweep in the runs folder yet ("RecLab: Start a Searching Sweep…" starts one).');
          return;
        }
        const pick = await vscode.window.showQuickPick(sweeps.map((s) => ({
          label: s.name, description: `${s.status} · ${s.trials.length} trials`, detail: s.id, id: s.id,
        })), { title: 'Open the sweep view of which sweep?', matchOnDetail: true });
        id = pick?.id;
      }
      if (!id) return;
      if (!readSweep(sweepFile(d.runsDir, id))) throw new Error(`no sweep record ${id}.sweep.json in ${d.runsDir}`);
      d.panels.openSweep(id);
    })),
  ];
}

async function pickSearchConfig(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.fsPath.endsWith('.reclab.json')) return active;
  const files = await vscode.workspace.findFiles('**/*.reclab.json', '**/node_modules/**', 500);
  const items = files.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), uri: u }));
  return (await vscode.window.showQuickPick(items, { title: 'Search the space of which config?', matchOnDescription: true }))?.uri;
}
