/**
 * Every RecLab command. Commands invoked from the Runs tree get (clicked node, selected nodes); from the palette they
 * ask with a quick pick.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunStore } from '../runs/store';
import type { RunRecord } from '../runs/reader';
import { RUN_FILES, type RunInfo } from '../runs/format';
import { writeJsonAtomic } from '../runs/writer';
import { runsToCsv } from './host/csv';
import { describeRun } from './host/format';
import type { ProcessManager } from './host/manager';
import { expandGrid, formatOverrides } from './host/queue';
import { GROUPINGS, type Grouping, type RunRow } from './host/runTree';
import { choicesFromSchema, composeConfig, configFileName, MODEL_CHOICES } from './host/templates';
import { exampleCopy } from './host/examples';
import { problemsBeforeTrain, configLabel, type ConfigDiagnostics } from './configDiagnostics';
import type { EngineLog } from './engineLog';
import type { Panels } from './panelsBridge';
import type { RunsTreeProvider } from './runsView';
import { readSettings, type BackendSetting } from './settings';
import { cancelSlurmRun } from '../scale/slurm/runs';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  store: RunStore;
  manager: ProcessManager;
  tree: RunsTreeProvider;
  panels: Panels;
  log: EngineLog;
  /** config problems in the Problems panel; Train refuses a config that has any */
  diagnostics?: ConfigDiagnostics;
}

const CONFIG_GLOB = '**/*.reclab.json';

