/**
 * Catalogue commands: Fetch Dataset (download + verify with VS Code's progress notification, cancellable) and
 * Reproduce a Paper Table (runs `reclab reproduce` on a suite in a terminal, with the reproduction view beside it,
 * filling in live as rows start and finish), and Open Reproduction Results (the view of any `*.results.json`).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { fetchDataset } from '../engine/catalog';
import { catalogRows, progressText } from './host/catalog';
import { sbatchOnPath } from '../scale/slurm/commands';

export function registerCatalogCommands(opts: {
  extensionPath: string;
  runsDir: string;
  refresh: () => void;
  openReproduction: (resultsFile: string, o?: { beside?: boolean }) => void;
}): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('reclab.fetchDataset', async (node?: { kind?: string; row?: { name: string } }) => {
      let name = node?.row?.name;
      if (!name) {
        const pick = await vscode.window.showQuickPick(
          catalogRows().filter((r) => r.state !== 'generated').map((r) => ({ label: r.name, description: `${r.version} · ${r.stateLabel}`, detail: r.title })),
          { title: 'RecLab: Fetch Dataset', placeHolder: 'dataset to download and verify' },
        );
        name = pick?.label;
      }
      if (!name) return;
      const target = name;
      let cancelled = false;
      try {
        const r = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Fetching ${target}`, cancellable: true },
          async (progress, token) => {
            const ac = new AbortController();
            token.onCancellationRequested(() => {
              cancelled = true;
              ac.abort(new Error('cancelled'));
            });
            let last = 0;
            return fetchDataset(target, {
              signal: ac.signal,
              onProgress: (p) => {
                const { message, fraction } = progressText(p);
                const pct = fraction === null ? 0 : fraction * 100;
                progress.report({ message, increment: pct >= last ? pct - last : undefined });
                last = fraction === null ? last : pct;
              },
              onMessage: (m) => {
                progress.report({ message: m });
                last = 0;
              },
            });
          },
        );
        void vscode.window.showInformationMessage(`${target}: fetched and verified (${r.transferred.length ? r.transferred.join(', ') : 'already in the cache'}) — ${r.dir}`);
      } catch (e) {
        if (cancelled) void vscode.window.showInformationMessage(`Fetching ${target} cancelled: the bytes received are kept and the next fetch resumes them.`);
        else void vscode.window.showErrorMessage(`Fetching ${target} failed: ${(e as Error).message}`);
      } finally {
        opts.refresh();
      }
    }),
    vscode.commands.registerCommand('reclab.reproduce', async (uri?: vscode.Uri) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('RecLab: Restricted Mode — trust the workspace to run a suite (it trains models).');
        return;
      }
      let suite = uri?.fsPath;
      if (!suite) {
        const found = await vscode.workspace.findFiles('**/*.suite.json', '**/node_modules/**', 200);
        const bundled = path.join(opts.extensionPath, 'suites');
        const files = [...found.map((u) => u.fsPath), ...(fs.existsSync(bundled) ? fs.readdirSync(bundled).filter((f) => f.endsWith('.suite.json')).map((f) => path.join(bundled, f)) : [])];
        const pick = await vscode.window.showQuickPick(
          [...new Set(files)].map((f) => ({ label: path.basename(f, '.suite.json'), description: vscode.workspace.asRelativePath(f), file: f })),
          { title: 'RecLab: Reproduce a Paper Table', placeHolder: 'suite to run (each row is a training run)' },
        );
        suite = pick?.file;
      }
      if (!suite) return;
      const executor = await pickExecutor();
      if (!executor) return;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(suite);
      const out = path.join(folder, 'reproductions');
      const name = path.basename(suite, '.suite.json');
      const terminal = vscode.window.createTerminal({
        name: `RecLab reproduce ${name}`,
        shellPath: process.execPath,
        shellArgs: [path.join(opts.extensionPath, 'dist', 'cli.js'), 'reproduce', suite, '--executor', executor, '--runs-dir', opts.runsDir, '--out', out],
        env: { ELECTRON_RUN_AS_NODE: '1' },
        cwd: folder,
      });
      terminal.show();
      // the results fill in live: reproduce rewrites <out>/<suite>.results.json whenever a row's state changes, and the
      // reproduction view follows that file (it says so until the first version exists)
      opts.openReproduction(path.join(out, `${name}.results.json`), { beside: true });
    }),
    vscode.commands.registerCommand('reclab.openReproduction', async (uri?: vscode.Uri) => {
      const file = uri?.fsPath ?? (await pickResultsFile());
      if (file) opts.openReproduction(file);
    }),
  ];
}

/**
 * Where the suite's rows run: on this machine one at a time, or each as a Slurm job (`reclab reproduce --executor`,
 * docs/scale.md). Slurm is offered when `sbatch` is on PATH; otherwise the entry says why it is not.
 */
async function pickExecutor(): Promise<'local' | 'slurm' | undefined> {
  const sbatch = sbatchOnPath();
  const items = [
    { label: '$(device-desktop) On this machine', description: 'one row at a time', executor: 'local' as const },
    sbatch
      ? { label: '$(server-environment) On Slurm', description: `each row a Slurm job (${sbatch})`, executor: 'slurm' as const }
      : { label: '$(server-environment) On Slurm', description: 'not available: sbatch is not on PATH (docs/scale.md)', executor: undefined },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'RecLab: Reproduce a Paper Table', placeHolder: 'where the rows run' });
  if (pick && !pick.executor) {
    void vscode.window.showWarningMessage('RecLab: Slurm is not available here: sbatch is not on PATH. Run VS Code on the cluster\'s login node (Remote-SSH; docs/scale.md), or run the rows on this machine.');
    return undefined;
  }
  return pick?.executor;
}

/** The workspace's reproductions/ and docs/reproductions/ (where `reclab reproduce` and the repository keep results). */
function resultsFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).flatMap((f) => ['reproductions', 'docs/reproductions'].map((d) => path.join(f.uri.fsPath, d))).filter((d) => fs.existsSync(d));
}

/** A `*.results.json` of those folders, or any other through the file dialog. */
async function pickResultsFile(): Promise<string | undefined> {
  const folders = resultsFolders();
  const files = folders.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.results.json')).map((f) => path.join(d, f)));
  const browse = { label: '$(folder-opened) Browse…', description: 'another results file', file: '' };
  const pick = files.length
    ? await vscode.window.showQuickPick([...files.map((f) => ({ label: path.basename(f, '.results.json'), description: vscode.workspace.asRelativePath(f), file: f })), browse],
      { title: 'RecLab: Open Reproduction Results', placeHolder: 'results of `reclab reproduce` (<suite>.results.json)' })
    : browse;
  if (!pick) return undefined;
  if (pick.file) return pick.file;
  const chosen = await vscode.window.showOpenDialog({
    title: 'RecLab: Open Reproduction Results', canSelectMany: false, openLabel: 'Open results',
    defaultUri: folders[0] ? vscode.Uri.file(folders[0]) : vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'Reproduction results (*.results.json)': ['json'] },
  });
  return chosen?.[0]?.fsPath;
}