/** commands that start, stop or change runs: refused in Restricted Mode (package.json capabilities.untrustedWorkspaces) */
const NEEDS_TRUST = new Set([
  'reclab.train', 'reclab.trainPick', 'reclab.trainSweep', 'reclab.stopRun', 'reclab.stopAll', 'reclab.rerun', 'reclab.compareConfigs',
  'reclab.renameRun', 'reclab.addNote', 'reclab.deleteRuns', 'reclab.selectBackend', 'reclab.newConfig',
]);

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    if (NEEDS_TRUST.has(id) && !vscode.workspace.isTrusted) {
      const a = await vscode.window.showWarningMessage('RecLab: Restricted Mode shows runs read-only — trust this workspace to train, stop, rename or delete runs.', 'Manage Workspace Trust');
      if (a) await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    try {
      await fn(...args);
    } catch (e) {
      d.log.line(`${id} failed: ${(e as Error).stack ?? e}`);
      void vscode.window.showErrorMessage(`RecLab: ${(e as Error).message}`);
    }
  });

  return [
    reg('reclab.train', async (arg?: unknown) => {
      const uri = configUriFrom(arg) ?? activeConfig() ?? (await pickConfig('Train which config?'));
      if (uri) await launch(d, uri);
    }),
    reg('reclab.trainPick', async () => {
      const uri = await pickConfig('Train which config?');
      if (uri) await launch(d, uri);
    }),
    reg('reclab.trainSweep', async (arg?: unknown) => {
      const uri = configUriFrom(arg) ?? activeConfig() ?? (await pickConfig('Run the sweep of which config?'));
      if (uri) await launchSweep(d, uri);
    }),
    reg('reclab.stopRun', async (clicked?: unknown, selection?: unknown) => {
      // runs on Slurm (queued or running on the cluster): Stop cancels the job (scancel); the run ends as stopped
      const onSlurm = runIds(d, clicked, selection).map((id) => d.store.get(id)).filter((r) => r && !d.manager.isManaged(r.id) && r.info.job?.executor === 'slurm' && r.info.job.id && (r.info.status === 'queued' || r.info.status === 'running'));
      await Promise.all(onSlurm.map((r) => cancelSlurmRun(path.dirname(r!.dir), r!.id, r!.info.job!.id)));
      let ids = runIds(d, clicked, selection).filter((id) => d.manager.isManaged(id));
      if (!ids.length && !onSlurm.length) ids = await pickRuns(d, 'Stop which run?', (r) => r.info.status === 'running', true);
      await Promise.all(ids.map((id) => d.manager.stop(id)));
      d.tree.refreshNow();
    }),
    reg('reclab.stopAll', async () => {
      await d.manager.stopAll();
      d.tree.refreshNow();
    }),
    reg('reclab.rerun', async (clicked?: unknown, selection?: unknown) => {
      let ids = runIds(d, clicked, selection);
      if (!ids.length) ids = await pickRuns(d, 'Rerun which runs?', () => true, true);
      for (const id of ids) {
        const r = d.store.get(id);
        if (!r) continue;
        const resolved = path.join(r.dir, RUN_FILES.config);
        const source = r.info.configPath && fs.existsSync(r.info.configPath) ? r.info.configPath : resolved;
        const point = r.info.sweepPoint ?? {};
        const overrides = source === resolved ? [] : formatOverrides(point);
        enqueue(d, source, r.info.experiment || r.info.name, overrides, point);
      }
    }),
    reg('reclab.openDashboard', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : runIds(d, arg)[0] ?? (await pickRuns(d, 'Open the dashboard of which run?', () => true, false))[0];
      if (id) d.panels.openDashboard(id);
    }),
    reg('reclab.compareRuns', async (clicked?: unknown, selection?: unknown) => {
      let ids = runIds(d, clicked, selection);
      if (ids.length < 2) {
        // from the palette: the Runs tree's selection, when it holds two or more runs
        const selected = d.tree.selectedRuns().filter((r) => !r.pending).map((r) => r.id);
        const known = [...new Set([...ids, ...selected])];
        ids = known.length >= 2 ? known : await pickRuns(d, 'Compare which runs? (pick two or more)', () => true, true, known);
      }
      if (ids.length < 2) {
        void vscode.window.showInformationMessage('RecLab: select at least two runs to compare.');
        return;
      }
      d.panels.openCompare(ids);
    }),
    reg('reclab.compareConfigs', async (arg?: unknown) => {
      const left = configUriFrom(arg) ?? activeConfig() ?? (await pickConfig('First config'));
      if (!left) return;
      const right = await pickConfig(`Compare ${path.basename(left.fsPath)} with…`, left);
      if (!right) return;
      await vscode.commands.executeCommand('vscode.diff', left, right, `${path.basename(left.fsPath)} ↔ ${path.basename(right.fsPath)}`);
      const a = await vscode.window.showInformationMessage('RecLab: train both configs?', 'Train Both');
      if (a === 'Train Both') {
        await launch(d, left);
        await launch(d, right);
      }
    }),
    reg('reclab.renameRun', async (clicked?: unknown) => {
      const r = await oneRun(d, clicked, 'Rename which run?');
      if (!r || !editable(r)) return;
      const name = await vscode.window.showInputBox({ title: 'Rename run', value: r.info.name, validateInput: (v) => (v.trim() ? undefined : 'a name is required') });
      if (name) updateInfo(d, r, { name: name.trim() });
    }),
    reg('reclab.addNote', async (clicked?: unknown) => {
      const r = await oneRun(d, clicked, 'Annotate which run?');
      if (!r || !editable(r)) return;
      const note = await vscode.window.showInputBox({ title: `Note for ${r.info.name}`, value: r.info.note ?? '', prompt: 'Shown in the tooltip and searchable with the filter; empty removes it' });
      if (note !== undefined) updateInfo(d, r, { note: note.trim() || undefined });
    }),
    reg('reclab.deleteRuns', async (clicked?: unknown, selection?: unknown) => {
      let ids = runIds(d, clicked, selection);
      if (!ids.length) ids = await pickRuns(d, 'Delete which runs?', () => true, true);
      if (!ids.length) return;
      const names = ids.map((id) => d.store.get(id)?.info.name ?? id);
      const ok = await vscode.window.showWarningMessage(
        `Delete ${ids.length} run${ids.length > 1 ? 's' : ''}? This removes ${ids.length > 1 ? 'their folders' : 'its folder'} from disk.`,
        { modal: true, detail: names.slice(0, 10).join('\n') + (names.length > 10 ? `\n… and ${names.length - 10} more` : '') }, 'Delete');
      if (ok !== 'Delete') return;
      for (const id of ids) {
        if (d.manager.isManaged(id)) await d.manager.stop(id);
        const r = d.store.get(id);
        if (r) await fs.promises.rm(r.dir, { recursive: true, force: true });
        await fs.promises.rm(d.manager.captureFileOf(id), { force: true });
      }
    }),
    reg('reclab.revealRun', async (clicked?: unknown) => {
      const r = await oneRun(d, clicked, 'Reveal which run?');
      if (!r) return;
      const uri = vscode.Uri.file(path.join(r.dir, RUN_FILES.info));
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    }),
    reg('reclab.openRunConfig', async (clicked?: unknown) => {
      const r = await oneRun(d, clicked, 'Open the config of which run?');
      if (r) await vscode.window.showTextDocument(vscode.Uri.file(path.join(r.dir, RUN_FILES.config)), { preview: true });
    }),
    reg('reclab.showRunLog', async (arg?: unknown) => {
      const r = typeof arg === 'string' ? d.store.get(arg) : await oneRun(d, arg, 'Show the log of which run?');
      if (!r) return d.log.show();
      const file = path.join(r.dir, RUN_FILES.log);
      if (fs.existsSync(file)) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
      else d.log.show();
    }),
    reg('reclab.exportCsv', async (clicked?: unknown, selection?: unknown) => {
      let ids = runIds(d, clicked, selection);
      if (!ids.length) ids = await pickRuns(d, 'Export which runs? (none picked = all)', () => true, true);
      const records = (ids.length ? ids.map((id) => d.store.get(id)) : d.store.list()).filter((r): r is RunRecord => !!r);
      if (!records.length) return;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, 'reclab-metrics.csv') : undefined, filters: { CSV: ['csv'] }, title: 'Export metrics as CSV',
      });
      if (!target) return;
      const csv = runsToCsv(records.map((record) => ({ record, events: d.store.events(record.id) })));
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(csv));
      const a = await vscode.window.showInformationMessage(`RecLab: exported ${records.length} run(s) to ${path.basename(target.fsPath)}`, 'Open');
      if (a) await vscode.window.showTextDocument(target);
    }),
    reg('reclab.showEngineLog', () => d.log.show()),
    reg('reclab.selectBackend', async () => {
      const current = readSettings().backend;
      const items: (vscode.QuickPickItem & { value: BackendSetting })[] = [
        { value: 'auto', label: 'auto', description: 'tfjs-node when installed, then wasm, then cpu' },
        { value: 'tensorflow', label: 'tensorflow', description: 'native tfjs-node (must be installed)' },
        { value: 'wasm', label: 'wasm', description: 'WebAssembly backend' },
        { value: 'cpu', label: 'cpu', description: 'pure JavaScript backend' },
      ].map((i) => ({ ...i, picked: i.value === current, label: i.value === current ? `$(check) ${i.label}` : i.label })) as never;
      const pick = await vscode.window.showQuickPick(items, { title: 'Compute backend for new runs' });
      if (pick) await vscode.workspace.getConfiguration('reclab').update('backend', pick.value, vscode.ConfigurationTarget.Workspace);
    }),
    reg('reclab.newConfig', () => newConfig(d)),
    reg('reclab.openExample', () => openExample(d)),
    reg('reclab.openTerminal', () => openCliTerminal(d)),
    reg('reclab.filterRuns', async () => {
      const text = await vscode.window.showInputBox({ title: 'Filter runs', value: d.tree.filter, prompt: 'Words to match in name, id, status, dataset, note, sweep point (empty clears)' });
      if (text !== undefined) d.tree.setFilter(text);
    }),
    reg('reclab.clearFilter', () => d.tree.setFilter('')),
    reg('reclab.groupBy', async () => {
      const labels: Record<Grouping, string> = { experiment: 'Experiment', dataset: 'Dataset', flat: 'No grouping' };
      const pick = await vscode.window.showQuickPick(GROUPINGS.map((g) => ({ label: labels[g], g, description: g === d.tree.currentGrouping ? 'current' : '' })), { title: 'Group runs by' });
      if (pick) await d.tree.setGrouping(pick.g);
    }),
    reg('reclab.refreshRuns', () => d.tree.refreshNow()),
  ];
}

// --- launching ----------------------------------------------------------------------------------------------------

async function launch(d: CommandDeps, uri: vscode.Uri, extra: string[] = [], point?: Record<string, unknown>, checked = false): Promise<string | undefined> {
  if (!checked && !(await configIsValid(d, uri))) return undefined;
  const json = await readConfigJson(uri);
  if (!json) return undefined;
  const id = enqueue(d, uri.fsPath, typeof json.name === 'string' ? json.name : path.basename(uri.fsPath, '.reclab.json'), extra, point);
  if (readSettings().openDashboardOnTrain) openDashboardWhenCreated(d, id);
  return id;
}

/**
 * Checks a config as the engine will before anything starts. With problems, shows them as a list (and in the
 * Problems panel) and returns false: nothing is queued and nothing says "started".
 */
async function configIsValid(d: CommandDeps, uri: vscode.Uri): Promise<boolean> {
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch (e) {
    void vscode.window.showErrorMessage(`RecLab: cannot read ${configLabel(uri)}: ${(e as Error).message}`);
    return false;
  }
  if (doc.isDirty) await doc.save();
  const problems = problemsBeforeTrain(d.diagnostics, doc);
  if (!problems) return true;
  const n = problems.length;
  const a = await vscode.window.showErrorMessage(
    `RecLab: ${configLabel(uri)} has ${n} problem${n === 1 ? '' : 's'}; training was not started.`,
    { modal: true, detail: problems.join('\n') },
    'Show Problems',
  );
  if (a === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  return false;
}

/** Opens a launched run's dashboard beside the editor once its run folder exists (setting reclab.openDashboardOnTrain). */
function openDashboardWhenCreated(d: CommandDeps, id: string): void {
  if (d.store.get(id)) {
    d.panels.openDashboard(id, { beside: true });
    return;
  }
  const sub = d.store.onDidChange((c) => {
    if (c.id !== id || !c.record) return;
    sub.dispose();
    clearTimeout(timer);
    d.panels.openDashboard(id, { beside: true });
  });
  // a launch that never starts (removed from the queue, failed to spawn) stops waiting
  const timer = setTimeout(() => sub.dispose(), 30 * 60_000);
}

function enqueue(d: CommandDeps, configPath: string, label: string, extra: string[], point?: Record<string, unknown>): string {
  const s = readSettings();
  const overrides = [...(s.backend !== 'auto' ? formatOverrides({ 'train.backend': s.backend }) : []), ...extra];
  const q = d.manager.enqueue({ configPath, overrides, label, sweepPoint: point });
  d.tree.refreshNow();
  const queuedBehind = d.manager.isQueued(q.id) ? ` (queued: ${d.manager.queued().length} waiting)` : '';
  vscode.window.setStatusBarMessage(`RecLab: started ${label}${queuedBehind}`, 4000);
  return q.id;
}

/**
 * "Run Sweep of Config": the config's grid (`sweep`) or search (`search`) becomes a sweep record in the runs folder,
 * driven trial by trial by the sweep controller (reclab.searchSweep, src/scale/driver.ts), so a window reload or a
 * crash loses no queued point — the extension resumes the sweep on activation.
 */
async function launchSweep(d: CommandDeps, uri: vscode.Uri): Promise<void> {
  if (!(await configIsValid(d, uri))) return;
  const json = await readConfigJson(uri);
  if (!json) return;
  const points = expandGrid(json.sweep as Record<string, unknown[]> | undefined);
  if (!points.length && json.search === undefined) {
    void vscode.window.showInformationMessage('RecLab: this config has no "sweep" section; training it once.');
    await launch(d, uri);
    return;
  }
  if (points.length > 20) {
    const ok = await vscode.window.showWarningMessage(`The sweep has ${points.length} points. Queue them all?`, { modal: true }, 'Queue All');
    if (ok !== 'Queue All') return;
  }
  await vscode.commands.executeCommand('reclab.searchSweep', uri);
}

async function readConfigJson(uri: vscode.Uri): Promise<Record<string, unknown> | undefined> {
  const open = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString());
  if (open?.isDirty) await open.save();
  try {
    const text = open ? open.getText() : Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    void vscode.window.showErrorMessage(`RecLab: ${path.basename(uri.fsPath)} is not valid JSON (${(e as Error).message})`);
    return undefined;
  }
}

// --- new config ---------------------------------------------------------------------------------------------------

async function newConfig(d: CommandDeps): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    void vscode.window.showWarningMessage('RecLab: open a folder first.');
    return;
  }
  let schema: unknown;
  try {
    schema = JSON.parse(fs.readFileSync(path.join(d.context.extensionPath, 'dist', 'schema', 'reclab.schema.json'), 'utf8'));
  } catch {
    schema = undefined;
  }
  const choices = choicesFromSchema(schema);
  const title = 'New RecLab experiment';
  const model = await vscode.window.showQuickPick(MODEL_CHOICES.map((m) => ({ label: m.label, description: m.description, m })), { title: `${title} (1/4): model` });
  if (!model) return;
  const pickKind = async (step: string, list: { kind: string; description: string }[]) =>
    (await vscode.window.showQuickPick(list.map((c) => ({ label: c.kind, detail: c.description })), { title: `${title} ${step}`, matchOnDetail: true }))?.label;
  const loss = model.m.model.kind === 'mostpop' ? choices.losses[0]!.kind : await pickKind('(2/4): loss', choices.losses);
  if (!loss) return;
  const sampler = model.m.model.kind === 'mostpop' ? choices.samplers[0]!.kind : await pickKind('(3/4): negative sampler', choices.samplers);
  if (!sampler) return;
  const dataset = await pickKind('(4/4): dataset', choices.datasets);
  if (!dataset) return;
  const suggested = `${dataset}-${model.m.model.kind}-${loss}-${sampler}`;
  const name = await vscode.window.showInputBox({ title: `${title}: name`, value: suggested, validateInput: (v) => (v.trim() ? undefined : 'a name is required') });
  if (!name) return;
  let target = vscode.Uri.joinPath(folder, configFileName(name));
  for (let i = 2; fs.existsSync(target.fsPath); i++) target = vscode.Uri.joinPath(folder, configFileName(`${name}-${i}`));
  const config = composeConfig({ name: name.trim(), dataset, model: model.m, loss, sampler });
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
  await vscode.window.showTextDocument(target);
}

// --- examples and the CLI -----------------------------------------------------------------------------------------

/**
 * Copies one of the bundled examples into the workspace and opens it. The copy drops the example's relative
 * "$schema" (it only resolves inside the RecLab repository and would override the extension's schema: no completion,
 * "Unable to load schema"); the *.reclab.json name gives it the extension's schema.
 */
async function openExample(d: CommandDeps): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    void vscode.window.showWarningMessage('RecLab: open a folder first.');
    return;
  }
  const dir = path.join(d.context.extensionPath, 'examples');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.reclab.json')).sort() : [];
  if (!files.length) {
    void vscode.window.showWarningMessage('RecLab: this installation has no examples.');
    return;
  }
  const items = files.map((f) => {
    let description = '';
    try {
      description = String((JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { description?: unknown }).description ?? '');
    } catch {
      /* listed without a description */
    }
    return { label: f.replace(/\.reclab\.json$/, ''), detail: description, f };
  });
  const pick = await vscode.window.showQuickPick(items, { title: 'Open an example experiment (a copy goes into the workspace)', matchOnDetail: true });
  if (!pick) return;
  const text = exampleCopy(fs.readFileSync(path.join(dir, pick.f), 'utf8'));
  let target = vscode.Uri.joinPath(folder, pick.f);
  for (let i = 2; fs.existsSync(target.fsPath); i++) target = vscode.Uri.joinPath(folder, pick.f.replace(/\.reclab\.json$/, `-${i}.reclab.json`));
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  await vscode.window.showTextDocument(target);
}

/** An integrated terminal where `reclab` runs this extension's CLI (a small launcher put first on PATH). */
async function openCliTerminal(d: CommandDeps): Promise<void> {
  const bin = path.join(d.context.globalStorageUri.fsPath, 'bin');
  await fs.promises.mkdir(bin, { recursive: true });
  const cli = path.join(d.context.extensionPath, 'dist', 'cli.js');
  if (process.platform === 'win32') {
    await fs.promises.writeFile(path.join(bin, 'reclab.cmd'), `@"${process.execPath}" "${cli}" %*\r\n`);
  } else {
    const file = path.join(bin, 'reclab');
    // the extension host's own node runs the CLI, so no separate Node installation is needed
    await fs.promises.writeFile(file, `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
    await fs.promises.chmod(file, 0o755);
  }
  const term = vscode.window.createTerminal({
    name: 'RecLab',
    cwd: vscode.workspace.workspaceFolders?.[0]?.uri,
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    message: 'reclab is on PATH in this terminal: try  reclab --help  or  reclab train <config>.reclab.json',
  });
  term.show();
}

// --- picking ------------------------------------------------------------------------------------------------------

function configUriFrom(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath.endsWith('.json') ? arg : undefined;
  if (arg && typeof arg === 'object' && 'path' in arg && (arg as { kind?: string }).kind === 'config') return vscode.Uri.file((arg as { path: string }).path);
  return undefined;
}

function activeConfig(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.fsPath.endsWith('.reclab.json') ? doc.uri : undefined;
}

async function pickConfig(title: string, exclude?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const uris = (await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 500))
    .filter((u) => !exclude || u.fsPath !== exclude.fsPath)
    .sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  if (!uris.length) {
    const a = await vscode.window.showInformationMessage('RecLab: no *.reclab.json config in this workspace.', 'Create an Experiment');
    if (a) await vscode.commands.executeCommand('reclab.newConfig');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    uris.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(path.dirname(u.fsPath)), u })),
    { title, matchOnDescription: true });
  return pick?.u;
}

function runIds(d: CommandDeps, clicked?: unknown, selection?: unknown): string[] {
  if (typeof clicked === 'string') return [clicked];
  if (Array.isArray(clicked) && clicked.every((x) => typeof x === 'string')) return clicked as string[];
  if (!clicked && !selection) return [];
  // a context menu on a row outside the selection acts on that row (VS Code may pass an empty or other selection)
  const sel = Array.isArray(selection) ? selection : undefined;
  const clickedId = clicked && typeof clicked === 'object' && 'id' in clicked ? (clicked as { id: unknown }).id : undefined;
  const inSelection = !!sel && sel.some((n) => n && typeof n === 'object' && ((n as { id?: unknown }).id === clickedId || (n as { kind?: string; runs?: { id: unknown }[] }).runs?.some((r) => r.id === clickedId)));
  return d.tree.selectedRuns(clicked, clicked && !inSelection ? undefined : selection).map((r: RunRow) => r.id);
}

async function pickRuns(d: CommandDeps, title: string, filter: (r: RunRecord) => boolean, many: boolean, preselected: string[] = []): Promise<string[]> {
  const metric = readSettings().defaultMetric;
  const items = [
    ...d.manager.queued().map((q) => ({ label: `$(clock) ${q.request.label}`, description: 'queued', id: q.id, picked: false })),
    ...d.store.list().filter(filter).map((r) => ({ label: r.info.name, description: describeRun(r, metric), detail: r.id, id: r.id, picked: preselected.includes(r.id) })),
  ];
  if (!items.length) {
    void vscode.window.showInformationMessage('RecLab: no matching runs.');
    return [];
  }
  if (many) return ((await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDetail: true })) ?? []).map((i) => i.id);
  const one = await vscode.window.showQuickPick(items, { title, matchOnDetail: true });
  return one ? [one.id] : [];
}

async function oneRun(d: CommandDeps, clicked: unknown, title: string): Promise<RunRecord | undefined> {
  const id = runIds(d, clicked)[0] ?? (await pickRuns(d, title, () => true, false))[0];
  return id ? d.store.get(id) : undefined;
}

function editable(r: RunRecord): boolean {
  if (r.info.status !== 'running') return true;
  void vscode.window.showInformationMessage('RecLab: the run is still writing run.json; rename or annotate it once it has ended.');
  return false;
}

function updateInfo(d: CommandDeps, r: RunRecord, patch: Partial<RunInfo>): void {
  const file = path.join(r.dir, RUN_FILES.info);
  const current = JSON.parse(fs.readFileSync(file, 'utf8')) as RunInfo;
  writeJsonAtomic(file, { ...current, ...patch });
  d.store.refresh(r.id);
}
